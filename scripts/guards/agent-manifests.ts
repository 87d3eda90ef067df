/**
 * Guard: every agent folder carries a valid `agent.yml` whose id is the folder's name, and the functions
 * Worker's agents live under `functions/agents/` so a folder's place says whether it is an agent or the
 * support code agents share.
 */
import { loadManifest, ManifestError } from '../../shared/agent/manifest-loader.ts';
import { lineAt, readTextFile } from './source-text.ts';
import type { Violation } from './violation.ts';

const GUARD = 'agent-manifests';
/** Where agent folders live: the functions Worker's agents, and the access layer's (beside its objects). */
const AGENT_PARENTS = ['functions/agents', 'durable-objects'];
const NOT_AGENTS = new Set(['src', 'test', 'node_modules', 'fixtures']);
const AGENT_MARKERS = new Set(['handler.ts', 'agent.yml']);

function markedFolder(file: string, parent: string): string | undefined {
  if (!file.startsWith(`${parent}/`)) return undefined;
  const [folder, name, ...rest] = file.slice(parent.length + 1).split('/');
  if (rest.length > 0 || folder === undefined || name === undefined) return undefined;
  return !NOT_AGENTS.has(folder) && AGENT_MARKERS.has(name) ? `${parent}/${folder}` : undefined;
}

/** Agent folders (e.g. `functions/agents/message-indexer`): folders under an agent parent with a handler.ts or agent.yml. */
export function agentFolders(files: readonly string[]): string[] {
  const folders = new Set<string>();
  for (const file of files) {
    for (const parent of AGENT_PARENTS) {
      const folder = markedFolder(file, parent);
      if (folder) folders.add(folder);
    }
  }
  return [...folders].sort();
}

/** A functions folder outside `functions/agents/` that declares an agent manifest. */
function misplacedAgents(files: readonly string[]): Violation[] {
  return files
    .filter((f) => /^functions\/(?!agents\/)[^/]+\/agent\.yml$/.test(f))
    .map((file) => ({
      guard: GUARD,
      file,
      message: `an agent of the functions Worker belongs in functions/agents/${file.split('/')[1]}/`,
    }));
}

function validate(text: string, file: string, folderName: string): Violation[] {
  let id: string;
  try {
    id = loadManifest(text, file).id;
  } catch (e) {
    // ManifestError's message already starts with the file; anything else is reported as it came.
    const reason = e instanceof ManifestError ? e.message.slice(file.length + 2) : String(e);
    return [{ guard: GUARD, file, message: `invalid manifest: ${reason}` }];
  }
  if (id === folderName) return [];
  const at = /^id:/m.exec(text);
  return [
    {
      guard: GUARD,
      file,
      line: at === null ? undefined : lineAt(text, at.index),
      message: `id "${id}" must equal the folder name "${folderName}"`,
    },
  ];
}

async function check(root: string, folder: string, files: readonly string[]): Promise<Violation[]> {
  const file = `${folder}/agent.yml`;
  const text = files.includes(file) ? await readTextFile(root, file) : undefined;
  if (text === undefined) {
    return [
      {
        guard: GUARD,
        file: folder,
        message: 'agent folder has no agent.yml; every agent declares its manifest',
      },
    ];
  }
  return validate(text, file, folder.slice(folder.lastIndexOf('/') + 1));
}

/** Flags agent folders with a missing or invalid `agent.yml`, or one whose id is not the folder name. */
export async function agentManifests(root: string, files: readonly string[]): Promise<Violation[]> {
  const checked = await Promise.all(agentFolders(files).map((folder) => check(root, folder, files)));
  return [...misplacedAgents(files), ...checked.flat()];
}
