import { Code } from './code.js';

/** What a hint may refer to: the call's target and how the client was set up. */
export interface HintContext {
  /** `host:port` the client dials. */
  address: string;
  /** True when the client speaks plaintext (`insecure: true`). */
  insecure: boolean;
  /** Where the CA came from, e.g. `option ca (./certs/ca.crt)`. */
  caSource?: string;
}

interface FailureShape {
  /** Tested against `details` of the status (grpc-js puts the transport error there). */
  match: RegExp;
  /** Only for clients set up this way. */
  when?: (ctx: HintContext) => boolean;
  hint: (ctx: HintContext, m: RegExpMatchArray) => string;
}

/** The proxy lines that make a TLS listener offer HTTP/2 through ALPN (the reference article's pitfall). */
export const ALPN_FIX =
  'Envoy: common_tls_context.alpn_protocols: ["h2", "http/1.1"]; HAProxy: bind … ssl … alpn h2,http/1.1; nginx: listen … ssl; http2 on;';
const ENVOY_H2_UPSTREAM =
  'Envoy: give the cluster typed_extension_protocol_options envoy.extensions.upstreams.http.v3.HttpProtocolOptions with explicit_http_config.http2_protocol_options: {} (the older http2_protocol_options: {}); HAProxy: `server … proto h2`; nginx: `grpc_pass grpc://…`';

/** Envoy's jwt_authn filter on a browser listener (behind grpc_web, so the status is gRPC's 16, not HTTP 401). */
const JWT_REFUSED: FailureShape = {
  match:
    /Jwt is missing|Jwt is expired|Jwt not yet valid|Jwt verification fails|Jwt issuer is not configured|Jwt header|Jwt is not in the form|Jwks/i,
  hint: (c) =>
    `the proxy at ${c.address} checks a bearer token (Envoy jwt_authn) and refused this call's: give the client a valid, unexpired JWT from the issuer the proxy trusts (createWebClient option token, sent as "authorization: Bearer …"), or use the mutual-TLS listener`,
};

/**
 * The failure shapes grpc-js 1.14 reports for TLS, ALPN and proxy faults, most specific first.
 * Each names the cause and the fix; the texts were observed against real proxies (see the README).
 */
const SHAPES: readonly FailureShape[] = [
  {
    match: /ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate's altnames|Hostname\/IP does not match/i,
    hint: (c) =>
      `the server certificate is not issued for the host in "${c.address}". Dial a name the certificate lists, or set serverName (env PANTRY_SERVER_NAME) to one of its names, e.g. when dialling an IP address`,
  },
  {
    match:
      /unable to verify the first certificate|self[- ]signed certificate|unable to get local issuer certificate|certificate signature failure/i,
    hint: (c) =>
      `the server's certificate is not signed by the CA this client trusts${c.caSource ? ` (${c.caSource})` : ''}. Use the CA that issued the proxy's certificate (Envoy: tls_certificates; HAProxy: bind … crt)`,
  },
  {
    match: /certificate required|alert number 116/i,
    hint: () =>
      'the proxy requires a client certificate and did not accept one from this client. Give cert and key (client.crt, client.key in certDir, or PANTRY_CLIENT_CERT/PANTRY_CLIENT_KEY)',
  },
  {
    // Go answers a certificate of the wrong purpose with alert 42, OpenSSL-based proxies with 43; an unknown CA has its own alert (48).
    match: /bad certificate|alert number 42|unsupported certificate|alert number 43/i,
    hint: () =>
      'the proxy refused the client certificate itself ("bad certificate", alert 42, from Go; "unsupported certificate", alert 43, from HAProxy and Envoy): most often it lacks the clientAuth extended key usage. Issue it with extendedKeyUsage clientAuth (cert-manager: usages: [client auth]); if it has that, check that the certificate is intact and its chain complete',
  },
  {
    match: /unknown ca|alert number 48|alert number 46/i,
    hint: () =>
      'the proxy rejected the client certificate: it is not signed by a CA the proxy trusts. Use a client certificate from the CA in Envoy validation_context.trusted_ca (HAProxy: bind … ca-file), or add that CA there',
  },
  {
    match: /certificate expired|alert number 45/i,
    hint: () =>
      'the proxy says the client certificate has expired. Renew client.crt (cert-manager renews in place; this client picks up renewed files)',
  },
  {
    match: /no application protocol|alert number 120/i,
    hint: () => `the proxy's TLS listener does not offer HTTP/2 through ALPN, which gRPC needs. ${ALPN_FIX}`,
  },
  {
    match: /wrong version number|packet length too long/i,
    hint: (c) =>
      `this client speaks TLS but ${c.address} answers in plaintext: it is probably the gRPC server's own h2c port. Dial the proxy's TLS port, or set insecure: true for a plaintext port`,
  },
  {
    // Envoy names why it could not reach the upstream: `protocol error` when the cluster speaks
    // HTTP/1.1 to the gRPC server (the reference article's pitfall); HAProxy answers 502.
    match: /reset reason: protocol error|Received HTTP status code 502/i,
    hint: () =>
      `the proxy could not speak to the gRPC server upstream, most often because it speaks HTTP/1.1 to it. ${ENVOY_H2_UPSTREAM}`,
  },
  {
    // Envoy with the server down: `reset reason: remote connection failure` (or connection
    // failure/timeout, overflow), `no healthy upstream` with health checks; HAProxy answers 503.
    match: /upstream connect error|no healthy upstream|Received HTTP status code 503|sent an HTML error page/i,
    hint: () =>
      `the proxy has no gRPC server to forward to: the server is down, restarting or unreachable from the proxy (check the Envoy cluster / HAProxy backend address and that the server runs). Safe calls are retried automatically`,
  },
  {
    // HTTP/2 REFUSED_STREAM: the peer did not process the call. HAProxy answers so when its
    // backend's address is gone (a stopped container).
    match: /Stream refused by server/i,
    hint: () =>
      'the proxy (or server) refused the call before processing it: behind a proxy this means its backend is down or restarting. The call was not processed, so it is safe to retry',
  },
  {
    match: /Received HTTP status code 400/i,
    hint: () =>
      "the proxy answered HTTP 400: nginx-style proxies do this when the client certificate is missing or from an unknown CA. Check cert and key, and the proxy's ssl_client_certificate",
  },
  {
    match: /Received HTTP status code 403/i,
    hint: () =>
      "the proxy denied the call (HTTP 403): the client certificate was accepted but is not allowed by the proxy's rules",
  },
  {
    match: /Received HTTP status code (\d+)/i,
    hint: (_c, m) =>
      `the proxy answered HTTP ${m[1]} instead of gRPC. Check that the route forwards to the gRPC server over HTTP/2`,
  },
  {
    match: /ECONNREFUSED/i,
    hint: (c) =>
      `nothing accepts connections at ${c.address}. Check the address and port and that the proxy or server is running`,
  },
  {
    // A TLS listener drops a plaintext HTTP/2 preface: grpc-js reports a protocol error or just "Failed to connect".
    match: /Protocol error|Failed to connect|ERR_HTTP2_ERROR|ERR_HTTP2_SESSION_ERROR|ECONNRESET/i,
    when: (c) => c.insecure,
    hint: (c) =>
      `this client speaks plaintext (insecure: true) but ${c.address} does not answer plaintext HTTP/2; if it is a TLS port (a proxy with mutual TLS), remove insecure and give the CA, cert and key`,
  },
  {
    match: /Protocol error|ERR_HTTP2_ERROR|ERR_HTTP2_SESSION_ERROR/i,
    hint: (c) =>
      `the HTTP/2 session with ${c.address} failed: the server may not speak HTTP/2 (no ALPN h2, or an HTTP/1.1-only port)`,
  },
  {
    match: /ENOTFOUND|EAI_AGAIN|Name resolution failed/i,
    hint: (c) =>
      `the host of ${c.address} does not resolve. Check the name (inside Kubernetes: service.namespace.svc.cluster.local)`,
  },
  {
    match: /ECONNRESET|Connection dropped|Socket closed|ERR_HTTP2_GOAWAY_SESSION/i,
    hint: () =>
      'the connection was dropped mid-call (a restart of the server or proxy, or an idle timeout). Safe calls are retried automatically',
  },
  {
    match: /Failed to load credentials/i,
    hint: () =>
      'grpc-js could not build TLS from the current certificate files. Check that ca.crt, client.crt and client.key are readable PEM and the key matches the certificate',
  },
];

/**
 * Names the likely cause of a failed call and its fix, or returns `undefined` for failures
 * without a known shape (for example a server's own `NOT_FOUND`).
 *
 * @example
 * hintFor(Code.UNAVAILABLE, 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:443', ctx)
 * // 'nothing accepts connections at 127.0.0.1:443. …'
 */
export function hintFor(code: Code, details: string, ctx: HintContext): string | undefined {
  // A bearer token the proxy refused: the one UNAUTHENTICATED with a known shape.
  if (code === Code.UNAUTHENTICATED) {
    const m = details.match(JWT_REFUSED.match);
    return m ? JWT_REFUSED.hint(ctx, m) : undefined;
  }
  // Server-side statuses carry their own meaning; only transport-shaped codes get a hint.
  if (
    code !== Code.UNAVAILABLE &&
    code !== Code.INTERNAL &&
    code !== Code.UNKNOWN &&
    code !== Code.PERMISSION_DENIED &&
    code !== Code.UNIMPLEMENTED
  )
    return undefined;
  for (const shape of SHAPES) {
    if (shape.when && !shape.when(ctx)) continue;
    const m = details.match(shape.match);
    if (m) return shape.hint(ctx, m);
  }
  return undefined;
}
