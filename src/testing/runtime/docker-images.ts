import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { GenericContainer, getContainerRuntimeClient } from 'testcontainers';
import { pantryServerBinary, SERVER_DIR } from '../server-binary.js';

const run = promisify(execFile);

/**
 * Builds a `FROM scratch` image holding the static Go server (`server/Dockerfile.scratch`),
 * tagged uniquely so stacks never remove each other's images. Docker's layer cache makes it
 * about a second.
 *
 * @example
 * const image = await buildServerImage(); … await removeImage(image);
 */
export async function buildServerImage(): Promise<string> {
  const context = await mkdtemp(join(tmpdir(), 'pantry-image-'));
  try {
    await copyFile(await pantryServerBinary(), join(context, 'pantry-server'));
    await copyFile(join(SERVER_DIR, 'Dockerfile.scratch'), join(context, 'Dockerfile'));
    return await build(context, 'pantry-server');
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

/**
 * Builds a `FROM scratch` image from a binary of this machine (the proxy: Envoy or HAProxy) and
 * the shared libraries `ldd` lists — for machines where no proxy image can be pulled.
 *
 * @example
 * const image = await buildLocalBinaryImage('pantry-envoy', await envoyBinary());
 */
export async function buildLocalBinaryImage(name: string, path: string): Promise<string> {
  const context = await mkdtemp(join(tmpdir(), 'pantry-image-'));
  try {
    const rootfs = join(context, 'rootfs');
    const { stdout } = await run('ldd', [path]);
    const libs = [...stdout.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1]);
    const binary = `/usr/local/bin/${basename(path)}`;
    for (const [from, to] of [[path, binary], ...libs.map((l) => [l, l])]) {
      const target = join(rootfs, to);
      await mkdir(dirname(target), { recursive: true });
      await copyFile(await realpath(from), target);
      await chmod(target, 0o755);
    }
    // Envoy writes nothing but needs a /tmp; both proxies run as root in the container.
    await mkdir(join(rootfs, 'tmp'), { recursive: true });
    await writeFile(join(context, 'Dockerfile'), `FROM scratch\nCOPY rootfs/ /\nENTRYPOINT ["${binary}"]\n`);
    return await build(context, name);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

async function build(context: string, name: string): Promise<string> {
  const tag = `${name}:stack-${randomUUID().slice(0, 8)}`;
  await GenericContainer.fromDockerfile(context).withCache(true).build(tag, { deleteOnExit: false });
  return tag;
}

/**
 * Removes an image the harness built (Ryuk is off on machines without registry access, so
 * nothing else would). Errors are ignored: the image may be shared with a running container.
 *
 * @example
 * await removeImage('pantry-server:stack-1a2b3c4d');
 */
export async function removeImage(tag: string): Promise<void> {
  const client = await getContainerRuntimeClient();
  await client.container.dockerode
    .getImage(tag)
    .remove()
    .catch(() => {});
}
