import { writeFileSync } from 'node:fs';
import { lintOpenApi } from '@ticketing/testing';
import { TicketingHarness } from './test-support/ticketing.harness';

describe('the generated OpenAPI document', () => {
  let harness: TicketingHarness;
  let document: unknown;
  beforeAll(async () => {
    harness = await TicketingHarness.start();
    const reply = await harness.request('GET', '/docs-json');
    expect(reply.status).toBe(200);
    document = reply.body;
    writeFileSync('/tmp/openapi.json', JSON.stringify(document, null, 2));
  });
  afterAll(() => harness.close());

  it('passes spectral:oas and the OWASP API ruleset with no errors', async () => {
    const results = await lintOpenApi(document);
    writeFileSync('/tmp/spectral.json', JSON.stringify(results.map((r) => ({ code: r.code, severity: r.severity, path: r.path.join('.'), message: r.message })), null, 1));
    const errors = results.filter((result) => result.severity === 0);
    expect(errors).toEqual([]);
  });
});
