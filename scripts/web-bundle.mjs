// `node scripts/web-bundle.mjs`: bundles @pantry/client/web (src/web.ts) for browsers with esbuild
// (--platform=browser, minified, stubs included), fails if it pulls in a Node built-in or grpc-js,
// and prints its size minified and minified + gzip. CI runs it; the README quotes its output.
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const out = await build({
  entryPoints: ['src/web.ts'],
  bundle: true,
  platform: 'browser',
  format: 'esm',
  minify: true,
  write: false,
  metafile: true,
  logLevel: 'error',
});
const inputs = Object.keys(out.metafile.inputs);
const forbidden = inputs.filter((f) => /^node:|(^|\/)node_modules\/@grpc\//.test(f));
if (forbidden.length) {
  console.error(`the web bundle must not contain Node built-ins or grpc-js, found: ${forbidden.join(', ')}`);
  process.exit(1);
}
const js = out.outputFiles[0].contents;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const byPart = {};
for (const [file, { bytesInOutput }] of Object.entries(Object.values(out.metafile.outputs)[0].inputs)) {
  const part = file.startsWith('node_modules/')
    ? file
        .split('/')
        .slice(1, file.split('/')[1].startsWith('@') ? 3 : 2)
        .join('/')
    : file.startsWith('src/generated/')
      ? 'src/generated (stubs)'
      : file.split('/').slice(0, 2).join('/');
  byPart[part] = (byPart[part] ?? 0) + bytesInOutput;
}
console.log(`@pantry/client/web: ${kb(js.length)} minified, ${kb(gzipSync(js, { level: 9 }).length)} minified + gzip`);
console.log(`no Node built-in, no grpc-js among ${inputs.length} inputs; minified bytes by part:`);
for (const [part, bytes] of Object.entries(byPart).sort((a, b) => b[1] - a[1]))
  console.log(`  ${part.padEnd(28)} ${kb(bytes)}`);
