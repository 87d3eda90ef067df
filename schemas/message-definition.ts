/** A bus message is a value: one literal intent, the topic area it travels in, and one payload schema. */
import type { z } from 'zod';

/** The topic areas a message can travel in; the fifth segment of every topic. */
export const TOPIC_AREAS = ['events', 'commands', 'rest', 'jobs', 'voice', 'ops', 'raw', 'control'] as const;
export type TopicArea = (typeof TOPIC_AREAS)[number];

/** One event or command: used both to publish (validate the payload) and to subscribe (topic + parse). */
export interface MessageDefinition<I extends string = string, S extends z.ZodType = z.ZodType> {
  readonly intent: I;
  readonly area: TopicArea;
  /** The topic name inside the area: the intent without a leading `<area>.`. */
  readonly topicName: string;
  /** The payload of the newest contract version this code knows (`version`). */
  readonly payload: S;
  /** The newest contract version of the payload (1 until a payload gains a version). */
  readonly version: number;
  /**
   * Earlier contract versions still accepted and still produced during a rollout, by number. A new
   * version may only add optional fields, so an older consumer reads a newer payload with its own schema.
   */
  readonly earlier: Readonly<Record<number, z.ZodType>>;
  readonly description: string;
}

/** Declares a message; the topic name is derived so that intent and topic cannot drift apart. */
export function defineMessage<const I extends string, S extends z.ZodType>(spec: {
  intent: I;
  area: TopicArea;
  payload: S;
  description: string;
  version?: number;
  earlier?: Readonly<Record<number, z.ZodType>>;
}): MessageDefinition<I, S> {
  const prefix = `${spec.area}.`;
  const topicName = spec.intent.startsWith(prefix) ? spec.intent.slice(prefix.length) : spec.intent;
  const version = spec.version ?? 1;
  const earlier = Object.freeze({ ...(spec.earlier ?? {}) });
  for (let v = 1; v < version; v++) {
    if (!earlier[v])
      throw new Error(`${spec.intent}: contract v${version} needs the schema of v${v} in earlier`);
  }
  return Object.freeze({ ...spec, topicName, version, earlier });
}

/**
 * The payload schema for contract version `v` of `def` as this code reads it: its own schema for a version
 * it knows, its newest schema for a newer one (versions only add optional fields, which that schema
 * strips), nothing for a version that does not exist.
 */
export function payloadSchemaFor(def: MessageDefinition, v: number): z.ZodType | undefined {
  return v >= def.version ? def.payload : def.earlier[v];
}

/** The payload type a definition carries. */
export type PayloadOf<D> = D extends MessageDefinition<string, infer S> ? z.infer<S> : never;
