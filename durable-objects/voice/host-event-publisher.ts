/**
 * What the voice host sends up its control connection, checked before it reaches the bus: only voice
 * state and health envelopes, only for the link's own provider and tenant, each valid for its intent.
 */
import type { Envelope } from '@promethean/schemas/envelope';
import { VoiceHealth, VoiceStateChanged, VoiceStateSpeaking } from '@promethean/schemas/voice/voice-messages';
import { parseEnvelope } from '@promethean/shared/agent/envelope-factory';
import type { BrokerClient } from '@promethean/shared/broker/broker-client';
import { topicFor } from '@promethean/shared/platform/topics';

/** The intents a host may publish through its link (segments go through the ingest route instead). */
const HOST_INTENTS = new Map(
  [VoiceStateChanged, VoiceStateSpeaking, VoiceHealth].map((def) => [def.intent as string, def]),
);

export interface LinkScope {
  provider: string;
  tenant: string;
}

/** A host envelope the link refused, with the reason (logged; the host is not told). */
export interface RefusedEnvelope {
  id: string;
  reason: string;
}

/** Checks one envelope from the host; the reason it cannot be published, or undefined when it can. */
export function hostEnvelopeProblem(
  scope: LinkScope,
  input: unknown,
): { envelope?: Envelope; problem?: string } {
  let envelope: Envelope;
  try {
    envelope = parseEnvelope(input);
  } catch (e) {
    return { problem: `not an envelope: ${(e as Error).message}` };
  }
  const def = HOST_INTENTS.get(envelope.intent);
  if (!def) return { problem: `intent ${envelope.intent} is not one a voice host publishes` };
  if (envelope.provider !== scope.provider || envelope.tenant !== scope.tenant)
    return { problem: `envelope is for ${envelope.provider}/${envelope.tenant}, not this link's tenant` };
  if (envelope.dst !== topicFor(def, scope.provider, scope.tenant))
    return { problem: `dst ${envelope.dst} is not the ${envelope.intent} topic` };
  const payload = def.payload.safeParse(envelope.payload);
  if (!payload.success) {
    const issues = payload.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    return { problem: `invalid ${envelope.intent} payload: ${issues}` };
  }
  return { envelope: { ...envelope, payload: payload.data } };
}

/** Publishes the valid envelopes (one failed publish does not stop the others) and returns the refusals. */
export async function publishHostEnvelopes(
  broker: BrokerClient,
  scope: LinkScope,
  inputs: readonly unknown[],
): Promise<{ published: number; refused: RefusedEnvelope[] }> {
  const refused: RefusedEnvelope[] = [];
  let published = 0;
  for (const input of inputs) {
    const { envelope, problem } = hostEnvelopeProblem(scope, input);
    const id = String((input as { id?: unknown } | null)?.id ?? '?');
    if (!envelope) {
      refused.push({ id, reason: problem ?? 'invalid' });
      continue;
    }
    try {
      await broker.publish(envelope);
      published++;
    } catch (e) {
      refused.push({ id, reason: `publish failed: ${(e as Error).message}` });
    }
  }
  return { published, refused };
}
