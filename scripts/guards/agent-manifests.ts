/** Guard: every agent folder carries a valid `agent.yml` whose id is the folder's name. */
import { loadManifest, ManifestError } from '../../shared/agent/manifest-loader.ts';
import { lineAt, readTextFile } from './source-text.ts';
import type { Violation } from './violation.ts';

const GUARD = 'agent-manifests';
const AGENT_PARENTS = ['functions', 'durable-objects'];
const NOT_AGENTS = new Set(['src', 'test', 'node_modules', 'fixtures']);
const AGENT_MARKERS = new Set(['handler.ts', 'agent.yml']);

/** Agent folders (e.g. `functions/message-indexer`): direct children of functions/ or durable-objects/ with a handler.ts or agent.yml. */
export function agentFolders(files: readonly string[]): string[] {
  const folders = new Set<string>();
  for (const file of files) {
    const [parent, folder, name, ...rest] = file.split('/');
    if (rest.length > 0 || parent === undefined || folder === undefined || name === undefined) continue;
    if (AGENT_PARENTS.includes(parent) && !NOT_AGENTS.has(folder) && AGENT_MARKERS.has(name)) {
      folders.add(`${parent}/${folder}`);
    }
  }
  return [...folders].sort();
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
  return (await Promise.all(agentFolders(files).map((folder) => check(root, folder, files)))).flat();
}
