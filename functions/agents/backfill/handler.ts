/** backfill: walks a channel's history through the access layer, page by page, resumable after any crash. */
import { InteractionBackfill } from '@promethean/schemas/interactions/interaction-commands';
import { BackfillEnqueue } from '@promethean/schemas/jobs/backfill-messages';
import { RestResponse } from '@promethean/schemas/rest/rest-messages';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import manifest from './agent.yml';
import { handlePageAnswer } from './page-answer.ts';
import { requestNextPage, startFromInteraction } from './start-job.ts';

export const backfill = defineAgent(manifest, 'functions/agents/backfill/agent.yml')
  .on(InteractionBackfill, startFromInteraction)
  .on(BackfillEnqueue, requestNextPage)
  .on(RestResponse, handlePageAnswer)
  .build();
