import { describe, expect, it } from 'vitest';
import { type MigrationCommand, runMigrationCommand, USAGE_EXIT } from './migration-command.ts';
import { type Fetch, StoreMoveClient } from './store-move-client.ts';

function recordingClient(): { client: StoreMoveClient; calls: string[] } {
  const calls: string[] = [];
  const fetch: Fetch = async (url, init) => {
    calls.push(
      `${init?.method} ${url.replace('http://w/admin/migrations/echo/demo/reembed', '')} ${init?.body ?? ''}`.trim(),
    );
    return Response.json({
      state: { id: 'r1', phase: 'dual_write', backfilled: 3 },
      lag: 0,
      progress: 1,
      more: false,
    });
  };
  const client = new StoreMoveClient({
    url: 'http://w',
    token: 't',
    provider: 'echo',
    tenant: 'demo',
    migration: 'reembed',
    fetch,
    print: () => {},
  });
  return { client, calls };
}

function command(over: Partial<MigrationCommand> & Pick<MigrationCommand, 'client'>): {
  c: MigrationCommand;
  out: string[];
  err: string[];
} {
  const out: string[] = [];
  const err: string[] = [];
  const c: MigrationCommand = {
    command: 'status',
    actions: ['cutover', 'rollback'],
    queue: false,
    usage: 'usage: test',
    start: () => undefined,
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    ...over,
  };
  return { c, out, err };
}

describe('runMigrationCommand', () => {
  it('prints the view of status and exits 0', async () => {
    const { client, calls } = recordingClient();
    const { c, out } = command({ client });
    expect(await runMigrationCommand(c)).toBe(0);
    expect(calls).toEqual(['GET']);
    expect(JSON.parse(out[0] ?? '')).toMatchObject({ state: { id: 'r1' } });
  });

  it('sends an action this migration kind accepts, with the queue flag', async () => {
    const { client, calls } = recordingClient();
    const { c } = command({ client, command: 'rollback', queue: true });
    expect(await runMigrationCommand(c)).toBe(0);
    expect(calls).toEqual(['POST /rollback {"queue":true}']);
  });

  it('sends repair, which only the store move lists among its actions', async () => {
    const { client, calls } = recordingClient();
    const { c } = command({ client, command: 'repair', actions: ['verify', 'repair'] });
    expect(await runMigrationCommand(c)).toBe(0);
    expect(calls).toEqual(['POST /repair']);
  });

  it('refuses an action of another migration kind with the usage and exit 2, sending nothing', async () => {
    const { client, calls } = recordingClient();
    const { c, err } = command({ client, command: 'verify' });
    expect(await runMigrationCommand(c)).toBe(USAGE_EXIT);
    expect(calls).toEqual([]);
    expect(err).toEqual(['usage: test']);
  });

  it('answers the usage when start lacks a required flag', async () => {
    const { client, calls } = recordingClient();
    const { c, err } = command({ client, command: 'start' });
    expect(await runMigrationCommand(c)).toBe(USAGE_EXIT);
    expect(calls).toEqual([]);
    expect(err).toEqual(['usage: test']);
  });

  it('watch steps, then ends the progress line before printing the view', async () => {
    const { client, calls } = recordingClient();
    const { c, out, err } = command({ client, command: 'watch' });
    expect(await runMigrationCommand(c)).toBe(0);
    expect(calls).toEqual(['GET', 'POST /step']);
    expect(err).toEqual(['']);
    expect(out).toHaveLength(1);
  });
});
