/**
 * Health of this isolate's agents. It is per-isolate on purpose: each Worker isolate reports what it
 * has seen itself; the status page aggregates across isolates from the bus's health events.
 */
import type { SettlementRecord } from '../broker/queue-consumer-router.ts';
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

/** Feeds a consumed batch's outcomes into the trackers of the agents that handled it. */
export function recordBatchHealth(agents: readonly Agent[], report: Map<string, SettlementRecord>): void {
  const failures = [...report.values()].filter((s) => s.settlement === 'dead_letter').length;
  for (const agent of agents) {
    for (let i = 0; i < failures; i++) healthOf(agent).recordOutcome(false);
    if (failures < report.size) healthOf(agent).recordOutcome(true);
  }
}
