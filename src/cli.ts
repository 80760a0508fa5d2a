#!/usr/bin/env node
/**
 * `pantry-client`: the package's command line.
 *
 * @example
 * npx pantry-client dev-certs ./certs
 */
import { parseArgs } from 'node:util';

const USAGE = `Usage: pantry-client <command> [options]

Commands:
  dev-certs <dir> [--server-name NAME]...   write a dev CA, server and client certificates
                                             (ca.crt, client.crt, client.key, server.crt, server.key)
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'dev-certs') {
    const { positionals, values } = parseArgs({ args: rest, allowPositionals: true, options: { 'server-name': { type: 'string', multiple: true } } });
    if (positionals.length !== 1) {
      process.stderr.write('dev-certs needs one directory\n\n' + USAGE);
      return 2;
    }
    const { writeDevCertificates } = await import('./testing/dev-certificates.js').catch((err) => {
      throw new Error(`dev-certs needs the optional dependencies @peculiar/x509 and reflect-metadata (npm i -D @peculiar/x509 reflect-metadata): ${(err as Error).message}`);
    });
    const certs = await writeDevCertificates(positionals[0], { serverNames: values['server-name'] });
    process.stdout.write(`wrote ca.crt, client.crt, client.key, server.crt, server.key to ${certs.dir}\n`);
    return 0;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  process.stderr.write(command ? `unknown command "${command}"\n\n${USAGE}` : USAGE);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`pantry-client: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
