import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { noPython } from './no-python.ts';
import { createTempRepo, type TempRepo } from './temp-repo.ts';

describe('no-python', () => {
  let repo: TempRepo;
  const run = async () => noPython(repo.root, await repo.files());

  beforeEach(async () => {
    repo = await createTempRepo({ 'scripts/tool.ts': '', 'docs/python.md': '', 'shared/py.ts': '' });
  });
  afterEach(() => repo.cleanup());

  it('passes a TypeScript-only tree', async () => {
    expect(await run()).toEqual([]);
  });

  it.each(['scripts/convert.py', 'voice-host/stubs/opus.pyi', 'tools/gui.pyw', 'Tools/UPPER.PY'])(
    'flags %s',
    async (file) => {
      await repo.write({ [file]: 'print("hi")\n' });
      expect(await run()).toEqual([{ guard: 'no-python', file, message: expect.stringContaining('Python') }]);
    },
  );
});
