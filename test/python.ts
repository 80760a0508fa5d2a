import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from '../src/testing/server-binary.js';

const run = promisify(execFile);
const VENV = join(PACKAGE_ROOT, '.venv');
const PY = join(VENV, 'bin', 'python');
export const SAMPLE = join(PACKAGE_ROOT, 'examples', 'python', 'sample.py');

/**
 * A Python with PyPI's grpcio (which, like the article's client, requires ALPN) and stubs
 * generated from proto/hello/v1/hello.proto; creates `.venv` from examples/python/requirements.txt
 * when missing. Returns the python path and the stubs directory.
 */
export async function pythonWithGrpc(stubsDir: string): Promise<string> {
  if (!existsSync(PY)) {
    await run('python3', ['-m', 'venv', VENV]);
    await run(
      join(VENV, 'bin', 'pip'),
      ['install', '-q', '-r', join(PACKAGE_ROOT, 'examples', 'python', 'requirements.txt')],
      { maxBuffer: 16 << 20 },
    );
  }
  await mkdir(stubsDir, { recursive: true });
  await run(PY, [
    '-m',
    'grpc_tools.protoc',
    '-I',
    join(PACKAGE_ROOT, 'proto'),
    `--python_out=${stubsDir}`,
    `--grpc_python_out=${stubsDir}`,
    'hello/v1/hello.proto',
  ]);
  return PY;
}

/** Runs the article's sample.py; resolves with its exit code and output. */
export async function runSample(
  python: string,
  stubsDir: string,
  env: Record<string, string>,
  name = 'python',
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(python, [SAMPLE, name], {
      env: { ...process.env, PANTRY_PY_STUBS: stubsDir, ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
