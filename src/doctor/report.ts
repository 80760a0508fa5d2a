import { styleText } from 'node:util';
import type { DoctorReport } from './doctor.js';

const MARK = { pass: '✔', warn: '⚠', fail: '✖', skip: '-' } as const;
const COLOUR = { pass: 'green', warn: 'yellow', fail: 'red', skip: 'gray' } as const;

/**
 * Renders a doctor report for people: one line per step with its time, and the cause and fix
 * under each ✖ and ⚠ (a step failing exactly as an earlier one refers to it); coloured only when `colour` is true (a TTY); with `verbose`, also the raw
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
      // A later step failing the same way (health, then Hello) says so instead of repeating it.
      const same = report.steps.find((p) => p !== s && p.cause === s.cause && p.fix === s.fix);
      if (same && report.steps.indexOf(same) < report.steps.indexOf(s)) {
        lines.push(`    cause: the same as for ${same.name} above`);
        if (verbose && s.raw && s.raw !== same.raw) lines.push(`    raw:   ${JSON.stringify(s.raw)}`);
        continue;
      }
      if (s.cause) lines.push(`    cause: ${s.cause}`);
      if (s.fix) lines.push(`    fix:   ${s.fix}`);
      if (verbose && s.raw) lines.push(`    raw:   ${JSON.stringify(s.raw)}`);
    }
  }
  lines.push(report.ok ? paint('green', 'All steps passed.') : paint('red', 'Some steps failed: see the fixes above.'));
  return `${lines.join('\n')}\n`;
}
