import type { Envelope } from '@promethean/schemas/envelope';
import type { MigrationProgress } from '@promethean/shared/ops/migration-progress';
import { describe, expect, it } from 'vitest';
import { scheduleReembedTails, type TailPublisher } from './reembed-tail-schedule.ts';

const progress = (id: string, kind: MigrationProgress['kind'], phase: string): MigrationProgress => ({
  provider: 'contract',
  tenant: 'duck',
  kind,
  id,
  from: 'old-embed/8',
  to: 'new-embed/16',
  phase,
  goal: 'dual_write',
  paused: false,
  total: 10,
  copied: 10,
  cdc_events: 0,
  cdc_applied: 0,
  lag: 0,
  errors: 0,
  started_at: 1,
  updated_at: 2,
});

/** Records each publish call, single or batched. */
class Calls implements TailPublisher {
  readonly single: Envelope[] = [];
  readonly batches: Envelope[][] = [];
  async publish(envelope: Envelope): Promise<void> {
    this.single.push(envelope);
  }
  async publishMany(envelopes: readonly Envelope[]): Promise<number> {
    this.batches.push([...envelopes]);
    return envelopes.length;
  }
}

const migrations = [
  progress('r1', 'reembed', 'dual_write'),
  progress('r2', 'reembed', 'cut_over'),
  progress('r3', 'reembed', 'backfilling'),
  progress('m1', 'store-move', 'cut_over'),
  progress('r4', 'reembed', 'rolled_back'),
];
const tick = Date.parse('2026-12-03T05:01:00.000Z');

describe('scheduleReembedTails', () => {
  it('sends the tail steps of every re-embed in dual-write or cut over in one batch', async () => {
    const broker = new Calls();
    expect(await scheduleReembedTails(broker, migrations, tick)).toBe(2);
    expect(broker.single).toEqual([]);
    expect(broker.batches).toHaveLength(1);
    expect(broker.batches[0]!.map((e) => (e.payload as { migration_id: string }).migration_id)).toEqual([
      'r1',
      'r2',
    ]);
    // Isolates ticking in the same minute send the same ids (the queue consumer dedupes them).
    const again = new Calls();
    await scheduleReembedTails(again, migrations, tick + 30_000);
    expect(again.batches[0]!.map((e) => e.id)).toEqual(broker.batches[0]!.map((e) => e.id));
  });

  it('publishes nothing when no re-embed needs a tail', async () => {
    const broker = new Calls();
    expect(await scheduleReembedTails(broker, migrations.slice(2), tick)).toBe(0);
    expect(broker.batches).toEqual([]);
    expect(broker.single).toEqual([]);
  });

  it('falls back to one publish each for a broker without batches', async () => {
    const published: Envelope[] = [];
    const broker: TailPublisher = { publish: async (e) => void published.push(e) };
    expect(await scheduleReembedTails(broker, migrations, tick)).toBe(2);
    expect(published).toHaveLength(2);
  });
});
