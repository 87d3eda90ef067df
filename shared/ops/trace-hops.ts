/**
 * Trace hops: one record per agent that handled an envelope, with the envelope's trace and parent. Isolates
 * collect them with their counters and the ops ledger keeps them for an hour, so an operator can follow one
 * message from the gateway through every agent it reached (`assembleTrace`).
 */
import type { Envelope } from '@promethean/schemas/envelope';
import { z } from 'zod';
import { traceIdOf } from '../agent/envelope-factory.ts';

export const TraceHop = z.object({
  provider: z.string().min(1),
  tenant: z.string().min(1),
  trace: z.string().min(1).max(200),
  id: z.string().min(1).max(200),
  parent: z.string().min(1).max(200).optional(),
  intent: z.string().min(1),
  /** Who published the envelope. */
  src: z.string().min(1),
  /** The agent that handled it. */
  agent: z.string().min(1),
  ts: z.string(),
});
export type TraceHop = z.infer<typeof TraceHop>;

/** The hop `agent` makes by handling `envelope`. */
export function traceHopOf(agent: string, envelope: Envelope): TraceHop {
  return {
    provider: envelope.provider,
    tenant: envelope.tenant,
    trace: traceIdOf(envelope),
    id: envelope.id,
    ...(envelope.parent !== undefined && { parent: envelope.parent }),
    intent: envelope.intent,
    src: envelope.src,
    agent,
    ts: envelope.ts,
  };
}

/** One envelope of a trace with the agents that handled it, and how deep it sits below the root. */
export interface TraceStep {
  id: string;
  parent?: string;
  intent: string;
  src: string;
  ts: string;
  depth: number;
  agents: string[];
}

/**
 * Orders a trace's hops as a tree walk from the root: each envelope once (with every agent that handled
 * it), children after their parent, siblings by time. Envelopes whose parent is not among the hops (the
 * root, which no agent may have handled, or a hop not yet flushed) start at depth 0.
 */
export function assembleTrace(hops: readonly TraceHop[]): TraceStep[] {
  const steps = new Map<string, Omit<TraceStep, 'depth'>>();
  for (const h of hops) {
    const step = steps.get(h.id) ?? {
      id: h.id,
      ...(h.parent !== undefined && { parent: h.parent }),
      intent: h.intent,
      src: h.src,
      ts: h.ts,
      agents: [],
    };
    if (!step.agents.includes(h.agent)) step.agents.push(h.agent);
    steps.set(h.id, step);
  }
  const byTime = (a: { ts: string; id: string }, b: { ts: string; id: string }) =>
    a.ts === b.ts ? a.id.localeCompare(b.id) : a.ts.localeCompare(b.ts);
  const children = new Map<string | undefined, Array<Omit<TraceStep, 'depth'>>>();
  for (const step of steps.values()) {
    const key = step.parent !== undefined && steps.has(step.parent) ? step.parent : undefined;
    children.set(key, [...(children.get(key) ?? []), step]);
  }
  const out: TraceStep[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    for (const step of (children.get(parent) ?? []).sort(byTime)) {
      out.push({ ...step, agents: [...step.agents].sort(), depth });
      walk(step.id, depth + 1);
    }
  };
  walk(undefined, 0);
  return out;
}
