import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CallFn, CallRequest } from '../../src/index.js';

// request_id: a v4 UUID, from crypto.randomUUID or, where a page has none, from getRandomValues.

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function idsFrom(count: number): Promise<string[]> {
  const { requestIdStage } = await import('../../src/pipeline/request-id.js');
  const seen: string[] = [];
  const next: CallFn = async (req) => {
    seen.push((req.message as { requestId: string }).requestId);
    return { kind: 'unary', message: {} } as never;
  };
  const call = requestIdStage()(next);
  const req = { method: { hasRequestId: true }, message: { requestId: '' } } as unknown as CallRequest;
  for (let i = 0; i < count; i++) await call(req);
  return seen;
}

describe('requestIdStage', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it('fills in a fresh v4 UUID per call with crypto.randomUUID', async () => {
    vi.resetModules();
    const ids = await idsFrom(3);
    for (const id of ids) expect(id).toMatch(V4);
    expect(new Set(ids).size).toBe(3);
  });

  it('builds a v4 UUID from getRandomValues where randomUUID is missing (plain-http pages)', async () => {
    vi.resetModules();
    const getRandomValues = (b: Uint8Array) => b.fill(0xff);
    vi.stubGlobal('crypto', { getRandomValues });
    const [id] = await idsFrom(1);
    // all bits set, then the version (4) and variant (10xx) bits forced
    expect(id).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
  });
});
