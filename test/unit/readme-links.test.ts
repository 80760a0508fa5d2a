import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/testing/server-binary.js';

// The README is also the package's page on the registry, where a relative link leads nowhere: every
// link is absolute, and one into this repository names a file that exists.
const REPO = 'https://github.com/pantry-dev/pantry-client';
const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8'));
const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);

describe('README links', () => {
  it('are all absolute https links', () => {
    expect(links.length).toBeGreaterThan(5);
    expect(links.filter((l) => !l.startsWith('https://'))).toEqual([]);
  });

  it('into this repository name files that exist', () => {
    const ours = links.filter((l) => l.startsWith(`${REPO}/`));
    expect(ours.length).toBeGreaterThan(0);
    for (const link of ours) {
      const path = link.match(
        /^https:\/\/github\.com\/pantry-dev\/pantry-client\/(?:blob|raw|tree)\/main\/([^#?]+)/,
      )?.[1];
      expect(path, link).toBeDefined();
      expect(existsSync(join(PACKAGE_ROOT, path!)), link).toBe(true);
    }
  });

  it('package.json names the repository, homepage and bugs; LICENSE is Apache-2.0; engines as the README states', () => {
    expect(pkg.repository).toEqual({ type: 'git', url: `git+${REPO}.git` });
    expect(pkg.homepage).toBe(`${REPO}#readme`);
    expect(pkg.bugs).toEqual({ url: `${REPO}/issues` });
    expect(existsSync(join(PACKAGE_ROOT, 'LICENSE'))).toBe(true);
    expect(readFileSync(join(PACKAGE_ROOT, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0/);
    expect(pkg.license).toBe('Apache-2.0');
    expect(readme).toContain(`\`engines\` is \`${pkg.engines.node}\``);
  });
});
