/** The provider-access agents this Worker runs. */
import type { Agent } from '@promethean/shared/agent/agent-definition';
import { discordGateway } from '../discord-gateway/handler.ts';
import { discordRest } from '../discord-rest/handler.ts';
import { discordVoice } from '../discord-voice/handler.ts';
import { echoAccess } from '../echo-access/handler.ts';

export const ACCESS_AGENTS: readonly Agent[] = Object.freeze([
  echoAccess,
  discordRest,
  discordGateway,
  discordVoice,
]);
