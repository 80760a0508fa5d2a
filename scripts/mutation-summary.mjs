// Prints the mutation score of the last `npm run test:mutation` (reports/mutation/mutation.json,
// or the reports named) per folder and per file as Markdown tables, for docs/mutation.md;
// --survivors also lists each surviving or uncovered mutant.
// Score = (killed + timeout) / (killed + timeout + survived + no coverage), as Stryker counts it;
// mutants the TypeScript checker rejected (compile errors) are not counted.
import { readFileSync } from 'node:fs';

// Several reports (runs over parts of src/) are merged; a file in more than one counts from the last.
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const report = { files: {} };
for (const file of args.length ? args : ['reports/mutation/mutation.json'])
  Object.assign(report.files, JSON.parse(readFileSync(file, 'utf8')).files);
const empty = () => ({ killed: 0, timeout: 0, survived: 0, noCoverage: 0, compileError: 0, other: 0 });
const add = (t, status) => {
  const key = {
    Killed: 'killed',
    Timeout: 'timeout',
    Survived: 'survived',
    NoCoverage: 'noCoverage',
    CompileError: 'compileError',
  }[status];
  t[key ?? 'other']++;
};
const score = (t) => {
  const valid = t.killed + t.timeout + t.survived + t.noCoverage;
  return valid === 0 ? 'n/a' : `${((100 * (t.killed + t.timeout)) / valid).toFixed(1)}%`;
};
const row = (name, t) =>
  `| ${name} | ${score(t)} | ${t.killed} | ${t.timeout} | ${t.survived} | ${t.noCoverage} | ${t.compileError} |`;
const head = (what) => [
  `| ${what} | score | killed | timeout | survived | no coverage | compile errors |`,
  '|---|---:|---:|---:|---:|---:|---:|',
];

const byFile = new Map();
const byFolder = new Map();
const total = empty();
for (const [name, f] of Object.entries(report.files)) {
  const folder = name.split('/').slice(0, -1).join('/');
  const t = empty();
  for (const m of f.mutants) add(t, m.status);
  byFile.set(name, t);
  const ft = byFolder.get(folder) ?? empty();
  for (const k of Object.keys(t)) {
    ft[k] += t[k];
    total[k] += t[k];
  }
  byFolder.set(folder, ft);
}
const sorted = (m) => [...m.entries()].sort(([a], [b]) => a.localeCompare(b));
console.log(
  [...head('folder'), ...sorted(byFolder).map(([n, t]) => row(`\`${n}/\``, t)), row('**all**', total)].join('\n'),
);
console.log();
console.log([...head('file'), ...sorted(byFile).map(([n, t]) => row(`\`${n}\``, t))].join('\n'));
if (process.argv.includes('--survivors')) {
  console.log();
  for (const [name, f] of sorted(new Map(Object.entries(report.files)))) {
    const lines = f.source.split('\n');
    for (const m of f.mutants.filter((x) => x.status === 'Survived' || x.status === 'NoCoverage'))
      console.log(
        `${m.status === 'Survived' ? 'S' : 'N'} ${name}:${m.location.start.line} ${m.mutatorName} ${JSON.stringify(m.replacement ?? '').slice(0, 70)} | ${lines[m.location.start.line - 1].trim().slice(0, 90)}`,
      );
  }
}
