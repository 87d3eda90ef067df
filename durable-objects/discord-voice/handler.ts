/** discord-voice: voice control commands for a tenant's voice host, through its VoiceHostLink. */
import { VoiceControlJoin, VoiceControlLeave } from '@promethean/schemas/voice/voice-messages';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import { NonRetriableError } from '@promethean/shared/agent/agent-errors';
import type { RuntimeContext } from '@promethean/shared/agent/runtime-context';
import type { VoiceControlCommand } from '@promethean/shared/effects/effect-ports';
import manifest from './agent.yml';

async function control(ctx: RuntimeContext, command: VoiceControlCommand): Promise<void> {
  const voiceControl = ctx.effects.provider.voiceControl;
  if (!voiceControl) {
    throw new NonRetriableError(`the ${ctx.provider} adapter has no voice`, {
      provider: ctx.provider,
      tenant: ctx.tenant,
    });
  }
  const result = await voiceControl(command);
  // "queued": no host is connected now; the link sends it when the host says hello.
  ctx.telemetry.info(`voice ${command.action}`, {
    session_id: command.payload.session_id,
    status: result.status,
  });
}

export const discordVoice = defineAgent(manifest, 'durable-objects/discord-voice/agent.yml')
  .on(VoiceControlJoin, (msg, ctx) => control(ctx, { action: 'join', payload: msg.payload }))
  .on(VoiceControlLeave, (msg, ctx) => control(ctx, { action: 'leave', payload: msg.payload }))
  .build();
