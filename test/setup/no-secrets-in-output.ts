import { afterAll, expect } from 'vitest';

// Across every test file: nothing written to stdout or stderr (trace lines, warnings, logs) may
// carry private key material or the secret metadata values the tests send.
// Every ECDSA P-256 key the tests use is PKCS#8, whose base64 starts with this fixed header.
const FORBIDDEN = [/MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg/, /-----BEGIN (?:EC |ENCRYPTED )?PRIVATE KEY-----/, /super-secret-token/];
const seen: string[] = [];

for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    seen.push(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
    return write(chunk, ...rest);
  }) as typeof stream.write;
}

afterAll(() => {
  const text = seen.join('');
  // Report only which pattern matched: echoing the text would print the secret.
  for (const pattern of FORBIDDEN) expect(pattern.test(text), `test output matched ${pattern}`).toBe(false);
});
