// The example page as files to serve: index.html and app.js (app.ts bundled by esbuild for browsers).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

/**
 * The page's files by URL path, with their content type: serve them from any origin the stack's CORS allows.
 *
 * @example
 * const files = await examplePageFiles(); // { '/': ['text/html', …], '/app.js': ['text/javascript', …] }
 */
export async function examplePageFiles(): Promise<Record<string, [string, string]>> {
  const out = await build({
    entryPoints: [here('app.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    write: false,
    logLevel: 'error',
    alias: { '@pantry/client/web': here('../../src/web.ts') },
  });
  return {
    '/': ['text/html; charset=utf-8', await readFile(here('index.html'), 'utf8')],
    '/app.js': ['text/javascript', out.outputFiles[0]!.text],
  };
}
