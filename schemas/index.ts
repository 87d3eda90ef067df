/** The single source of truth for every envelope, payload, manifest and providers.yml. */
export * from './catalog.ts';
export * from './commands/post-message.ts';
export * from './envelope.ts';
export * from './events/social-message.ts';
export * from './identifiers.ts';
export * from './jobs/backfill-messages.ts';
export * from './manifest.ts';
export * from './message-definition.ts';
export * from './ops/config-messages.ts';
export * from './ops/ops-messages.ts';
export * from './providers-config.ts';
export * from './rest/rest-messages.ts';
export * from './voice/voice-messages.ts';
export * from './voice/voice-relay.ts';
export * from './voice/voice-segment-ingest.ts';
