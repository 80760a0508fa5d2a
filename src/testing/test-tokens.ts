import { generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';

/** The issuer and audience the shipped Envoy config's JWT listener expects (`deploy/envoy/envoy.yaml`). */
export const TEST_TOKEN_ISSUER = 'pantry-dev';
/** See {@link TEST_TOKEN_ISSUER}. */
export const TEST_TOKEN_AUDIENCE = 'pantry';

/** Claims of a test token; all optional. */
export interface TestTokenOptions {
  /** Seconds until it expires; negative for one that has already expired. Default 600. */
  expiresInS?: number;
  /** Default `test-user`. */
  subject?: string;
  /** Default {@link TEST_TOKEN_ISSUER}; another issuer is refused by the proxy. */
  issuer?: string;
  /** Default {@link TEST_TOKEN_AUDIENCE}. */
  audience?: string;
}

/**
 * A signing key for test JWTs (ES256) and its public JWKS, which the harness gives Envoy's
 * `jwt_authn` filter as `jwks.json`. Tokens from {@link TestTokenIssuer.mint} pass the JWT
 * listener; an expired one or one signed by another key is refused with UNAUTHENTICATED.
 *
 * @example
 * const issuer = new TestTokenIssuer();
 * await writeFile('jwks.json', issuer.jwks);
 * createWebClient(url, { token: issuer.mint({ expiresInS: 60 }) });
 */
export class TestTokenIssuer {
  private readonly privateKey: KeyObject;
  private readonly kid = randomUUID();
  /** The public key set as JSON, for `local_jwks`. */
  readonly jwks: string;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = privateKey;
    const jwk = publicKey.export({ format: 'jwk' });
    this.jwks = JSON.stringify({ keys: [{ ...jwk, kid: this.kid, alg: 'ES256', use: 'sig' }] });
  }

  /** A signed JWT (compact form) with the given claims. */
  mint(options: TestTokenOptions = {}): string {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'ES256', typ: 'JWT', kid: this.kid };
    const claims = {
      iss: options.issuer ?? TEST_TOKEN_ISSUER,
      aud: options.audience ?? TEST_TOKEN_AUDIENCE,
      sub: options.subject ?? 'test-user',
      iat: now,
      exp: now + (options.expiresInS ?? 600),
    };
    const body = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(body), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${body}.${signature.toString('base64url')}`;
  }
}

function b64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
