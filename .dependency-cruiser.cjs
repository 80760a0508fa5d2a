/**
 * `npm run check:deps`: the layering of src/ (see README, "Repository layout"), checked by
 * dependency-cruiser. Each folder may import only the folders below it:
 *
 *   metadata ← errors ← observability ← schema ← retry ← pipeline ← transport ← client ← doctor ← cli
 *                                                       pipeline ← telemetry ← client (OpenTelemetry stages)
 *   (cli also reads schema/: `call` checks its JSON request as the API does)
 *                  tls (errors, observability) ← client, doctor, testing
 *   testing (tls, errors, client: it checks with a Hello that a restarted stack serves)
 *
 * and no module takes part in an import cycle, type-only imports included.
 */
const below = {
  metadata: [],
  errors: ['metadata'],
  observability: ['metadata', 'errors'],
  schema: ['errors'],
  retry: ['errors', 'observability', 'schema'],
  tls: ['errors', 'observability'],
  pipeline: ['metadata', 'errors', 'observability', 'schema', 'retry'],
  transport: ['metadata', 'errors', 'observability', 'schema', 'pipeline'],
  telemetry: ['metadata', 'errors', 'observability', 'schema', 'retry', 'pipeline'],
  client: ['metadata', 'errors', 'observability', 'schema', 'retry', 'tls', 'pipeline', 'transport', 'telemetry'],
  doctor: ['metadata', 'errors', 'observability', 'schema', 'tls', 'transport', 'client'],
  cli: ['errors', 'schema', 'client', 'doctor', 'testing'],
  testing: ['metadata', 'errors', 'tls', 'client'],
};
const folders = Object.keys(below);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles, type-only imports included.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...folders.map((folder) => ({
      name: `layer-${folder}`,
      comment: `src/${folder}/ may import only ${below[folder].length ? below[folder].join(', ') : 'nothing else of the SDK'} (and src/generated/).`,
      severity: 'error',
      from: { path: `^src/${folder}/` },
      to: { path: `^src/(${folders.filter((f) => f !== folder && !below[folder].includes(f)).join('|')})/` },
    })),
    {
      name: 'generated-is-a-leaf',
      comment: 'Code buf generates imports nothing of the SDK.',
      severity: 'error',
      from: { path: '^src/generated/' },
      to: { path: '^src/', pathNot: '^src/generated/' },
    },
    {
      name: 'entry-points-only-from-outside',
      comment: 'src/index.ts and src/web.ts are public entry points: no SDK module imports them.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/(index|web)\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
