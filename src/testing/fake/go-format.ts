/**
 * A string quoted as Go's `%q` prints it, so that the fake's messages read byte for byte like the
 * Go server's (`food "food-00000042" not found`). Printable characters stay as they are.
 *
 * @example
 * goQuote('2027-13-40') // '"2027-13-40"'
 */
export function goQuote(s: string): string {
  return JSON.stringify(s)
    .replace(/\\u00([0-9a-f]{2})/g, '\\x$1')
    .replace(/\u007f/g, '\\x7f');
}

/**
 * How many Unicode code points `s` has: Go's `utf8.RuneCountInString`, the unit of the server's
 * length limits.
 *
 * @example
 * runeCount('保存水') // 3
 */
export function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
