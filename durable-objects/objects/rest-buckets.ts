/**
 * RestBuckets: one Durable Object per Discord tenant that owns every REST call made with its token:
 * rate-limit buckets, the invalid-request budget, the token switch, idempotent results and the
 * interaction tokens handed over by the functions Worker.
 */
import { DurableObject } from 'cloudflare:workers';
import { PostMessage } from '@promethean/schemas/commands/post-message';
import { RestRequest } from '@promethean/schemas/rest/rest-messages';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import { z } from 'zod';
import providersYml from '../../providers.yml';
import { realSleeper } from '../rest/bucket-queue.ts';
import { type PostMessageCommand, postMessageCalls } from '../rest/post-message-calls.ts';
import { type RestCall, RestExecutor, type RestResult } from '../rest/rest-executor.ts';
import { type BudgetReport, RestState } from '../rest/rest-state.ts';

const SWEEP_EVERY_MS = 60_000;
const IDLE_BUCKET_MS = 5 * 60_000;
const INTERACTION_TOKEN_TTL_MS = 15 * 60_000;

const RestCallInput = RestRequest.payload;
/** At most this much text per post: ten Discord messages once split, so one command cannot flood a channel. */
export const MAX_POST_CONTENT_CHARS = 20_000;
const PostMessageInput = PostMessage.payload.extend({
  content: z.string().min(1).max(MAX_POST_CONTENT_CHARS),
});
const InteractionTokenInput = z.object({
  urn: z.string().min(1),
  application_id: z.string().min(1),
  token: z.string().min(1).max(500),
  received_at: z.number().int().positive(),
});

export interface RestStatus {
  tenant: string;
  token_disabled: { disabled_at: number; reason: string } | null;
  budget: BudgetReport;
  buckets: ReturnType<RestExecutor['buckets']>;
  sent: number;
  rate_limited: number;
}

export class RestBuckets extends DurableObject<AccessEnv> {
  #state!: RestState;
  #executor: RestExecutor | undefined;
  #tenant: string | undefined;
  #sweeperSet = false;

  constructor(ctx: DurableObjectState, env: AccessEnv) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.#state = new RestState(ctx.storage);
      this.#tenant = await ctx.storage.get<string>('tenant');
    });
  }

  #executorFor(tenant: string): RestExecutor {
    if (this.#tenant !== undefined && this.#tenant !== tenant) {
      throw new Error(`RestBuckets for tenant ${this.#tenant} was asked to act for ${tenant}`);
    }
    if (this.#executor) return this.#executor;
    this.#tenant = tenant;
    void this.ctx.storage.put('tenant', tenant);
    const registry = ProviderRegistry.fromYaml(providersYml);
    const view = registry.tenant('discord', tenant);
    const env = this.env as unknown as Record<string, unknown>;
    this.#executor = new RestExecutor({
      apiBase: this.env.DISCORD_API_BASE,
      // Read from the binding at every request: a rotated secret takes effect without a restart.
      token: () => registry.secretsFor('discord', tenant, env).get('bot_token'),
      fetch: (request) => fetch(request),
      clock: realSleeper,
      state: this.#state,
      invalidBudget: view.config.rate.invalid_request_budget,
      invalidWindowS: view.config.rate.invalid_request_window_s,
      globalPerSecond: view.config.rate.global_per_second,
    });
    return this.#executor;
  }

  /**
   * Sets the sweep alarm once per activation. Reading the alarm on every call was a storage read per
   * request, and while it runs the input gate holds back the Discord answers of other requests, which
   * lengthens their measured round trips and so their global slots.
   */
  async #ensureSweeper(): Promise<void> {
    if (this.#sweeperSet) return;
    if ((await this.ctx.storage.getAlarm()) === null)
      await this.ctx.storage.setAlarm(Date.now() + SWEEP_EVERY_MS);
    this.#sweeperSet = true;
  }

  /** Executes one REST call (a `rest.request` payload) for the tenant. */
  async call(tenant: string, input: unknown): Promise<RestResult> {
    const call = RestCallInput.parse(input);
    await this.#ensureSweeper();
    const resolved = this.#withInteraction(call);
    if ('ok' in resolved) return resolved;
    return this.#executorFor(tenant).execute(resolved);
  }

  /** Posts a message (split, no unintended mentions); returns one result per chunk. */
  async postMessage(
    tenant: string,
    input: Omit<PostMessageCommand, 'interaction'> & { interaction_urn?: string },
  ): Promise<RestResult[]> {
    const parsed = PostMessageInput.safeParse(input);
    if (!parsed.success) return [invalidRequest(parsed.error)];
    const command = parsed.data;
    await this.#ensureSweeper();
    let interaction: PostMessageCommand['interaction'];
    if (command.interaction_urn !== undefined) {
      interaction = this.#state.interactionToken(command.interaction_urn, Date.now());
      if (!interaction) {
        return [
          fail404(`no live interaction token for ${command.interaction_urn} (expired after 15 minutes?)`),
        ];
      }
    }
    const executor = this.#executorFor(tenant);
    const results: RestResult[] = [];
    for (const call of postMessageCalls({ ...command, interaction })) {
      const result = await executor.execute(call);
      results.push(result);
      if (!result.ok) break;
    }
    return results;
  }

  /** Keeps an interaction token (handed over by the functions Worker) until Discord expires it. */
  async holdInteractionToken(input: unknown): Promise<void> {
    const t = InteractionTokenInput.parse(input);
    this.#state.holdInteractionToken(
      t.urn,
      t.application_id,
      t.token,
      t.received_at + INTERACTION_TOKEN_TTL_MS,
    );
    await this.#ensureSweeper();
  }

  /** Operators re-enable a token after fixing what made Discord answer 401. */
  async enableToken(): Promise<void> {
    this.#state.enableToken();
  }

  async status(): Promise<RestStatus> {
    const tenant = this.#tenant ?? '(unused)';
    const rate = this.#tenant
      ? ProviderRegistry.fromYaml(providersYml).tenant('discord', this.#tenant).config.rate
      : undefined;
    return {
      tenant,
      token_disabled: this.#state.tokenDisabled() ?? null,
      budget: this.#state.budget(
        Date.now(),
        rate?.invalid_request_budget ?? 500,
        rate?.invalid_request_window_s ?? 600,
      ),
      buckets: this.#executor?.buckets() ?? [],
      sent: this.#executor?.sent ?? 0,
      rate_limited: this.#executor?.rateLimited ?? 0,
    };
  }

  override async alarm(): Promise<void> {
    this.#executor?.sweepIdle(IDLE_BUCKET_MS);
    this.#state.sweep(Date.now(), 600);
    await this.ctx.storage.setAlarm(Date.now() + SWEEP_EVERY_MS);
  }

  #withInteraction(call: z.infer<typeof RestCallInput>): RestCall | RestResult {
    if (call.interaction_urn === undefined) return call;
    const held = this.#state.interactionToken(call.interaction_urn, Date.now());
    if (!held) return fail404(`no live interaction token for ${call.interaction_urn}`);
    return {
      ...call,
      params: { ...call.params, webhook_id: held.application_id, webhook_token: held.token },
      interaction: true,
    };
  }
}

function invalidRequest(error: z.ZodError): RestResult {
  const issues = error.issues.map((i) => `${i.path.join('.') || '(command)'}: ${i.message}`);
  return {
    ok: false,
    status: 400,
    bucket: null,
    retry_after_ms: null,
    data: null,
    error: { code: 'invalid_request', message: `invalid post: ${issues.join('; ')}` },
  };
}

function fail404(message: string): RestResult {
  return {
    ok: false,
    status: 404,
    bucket: null,
    retry_after_ms: null,
    data: null,
    error: { code: 'unknown_interaction', message },
  };
}
