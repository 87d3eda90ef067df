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
  readonly payload: S;
  readonly description: string;
}

/** Declares a message; the topic name is derived so that intent and topic cannot drift apart. */
export function defineMessage<const I extends string, S extends z.ZodType>(spec: {
  intent: I;
  area: TopicArea;
  payload: S;
  description: string;
}): MessageDefinition<I, S> {
  const prefix = `${spec.area}.`;
  const topicName = spec.intent.startsWith(prefix) ? spec.intent.slice(prefix.length) : spec.intent;
  return Object.freeze({ ...spec, topicName });
}

/** The payload type a definition carries. */
export type PayloadOf<D> = D extends MessageDefinition<string, infer S> ? z.infer<S> : never;
