import { describe, expect, it } from 'vitest';
import { auditDependencies, offlineProblems, readAuditReport } from './dependency-audit.ts';

describe('dependency audit (npm audit --omit=dev)', () => {
  it('finds no high or critical advisory in production dependencies', () => {
    const outcome = auditDependencies();
    if (outcome.mode === 'offline') {
      // Said once per run so nobody mistakes the fallback for a full audit.
      console.warn(
        `npm audit unavailable here (${outcome.reason}); checked the known advisories against the lockfile`,
      );
    }
    expect(outcome.problems).toEqual([]);
  }, 90_000);

  it('reads a report and a refusal', () => {
    expect(readAuditReport('{"metadata":{"vulnerabilities":{"high":2,"critical":1,"low":4}}}')).toEqual({
      high: 2,
      critical: 1,
    });
    expect(readAuditReport('{"message":"405 Method Not Allowed","statusCode":405}')).toEqual({
      unavailable: '405 Method Not Allowed',
    });
  });

  it('flags a production copy of tar older than its fix, and ignores dev-only copies', () => {
    const lock = {
      packages: {
        'node_modules/tar': { version: '6.2.1' },
        'node_modules/x/node_modules/tar': { version: '7.5.24' },
        'node_modules/dev-tool/node_modules/tar': { version: '6.0.0', dev: true },
      },
    };
    expect(offlineProblems(lock)).toEqual([
      expect.stringMatching(/^node_modules\/tar@6\.2\.1 is older than 7\.5\.21/),
    ]);
  });
});
