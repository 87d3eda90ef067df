import { describe, expect, it } from 'vitest';
import { DlqRequestError, DlqUsageError, dlqRequest, parseDlqArgs, runDlq, table } from './dlq-client.ts';

describe('dlq command line', () => {
  it('parses each command into its admin request', () => {
    const list = parseDlqArgs('list', {
      tenant: 'discord/duck',
      reason: 'timeout',
      since: '2026-11-20T10:00:00Z',
      limit: '5',
    });
    expect(dlqRequest(list)).toEqual({
      method: 'GET',
      path: '/admin/dead-letters/discord/duck?reason=timeout&since=2026-11-20T10%3A00%3A00.000Z&limit=5',
    });
    expect(dlqRequest(parseDlqArgs('show', { tenant: 'unknown', id: 'dl_1' }))).toEqual({
      method: 'GET',
      path: '/admin/dead-letters/unknown/unknown/dl_1',
    });
    expect(dlqRequest(parseDlqArgs('replay', { tenant: 'echo/demo', id: 'dl_2' }))).toMatchObject({
      method: 'POST',
      path: '/admin/dead-letters/echo/demo/dl_2/replay',
    });
    expect(dlqRequest(parseDlqArgs('purge', { tenant: 'echo/demo', id: 'dl_3' }))).toEqual({
      method: 'DELETE',
      path: '/admin/dead-letters/echo/demo/dl_3',
    });
    expect(dlqRequest(parseDlqArgs('purge', { tenant: 'echo/demo', all: true }))).toEqual({
      method: 'POST',
      path: '/admin/dead-letters/echo/demo/purge',
      body: { all: true },
    });
  });

  it.each([
    [undefined, { tenant: 'echo/demo' }, /command is required/],
    ['drop', { tenant: 'echo/demo' }, /unknown command "drop"/],
    ['list', {}, /--tenant/],
    ['list', { tenant: 'duck' }, /<provider>\/<tenant>/],
    ['show', { tenant: 'echo/demo' }, /show needs --id/],
    ['list', { tenant: 'echo/demo', since: 'yesterday' }, /--since must be an ISO time/],
    ['list', { tenant: 'echo/demo', limit: '0' }, /--limit must be 1..500/],
    ['purge', { tenant: 'echo/demo' }, /purge needs/],
    ['purge', { tenant: 'echo/demo', all: true, reason: 'x' }, /--all cannot be combined/],
  ] as const)('refuses %s %o clearly', (command, options, message) => {
    expect(() => parseDlqArgs(command, options)).toThrow(DlqUsageError);
    expect(() => parseDlqArgs(command, options)).toThrow(message);
  });

  it('renders aligned tables', () => {
    expect(
      table(
        ['ID', 'REASON'],
        [
          ['dl_1', 'timeout'],
          ['dl_22', 'x'],
        ],
      ),
    ).toBe(['ID     REASON', '-----  -------', 'dl_1   timeout', 'dl_22  x'].join('\n'));
  });

  it('says which URL it could not reach, and passes the Worker’s own error message on', async () => {
    const args = parseDlqArgs('list', { tenant: 'echo/demo' });
    const down = runDlq(args, {
      url: 'http://127.0.0.1:1',
      token: 't',
      fetch: () => Promise.reject(new TypeError('fetch failed')),
    });
    await expect(down).rejects.toThrow(DlqRequestError);
    await expect(down).rejects.toThrow(
      /could not reach http:\/\/127\.0\.0\.1:1\/admin\/dead-letters\/echo\/demo/,
    );
    const refused = runDlq(args, {
      url: 'http://x',
      token: 'wrong',
      fetch: async () =>
        Response.json({ error: 'http_error', message: 'admin token required' }, { status: 401 }),
    });
    await expect(refused).rejects.toThrow('list failed: HTTP 401: admin token required');
  });
});
