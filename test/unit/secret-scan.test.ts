import { describe, expect, it } from 'vitest';
import { execScanned } from '../helpers.js';

// The scan that CLI runs in tests go through: a child process that prints a key header fails the
// test that ran it, whether the command succeeded or not (the header is assembled at run time, so
// this file itself never carries it).
const header = "['-----BEGIN', 'PRIVATE KEY-----'].join(' ')";

describe('execScanned', () => {
  it('passes clean output through', async () => {
    expect((await execScanned(process.execPath, ['-e', 'console.log("fine")'])).stdout).toBe('fine\n');
  });

  it.each([
    ['stdout of a command that succeeds', `console.log(${header})`],
    ['stderr of a command that fails', `console.error(${header}); process.exit(3)`],
  ])('fails on a key header in the %s', async (_name, script) => {
    await expect(execScanned(process.execPath, ['-e', script])).rejects.toThrow(/matched secret pattern/);
  });
});
