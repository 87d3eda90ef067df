/**
 * `npm audit --omit=dev`, failing on high or critical advisories in what ships. Where the registry
 * cannot answer audits (this workplace's mirror answers the bulk advisory endpoint with 405), the audit
 * says so plainly and falls back to the known advisories pinned below, checked against the lockfile,
 * so a regression to a vulnerable version still fails.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

/** Advisories known to reach production dependencies, with the first fixed version. */
export const KNOWN_ADVISORIES: readonly { name: string; fixed: string; advisory: string }[] = [
  // node-tar, via @discordjs/opus -> @discordjs/node-pre-gyp (the voice-host image's build tooling):
  // GHSA-34x7-hfp2-rc4v, GHSA-qffp-2rhf-9h96, GHSA-9ppj-qmqm-q256, CVE-2026-26960, CVE-2026-73566.
  {
    name: 'tar',
    fixed: '7.5.21',
    advisory: 'node-tar path traversal / file overwrite / DoS advisories of 2026',
  },
];

export type AuditOutcome =
  | { mode: 'npm-audit'; high: number; critical: number; problems: string[] }
  | { mode: 'offline'; reason: string; problems: string[] };

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Every installed copy of a known-vulnerable package older than its fix, from the lockfile. */
export function offlineProblems(lockfile: {
  packages?: Record<string, { version?: string; dev?: boolean }>;
}): string[] {
  const problems: string[] = [];
  for (const [path, entry] of Object.entries(lockfile.packages ?? {})) {
    if (entry.dev || entry.version === undefined) continue;
    const name = path.replace(/^.*node_modules\//, '');
    for (const known of KNOWN_ADVISORIES) {
      if (name === known.name && compareVersions(entry.version, known.fixed) < 0) {
        problems.push(`${path}@${entry.version} is older than ${known.fixed} (${known.advisory})`);
      }
    }
  }
  return problems;
}

/** Reads `npm audit --json` output: a report, or why there is none. */
export function readAuditReport(text: string): { high: number; critical: number } | { unavailable: string } {
  let json: {
    metadata?: { vulnerabilities?: Record<string, number> };
    message?: string;
    statusCode?: number;
  };
  try {
    json = JSON.parse(text);
  } catch {
    return { unavailable: 'npm audit printed no JSON' };
  }
  const counts = json.metadata?.vulnerabilities;
  if (counts) return { high: counts.high ?? 0, critical: counts.critical ?? 0 };
  return { unavailable: json.message ?? `npm audit answered ${json.statusCode ?? 'without a report'}` };
}

export function auditDependencies(root = ROOT): AuditOutcome {
  const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const report = readAuditReport(run.stdout ?? '');
  const lockfile = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  if ('unavailable' in report) {
    return { mode: 'offline', reason: report.unavailable, problems: offlineProblems(lockfile) };
  }
  const problems = [
    ...(report.high + report.critical > 0
      ? [
          `npm audit: ${report.high} high and ${report.critical} critical advisories in production dependencies`,
        ]
      : []),
    ...offlineProblems(lockfile),
  ];
  return { mode: 'npm-audit', ...report, problems };
}
