/**
 * Health of this isolate's agents. It is per-isolate on purpose: each Worker isolate reports what it
 * has seen itself; the ops ledger aggregates across isolates (per-batch flushes and bus health events).
 */
import type { Agent } from './agent-definition.ts';
import { AgentHealth } from './agent-health.ts';
import { systemClock } from './envelope-factory.ts';

const trackers = new Map<string, AgentHealth>();

/** The tracker for an agent, created in RUNNING the first time the isolate sees the agent. */
export function healthOf(agent: Agent): AgentHealth {
  let tracker = trackers.get(agent.manifest.id);
  if (!tracker) {
    tracker = new AgentHealth(agent.manifest, systemClock);
    tracker.transition('RUNNING', 'isolate started');
    trackers.set(agent.manifest.id, tracker);
  }
  return tracker;
}
