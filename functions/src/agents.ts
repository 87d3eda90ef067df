/** The queue-triggered agents this Worker runs; each is its folder's manifest plus handler. */
import type { Agent } from '@promethean/shared/agent/agent-definition';
import { agentConfigAgent } from '../agents/agent-config/handler.ts';
import { attachmentEmbedder } from '../agents/attachment-embedder/handler.ts';
import { attachmentIndexer } from '../agents/attachment-indexer/handler.ts';
import { backfill } from '../agents/backfill/handler.ts';
import { cephalon } from '../agents/cephalon/handler.ts';
import { messageEmbedder } from '../agents/message-embedder/handler.ts';
import { messageIndexer } from '../agents/message-indexer/handler.ts';
import { reembedder } from '../agents/reembedder/handler.ts';
import { search } from '../agents/search/handler.ts';
import { spectrogram } from '../agents/spectrogram/handler.ts';
import { statusReporter } from '../agents/status-reporter/handler.ts';
import { storeMover } from '../agents/store-mover/handler.ts';
import { stt } from '../agents/stt/handler.ts';
import { tts } from '../agents/tts/handler.ts';
import { voiceCommands } from '../agents/voice-commands/handler.ts';
import { voiceMixer } from '../agents/voice-mixer/handler.ts';
import { webCrawler } from '../agents/web-crawler/handler.ts';
import { webSummarizer } from '../agents/web-summarizer/handler.ts';
import { webTagger } from '../agents/web-tagger/handler.ts';

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
  webSummarizer,
  webTagger,
  storeMover,
  reembedder,
  // Changes the settings of any agent in this list (itself included) at runtime: config.patch.
  agentConfigAgent(() => FUNCTION_AGENTS),
]);
