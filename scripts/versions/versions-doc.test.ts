import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderVersions, VERSION_SOURCES } from './versions-doc.ts';

const root = join(import.meta.dirname, '..', '..');

describe('docs/versions.md', () => {
  it('is what npm run versions makes of the current pins (run it after changing a version)', () => {
    expect(readFileSync(join(root, 'docs', 'versions.md'), 'utf8')).toBe(renderVersions(root));
  });

  it('changes when a pin changes', () => {
    // A copy of the sources with wrangler re-pinned: the rendering must follow, so a stale file is caught.
    const copy = mkdtempSync(join(tmpdir(), 'versions-'));
    try {
      for (const file of VERSION_SOURCES) {
        mkdirSync(dirname(join(copy, file)), { recursive: true });
        cpSync(join(root, file), join(copy, file));
      }
      const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        workspaces: string[];
        devDependencies: Record<string, string>;
      };
      for (const ws of pkg.workspaces) cpSync(join(root, ws, 'package.json'), join(copy, ws, 'package.json'));
      writeFileSync(
        join(copy, 'package.json'),
        JSON.stringify({ ...pkg, devDependencies: { ...pkg.devDependencies, wrangler: '4.0.0' } }),
      );
      writeFileSync(join(copy, '.nvmrc'), '22.99.0\n');
      const text = renderVersions(copy);
      expect(text).not.toBe(renderVersions(root));
      expect(text).toContain('| `wrangler` | 4.0.0 |');
      expect(text).toContain('| Node | 22.99.0 |');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('lists the system packages pinned in .ci/run with their versions', () => {
    const ci = readFileSync(join(root, '.ci', 'run'), 'utf8');
    const pinned = /^APT_PINNED="([^"]*)"/m.exec(ci)?.[1]?.split(' ') ?? [];
    expect(pinned.length).toBeGreaterThan(0);
    const text = renderVersions(root);
    for (const spec of pinned) {
      const [name, version] = spec.split('=');
      expect(text).toContain(`| \`${name}\` | ${version} |`);
    }
  });
});
