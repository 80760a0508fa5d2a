/**
 * The package's version, as in its package.json (a unit test keeps the two equal): trace lines
 * name it. A constant rather than a read of package.json, so that browsers need no file system.
 *
 * @example
 * `@pantry/client ${VERSION}` // '@pantry/client 0.1.0'
 */
export const VERSION = '0.1.0';
