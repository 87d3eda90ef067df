/** `npm run new:agent -- <name> [--kind stateless-worker|provider-access]`: writes a new agent folder. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AGENT_KINDS, type AgentKind, AgentNameError, agentFolder, writeAgent } from './agent-template.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const USAGE = `usage: npm run new:agent -- <name> [--kind ${AGENT_KINDS.join('|')}] [--root <repo>]`;

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (e) {
    console.error(`new:agent: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { name, kind, root } = parsed;
  try {
    const written = await writeAgent(root, name, kind);
    console.log(`new:agent: wrote ${agentFolder(name, kind)} (${kind}):`);
    for (const path of written) console.log(`  ${path}`);
    console.log(
      kind === 'stateless-worker'
        ? `next: add it to FUNCTION_AGENTS in functions/src/agents.ts; run npx vitest run --project unit ${agentFolder(name, kind)}`
        : `next: wire it into the access Worker (see docs/agents/${name}.md); run npx vitest run --project unit ${agentFolder(name, kind)}`,
    );
    return 0;
  } catch (e) {
    if (e instanceof AgentNameError) {
      console.error(`new:agent: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

function parse(): { name: string; kind: AgentKind; root: string } {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { kind: { type: 'string', default: 'stateless-worker' }, root: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new Error('give exactly one agent name');
  const kind = values.kind as AgentKind;
  if (!AGENT_KINDS.includes(kind)) throw new Error(`--kind must be one of ${AGENT_KINDS.join(', ')}`);
  return { name: positionals[0]!, kind, root: resolve(values.root ?? REPO_ROOT) };
}

process.exitCode = await main();
