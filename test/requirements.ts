import { dockerAvailable } from '../src/testing/runtime/docker.js';
import { which } from '../src/testing/which.js';

const hasDocker = await dockerAvailable();
const hasHaproxy = which('haproxy') !== undefined;

const hasPostgres = !!process.env.PANTRY_TEST_POSTGRES;

const HOW = {
  docker: 'a Docker engine (set DOCKER_HOST if its socket is not the default)',
  haproxy: 'haproxy on PATH (Debian/Ubuntu: apt-get install haproxy)',
  postgres: 'PANTRY_TEST_POSTGRES=postgres://… naming a throwaway database (.ci/postgres starts one)',
};

/**
 * Whether a test file should run the stacks that need `what`. Envoy is not listed: the harness
 * provisions it. Outside CI a missing engine or binary skips those stacks with one line naming
 * what to install; with `CI=true` nothing skips, so a missing one fails the tests that need it.
 *
 * @example
 * const proxies = ['envoy', ...(needs('haproxy', 'harness') ? ['haproxy'] : [])];
 */
export function needs(what: keyof typeof HOW, file: string): boolean {
  const have = what === 'docker' ? hasDocker : what === 'haproxy' ? hasHaproxy : hasPostgres;
  if (have || process.env.CI) return true;
  console.warn(`${file}: skipping the stacks that need ${HOW[what]}`);
  return false;
}
