/** Talks to the fake Discord's inspection API (`/__fake/*`) from inside workerd tests. */
import { inject } from 'vitest';

export interface RecordedRequest {
  method: string;
  path: string;
  route: string | null;
  body: unknown;
  bot: string | null;
  status: number;
  time: number;
}

const base = () => inject('fakeDiscord').baseUrl;

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base()}/__fake${path}`, {
    method,
    ...(body !== undefined && {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  });
  if (!res.ok) throw new Error(`fake Discord ${method} ${path}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

export const fakeDiscord = {
  reset: () => call<void>('POST', '/reset'),
  addFault: (fault: Record<string, unknown>) => call<{ id: string }>('POST', '/faults', fault),
  clearFaults: () => call<void>('DELETE', '/faults'),
  requests: () => call<RecordedRequest[]>('GET', '/requests'),
  state: () =>
    call<{ requests_total: number; messages_per_channel: Record<string, number>; rate_limited: number }>(
      'GET',
      '/state',
    ),
  invalid: (bot: string) =>
    call<{ count: number; by_status: Record<string, number> }>('GET', `/invalid-requests?bot=${bot}`),
  gateway: () =>
    call<{ sessions: Array<Record<string, unknown>>; received: Array<Record<string, unknown>> }>(
      'GET',
      '/gateway',
    ),
  gatewayAction: (action: Record<string, unknown>) => call<unknown>('POST', '/gateway', action),
};
