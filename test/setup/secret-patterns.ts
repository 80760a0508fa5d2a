const BYTES = (list: string) => new RegExp(list.split(',').join(',\\s*'));

/**
 * What must never appear in anything the tests print, log or pass to a child process's output:
 * private key material in any form and the secret metadata values the tests send. Every
 * ECDSA P-256 key the tests use is PKCS#8, whose base64 starts with a fixed header. Key material
 * in the other forms a key reaches a message: base64 key bodies (PKCS#8 EC, Ed25519 and RSA; SEC1
 * EC; PKCS#1 RSA), a base64-encoded PEM file, and comma-separated byte lists (a Uint8Array or
 * array printed) of the DER or of the PEM text.
 */
export const SECRET_PATTERNS: readonly RegExp[] = [
  /MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg/,
  /-----BEGIN (?:EC |ENCRYPTED |RSA )?PRIVATE KEY-----/,
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

/** The patterns `text` matches (only the patterns: echoing the text would print the secret). */
export function secretsIn(text: string): RegExp[] {
  return SECRET_PATTERNS.filter((p) => p.test(text));
}
