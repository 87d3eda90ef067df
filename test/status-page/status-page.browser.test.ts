/**
 * The status page in headless Chromium against the dev stack (`npm run dev`, started once): refused
 * without the token, signed in through the form, live data from the echo conversation (the tenant, a
 * recent message, queue depths), user content that tries to run script stays text, the search box returns
 * results; screenshots go to test-artifacts/status-page/ (git-ignored).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realDiscordConfigured } from '../../durable-objects/dev/dev-discord.ts';
import { DemoClient, pollUntil } from '../../scripts/dev/demo-client.ts';
import { type RunningDevStack, startDevStack } from './dev-stack-runner.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const ARTIFACTS = join(ROOT, 'test-artifacts', 'status-page');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const INJECTION = '<img src=x onerror="window.__pwned = 1"><script>window.__pwned = 2</script>';
const SEARCH_INJECTION = '"><img src=x onerror="window.__pwned = 3">';

let stack: RunningDevStack | undefined;
let context: BrowserContext | undefined;
let profileDir: string | undefined;
const realDiscord = realDiscordConfigured();

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Posts the conversation through the echo provider and waits until every line is indexed and embedded. */
async function chat(base: string): Promise<string[]> {
  const echo = new DemoClient(base, 'echo', 'demo');
  const said = await echo.say([
    {
      author: { id: 'ada', name: 'Ada' },
      content: 'the lighthouse keeper repaints the lamp room on Tuesday',
    },
    { author: { id: 'grace', name: 'Grace' }, content: 'bring blue paint for the lighthouse railings' },
    { author: { id: 'mallory', name: 'Mallory' }, content: INJECTION },
  ]);
  expect(said.status, JSON.stringify(said.body)).toBe(202);
  const ids = said.body.foreign_ids;
  await pollUntil(
    async () => {
      const { body } = await echo.indexStatus(ids);
      return body.documents.indexed.length === ids.length && body.vectors.embedded.length === ids.length
        ? true
        : undefined;
    },
    90_000,
    () => 'the echo messages were not indexed and embedded in time',
  );
  return ids;
}

beforeAll(async () => {
  if (realDiscord) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  stack = await startDevStack({ label: 'status-page-test' });
  profileDir = mkdtempSync(join(tmpdir(), 'status-page-chromium-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 1000 },
  });
}, 180_000);

afterAll(async () => {
  await context?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  if (stack) {
    const stopped = await stack.stop();
    expect(stopped.code).toBe(0);
    expect(stopped.leftover).toEqual([]);
  }
}, 60_000);

// With real credentials in durable-objects/.dev.vars the stack talks to Discord itself: not in a test.
describe.skipIf(realDiscord)('the status page in Chromium', () => {
  it('refuses without the token, signs in, shows live data, and searches', async () => {
    const { base, adminToken } = stack!;
    await chat(base);
    const page = await context!.newPage();

    // Without the token: 401, the sign-in form, and nothing about any tenant.
    const refused = await page.goto(`${base}/status`);
    expect(refused?.status()).toBe(401);
    await expect.poll(() => page.locator('#sign-in').isVisible()).toBe(true);
    expect(await page.content()).not.toContain('echo/demo');
    await screenshot(page, '01-sign-in');

    // A wrong token is refused; the right one sets the signed HttpOnly, SameSite=Strict, Secure session cookie.
    await page.fill('#token', 'not-the-token');
    await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
    expect(await page.locator('.problem').textContent()).toContain('That is not the admin token.');
    await page.fill('#token', adminToken);
    const [signedIn] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${base}/status` && r.request().method() === 'GET'),
      page.click('button[type=submit]'),
    ]);
    expect(signedIn.status()).toBe(200);
    const cookie = (await context!.cookies(base)).find((c) => c.name === '__Host-promethean_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: true });
    expect(cookie?.value).not.toContain(adminToken);

    // Live data: the tenant, the newest messages (the injection shown as text), queue depths.
    await expect.poll(() => page.locator('#tenants tr[data-tenant="echo/demo"]').count()).toBe(1);
    const messages = page.locator('#tenant-echo-demo table.messages');
    await expect.poll(() => messages.textContent()).toContain('bring blue paint for the lighthouse railings');
    expect(await messages.textContent()).toContain(INJECTION);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    // Queue figures reach the ledger after each batch; the page refreshes itself every 5 s until they show.
    await page.waitForSelector('#queues tr[data-queue="promethean-events"] td.depth', { timeout: 60_000 });
    await screenshot(page, '02-status');

    // Live: a message posted now appears without reloading (the panels refresh themselves every 5 s).
    const echo = new DemoClient(base, 'echo', 'demo');
    const later = await echo.say([
      { author: { id: 'ada', name: 'Ada' }, content: 'the lamp room is finished' },
    ]);
    expect(later.status).toBe(202);
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    await expect
      .poll(() => messages.textContent(), { timeout: 60_000, interval: 500 })
      .toContain('the lamp room is finished');
    expect(navigations).toEqual([]);

    // The search box: results with channel, author, time and distance, labelled offline.
    await page.fill('#search-query', 'lighthouse paint');
    await page.click('#search button[type=submit]');
    const results = page.locator('#search-results table.search-results');
    await results.waitFor({ timeout: 30_000 });
    const text = (await results.textContent()) ?? '';
    expect(text).toContain('bring blue paint for the lighthouse railings');
    expect(text).toContain('Grace');
    expect(await page.locator('#search-results').textContent()).toContain('Offline mode');
    await screenshot(page, '03-search');

    // A query that tries to inject markup comes back as text.
    await page.fill('#search-query', SEARCH_INJECTION);
    await page.click('#search button[type=submit]');
    await expect.poll(() => page.locator('#search-results .query').textContent()).toContain(SEARCH_INJECTION);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();

    // Without the browser's cookie the live panels are refused too.
    expect((await fetch(`${base}/status/panels`)).status).toBe(401);
    await page.close();
  }, 240_000);
});
