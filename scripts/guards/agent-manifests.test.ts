import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentFolders, agentManifests } from './agent-manifests.ts';
import { createTempRepo, type TempRepo } from './temp-repo.ts';

const manifest = (id: string, kind = 'stateless-worker') =>
  [
    `id: ${id}`,
    `kind: ${kind}`,
    'version: 1.0.0',
    'description: Fixture agent.',
    'binds:',
    "  providers: ['*']",
    "  tenants: ['*']",
    'inputs:',
    '  - topic: promethean.p.*.t.*.events.SocialMessageCreated',
    '    schema: SocialMessageCreated',
    "idempotency_key: '{provider}:{tenant}:{payload.foreign_id}'",
    '',
  ].join('\n');

const BASELINE = {
  'functions/agents/echo-agent/agent.yml': manifest('echo-agent'),
  'functions/agents/echo-agent/handler.ts': 'export default {};\n',
  'durable-objects/rest-buckets/agent.yml': manifest('rest-buckets', 'provider-access'),
  'functions/index.ts': 'export default {};\n',
  'functions/lib/util.ts': 'export {};\n',
  'functions/src/handler.ts': 'export {};\n',
  'functions/fixtures/handler.ts': 'export {};\n',
  'functions/agents/echo-agent/nested/handler.ts': 'export {};\n',
};

describe('agent-manifests', () => {
  let repo: TempRepo;
  const run = async () => agentManifests(repo.root, await repo.files());

  beforeEach(async () => {
    repo = await createTempRepo(BASELINE);
  });
  afterEach(() => repo.cleanup());

  it('passes agents with valid manifests and ignores folders that are not agents', async () => {
    expect(await run()).toEqual([]);
    expect(agentFolders(await repo.files())).toEqual([
      'durable-objects/rest-buckets',
      'functions/agents/echo-agent',
    ]);
  });

  it('flags an agent folder with a handler but no agent.yml', async () => {
    await repo.write({ 'functions/agents/cephalon/handler.ts': 'export default {};\n' });
    expect(await run()).toEqual([
      expect.objectContaining({
        guard: 'agent-manifests',
        file: 'functions/agents/cephalon',
        message: expect.stringContaining('no agent.yml'),
      }),
    ]);
  });

  it.each([
    ['YAML that does not parse', 'id: [unclosed\n', /not valid YAML/],
    ['an unknown kind', manifest('echo-agent', 'daemon'), /kind/],
    [
      'a provider capability on a stateless worker',
      `${manifest('echo-agent')}capabilities: [provider.rest.call]\n`,
      /only provider-access/,
    ],
    [
      'a schema missing from the catalog',
      manifest('echo-agent').replace('schema: SocialMessageCreated', 'schema: Nope'),
      /"Nope" is not in the schema catalog/,
    ],
  ])('flags %s', async (_case, text, reason) => {
    await repo.write({ 'functions/agents/echo-agent/agent.yml': text });
    const found = await run();
    expect(found).toEqual([expect.objectContaining({ file: 'functions/agents/echo-agent/agent.yml' })]);
    expect(found[0]?.message).toMatch(reason);
  });

  it('flags an agent manifest outside functions/agents/', async () => {
    await repo.write({ 'functions/stray-agent/agent.yml': manifest('stray-agent') });
    expect(await run()).toEqual([
      expect.objectContaining({
        file: 'functions/stray-agent/agent.yml',
        message: 'an agent of the functions Worker belongs in functions/agents/stray-agent/',
      }),
    ]);
  });

  it('flags a manifest whose id is not its folder name, at the id line', async () => {
    await repo.write({
      'durable-objects/rest-buckets/agent.yml': `# REST buckets\n${manifest('rest-bucket', 'provider-access')}`,
    });
    expect(await run()).toEqual([
      expect.objectContaining({
        file: 'durable-objects/rest-buckets/agent.yml',
        line: 2,
        message: 'id "rest-bucket" must equal the folder name "rest-buckets"',
      }),
    ]);
  });
});
