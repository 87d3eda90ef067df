/**
 * The OpenAPI description lint (Spectral, test/api/openapi-description-rules.ts) over the `/v1` document:
 * the real document passes with no finding at all, and each rule catches the mistake it exists for.
 */
import { describe, expect, it } from 'vitest';
import { createV1App, v1Document } from '../../functions/api/v1-app.ts';
import { MemoryV1Backend } from './memory-v1-backend.ts';
import { lintOpenApi } from './openapi-description-rules.ts';

function document(): Record<string, unknown> {
  return structuredClone(v1Document(createV1App(() => new MemoryV1Backend()))) as unknown as Record<
    string,
    unknown
  >;
}

type Ops = Record<string, Record<string, Record<string, unknown>>>;

async function codes(doc: unknown): Promise<string[]> {
  return (await lintOpenApi(doc)).map((d) => `${d.code} ${d.path.join('.')}`);
}

describe('OpenAPI description lint', () => {
  it('finds nothing in the /v1 document', async () => {
    expect(await codes(document())).toEqual([]);
  });

  it('catches a missing operationId, a long or verbless summary and an undescribed parameter', async () => {
    const doc = document();
    const paths = doc.paths as Ops;
    delete paths['/channels']!.get!.operationId;
    paths['/tenant/status']!.get!.summary = `Get ${'x'.repeat(200)}`;
    paths['/jobs/backfill/{job_id}']!.get!.summary = 'Backfill job status.';
    delete (paths['/messages/search']!.get!.parameters as Array<Record<string, unknown>>)[0]!.description;
    const found = await codes(doc);
    expect(found).toContain('operation-operationId paths./channels.get');
    expect(found).toContain('operation-summary-length paths./tenant/status.get.summary');
    expect(found).toContain('operation-summary-verb paths./jobs/backfill/{job_id}.get.summary');
    expect(found).toContain('parameter-description paths./messages/search.get.parameters.0');
  });

  it('catches two operations that become the same tool name', async () => {
    const doc = document();
    (doc.paths as Ops)['/channels']!.get!.operationId = 'get-message';
    expect(await codes(doc)).toContain('tool-names-unambiguous paths./channels.get.operationId');
  });
});
