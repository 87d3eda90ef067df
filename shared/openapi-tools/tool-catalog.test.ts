import { describe, expect, it } from 'vitest';
import { CatalogCache, documentHash } from './catalog-cache.ts';
import { buildToolCatalog } from './tool-catalog.ts';

const doc = {
  openapi: '3.1.0',
  info: { title: 't', version: '1' },
  components: {
    schemas: {
      Note: {
        type: 'object',
        properties: { text: { type: 'string', description: 'The note text.' }, pinned: { type: 'boolean' } },
        required: ['text'],
      },
    },
    parameters: {
      Board: {
        name: 'board_id',
        in: 'path',
        required: true,
        description: 'The board.',
        schema: { type: 'string' },
      },
    },
  },
  paths: {
    '/boards/{board_id}/notes': {
      parameters: [{ $ref: '#/components/parameters/Board' }],
      get: {
        operationId: 'listNotes',
        summary: 'List the notes on a board.',
        parameters: [
          {
            name: 'limit',
            in: 'query',
            description: 'At most this many.',
            schema: { type: 'integer', maximum: 50 },
          },
        ],
      },
      post: {
        operationId: 'createNote',
        summary: 'Create a note on a board.',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Note' } } },
        },
      },
    },
    '/tags': {
      put: {
        operationId: 'replaceTags',
        summary: 'Replace all tags.',
        requestBody: {
          content: { 'application/json': { schema: { type: 'array', items: { type: 'string' } } } },
        },
      },
    },
    '/a': { get: { operationId: 'getThing', summary: 'Get a thing.' } },
    '/b': { get: { operationId: 'get-thing', summary: 'Get the other thing.' } },
    '/c': { get: { summary: 'Get with no id.' } },
    '/d': { get: { operationId: 'getUndocumented' } },
    '/e': {
      get: {
        operationId: 'getE',
        summary: 'Get e.',
        parameters: [{ name: 'x', in: 'query', schema: { type: 'string' } }],
      },
    },
    '/f': { get: { operationId: 'getF', summary: 'Get f.', deprecated: true } },
  },
};

describe('buildToolCatalog', () => {
  const catalog = buildToolCatalog(doc);

  it('merges path, query and an object body into one schema with normalized names', () => {
    const list = catalog.tools.find((t) => t.function.name === 'list_notes');
    expect(list?.function).toEqual({
      name: 'list_notes',
      description: 'List the notes on a board.',
      parameters: {
        type: 'object',
        properties: {
          board_id: { type: 'string', description: 'The board.' },
          limit: { type: 'integer', maximum: 50, description: 'At most this many.' },
        },
        required: ['board_id'],
        additionalProperties: false,
      },
    });
    const create = catalog.tools.find((t) => t.function.name === 'create_note');
    expect(create?.function.parameters).toMatchObject({
      properties: { board_id: { type: 'string' }, text: { type: 'string' }, pinned: { type: 'boolean' } },
      required: ['board_id', 'text'],
    });
    expect(catalog.operations.get('create_note')).toMatchObject({
      method: 'POST',
      pathParams: ['board_id'],
      bodyParams: ['text', 'pinned'],
      bodyMode: 'merged',
    });
  });

  it('passes a non-object body as one `body` argument', () => {
    expect(catalog.operations.get('replace_tags')).toMatchObject({ bodyMode: 'whole', bodyParams: ['body'] });
  });

  it('skips ambiguous, undocumented and deprecated operations with a reason each', () => {
    const reasons = Object.fromEntries(catalog.skipped.map((s) => [s.path, s.reason]));
    expect(reasons['/a']).toContain('ambiguous');
    expect(reasons['/b']).toContain('ambiguous');
    expect(reasons['/c']).toBe('no operationId');
    expect(reasons['/d']).toBe('no summary or description');
    expect(reasons['/e']).toBe('parameter x has no description');
    expect(reasons['/f']).toBe('deprecated');
    expect(catalog.tools.map((t) => t.function.name).sort()).toEqual([
      'create_note',
      'list_notes',
      'replace_tags',
    ]);
  });
});

describe('CatalogCache', () => {
  it('rebuilds only when the document changes, whatever its key order', async () => {
    const cache = new CatalogCache();
    const first = await cache.catalogFor(doc);
    const reordered = Object.fromEntries(Object.entries(doc).reverse());
    expect(await cache.catalogFor(reordered)).toBe(first);
    expect(cache.builds).toBe(1);
    const changed = structuredClone(doc);
    changed.paths['/a'].get.summary = 'Get a thing, again.';
    const second = await cache.catalogFor(changed);
    expect(cache.builds).toBe(2);
    expect(second.hash).not.toBe(first.hash);
    expect(second.hash).toBe(await documentHash(changed));
  });
});
