/** Every message definition on the bus, looked up by intent. */
import { PostMessage } from './commands/post-message.ts';
import { AttachmentIndexed } from './events/attachment-indexed.ts';
import {
  RawProviderEvent,
  ReplyMessage,
  SocialMessageCreated,
  SocialMessageDeleted,
  SocialMessageUpdated,
} from './events/social-message.ts';
import { WebPageStored, WebPageSummarized } from './events/web-page.ts';
import {
  InteractionAsk,
  InteractionBackfill,
  InteractionSearch,
  InteractionStatus,
  InteractionVoice,
} from './interactions/interaction-commands.ts';
import {
  BackfillDone,
  BackfillEnqueue,
  BackfillError,
  BackfillProgress,
  SocialMessagesBackfilled,
} from './jobs/backfill-messages.ts';
import { ReembedProgressReport, ReembedStep } from './jobs/reembed.ts';
import { StoreMoveProgressReport, StoreMoveStep } from './jobs/store-move.ts';
import { CrawlFrontier } from './jobs/web-crawl.ts';
import type { MessageDefinition } from './message-definition.ts';
import { ConfigApplied, ConfigPatch } from './ops/config-messages.ts';
import { ModerationNotice } from './ops/moderation-notice.ts';
import { ErrorEvent, GatewayControl, Health } from './ops/ops-messages.ts';
import { RestRequest, RestResponse } from './rest/rest-messages.ts';
import {
  TranscriptSegment,
  VoiceAudioSegment,
  VoiceAudioSpectrogram,
  VoiceControlJoin,
  VoiceControlLeave,
  VoiceHealth,
  VoicePlayPcm,
  VoiceStateChanged,
  VoiceStateSpeaking,
} from './voice/voice-messages.ts';

export const MESSAGE_DEFINITIONS = [
  SocialMessageCreated,
  SocialMessageUpdated,
  SocialMessageDeleted,
  ReplyMessage,
  RawProviderEvent,
  PostMessage,
  RestRequest,
  RestResponse,
  BackfillEnqueue,
  BackfillProgress,
  BackfillDone,
  BackfillError,
  SocialMessagesBackfilled,
  CrawlFrontier,
  WebPageStored,
  WebPageSummarized,
  StoreMoveStep,
  StoreMoveProgressReport,
  ReembedStep,
  ReembedProgressReport,
  VoiceControlJoin,
  VoiceControlLeave,
  VoiceAudioSegment,
  VoiceAudioSpectrogram,
  TranscriptSegment,
  VoicePlayPcm,
  VoiceStateChanged,
  VoiceStateSpeaking,
  VoiceHealth,
  Health,
  ErrorEvent,
  GatewayControl,
  ModerationNotice,
  InteractionAsk,
  InteractionSearch,
  InteractionBackfill,
  InteractionVoice,
  InteractionStatus,
  AttachmentIndexed,
  ConfigPatch,
  ConfigApplied,
] as const satisfies readonly MessageDefinition[];

const byIntent = new Map<string, MessageDefinition>(MESSAGE_DEFINITIONS.map((d) => [d.intent, d]));

/** The definition for an intent, or undefined when no such message exists. */
export function findDefinition(intent: string): MessageDefinition | undefined {
  return byIntent.get(intent);
}

/** Schema names used by manifests (`schema: SocialMessageCreated`) resolve here. */
export const SCHEMA_NAMES: readonly string[] = MESSAGE_DEFINITIONS.map((d) => d.intent);
