import { lintOpenApi } from '@ticketing/testing';
import { TicketingHarness } from './test-support/ticketing.harness';

type Operation = {
  operationId: string;
  description?: string;
  security?: unknown[];
  requestBody?: unknown;
  'x-roles'?: string[];
  responses: Record<string, { content?: Record<string, unknown>; headers?: Record<string, unknown> }>;
};
type OpenApi = {
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, Record<string, unknown>> }> };
};

describe('the generated OpenAPI document', () => {
  let harness: TicketingHarness;
  let document: OpenApi;
  const operations = () => Object.values(document.paths).flatMap((item) => Object.values(item));
  const operation = (id: string) => operations().find((candidate) => candidate.operationId === id)!;

  beforeAll(async () => {
    harness = await TicketingHarness.start();
    const reply = await harness.request('GET', '/docs-json');
    expect(reply.status).toBe(200);
    document = reply.body as OpenApi;
  });
  afterAll(() => harness.close());

  it('passes spectral:oas and the OWASP API ruleset with no errors', async () => {
    const results = await lintOpenApi(document);
    const errors = results.filter((result) => result.severity === 0).map(({ code, path, message }) => `${code} at ${path.join('.')}: ${message}`);
    process.stdout.write(`API lint: ${errors.length} errors, ${results.length - errors.length} warnings, hints and notes\n`);
    expect(errors).toEqual([]);
  });

  it('names operations AIP-style', () => {
    expect(operations().map((candidate) => candidate.operationId).sort()).toEqual([
      'acceptRecoveryQuote', 'addTicketNote', 'appealDispute', 'archiveArticle', 'assignTicket', 'claimTicket', 'classifyText', 'clickKbSuggestion',
      'closeTicket', 'completeRecovery', 'createArticle', 'decideDispute', 'declineRecoveryQuote', 'diffTicketState', 'eraseCustomerData', 'escalateTicket', 'evaluateSlaWhatIf',
      'exportTicketHistory', 'getAgent', 'getArticle', 'getArticleDraft', 'getCustomerPrivacy', 'getDispute', 'getDisputeAttachment', 'getDisputeBundle', 'getDisputeSigningKey',
      'getKbMetrics', 'getLiveness', 'getReadiness', 'getRecovery', 'getSlaPolicy', 'getSlaReport', 'getSlaSurge', 'getTicket', 'getTicketAuditHistory',
      'getTicketRouting', 'getTicketSla', 'getTicketStateAt', 'giveKbArticleFeedback', 'listAgents', 'listMyTickets', 'listQueueTickets', 'listQueues',
      'listSlaAtRisk', 'listTicketMessages', 'listTickets', 'mergeTicket', 'openDispute', 'openTicket', 'postTicketMessage', 'publishArticle', 'putAgent',
      'putSlaPolicy', 'recategorizeTicket', 'releaseTicket', 'reopenTicket', 'requestRecovery', 'requoteRecovery', 'resolveKbSession', 'resolveTicket',
      'retireAgent', 'searchArticles', 'selfServeTicket', 'setAgentAvailability', 'startRecoveryTracing', 'startTicketProgress', 'streamEvents',
      'submitDisputeEvidence', 'submitRecoveryProof', 'suggestArticles', 'transferTicket', 'updateArticleTranslation', 'uploadDisputeAttachment',
      'verifyTicketHistory', 'waitOnTicketCustomer',
    ]);
  });

  it('documents the roles of every authenticated operation, and marks the health probes and the knowledge base’s reads public', () => {
    const publicReads = ['getArticle', 'searchArticles', 'suggestArticles'];
    for (const candidate of operations()) {
      if ((candidate.operationId.startsWith('get') && candidate.operationId.endsWith('ness')) || publicReads.includes(candidate.operationId)) {
        expect(candidate.security).toEqual([]);
        continue;
      }
      expect(candidate['x-roles']?.length).toBeGreaterThan(0);
      expect(candidate.description).toContain(`Roles: ${candidate['x-roles']!.join(', ')}.`);
    }
    expect(operation('startTicketProgress')['x-roles']).toEqual(['agent', 'supervisor', 'admin']);
  });

  it('documents every problem an operation can answer as problem+json, with the rate-limit headers', () => {
    const close = operation('closeTicket');
    expect(Object.keys(close.responses).sort()).toEqual(['200', '400', '401', '403', '404', '409', '413', '415', '422', '429', '500']);
    expect(close.responses['404'].content).toHaveProperty(['application/problem+json']);
    expect(Object.keys(close.responses['429'].headers!)).toEqual(expect.arrayContaining(['Retry-After', 'RateLimit', 'RateLimit-Policy']));
    expect(close.requestBody).toBeUndefined();
    expect(close.description).toContain('Takes no request body');
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });

  it('types channel details, asset context and field errors', () => {
    const { channelDetails, assetContext } = document.components.schemas.TicketResponse.properties!;
    expect(channelDetails).toMatchObject({ discriminator: { propertyName: 'channel' }, oneOf: expect.arrayContaining([{ $ref: '#/components/schemas/EmailDetailsResponse' }]) });
    expect(assetContext).toMatchObject({ allOf: [{ $ref: '#/components/schemas/AssetContextResponse' }] });
    expect(document.components.schemas.AssetContextRequest.properties!.network).toMatchObject({ pattern: '^[A-Z0-9_-]{2,20}$', maxLength: 20 });
    expect(document.components.schemas.ProblemDetails.properties!.errors).toMatchObject({ items: { $ref: '#/components/schemas/FieldError' } });
  });
});
