import { styleText } from 'node:util';
import type { DoctorReport } from './doctor.js';

const MARK = { pass: '✔', warn: '⚠', fail: '✖', skip: '-' } as const;
const COLOUR = { pass: 'green', warn: 'yellow', fail: 'red', skip: 'gray' } as const;

/**
 * Renders a doctor report for people: one line per step with its time, and the cause and fix
 * under each ✖ and ⚠; coloured only when `colour` is true (a TTY); with `verbose`, also the raw
 * grpc-js or node:tls error text under a failure.
 *
 * @example
 * process.stdout.write(renderReport(report, process.stdout.isTTY));
 */
export function renderReport(report: DoctorReport, colour: boolean, verbose = false): string {
  const paint = (c: (typeof COLOUR)[keyof typeof COLOUR], text: string) => (colour ? styleText(c, text) : text);
  const lines = [`pantry-client doctor → ${report.address || '(no address)'}`];
  const width = Math.max(...report.steps.map((s) => s.name.length));
  for (const s of report.steps) {
    const time = s.status === 'skip' ? '' : `${s.ms} ms`;
    lines.push(
      `${paint(COLOUR[s.status], MARK[s.status])} ${s.name.padEnd(width)} ${time.padStart(9)}  ${s.status === 'skip' ? paint('gray', `skipped: ${s.detail}`) : s.detail}`,
    );
    if (s.status === 'fail' || s.status === 'warn') {
      if (s.cause) lines.push(`    cause: ${s.cause}`);
      if (s.fix) lines.push(`    fix:   ${s.fix}`);
      if (verbose && s.raw) lines.push(`    raw:   ${JSON.stringify(s.raw)}`);
    }
  }
  lines.push(report.ok ? paint('green', 'All steps passed.') : paint('red', 'Some steps failed: see the fixes above.'));
  return `${lines.join('\n')}\n`;
}
