import { spawn, type ChildProcess } from 'node:child_process';
import { logSink } from '../log-sink.js';

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills whatever is still running when the test runner exits, so no server outlives its tests. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

/**
 * A child process of the harness: its output is kept (the last 2 000 lines) for `logs()` and
 * startup errors, and `started` resolves at the first output line matching `ready`.
 *
 * @example
 * const p = new ManagedProcess('server', '/path/pantry-server', ['-listen', '127.0.0.1:0'], { ready: /serving on (\S+)/ });
 * const [, address] = await p.started;
 */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private readonly lines: string[] = [];
  private readonly sink: (line: string) => void;
  started!: Promise<RegExpMatchArray>;

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly options: { ready: RegExp | (() => Promise<boolean>); env?: NodeJS.ProcessEnv; timeoutMs?: number },
  ) {
    this.sink = logSink(name);
    this.start();
  }

  /** Starts (again) with the same command line. */
  start(): Promise<RegExpMatchArray> {
    installExitHook();
    const child = spawn(this.command, this.args, {
      env: { ...process.env, ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    running.add(child);
    const timeoutMs = this.options.timeoutMs ?? 15_000;
    this.started = new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name} did not start within ${timeoutMs} ms. Its output:\n${this.tail()}`)),
        timeoutMs,
      );
      const ready = this.options.ready;
      const onLine = (line: string) => {
        const m = ready instanceof RegExp ? line.match(ready) : null;
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      };
      if (!(ready instanceof RegExp)) {
        const poll = async () => {
          while (child.exitCode === null && child.signalCode === null) {
            if (await ready().catch(() => false)) {
              clearTimeout(timer);
              return resolve(Object.assign([''], { index: 0, input: '' }) as RegExpMatchArray);
            }
            await new Promise((r) => setTimeout(r, 50));
          }
        };
        void poll();
      }
      for (const stream of [child.stdout!, child.stderr!]) {
        let buffered = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          buffered += chunk;
          for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
            const line = buffered.slice(0, nl);
            buffered = buffered.slice(nl + 1);
            this.record(line);
            onLine(line);
          }
        });
      }
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code, signal) => {
        running.delete(child);
        this.record(`[${this.name} exited with ${signal ?? `code ${code}`}]`);
        clearTimeout(timer);
        reject(
          new Error(
            `${this.name} exited (${signal ?? `code ${code}`}) before it was ready. Its output:\n${this.tail()}`,
          ),
        );
      });
    });
    this.started.catch(() => {}); // observed by whoever awaits it
    return this.started;
  }

  private record(line: string): void {
    this.lines.push(`[${this.name}] ${line}`);
    this.sink(line);
    if (this.lines.length > 2000) this.lines.splice(0, this.lines.length - 2000);
  }

  /** The kept output, one line per entry, each prefixed with the process name. */
  logLines(): readonly string[] {
    return this.lines;
  }

  /** The whole kept output, with the lines that say what went wrong (Envoy's `critical`, errors) first. */
  private tail(): string {
    const alarming = this.lines.filter((l) => /\[(critical|error|alert|emerg)\]|\bFATAL\b|\bpanic:/i.test(l));
    return [...(alarming.length ? [...alarming, '--- the whole output:'] : []), ...this.lines].join('\n');
  }

  /** True while the process runs. */
  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves once the process has exited on its own (or at once if it is not running); rejects after `timeoutMs`. */
  async exited(timeoutMs: number): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not exit within ${timeoutMs} ms`)), timeoutMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Stops the process: SIGTERM, then SIGKILL after `graceMs`; `kill: true` sends SIGKILL at once (a crash). */
  async stop({ kill = false, graceMs = 3000 } = {}): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(kill ? 'SIGKILL' : 'SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
