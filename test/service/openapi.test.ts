/** Issue 13 #10: /openapi.json carries every JSON example of docs/service.md, and each request example is served. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { codeBlocks } from '../deploy/docs.js';
import { postJson, type RunningService, startService } from './helpers.js';

let svc: RunningService;
before(async () => {
  svc = await startService();
});
after(() => svc.close());

const docs = readFileSync(new URL('../../docs/service.md', import.meta.url), 'utf8');

/** Each JSON block of the docs: one value, or one value per line where a block shows several. */
function docExamples(): unknown[] {
  return codeBlocks(docs, 'json').flatMap((b) => {
    try {
      return [JSON.parse(b)];
    } catch {
      return b
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    }
  });
}

interface Op {
  requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }> }> };
  responses: Record<string, { content?: Record<string, { examples?: Record<string, { value: unknown }> }> }>;
}

describe('GET /openapi.json and /__docs__/', () => {
  test('open, OpenAPI 3.1, with every JSON example of docs/service.md', async () => {
    const res = await fetch(`${svc.url}/openapi.json`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, Op>> };
    assert.equal(doc.openapi, '3.1.0');
    for (const p of ['/calibrate', '/irt/calibrate', '/irt/score', '/health', '/healthz', '/metrics'])
      assert.ok(doc.paths[p], p);
    const served: { path: string; kind: 'request' | 'response'; value: unknown }[] = [];
    for (const [path, methods] of Object.entries(doc.paths))
      for (const op of Object.values(methods)) {
        for (const ex of Object.values(op.requestBody?.content['application/json']?.examples ?? {}))
          served.push({ path, kind: 'request', value: ex.value });
        for (const r of Object.values(op.responses))
          for (const ex of Object.values(r.content?.['application/json']?.examples ?? {}))
            served.push({ path, kind: 'response', value: ex.value });
      }
    const examples = docExamples();
    assert.ok(examples.length >= 8, `${examples.length} examples in the docs`);
    for (const e of examples)
      assert.ok(
        served.some((s) => JSON.stringify(s.value) === JSON.stringify(e)),
        `docs example not in /openapi.json: ${JSON.stringify(e).slice(0, 120)}`,
      );
    // Every request example is one the service takes.
    for (const s of served.filter((x) => x.kind === 'request')) {
      const r = await postJson(`${svc.url}${s.path}`, s.value);
      assert.equal(r.status, 200, `${s.path}: ${r.text}`);
    }
  });

  test('/__docs__/ is a page that needs nothing from the network', async () => {
    const res = await fetch(`${svc.url}/__docs__/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    const html = await res.text();
    assert.match(html, /POST \/irt\/score/);
    assert.doesNotMatch(html, /<(script|link)[^>]+(src|href)="?https?:/i);
  });
});
