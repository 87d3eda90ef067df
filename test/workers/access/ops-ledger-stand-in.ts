/**
 * The access-worker test project runs without promethean-functions, yet the access Worker binds the
 * functions Worker's OpsLedger (cross-script). This auxiliary worker, named like the real script, takes
 * that binding's calls: it keeps every delta it receives (the tests validate them against `OpsDelta`)
 * and answers with controls the tests set, exactly as the real ledger's RPC surface does.
 */

/** A miniflare worker definition for `miniflare.workers`. */
export const opsLedgerStandIn = {
  name: 'promethean-functions',
  modules: true,
  compatibilityDate: '2026-08-01',
  durableObjects: { OPS_LEDGER: 'OpsLedger' },
  script: `
import { DurableObject } from 'cloudflare:workers';
export class OpsLedger extends DurableObject {
  async record(delta) {
    const deltas = (await this.ctx.storage.get('deltas')) ?? [];
    deltas.push(delta);
    await this.ctx.storage.put('deltas', deltas);
    return { controls: await this.controls() };
  }
  async controls() { return (await this.ctx.storage.get('controls')) ?? []; }
  async setControls(controls) { await this.ctx.storage.put('controls', controls); }
  async received() { return (await this.ctx.storage.get('deltas')) ?? []; }
}
export default { fetch: () => new Response('ops ledger stand-in for the access-worker tests', { status: 404 }) };
`,
};
