/** Every guard `npm run lint:guards` runs, by name. */
import { agentManifests } from './agent-manifests.ts';
import { noPython } from './no-python.ts';
import { pinnedVersions } from './pinned-versions.ts';
import { providerImports } from './provider-imports.ts';
import { secretNames } from './secret-names.ts';
import { secretValues } from './secret-values.ts';
import { staleJsonSchema } from './stale-json-schema.ts';
import { statelessAgents } from './stateless-agents.ts';
import type { Guard } from './violation.ts';

/** A guard and the name its violations carry. */
export type NamedGuard = { readonly name: string; readonly run: Guard };

/** The guards, in the order their reports are printed. */
export const GUARDS: readonly NamedGuard[] = [
  { name: 'secret-names', run: secretNames },
  { name: 'secret-values', run: secretValues },
  { name: 'provider-imports', run: providerImports },
  { name: 'pinned-versions', run: pinnedVersions },
  { name: 'no-python', run: noPython },
  { name: 'stale-json-schema', run: staleJsonSchema },
  { name: 'agent-manifests', run: agentManifests },
  { name: 'stateless-agents', run: statelessAgents },
];
