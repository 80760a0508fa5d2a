/**
 * What must never appear in anything the tests print, log or pass to a child process's output:
 * private key material in any form and the secret metadata values the tests send. Every
 * ECDSA P-256 key the tests use is PKCS#8, whose base64 starts with a fixed header.
 */
export const SECRET_PATTERNS: readonly RegExp[] = [
  /MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg/,
  /-----BEGIN (?:EC |ENCRYPTED |RSA )?PRIVATE KEY-----/,
  /super-secret-token/,
];

/** The patterns `text` matches (only the patterns: echoing the text would print the secret). */
export function secretsIn(text: string): RegExp[] {
  return SECRET_PATTERNS.filter((p) => p.test(text));
}
