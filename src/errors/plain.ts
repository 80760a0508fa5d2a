/**
 * The status text of a failed call in plain words, for people (doctor, `pantry-client call`):
 * grpc-js's transport text without its noise. OpenSSL error strings
 * (`40C7…:error:0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:../deps/openssl/…/rec_layer_s3.c:1605:SSL alert number 48`)
 * become their reason and alert number (`tlsv1 alert unknown ca (TLS alert 48)`); timestamps,
 * line breaks, `Error: ` prefixes, a trailing colon and an empty `Resolution note:` go; a sentence said twice is
 * said once. The raw text stays in `PantryError.details` (and `--verbose` prints it).
 *
 * @example
 * plainDetails('No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1 (2026-11-29T18:00:00.000Z). Resolution note: ')
 * // 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1'
 */
export function plainDetails(details: string): string {
  let text = details
    // OpenSSL: [thread id:]error:CODE:library:function:reason:file.c:line:[SSL alert number N]
    .replace(
      /(?:[0-9A-F]{6,}:)?error:[0-9A-F]{6,}:[^:\n]*:[^:\n]*:([^:\n]+):[^\s:]+\.c:\d+:(?:SSL alert number (\d+))?/gi,
      (_m, reason: string, alert?: string) => `${reason.trim()}${alert ? ` (TLS alert ${alert})` : ''}`,
    )
    // ISO timestamps grpc-js appends, with their brackets.
    .replace(/\s*\(?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z\)?/g, '')
    .replace(/\bError: /g, '')
    .replace(/\s+/g, ' ')
    // pick_first's "Resolution note: " with nothing after it.
    .replace(/\.?\s*Resolution note:\s*(?=$|\.\s*$)/, '')
    .trim();
  // The same sentence twice (a Node error inside a grpc-js error that repeats it).
  const seen = new Set<string>();
  const parts = text.split(/((?<=\.)\s+|;\s+)/); // sentences at odd indexes' sides: [s, sep, s, sep, s]
  text = '';
  for (let i = 0; i < parts.length; i += 2) {
    const key = parts[i].replace(/[.;\s]+$/, '').toLowerCase();
    if (!key || seen.has(key)) continue;
    seen.add(key);
    text += (text ? (parts[i - 1] ?? ' ') : '') + parts[i];
  }
  return text
    .replace(/\s*\.\s*\./g, '.')
    .replace(/\s+\./g, '.')
    .replace(/[\s:]+$/, '');
}
