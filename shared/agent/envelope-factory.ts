/** Builds and parses envelopes; the only place ids and timestamps for new messages come from. */

import { findDefinition } from '@promethean/schemas/catalog';
import { Envelope, type ModelRef, type TypedEnvelope } from '@promethean/schemas/envelope';
import {
  type MessageDefinition,
  type PayloadOf,
  payloadSchemaFor,
} from '@promethean/schemas/message-definition';
import { ZodObject, type z } from 'zod';
import { topicFor } from '../platform/topics.ts';
import { InvalidMessageError } from './agent-errors.ts';

/** Where ids and time come from, so tests can make them deterministic. */
export interface Clock {
  now(): number;
}
export interface IdSource {
  next(): string;
}

export const systemClock: Clock = { now: () => Date.now() };
export const randomIds: IdSource = { next: () => crypto.randomUUID() };

/** Deterministic ids for golden tests: `<prefix>-0001`, `<prefix>-0002`, ... */
export function sequentialIds(prefix = 'msg'): IdSource {
  let n = 0;
  return { next: () => `${prefix}-${String(++n).padStart(4, '0')}` };
}

/** What a derived envelope inherits from the one it came from. */
export type EnvelopeOrigin = Pick<Envelope, 'id'> & Partial<Pick<Envelope, 'trace' | 'corr'>>;

/** The trace an envelope belongs to: its `trace`, or its own id when it starts one. */
export function traceIdOf(env: EnvelopeOrigin): string {
  return env.trace ?? env.id;
}

/**
 * The fields an envelope derived from `origin` carries: the origin's trace (or the origin's id when it is
 * a root), the origin as parent, and the origin's corr. Every producer that answers or follows another
 * envelope goes through here (`EnvelopeOptions.from`), so no hop can drop the chain.
 */
export function derivedFrom(origin: EnvelopeOrigin): { trace: string; parent: string; corr?: string } {
  return {
    trace: traceIdOf(origin),
    parent: origin.id,
    ...(origin.corr !== undefined && { corr: origin.corr }),
  };
}

export interface EnvelopeOptions {
  src: string;
  provider: string;
  tenant: string;
  /** The envelope this one is derived from: trace, parent and corr come from it unless given below. */
  from?: EnvelopeOrigin;
  corr?: string;
  trace?: string;
  parent?: string;
  models?: ModelRef[];
  config_rev?: string;
  build_sha?: string;
  /**
   * The payload's contract version to produce (default 1, which every consumer reads). A producer moves
   * to a newer version once its consumers accept it; fields the chosen version lacks are refused.
   */
  v?: number;
  /** Overrides the generated id: deterministic outputs use their idempotency key here. */
  id?: string;
  clock?: Clock;
  ids?: IdSource;
}

function issuesOf(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}

/** Top-level payload fields an object schema does not declare (it would strip them silently). */
function fieldsUnknownTo(schema: z.ZodType, payload: unknown): string[] {
  if (!(schema instanceof ZodObject) || typeof payload !== 'object' || payload === null) return [];
  const shape = schema.shape as Record<string, unknown>;
  return Object.keys(payload).filter(
    (k) => !(k in shape) && (payload as Record<string, unknown>)[k] !== undefined,
  );
}

/**
 * Envelopes this module built from a payload it validated. A publisher sends them as they are: the
 * consumer's queue boundary parses every message anyway, so a second envelope parse on the way out
 * would only repeat the work (an envelope mutated after minting is still refused there).
 */
const minted = new WeakSet<object>();

/** True for an envelope `createEnvelope` built (its fields and payload were validated then). */
export function isMinted(envelope: object): boolean {
  return minted.has(envelope);
}

/**
 * Payloads `checkPayload` produced, with the schema that produced them: `createEnvelope` wraps such a
 * payload without parsing it again. A producer that must validate first (to tell a user what is wrong
 * before anything starts) then pays for one parse, not two. The parsed object is zod's fresh output, so
 * only the caller holds it; a payload changed after the check is still refused at the consumer's queue
 * boundary, as a minted envelope is.
 */
const checkedPayloads = new WeakMap<object, z.ZodType>();

/**
 * Validates `payload` against the definition's contract `v` (default 1) the way `createEnvelope` would,
 * returning zod's result; a success's data can go to `createEnvelope` without a second parse.
 */
export function checkPayload<D extends MessageDefinition>(
  def: D,
  payload: unknown,
  v = 1,
): z.ZodSafeParseResult<PayloadOf<D>> {
  const schema = payloadSchemaFor(def, v);
  if (!schema) throw new Error(`${def.intent} has no contract v${v}`);
  const parsed = schema.safeParse(payload) as z.ZodSafeParseResult<PayloadOf<D>>;
  if (parsed.success && typeof parsed.data === 'object' && parsed.data !== null)
    checkedPayloads.set(parsed.data, schema);
  return parsed;
}

function parsedPayload(schema: z.ZodType, payload: unknown): z.ZodSafeParseResult<unknown> {
  if (typeof payload === 'object' && payload !== null && checkedPayloads.get(payload) === schema)
    return { success: true, data: payload };
  return schema.safeParse(payload);
}

/** Validates the payload against its definition and wraps it; throws `InvalidMessageError`. */
export function createEnvelope<D extends MessageDefinition>(
  def: D,
  payload: z.input<D['payload']>,
  o: EnvelopeOptions,
): TypedEnvelope<PayloadOf<D>> {
  const v = o.v ?? 1;
  const errorContext = { agent: o.src, provider: o.provider, tenant: o.tenant, intent: def.intent };
  const schema = v <= def.version ? payloadSchemaFor(def, v) : undefined;
  if (!schema) {
    throw new InvalidMessageError(
      `${def.intent} has no contract v${v}`,
      [`v: this code knows v1 to v${def.version}`],
      errorContext,
    );
  }
  // Only for an earlier version: a field only a newer version has would otherwise vanish without a word.
  const missing = v < def.version ? fieldsUnknownTo(schema, payload) : [];
  if (missing.length > 0) {
    throw new InvalidMessageError(
      `${def.intent} v${v} has no field ${missing.join(', ')}`,
      missing.map((f) => `${f}: needs a newer contract version (newest: v${def.version})`),
      errorContext,
    );
  }
  const parsed = parsedPayload(schema, payload);
  if (!parsed.success) {
    throw new InvalidMessageError(`invalid ${def.intent} payload`, issuesOf(parsed.error), {
      agent: o.src,
      provider: o.provider,
      tenant: o.tenant,
      intent: def.intent,
    });
  }
  const origin = o.from ? derivedFrom(o.from) : undefined;
  const corr = o.corr ?? origin?.corr;
  const trace = o.trace ?? origin?.trace;
  const parent = o.parent ?? origin?.parent;
  const env = {
    id: o.id ?? (o.ids ?? randomIds).next(),
    ts: new Date((o.clock ?? systemClock).now()).toISOString(),
    src: o.src,
    dst: topicFor(def, o.provider, o.tenant),
    provider: o.provider,
    tenant: o.tenant,
    intent: def.intent,
    ...(v > 1 && { v }),
    payload: parsed.data,
    ...(corr !== undefined && { corr }),
    ...(trace !== undefined && { trace }),
    ...(parent !== undefined && { parent }),
    ...(o.models !== undefined && { models: o.models }),
    ...(o.config_rev !== undefined && { config_rev: o.config_rev }),
    ...(o.build_sha !== undefined && { build_sha: o.build_sha }),
  };
  minted.add(env);
  return env as TypedEnvelope<PayloadOf<D>>;
}

/** Parses unknown input as an envelope (not its payload); throws `InvalidMessageError`. */
export function parseEnvelope(input: unknown): Envelope {
  const r = Envelope.safeParse(input);
  if (!r.success)
    throw new InvalidMessageError('invalid envelope', issuesOf(r.error), {}, 'invalid_envelope');
  return r.data;
}

/**
 * Parses of raw queue bodies, by identity: when several agents run on one delivery they get the same
 * raw object, and a payload of a hundred messages is worth parsing once. Parsing is pure, so a raw
 * object that was parsed once parses the same way again.
 */
const parsedBodies = new WeakMap<object, TypedEnvelope<unknown>>();

/** Finds the definition of an intent: the catalog, or (in tests) an older code's catalog. */
export type DefinitionLookup = (intent: string) => MessageDefinition | undefined;

/**
 * Parses an envelope and then its payload against the definition named by its intent, with the schema of
 * the envelope's contract version `v` (see `payloadSchemaFor`: a newer version than this code knows is
 * read with its newest schema, which drops the fields it does not know).
 */
export function parseTypedEnvelope(
  input: unknown,
  lookup: DefinitionLookup = findDefinition,
): TypedEnvelope<unknown> {
  if (lookup !== findDefinition) return parseTypedEnvelopeNow(input, lookup);
  if (typeof input !== 'object' || input === null) return parseTypedEnvelopeNow(input);
  const known = parsedBodies.get(input);
  if (known) return known;
  const parsed = parseTypedEnvelopeNow(input);
  parsedBodies.set(input, parsed);
  return parsed;
}

function parseTypedEnvelopeNow(
  input: unknown,
  lookup: DefinitionLookup = findDefinition,
): TypedEnvelope<unknown> {
  return parsePayload(parseEnvelope(input), lookup);
}

/**
 * Parses the payload of an envelope `parseEnvelope` already accepted, against its intent's schema: a
 * consumer that parsed the envelope at its boundary (the queue router) finishes the job here instead of
 * parsing the envelope again. Throws `InvalidMessageError`.
 */
export function parsePayload(
  env: Envelope,
  lookup: DefinitionLookup = findDefinition,
): TypedEnvelope<unknown> {
  const def = lookup(env.intent);
  const ctx = {
    provider: env.provider,
    tenant: env.tenant,
    topic: env.dst,
    intent: env.intent,
    corr: env.corr,
  };
  if (!def) throw new InvalidMessageError('unknown intent', [env.intent], ctx, 'unknown_intent');
  const schema = payloadSchemaFor(def, env.v ?? 1);
  if (!schema) {
    throw new InvalidMessageError(`${env.intent} has no contract v${env.v}`, [`v: ${env.v}`], ctx);
  }
  const r = schema.safeParse(env.payload);
  if (!r.success) throw new InvalidMessageError(`invalid ${env.intent} payload`, issuesOf(r.error), ctx);
  return { ...env, payload: r.data };
}
