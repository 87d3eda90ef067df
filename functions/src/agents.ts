/** The queue-triggered agents this Worker runs; each is its folder's manifest plus handler. */
import type { Agent } from '@promethean/shared/agent/agent-definition';
import { agentConfigAgent } from '../agent-config/handler.ts';
import { attachmentEmbedder } from '../attachment-embedder/handler.ts';
import { attachmentIndexer } from '../attachment-indexer/handler.ts';
import { backfill } from '../backfill/handler.ts';
import { cephalon } from '../cephalon/handler.ts';
import { messageEmbedder } from '../message-embedder/handler.ts';
import { messageIndexer } from '../message-indexer/handler.ts';
import { search } from '../search/handler.ts';
import { spectrogram } from '../spectrogram/handler.ts';
import { statusReporter } from '../status-reporter/handler.ts';
import { storeMover } from '../store-mover/handler.ts';
import { stt } from '../stt/handler.ts';
import { tts } from '../tts/handler.ts';
import { voiceCommands } from '../voice-commands/handler.ts';
import { voiceMixer } from '../voice-mixer/handler.ts';
import { webCrawler } from '../web-crawler/handler.ts';

export const FUNCTION_AGENTS: readonly Agent[] = Object.freeze([
  messageIndexer,
  backfill,
  search,
  voiceCommands,
  messageEmbedder,
  attachmentIndexer,
  attachmentEmbedder,
  cephalon,
  statusReporter,
  spectrogram,
  stt,
  tts,
  voiceMixer,
  webCrawler,
  storeMover,
  // Changes the settings of any agent in this list (itself included) at runtime: config.patch.
  agentConfigAgent(() => FUNCTION_AGENTS),
]);
