/** Renders every schema as JSON Schema documents, keyed by the file name they are written to. */
import { z } from 'zod';
import { MESSAGE_DEFINITIONS } from './catalog.ts';
import { Envelope } from './envelope.ts';
import { GatewayAction, GatewayEvent } from './llm-gateway/gateway-messages.ts';
import { AgentManifest } from './manifest.ts';
import { ProvidersConfig } from './providers-config.ts';

function render(title: string, schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ title, ...json }, null, 2)}\n`;
}

/** File name → JSON text, in a stable order so that staleness checks compare byte for byte. */
export function jsonSchemaFiles(): Map<string, string> {
  const files = new Map<string, string>();
  files.set('envelope.json', render('Envelope', Envelope));
  files.set('agent-manifest.json', render('AgentManifest', AgentManifest));
  files.set('providers-config.json', render('ProvidersConfig', ProvidersConfig));
  files.set('llm-gateway/gateway-action.json', render('GatewayAction', GatewayAction));
  files.set('llm-gateway/gateway-event.json', render('GatewayEvent', GatewayEvent));
  for (const def of MESSAGE_DEFINITIONS) {
    files.set(`payloads/${def.intent}.json`, render(def.intent, def.payload));
  }
  return files;
}
