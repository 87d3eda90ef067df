/**
 * The functions-worker test project runs without promethean-access, yet the functions Worker calls its
 * `ACCESS` service binding: fetch (answered 503, as when the access Worker is not part of the test) and
 * the voice-mixer's `voicePlay` RPC, which this stand-in accepts as a connected voice host would.
 */

/** A miniflare worker definition for `miniflare.workers`. */
export const accessStandIn = {
  name: 'promethean-access-stand-in',
  modules: true,
  compatibilityDate: '2026-08-01',
  script: `
import { WorkerEntrypoint } from 'cloudflare:workers';
export default class extends WorkerEntrypoint {
  fetch() { return new Response('promethean-access is not part of this test project', { status: 503 }); }
  voicePlay(input) { return { ok: typeof input?.url === 'string' && input.url.includes('/voice/blobs/') }; }
}
`,
};
