import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { examplePageFiles } from '../../examples/web/page-files.js';
import { createClient, type PantryClient } from '../../src/index.js';
import { startPantryStack, type PantryStack } from '../../src/testing/index.js';
import { type BrowserPage, bundle, haveChromium, launchChromium, servePage } from './browser.js';

// @pantry/client/web in real headless Chromium (Debian's chromium, over the DevTools protocol),
// against the real Go server behind the real Envoy: the mutual-TLS listener (client certificate
// from an NSS database, presented by policy) and the JWT listener.

const run = haveChromium('test/web/browser.test.ts');
let stack: PantryStack;
let node: PantryClient;
let page: BrowserPage;
let server: { origin: string; close(): void };
const key = () => `browser-${Math.random().toString(36).slice(2)}`;

beforeAll(async () => {
  if (!run) return;
  stack = await startPantryStack({ runtime: 'process', faultInjection: true, web: true });
  node = createClient(stack.address, stack.certDir);
  const script = await bundle('test/web/page/page.ts');
  server = await servePage({
    '/': ['text/html', '<!doctype html><title>pantry test page</title><body><script src="/app.js"></script></body>'],
    '/app.js': ['text/javascript', script],
    ...Object.fromEntries(Object.entries(await examplePageFiles()).map(([path, file]) => [`/example${path}`, file])),
  });
  page = await launchChromium(stack.certDir, stack.web!.mtlsUrl);
  await page.open(`${server.origin}/`);
  expect(await page.run('return document.body.dataset.ready')).toBe('true');
}, 180_000);

afterAll(async () => {
  await page?.close();
  server?.close();
  node?.close();
  await stack?.stop();
});

/** A page-side expression that reports a failed call as plain data. */
const asResult = (call: string) => `
  try { return { ok: await ${call} }; }
  catch (e) {
    return { code: e.codeName, details: e.details, hint: e.hint, attempts: e.attempts, isPantryError: pantry.PantryError.is(e),
             resource: e.findDetails ? e.findDetails(pantry.ResourceInfo)[0]?.resourceName : undefined };
  }`;

interface Result {
  ok?: unknown;
  code?: string;
  details?: string;
  hint?: string;
  attempts?: number;
  isPantryError?: boolean;
  resource?: string;
}

describe.runIf(run)('the example page (examples/web) in headless Chromium', () => {
  it('lists the foods about to expire and shows one added from Node live', async () => {
    const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
    for (const [name, quantity, unit, inDays] of [
      ['Bottled water 2 L', 6, 'bottle', 5],
      ['Canned mackerel', 4, 'can', 2],
      ['Rice crackers', 2, 'bag', 0],
    ] as const)
      await node.foodStorage.addFood({ food: { name, quantity, unit, bestBefore: day(inDays) } });
    const token = stack.web!.mintToken();
    await page.open(`${server.origin}/example/?api=${encodeURIComponent(stack.web!.jwtUrl)}&token=${token}&days=7`);
    const names = () =>
      page.run<string[]>("return [...document.querySelectorAll('#foods li')].map((li) => li.textContent)");
    await expect
      .poll(names, { timeout: 15_000 })
      .toEqual([
        'Rice crackers × 2 bagtoday',
        'Canned mackerel × 4 canin 2 days',
        'Bottled water 2 L × 6 bottlein 5 days',
      ]);
    await new Promise((r) => setTimeout(r, 1_200)); // past the page's snapshot second: later items are marked new
    await node.foodStorage.addFood({ food: { name: 'Canned beans', quantity: 1, unit: 'can', bestBefore: day(1) } });
    await expect.poll(names, { timeout: 15_000 }).toContain('Canned beans × 1 canin 1 day');
    expect(await page.run("return document.querySelector('#status').textContent")).toMatch(/^live: /);
    const png = await page.screenshot();
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    // PANTRY_UPDATE_SCREENSHOT=1 refreshes the README's picture from this run.
    if (process.env.PANTRY_UPDATE_SCREENSHOT) writeFileSync('docs/web-example.png', png);
    await page.open(`${server.origin}/`);
  });
});

describe.runIf(run)('in headless Chromium, over the mutual-TLS listener (client certificate by policy)', () => {
  const client = () => `pantry.createWebClient(${JSON.stringify(stack.web!.mtlsUrl)})`;

  it('calls Hello', async () => {
    const r = await page.run<Result>(asResult(`${client()}.hello.hello({ name: 'chromium' })`));
    expect(r).toEqual({ ok: { message: 'Hello, chromium!' } });
  });

  it('adds a food, then lists it', async () => {
    const name = key();
    const r = await page.run<Result>(`
      const c = ${client()};
      await c.foodStorage.addFood({ food: { name: ${JSON.stringify(name)}, quantity: 3 } });
      const { foods } = await c.foodStorage.listFoods({ pageSize: 1000 });
      return { ok: foods.filter((f) => f.name === ${JSON.stringify(name)}).map((f) => f.quantity) };`);
    expect(r).toEqual({ ok: [3] });
  });

  it("shows a food added from Node in the page's live watch", async () => {
    const first = key();
    const later = key();
    await node.foodStorage.addFood({ food: { name: first, quantity: 1, bestBefore: '2000-01-01' } });
    await page.run(`
      window.seen = []; window.watchEnd = undefined; window.stopWatch = new AbortController();
      const watch = ${client()}.foodStorage.watchExpiringFoods({ withinDays: 1, follow: true }, { signal: window.stopWatch.signal });
      (async () => {
        try { for await (const { food } of watch) window.seen.push(food.name); }
        catch (e) { window.watchEnd = e.codeName; }
      })();`);
    const seen = async (name: string) => {
      for (const until = Date.now() + 15_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100)))
        if ((await page.run<string[]>('return window.seen')).includes(name)) return true;
      return false;
    };
    expect(await seen(first)).toBe(true); // the snapshot: the watch is open and subscribed
    await node.foodStorage.addFood({ food: { name: later, quantity: 1, bestBefore: '2000-01-02' } });
    expect(await seen(later)).toBe(true);
    await page.run('window.stopWatch.abort()');
    await expect.poll(() => page.run('return window.watchEnd'), { timeout: 5_000 }).toBe('CANCELLED');
  });

  it('ends a slow call at its deadline', async () => {
    const r = await page.run<Result>(
      asResult(
        `${client()}.hello.hello({}, { deadlineMs: 500, metadata: { 'pantry-fault-delay-ms': '5000', 'pantry-fault-key': '${key()}' } })`,
      ),
    );
    expect(r.code).toBe('DEADLINE_EXCEEDED');
    expect(r.hint).toMatch(/deadline of 500 ms/);
  });

  it('retries an UNAVAILABLE of a safe call and succeeds', async () => {
    const r = await page.run<Result>(`
      const attempts = [];
      const c = pantry.createWebClient(${JSON.stringify(stack.web!.mtlsUrl)}, {
        attemptInterceptors: [(next) => (req) => { attempts.push(req.attempt); return next(req); }],
      });
      await c.foodStorage.listFoods({ pageSize: 1 }, { metadata: { 'pantry-fault-code': 'UNAVAILABLE', 'pantry-fault-times': '1', 'pantry-fault-key': '${key()}' } });
      return { ok: attempts };`);
    expect(r).toEqual({ ok: [1, 2] });
  });

  it('traces the call to a logger of the page', async () => {
    const lines = await page.run<string[]>(`
      const lines = [];
      const logger = { debug: (l) => lines.push(l), info() {}, warn() {}, error() {} };
      await pantry.createWebClient(${JSON.stringify(stack.web!.mtlsUrl)}, { trace: 'call', logger }).hello.hello({});
      return lines;`);
    expect(lines.some((l) => /^call \| \/hello\.v1\.HelloService\/Hello attempt=1 .*status=OK/.test(l))).toBe(true);
  });

  it('reports NOT_FOUND as a PantryError with its google.rpc details', async () => {
    const r = await page.run<Result>(asResult(`${client()}.foodStorage.getFood({ id: 'no-such-food' })`));
    expect(r).toMatchObject({ code: 'NOT_FOUND', isPantryError: true, attempts: 1, resource: 'no-such-food' });
  });
});

describe.runIf(run)('in headless Chromium, over the JWT listener (no client certificate)', () => {
  const call = (token: string | undefined) =>
    asResult(
      `pantry.createWebClient(${JSON.stringify(stack.web!.jwtUrl)}, ${token === undefined ? "{ credentials: 'omit' }" : `{ token: ${JSON.stringify(token)} }`}).hello.hello({ name: 'jwt' })`,
    );

  it('serves a call with a valid token', async () => {
    expect(await page.run<Result>(call(stack.web!.mintToken()))).toEqual({ ok: { message: 'Hello, jwt!' } });
  });

  it('refuses a missing and an expired token as UNAUTHENTICATED with a hint', async () => {
    for (const [token, text] of [
      [undefined, /Jwt is missing/],
      [stack.web!.mintToken({ expiresInS: -120 }), /Jwt is expired/],
    ] as const) {
      const r = await page.run<Result>(call(token));
      expect(r.code).toBe('UNAUTHENTICATED');
      expect(r.details).toMatch(text);
      expect(r.hint).toMatch(/bearer token \(Envoy jwt_authn\)/);
    }
  });
});
