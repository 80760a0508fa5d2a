import { afterAll, expect } from 'vitest';

// Across every test file: nothing written to stdout or stderr (trace lines, warnings, logs) may
// carry private key material or the secret metadata values the tests send.
// Every ECDSA P-256 key the tests use is PKCS#8, whose base64 starts with this fixed header.
// Key material in the other forms a key reaches a message: base64 key bodies (PKCS#8 EC, Ed25519 and
// RSA; SEC1 EC; PKCS#1 RSA), a base64-encoded PEM file, and comma-separated byte lists (a Uint8Array
// or array printed) of the DER or of the PEM text.
const BYTES = (list: string) => new RegExp(list.split(',').join(',\\s*'));
const FORBIDDEN = [
  /MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg/,
  /-----BEGIN (?:EC |ENCRYPTED )?PRIVATE KEY-----/,
  /super-secret-token/,
  /MC4CAQAwBQYDK2VwBCIEI/,
  /MII[A-Za-z0-9+/]{3}IBADANBgkqhkiG9w0BAQEFAASC/,
  /MHcCAQEEI[A-Za-z0-9+/]{20}/,
  /MII[A-Za-z0-9+/]{3}IBAAKC[AQg]/,
  /LS0tLS1CRUdJTiB(?:QUklWQVRFIEtFWS|RUMgUFJJVkFURSBLRVkt|UlNBIFBSSVZBVEUgS0VZL|RU5DUllQVEVEIFBSSVZBVEUgS0VZL|T1BFTlNTSCBQUklWQVRFIEtFWS)/,
  BYTES('48,129,135,2,1,0,48,19,6,7,42,134,72,206,61,2,1'),
  BYTES('2,1,0,48,5,6,3,43,101,112,4,34,4,32'),
  BYTES('2,1,0,48,13,6,9,42,134,72,134,247,13,1,1,1,5,0'),
  BYTES('80,82,73,86,65,84,69,32,75,69,89,45,45,45,45,45'), // "PRIVATE KEY-----"
];
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
