#!/usr/bin/env node
/**
 * `pantry-client`: diagnose a connection (`doctor`), make a call (`call`), write dev certificates.
 *
 * `cli/` owns the command line: argument parsing and the `call` command. It is the top layer: it
 * may import `doctor/`, `client/`, `errors/` and (lazily, for `dev-certs`) `testing/`; nothing
 * imports it.
 *
 * @example
 * npx pantry-client doctor --address pantry.example.com:443 --cert-dir ./certs
 */
import { parseArgs } from 'node:util';
import { PantryError } from '../errors/pantry-error.js';

const USAGE = `Usage: pantry-client <command> [options]

Commands:
  doctor                       check certificates, DNS, TCP, TLS (client certificate, ALPN) and gRPC
                               step by step, with the fix for each failure; exit 0 only if all pass
  call <Service/Method> [json] make one call and print the response as JSON
                               e.g. call FoodStorageService/ListFoods '{"pageSize": 10}'
  dev-certs <dir>              write a dev CA, server and client certificates
                               (ca.crt, client.crt, client.key, server.crt, server.key)

Connection options (doctor, call); each defaults to the same environment variable as createClient:
  --address HOST:PORT   PANTRY_ADDRESS, GRPC_SERVER_ADDRESS
  --cert-dir DIR        PANTRY_CERT_DIR (ca.crt, client.crt, client.key)
  --ca F --cert F --key F   PANTRY_CA_CERT, PANTRY_CLIENT_CERT, PANTRY_CLIENT_KEY
  --server-name NAME    PANTRY_SERVER_NAME
  --json                (doctor) one machine-readable report
  --server-name NAME    (dev-certs) names for the server certificate, repeatable
`;

const CONNECTION = {
  address: { type: 'string' },
  'cert-dir': { type: 'string' },
  ca: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  'server-name': { type: 'string' },
  json: { type: 'boolean' },
} as const;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'doctor' || command === 'call') {
    const { positionals, values } = parseArgs({ args: rest, allowPositionals: true, options: CONNECTION });
    const options = {
      address: values.address,
      certDir: values['cert-dir'],
      ca: values.ca,
      cert: values.cert,
      key: values.key,
      serverName: values['server-name'],
    };
    for (const k of Object.keys(options) as Array<keyof typeof options>)
      if (options[k] === undefined) delete options[k];
    if (command === 'doctor') {
      const { runDoctor } = await import('../doctor/doctor.js');
      const { renderReport } = await import('../doctor/report.js');
      const report = await runDoctor(options);
      process.stdout.write(
        values.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report, !!process.stdout.isTTY),
      );
      return report.ok ? 0 : 1;
    }
    if (positionals.length < 1)
      return usage('call needs a method, e.g. call hello.v1.HelloService/Hello \'{"name":"pantry"}\'');
    const { callMethod } = await import('./call-command.js');
    await callMethod(positionals[0], positionals[1] ?? '{}', options, (line) => process.stdout.write(`${line}\n`));
    return 0;
  }
  if (command === 'dev-certs') {
    const { positionals, values } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { 'server-name': { type: 'string', multiple: true } },
    });
    if (positionals.length !== 1) return usage('dev-certs needs one directory');
    // Throws a PantryError naming @peculiar/x509 or reflect-metadata when one is not installed.
    const { writeDevCertificates } = await import('../testing/dev-certificates.js');
    const certs = await writeDevCertificates(positionals[0], { serverNames: values['server-name'] });
    process.stdout.write(`wrote ca.crt, client.crt, client.key, server.crt, server.key to ${certs.dir}\n`);
    return 0;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  return usage(command ? `unknown command "${command}"` : '');
}

function usage(problem: string): number {
  process.stderr.write(`${problem ? `${problem}\n\n` : ''}${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`pantry-client: ${err instanceof PantryError ? err.message : (err as Error).message}\n`);
    process.exit(1);
  },
);
