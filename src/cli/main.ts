#!/usr/bin/env node
/**
 * `pantry-client`: diagnose a connection (`doctor`), make a call (`call`), write dev certificates.
 *
 * `cli/` owns the command line: argument parsing, help, exit codes and the `call` command. It is
 * the top layer: it may import `doctor/`, `client/`, `schema/`, `errors/` and (lazily, for
 * `dev-certs`) `testing/`; nothing imports it.
 *
 * @example
 * npx pantry-client doctor --address pantry.example.com:443 --cert-dir ./certs
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PantryError } from '../errors/pantry-error.js';
import { plainDetails } from '../errors/plain.js';
import { UsageError } from './usage-error.js';

const EXIT_CODES = `Exit codes:
  0  success (doctor: every step passed)
  1  the call failed, a doctor step failed, or the connection settings are unusable
  2  usage: unknown command or option, missing argument, no such method, or a request
     refused before sending (not JSON, unknown field, unknown enum name, bad timestamp)`;

const CONNECTION_HELP = `Connection options; each defaults to the same environment variable as createClient:
  --address HOST:PORT       PANTRY_ADDRESS, GRPC_SERVER_ADDRESS
  --cert-dir DIR            PANTRY_CERT_DIR (ca.crt, client.crt, client.key)
  --ca F --cert F --key F   PANTRY_CA_CERT, PANTRY_CLIENT_CERT, PANTRY_CLIENT_KEY
  --server-name NAME        PANTRY_SERVER_NAME
  --verbose                 also print the raw grpc-js / node:tls error under a failure
  -h, --help                this help`;

const HELP = {
  main: `Usage: pantry-client <command> [options]

Commands:
  doctor                         check certificates, DNS, TCP, TLS (client certificate, ALPN) and gRPC
                                 step by step, with the cause and fix of each failure
  call <Service/Method> [json]   make one call and print the response as JSON
  dev-certs <dir>                write a dev CA, server and client certificates (and jwks.json)

Options:
  -h, --help       help (also: pantry-client <command> --help)
  -v, --version    print the version

${EXIT_CODES}
`,
  doctor: `Usage: pantry-client doctor [options]

Walks the path to the server — certificate files, name resolution, TCP, the TLS handshake
(server certificate, client certificate, ALPN), gRPC health and Hello — and prints the cause
and fix of each failing step.

${CONNECTION_HELP}
  --json                    one machine-readable report (raw errors only with --verbose)

${EXIT_CODES}
`,
  call: `Usage: pantry-client call <Service/Method> [json] [options]

Makes one call with the same settings as createClient and prints the response as JSON (each
message of a stream on its own line), enums by name. The request JSON is checked as the API
checks a request before anything is sent: field names as in proto3 JSON (pageSize or page_size),
an unknown field refused, enums by name (the generated enum's names or the proto names) or
number, timestamps as RFC 3339 strings ("2027-01-01T00:00:00Z").

  e.g. pantry-client call FoodStorageService/ListFoods '{"pageSize": 10}'
       pantry-client call hello.v1.HelloService/Hello '{"name": "pantry"}'

${CONNECTION_HELP}

${EXIT_CODES}
`,
  'dev-certs': `Usage: pantry-client dev-certs <dir> [--server-name NAME]...

Writes a development CA, a server and a client certificate (ca.crt, client.crt, client.key,
server.crt, server.key) into <dir>. For tests and demos only. Needs the optional packages
@peculiar/x509 and reflect-metadata.

Options:
  --server-name NAME   a DNS name or IP address of the server certificate, repeatable
                       (default localhost and 127.0.0.1)
  -h, --help           this help

${EXIT_CODES}
`,
} as const;

const COMMON = { help: { type: 'boolean', short: 'h' }, verbose: { type: 'boolean' } } as const;
const CONNECTION = {
  ...COMMON,
  address: { type: 'string' },
  'cert-dir': { type: 'string' },
  ca: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  'server-name': { type: 'string' },
} as const;

let verbose = false;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  verbose = rest.includes('--verbose');
  if (command === undefined) return usage('main', 'no command');
  if (command === '--help' || command === '-h') return help('main');
  if (command === 'help') return rest[0] && rest[0] in HELP ? help(rest[0] as keyof typeof HELP) : help('main');
  if (command === '--version' || command === '-v' || command === 'version') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (command === 'doctor') {
    const { values } = parse('doctor', rest, { ...CONNECTION, json: { type: 'boolean' } }, false);
    if (values.help) return help('doctor');
    const { runDoctor } = await import('../doctor/doctor.js');
    const { renderReport } = await import('../doctor/report.js');
    const report = await runDoctor(connection(values));
    if (values.json) {
      const shown = verbose ? report : { ...report, steps: report.steps.map(({ raw: _, ...s }) => s) };
      process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    } else process.stdout.write(renderReport(report, !!process.stdout.isTTY, verbose));
    return report.ok ? 0 : 1;
  }
  if (command === 'call') {
    const { positionals, values } = parse('call', rest, CONNECTION, true);
    if (values.help) return help('call');
    if (positionals.length < 1 || positionals.length > 2)
      throw new UsageError('call', 'call needs a method and at most one JSON request');
    const { callMethod } = await import('./call-command.js');
    await callMethod(positionals[0], positionals[1] ?? '{}', connection(values), (line) =>
      process.stdout.write(`${line}\n`),
    );
    return 0;
  }
  if (command === 'dev-certs') {
    const { positionals, values } = parse(
      'dev-certs',
      rest,
      { ...COMMON, 'server-name': { type: 'string', multiple: true } },
      true,
    );
    if (values.help) return help('dev-certs');
    if (positionals.length !== 1) throw new UsageError('dev-certs', 'dev-certs needs one directory');
    // Throws a PantryError naming @peculiar/x509 or reflect-metadata when one is not installed.
    const { writeDevCertificates } = await import('../testing/dev-certificates.js');
    const certs = await writeDevCertificates(positionals[0], { serverNames: values['server-name'] as string[] });
    // Envoy's JWT listener (deploy/envoy/envoy.yaml) loads jwks.json from the same directory: a key
    // set whose private key is thrown away, so the listener starts and refuses every token until you
    // put your identity provider's keys there.
    const { TestTokenIssuer } = await import('../testing/test-tokens.js');
    await writeFile(join(certs.dir, 'jwks.json'), new TestTokenIssuer().jwks);
    process.stdout.write(`wrote ca.crt, client.crt, client.key, server.crt, server.key, jwks.json to ${certs.dir}\n`);
    return 0;
  }
  return usage('main', `unknown command "${command}"`);
}

/** parseArgs, strict: an unknown option or a missing value is a usage error of that command. */
function parse<O extends NonNullable<ParseArgsConfig['options']>>(
  command: keyof typeof HELP,
  args: string[],
  options: O,
  allowPositionals: boolean,
) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError(command, (err as Error).message.split('. ')[0]);
  }
}

function connection(values: Record<string, unknown>) {
  const options = {
    address: values.address as string | undefined,
    certDir: values['cert-dir'] as string | undefined,
    ca: values.ca as string | undefined,
    cert: values.cert as string | undefined,
    key: values.key as string | undefined,
    serverName: values['server-name'] as string | undefined,
  };
  for (const k of Object.keys(options) as Array<keyof typeof options>) if (options[k] === undefined) delete options[k];
  return options;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function help(command: keyof typeof HELP): number {
  process.stdout.write(HELP[command]);
  return 0;
}

function usage(command: keyof typeof HELP, problem: string): number {
  process.stderr.write(`pantry-client: ${problem}\n\n${HELP[command]}`);
  return 2;
}

/** A failure in plain words: what failed, the cause, the fix; the raw texts only with --verbose. */
function report(err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(
      `pantry-client: ${err.message}\n${err.hint ? `  fix:   ${err.hint}\n` : ''}\nSee: pantry-client ${err.command === 'main' ? '' : `${err.command} `}--help\n`,
    );
    return 2;
  }
  const lines: string[] = [];
  if (err instanceof PantryError) {
    lines.push(`pantry-client: ${err.method ? `${err.method.replace(/^\//, '')} failed` : 'failed'}: ${err.codeName}`);
    lines.push(`  cause: ${plainDetails(err.details)}`);
    if (err.hint) lines.push(`  fix:   ${err.hint}`);
    if (verbose) {
      lines.push(`  raw:   ${JSON.stringify(err.details)}`);
      if (err.cause) lines.push(`  raw cause: ${String((err.cause as Error).stack ?? err.cause)}`);
    }
  } else {
    lines.push(`pantry-client: ${(err as Error)?.message ?? String(err)}`);
    if (verbose && (err as Error)?.stack) lines.push((err as Error).stack!);
  }
  process.stderr.write(`${lines.join('\n')}\n`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => process.exit(report(err)),
);
