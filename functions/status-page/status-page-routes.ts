/**
 * The status page's routes under `/status`: the page (a sign-in page with 401 and no data without the admin
 * token), sign-in and sign-out (the HttpOnly, SameSite=Strict `promethean_admin` cookie), the live panels
 * and search results as HTML fragments, and segment spectrograms as PNG. Bearer tokens work everywhere.
 */
import { ForeignId, SegmentName } from '@promethean/schemas/identifiers';
import { assembleTrace } from '@promethean/shared/ops/trace-hops';
import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import { opsLedger } from '../ops/ops-bindings.ts';
import {
  adminAccess,
  adminAuth,
  adminTokenFromBindings,
  fromSameOrigin,
  tokensMatch,
} from '../src/middleware/admin-auth.ts';
import {
  newSessionCookie,
  SESSION_COOKIE,
  SESSION_SECONDS,
  sessionStoreOf,
  verifiedSessionId,
} from '../src/middleware/admin-session.ts';
import { connectingIp } from '../src/middleware/load-shedding.ts';
import { html, type SafeHtml } from './html.ts';
import { newNonce, pageDocument, pageHeaders } from './page-layout.ts';
import { type SearchRequest, searchResults } from './search-section.ts';
import { SEARCH_DEFAULT_K, SEARCH_MAX_K, searchMessages } from './semantic-search.ts';
import { signInPage } from './sign-in-page.ts';
import { statusPage, statusPanels } from './status-page.ts';
import { gatherStatusPage, tenantWithPorts } from './status-page-data.ts';
import { traceResults, traceSection } from './trace-section.ts';
import { spectrogramKey, VOICE_COLLECTION } from './voice-sessions.ts';

type Env = { Bindings: FunctionsEnv };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const SearchQuery = z.object({
  tenant: z.string().regex(/^[^/]+\/[^/]+$/, 'tenant must be <provider>/<tenant>'),
  q: z.string().trim().min(1, 'type something to search for').max(500),
  k: z.coerce.number().int().min(1).max(SEARCH_MAX_K).default(SEARCH_DEFAULT_K),
});
const TraceQuery = z.object({
  tenant: z.string().regex(/^[^/]+\/[^/]+$/, 'tenant must be <provider>/<tenant>'),
  id: z.string().trim().min(1, 'give an envelope id or trace id').max(200),
});
const SignIn = z.object({ token: z.string().min(1).max(1024) });

/** Whether the request may see the page: the same rule as `adminAuth`, answered instead of thrown. */
async function pageAccess(c: Context<Env>): Promise<'ok' | 'disabled' | 'refused'> {
  const access = await adminAccess(c);
  return access.ok ? 'ok' : access.reason;
}

function page(c: Context<Env>, body: SafeHtml, status: 200 | 401 | 429 | 503, nonce: string) {
  return c.body(body.toString(), status, pageHeaders(nonce));
}

function fragment(c: Context<Env>, body: SafeHtml, status: 200 | 400 | 404 = 200) {
  return c.body(body.toString(), status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
}

/** A search as the page asks for it; undefined with the reason when the parameters are unusable. */
function parseSearch(query: Record<string, string>): {
  request?: SearchRequest & { k: number };
  problem?: string;
} {
  const parsed = SearchQuery.safeParse(query);
  if (!parsed.success) return { problem: parsed.error.issues.map((i) => i.message).join('; ') };
  const [provider = '', tenant = ''] = parsed.data.tenant.split('/');
  return { request: { provider, tenant, query: parsed.data.q, k: parsed.data.k } };
}

async function runSearch(env: FunctionsEnv, request: SearchRequest & { k: number }): Promise<SafeHtml> {
  const found = tenantWithPorts(env, request.provider, request.tenant);
  if (!found) {
    return html`<p class="problem">providers.yml has no tenant <code>${request.provider}/${request.tenant}</code>.</p>`;
  }
  return searchResults(request, await searchMessages(found.ports, request.query, request.k));
}

export const statusPageRoutes = new Hono<Env>();

statusPageRoutes.get('/', async (c) => {
  const nonce = newNonce();
  const access = await pageAccess(c);
  if (access === 'disabled') return page(c, signInPage({ nonce, disabled: true }), 503, nonce);
  if (access === 'refused') {
    c.header('WWW-Authenticate', 'Bearer realm="promethean-admin"');
    return page(c, signInPage({ nonce }), 401, nonce);
  }
  const asked = c.req.query('q') !== undefined ? parseSearch(c.req.query()) : {};
  const [data, results] = await Promise.all([
    gatherStatusPage(c.env),
    asked.request ? runSearch(c.env, asked.request) : Promise.resolve(undefined),
  ]);
  const search = asked.request && results ? { request: asked.request, results } : undefined;
  return page(c, statusPage({ data, nonce, nowMs: Date.now(), ...(search && { search }) }), 200, nonce);
});

statusPageRoutes.post('/sign-in', async (c) => {
  const nonce = newNonce();
  const expected = adminTokenFromBindings(c.env);
  const sessions = sessionStoreOf(c.env);
  if (expected === undefined || !sessions) return page(c, signInPage({ nonce, disabled: true }), 503, nonce);
  // A sign-in form posted from another site would sign the browser in to the attacker's choosing.
  if (!fromSameOrigin(c)) throw new HTTPException(403, { message: 'cross-site sign-in refused' });
  const client = connectingIp(c);
  const now = Date.now();
  const wait = await sessions.signInWait(client, now);
  if (wait > 0) {
    c.header('Retry-After', String(Math.ceil(wait / 1000)));
    return page(c, signInPage({ nonce, problem: 'Too many wrong tokens: wait a few minutes.' }), 429, nonce);
  }
  const form = SignIn.safeParse(await c.req.parseBody().catch(() => ({})));
  if (!form.success || !(await tokensMatch(form.data.token, expected))) {
    await sessions.signInFailed(client, now);
    return page(c, signInPage({ nonce, problem: 'That is not the admin token.' }), 401, nonce);
  }
  const session = await newSessionCookie(expected, now);
  await sessions.open({ id: session.id, expires_at: session.expiresAt });
  setCookie(c, SESSION_COOKIE, session.value, {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/',
    secure: true,
    maxAge: SESSION_SECONDS,
  });
  return c.redirect('/status', 303);
});

statusPageRoutes.post('/sign-out', async (c) => {
  const expected = adminTokenFromBindings(c.env);
  const id = expected && (await verifiedSessionId(getCookie(c, SESSION_COOKIE), expected, Date.now()));
  if (id) {
    if (!fromSameOrigin(c)) throw new HTTPException(403, { message: 'cross-site sign-out refused' });
    await sessionStoreOf(c.env)?.revoke(id);
  }
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: true });
  return c.redirect('/status', 303);
});

statusPageRoutes.get('/panels', adminAuth(), async (c) => {
  return fragment(c, statusPanels(await gatherStatusPage(c.env), Date.now()));
});

statusPageRoutes.get('/search', adminAuth(), async (c) => {
  const asked = parseSearch(c.req.query());
  if (!asked.request) throw new HTTPException(400, { message: `invalid search: ${asked.problem}` });
  return fragment(c, await runSearch(c.env, asked.request));
});

/**
 * One message's trace, looked up by any envelope id in it (or the trace id), within one tenant of the
 * registry: the ledger answers only hops filed under that provider and tenant.
 */
statusPageRoutes.get('/trace', adminAuth(), async (c) => {
  const parsed = TraceQuery.safeParse(c.req.query());
  if (!parsed.success) {
    throw new HTTPException(400, {
      message: `invalid trace lookup: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
    });
  }
  const [provider = '', tenant = ''] = parsed.data.tenant.split('/');
  if (!tenantWithPorts(c.env, provider, tenant))
    throw new HTTPException(404, { message: `no tenant ${provider}/${tenant}` });
  const request = { provider, tenant, id: parsed.data.id };
  const steps = assembleTrace(await opsLedger(c.env).lookupTrace(provider, tenant, request.id));
  const nonce = newNonce();
  const body = html`<header><h1>Promethean Edge — trace</h1><span class="meta"><a href="/status">back to status</a></span></header>
<main>${traceSection([{ provider, tenant }])}<section class="card" id="trace-results"><h2>Trace of <code>${request.id}</code></h2>
${traceResults(request, steps)}</section></main>`;
  return page(c, pageDocument({ title: 'Promethean Edge trace', nonce, body, script: false }), 200, nonce);
});

/** A segment's spectrogram PNG, found through its voice document (never an arbitrary blob key). */
statusPageRoutes.get('/voice/:provider/:tenant/spectrogram', adminAuth(), async (c) => {
  const provider = SegmentName.safeParse(c.req.param('provider'));
  const tenant = SegmentName.safeParse(c.req.param('tenant'));
  const id = ForeignId.safeParse(c.req.query('id'));
  if (!provider.success || !tenant.success || !id.success) {
    throw new HTTPException(400, {
      message: 'the path is /status/voice/<provider>/<tenant>/spectrogram?id=<segment id>',
    });
  }
  const found = tenantWithPorts(c.env, provider.data, tenant.data);
  if (!found) throw new HTTPException(404, { message: `no tenant ${provider.data}/${tenant.data}` });
  const { documents, blobs } = found.ports;
  if (!documents || !blobs)
    throw new HTTPException(503, { message: 'this tenant has no document or blob store' });
  const doc = await documents.get(VOICE_COLLECTION, id.data);
  const key = doc ? spectrogramKey(doc) : undefined;
  if (!key) throw new HTTPException(404, { message: `segment ${id.data} has no spectrogram` });
  const bytes = await blobs.get(key);
  if (!bytes)
    throw new HTTPException(404, { message: `the spectrogram of ${id.data} is not in blob storage` });
  if (!PNG_SIGNATURE.every((b, i) => bytes[i] === b)) {
    throw new HTTPException(502, { message: `the spectrogram of ${id.data} is not a PNG image` });
  }
  return c.body(new Uint8Array(bytes), 200, {
    'content-type': 'image/png',
    // Keys derive from the segment's idempotency key: the image behind one never changes.
    'cache-control': 'private, max-age=86400',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'",
  });
});
