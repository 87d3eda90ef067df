/**
 * Health of this isolate's agents. It is per-isolate on purpose: each Worker isolate reports what it
 * has seen itself; the status page aggregates across isolates from the bus's health events.
 */
import type { Agent } from '@promethean/shared/agent/agent-definition';
import { AgentHealth } from '@promethean/shared/agent/agent-health';
import { systemClock } from '@promethean/shared/agent/envelope-factory';

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
