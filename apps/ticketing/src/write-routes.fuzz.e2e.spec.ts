import fc from 'fast-check';
import type { RecordedEvent } from '@ticketing/event-store';
import { TicketingHarness, type HttpReply } from './test-support/ticketing.harness';

const validOpen = { channel: 'chat', subject: 'Withdrawal pending', body: 'Pending since 9:00', language: 'en', chat: { sessionId: 's-1' } };

/** Bodies that are almost right, wildly wrong, or not JSON at all. */
const jsonish = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record({ body: fc.jsonValue({ maxDepth: 2 }) }),
  fc.string({ minLength: 1, maxLength: 50 }).map((body) => ({ body })),
  fc.record({ resolutionCode: fc.jsonValue({ maxDepth: 1 }) }),
  fc.record({ intoTicketId: fc.oneof(fc.uuid(), fc.string()) }),
  fc
    .tuple(fc.constantFrom(...Object.keys(validOpen), 'customerId', 'assetContext', 'email', 'social', 'extra'), fc.jsonValue({ maxDepth: 2 }))
    .map(([field, value]) => ({ ...validOpen, [field]: value })),
  fc.constantFrom(...Object.keys(validOpen)).map((field) => Object.fromEntries(Object.entries(validOpen).filter(([key]) => key !== field))),
);
const rawBody = fc.oneof(
  jsonish.map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('{', '{"channel":', '[]', 'null', '"text"', '{"body": "\u0000"}'),
);

describe('fuzzing every write route (e2e over HTTP)', () => {
  let harness: TicketingHarness;
  let ticketId: string;
  let otherTicketId: string;
  let tokens: Record<string, string>;

  beforeAll(async () => {
    // Hundreds of requests a minute per caller: with the default limits most would be 429s before validation.
    harness = await TicketingHarness.start({ env: { TICKETING_RATE_LIMITS: 'off' } });
    tokens = {
      customer: await harness.token('customer', 'fuzz-cust'),
      agent: await harness.token('agent', 'fuzz-agent'),
      ops: await harness.token('ops', 'fuzz-ops'),
    };
    const open = (token: string) => harness.request('POST', '/v1/tickets', { token, body: validOpen });
    ticketId = ((await open(tokens.customer)).body as { id: string }).id;
    otherTicketId = ((await open(await harness.token('customer', 'someone-else'))).body as { id: string }).id;
  });
  afterAll(() => harness.close());

  /** Events on intake's streams since `position`: only the request under test writes there. */
  async function intakeEventsAfter(position: number): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for await (const event of harness.runtime.eventStore.readAll({ fromPosition: position, filter: { streamPrefixes: ['ticket-'] } })) events.push(event);
    return events;
  }

  const routes = () => [
    '/v1/tickets',
    ...['messages', 'notes', 'in-progress', 'waiting-on-customer', 'resolve', 'reopen', 'close', 'merge'].flatMap((action) => [
      `/v1/tickets/${ticketId}/${action}`,
      `/v1/tickets/${otherTicketId}/${action}`,
    ]),
    '/v1/tickets/not-a-uuid/messages',
  ];

  it('answers only 2xx or 4xx problem+json, and a 4xx never leaves a partial write', async () => {
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes()),
        fc.constantFrom('customer', 'agent', 'ops', 'none'),
        rawBody,
        fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
        async (path, who, body, idempotencyKey) => {
          const head = await harness.runtime.eventStore.headPosition();
          const reply: HttpReply = await harness.request('POST', path, {
            token: who === 'none' ? undefined : tokens[who],
            rawBody: body,
            headers: idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey },
          });
          statuses.add(reply.status);
          expect(reply.status < 500).toBe(true);
          if (reply.status >= 400) {
            expect(reply.contentType).toContain('application/problem+json');
            expect(reply.body).toMatchObject({ status: reply.status, type: expect.any(String), title: expect.any(String) });
            expect(await intakeEventsAfter(head)).toEqual([]);
          }
        },
      ),
      { numRuns: 400, seed: 20261125 },
    );
    // The generator must reach both sides: accepted writes and each kind of refusal.
    expect([...statuses].some((status) => status < 300)).toBe(true);
    expect([400, 401, 403, 404, 409].filter((status) => statuses.has(status))).toEqual([400, 401, 403, 404, 409]);
  }, 120_000);
});
