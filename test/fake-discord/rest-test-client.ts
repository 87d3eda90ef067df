/** Helpers for the fake's own tests: a settable clock and `fetch` calls shaped like a bot's. */
import type { FakeDiscord, FakeDiscordOptions } from './fake-discord-rest.ts';
import { startFakeDiscord } from './fake-discord-rest.ts';

/** A clock tests move by hand, so rate-limit windows pass without waiting. */
export class TestClock {
  #now: number;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  /** The current time; pass `clock.now` as the fake's `now`. */
  readonly now = (): number => this.#now;

  /** Moves time forward. */
  advance(ms: number): void {
    this.#now += ms;
  }
}

/** The token, bot and application every test fake accepts. */
export const TEST_TOKEN = 'test-bot-token';
export const TEST_BOT = { botUserId: '300000000000000001', applicationId: '300000000000000002' };
export const OTHER_TOKEN = 'other-bot-token';
export const OTHER_BOT = { botUserId: '400000000000000001', applicationId: '400000000000000002' };

/** Starts a fake with the two test bots and a test clock. */
export async function startTestFake(
  options: Partial<FakeDiscordOptions> = {},
): Promise<{ fake: FakeDiscord; clock: TestClock }> {
  const clock = new TestClock();
  const fake = await startFakeDiscord({
    tokens: { [TEST_TOKEN]: TEST_BOT, [OTHER_TOKEN]: OTHER_BOT },
    now: clock.now,
    seed: 'test',
    ...options,
  });
  return { fake, clock };
}

/** A REST response read fully. */
export interface CallResult {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

/** Calls the fake's REST API as a bot (`token: null` sends no Authorization). */
export async function call(
  fake: FakeDiscord,
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null } = {},
): Promise<CallResult> {
  const token = options.token === undefined ? TEST_TOKEN : options.token;
  const headers: Record<string, string> = {};
  if (token !== null) headers.Authorization = `Bot ${token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const url = path.startsWith('/__fake') ? `${fake.baseUrl}${path}` : `${fake.restUrl}${path}`;
  const response = await fetch(url, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  const json = response.headers.get('content-type')?.startsWith('application/json') ?? false;
  return {
    status: response.status,
    headers: response.headers,
    body: json ? JSON.parse(text) : undefined,
    text,
  };
}
