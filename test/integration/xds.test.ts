import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Logger, type PantryClient } from '../../src/index.js';
import { envoyBinary, startPantryStack, type PantryStack } from '../../src/testing/index.js';
import { freePort } from '../../src/testing/ports.js';
import { PACKAGE_ROOT } from '../../src/testing/server-binary.js';

// xds:///pantry through @grpc/grpc-js-xds, fed by the go-control-plane management server of
// deploy/xds, with three real Go servers speaking mutual TLS: the test changes the endpoints over
// the management server's admin API and the client's traffic follows within 5 s. The same
// management server configures a real Envoy (ADS), whose traffic follows the same changes. Each
// server names itself in the pantry-replica response header.
const run = promisify(execFile);
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const replicas: Record<string, PantryStack> = {};
let xds: ChildProcess | undefined;
let envoy: ChildProcess | undefined;
let envoyAddress = '';
let envoyLog = '';
let admin = '';
let work = '';
let client: PantryClient;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'pantry-xds-'));
  const bin = join(work, 'pantry-xds');
  await run(process.env.GO ?? 'go', ['build', '-o', bin, '.'], { cwd: join(PACKAGE_ROOT, 'deploy', 'xds') });
  for (const name of ['a', 'b', 'c']) {
    replicas[name] = await startPantryStack({
      runtime: 'process',
      proxy: 'none',
      certDir: replicas.a?.certDir,
      serverArgs: ['-replica-id', name],
    });
  }
  const certs = replicas.a.certDir;
  envoyAddress = `127.0.0.1:${await freePort()}`;
  const proc = spawn(bin, [
    ...['-listen', '127.0.0.1:0', '-admin', '127.0.0.1:0', '-endpoints', `a=${replicas.a.address}`],
    ...['-bootstrap-out', join(work, 'bootstrap.json'), '-bootstrap-node', 'pantry-client-test'],
    ...['-envoy-listen', envoyAddress, '-envoy-client-ca', join(certs, 'ca.crt')],
    ...['-envoy-cert', join(certs, 'server.crt'), '-envoy-key', join(certs, 'server.key')],
    ...['-upstream-cert', join(certs, 'client.crt'), '-upstream-key', join(certs, 'client.key')],
    ...['-upstream-ca', join(certs, 'ca.crt'), '-upstream-sni', 'localhost'],
  ]);
  xds = proc;
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out);
    });
    proc.on('exit', (code) => reject(new Error(`pantry-xds exited with ${code}: ${err}`)));
  });
  const m = /serving ADS on (\S+), admin on (\S+)/.exec(line);
  if (!m) throw new Error(`pantry-xds said: ${line}`);
  admin = m[2];
  // The bootstrap grpc-js-xds reads (once per process), as the management server wrote it.
  process.env.GRPC_XDS_BOOTSTRAP = join(work, 'bootstrap.json');
  // Envoy with nothing but the management server in its bootstrap: listener, route, cluster and
  // endpoints all come over ADS.
  const [xdsHost, xdsPort] = m[1].split(':');
  const bootstrap = join(work, 'envoy-ads.yaml');
  await writeFile(bootstrap, envoyBootstrap(xdsHost, Number(xdsPort), await freePort()));
  envoy = spawn(await envoyBinary(), [
    ...['-c', bootstrap, '--concurrency', '1', '--use-dynamic-base-id', '--log-level', 'warn'],
  ]);
  envoy.stderr?.on('data', (d: Buffer) => {
    envoyLog += d.toString();
  });
  client = createClient({
    address: 'xds:///pantry',
    serverName: 'localhost',
    certDir: replicas.a.certDir,
    logger: silent,
  });
}, 240_000); // a cold Go module cache downloads go-control-plane first

afterAll(async () => {
  client?.close();
  envoy?.kill();
  xds?.kill();
  await Promise.all(Object.values(replicas).map((s) => s.stop()));
  if (work) await rm(work, { recursive: true, force: true });
});

function envoyBootstrap(xdsHost: string, xdsPort: number, adminPort: number): string {
  return `node: { id: envoy-pantry-test, cluster: pantry }
admin: { address: { socket_address: { address: 127.0.0.1, port_value: ${adminPort} } } }
dynamic_resources:
  ads_config:
    api_type: GRPC
    transport_api_version: V3
    grpc_services: [{ envoy_grpc: { cluster_name: xds } }]
  lds_config: { ads: {}, resource_api_version: V3 }
  cds_config: { ads: {}, resource_api_version: V3 }
static_resources:
  clusters:
  - name: xds
    type: STATIC
    connect_timeout: 1s
    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config: { http2_protocol_options: {} }
    load_assignment:
      cluster_name: xds
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: ${xdsHost}, port_value: ${xdsPort} } } }
`;
}

async function setEndpoints(eps: { name: string; weight?: number }[]): Promise<void> {
  const body = eps.map(({ name, weight = 1 }) => ({ name, address: replicas[name].address, weight }));
  const res = await fetch(`${admin}/endpoints`, { method: 'PUT', body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** Which replica answers a Hello (through `via`, the xds:/// client by default). */
async function answeredBy(via: PantryClient = client): Promise<string> {
  let by = '?';
  await via.hello.hello(
    {},
    {
      onHeader: (h) => {
        by = String(h.get('pantry-replica')[0]);
      },
    },
  );
  return by;
}

/** Calls until `want` answers `n` times in a row; the ms it took. */
async function followsWithin(want: string, n = 10, timeoutMs = 5_000, via = client): Promise<number> {
  const t0 = performance.now();
  let streak = 0;
  while (streak < n) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`traffic did not move to ${want} within ${timeoutMs} ms`);
    streak = (await answeredBy(via).catch(() => '')) === want ? streak + 1 : 0;
  }
  return performance.now() - t0;
}

describe('xds:///pantry follows the management server', { timeout: 60_000 }, () => {
  it('calls the one endpoint configured, over mutual TLS', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) seen.add(await answeredBy());
    expect([...seen]).toEqual(['a']);
  });

  it('moves its traffic within 5 s when the endpoint is replaced, and again when one is added', async () => {
    await setEndpoints([{ name: 'b' }]);
    const moved = await followsWithin('b');
    console.log(`xds: traffic moved to the new endpoint in ${moved.toFixed(0)} ms`);
    expect(moved).toBeLessThan(5_000);
    await setEndpoints([{ name: 'b' }, { name: 'c' }]);
    const t0 = performance.now();
    const seen = new Set<string>();
    while (!seen.has('c') && performance.now() - t0 < 5_000) seen.add(await answeredBy());
    expect(seen.has('c')).toBe(true);
    expect(seen.has('a')).toBe(false);
  });

  it('shifts its traffic by the weights: 1 to 4', async () => {
    await setEndpoints([
      { name: 'a', weight: 1 },
      { name: 'c', weight: 4 },
    ]);
    await followsWithin('a', 1); // the new assignment is in
    const counts: Record<string, number> = {};
    for (let i = 0; i < 200; i++) {
      const by = await answeredBy();
      counts[by] = (counts[by] ?? 0) + 1;
    }
    console.log(`xds: weights 1:4 → ${JSON.stringify(counts)}`);
    expect(Object.keys(counts).sort()).toEqual(['a', 'c']);
    // 40 expected for a; the picker is random per call (weighted_target), so a wide band.
    expect(counts.a, JSON.stringify(counts)).toBeGreaterThanOrEqual(15);
    expect(counts.a, JSON.stringify(counts)).toBeLessThanOrEqual(75);
  });

  it('configures Envoy from the same management server: its traffic follows the same change', async () => {
    await using viaEnvoy = createClient(envoyAddress, replicas.a.certDir, { logger: silent, deadlineMs: 2_000 });
    await setEndpoints([{ name: 'b' }]);
    // Envoy's listener itself arrives over LDS: allow it time to start listening, then 5 s to follow.
    await followsWithin('b', 5, 20_000, viaEnvoy).catch((err: Error) => {
      throw new Error(`${err.message}; Envoy said:\n${envoyLog.slice(-2_000)}`);
    });
    await setEndpoints([{ name: 'c' }]);
    const moved = await followsWithin('c', 10, 5_000, viaEnvoy);
    console.log(`xds: Envoy's traffic moved in ${moved.toFixed(0)} ms`);
    expect(moved).toBeLessThan(5_000);
    await followsWithin('c', 10, 5_000); // and the xds:/// client's with it
  });

  it('refuses an endpoint list the management server cannot serve, and keeps the old one', async () => {
    const res = await fetch(`${admin}/endpoints`, {
      method: 'PUT',
      body: JSON.stringify([{ name: 'x', address: 'not-an-address', weight: 1 }]),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('endpoint "x"');
    const state = (await (await fetch(`${admin}/endpoints`)).json()) as { endpoints: { name: string }[] };
    expect(state.endpoints.map((e) => e.name)).toEqual(['c']);
  });
});
