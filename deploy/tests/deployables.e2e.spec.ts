import { credentials, loadPackageDefinition, Metadata, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { Module } from '@nestjs/common';
import { INTAKE_PROTO_FILE, protoLoaderOptions, SLA_CONTRACT } from '@ticketing/contracts';
import { newId } from '@ticketing/kernel';
import { defineContext, defineService, SERVICE_NAMES } from '@ticketing/runtime';
import { AUDIT_SERVICE } from '../../apps/audit/src/audit.service';
import { DISPUTES_SERVICE } from '../../apps/disputes/src/disputes.service';
import { INTAKE_SERVICE } from '../../apps/intake/src/intake.service';
import { KB_SERVICE } from '../../apps/kb/src/kb.service';
import { ROUTING_SERVICE } from '../../apps/routing/src/routing.service';
import { SLA_SERVICE } from '../../apps/sla/src/sla.service';
import { newDataDir, ServiceHarness } from './support/service.harness';

const ticket = { channel: 'chat', subject: 'Withdrawal stuck', body: 'My BTC withdrawal is pending for 3 hours', language: 'en', chat: { sessionId: 'chat-1' } };
// The OpenAPI document lists every route but /metrics (excluded from the docs) and /docs itself.
const UNVERSIONED = ['/health/live', '/health/ready'];

/** GetTicket over the intake deployable's gRPC port, with a real @grpc/grpc-js client. */
function grpcGetTicket(port: number, ticketId: string, token: string): Promise<{ id: string }> {
  const definition = loadPackageDefinition(loadSync(INTAKE_PROTO_FILE, protoLoaderOptions()));
  const Service = (definition.ticketing as never)['intake']['v1']['TicketService'] as new (
    address: string,
    creds: ReturnType<typeof credentials.createInsecure>,
  ) => Client & { GetTicket: (request: unknown, metadata: Metadata, callback: (error: ServiceError | null, response: { id: string }) => void) => void };
  const client = new Service(`127.0.0.1:${port}`, credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return new Promise<{ id: string }>((resolve, reject) =>
    client.GetTicket({ ticketId }, metadata, (error, response) => (error ? reject(error) : resolve(response))),
  ).finally(() => client.close());
}

describe('the five deployables on the embedded default', () => {
  it('covers every service docs/architecture.md names, each with its own definition', () => {
    const services = [INTAKE_SERVICE, ROUTING_SERVICE, SLA_SERVICE, DISPUTES_SERVICE, AUDIT_SERVICE, KB_SERVICE];
    expect(services.map((service) => service.name)).toEqual([...SERVICE_NAMES]);
  });

  describe('intake', () => {
    let intake: ServiceHarness;
    beforeAll(async () => {
      intake = await ServiceHarness.start(INTAKE_SERVICE);
    });
    afterAll(() => intake.close());

    it('is ready once its event store, bus and projections are', async () => {
      const ready = await intake.request('GET', '/health/ready');
      expect(ready.status).toBe(200);
      expect(Object.keys((ready.body as { details: object }).details).sort()).toEqual(['bus', 'event-store', 'projections']);
      expect((await intake.request('GET', '/health/live')).status).toBe(200);
    });

    it('serves the ticket API and keeps only its own read model', async () => {
      expect((await intake.apiPaths()).filter((path) => path.startsWith('/v1/'))).toEqual(
        // The ops event stream is not intake's: the composition adds it to every process serving an API.
        expect.arrayContaining(['/v1/tickets', '/v1/tickets/{id}', '/v1/events/stream']),
      );
      const customer = await intake.token('customer', 'cust-1');
      const opened = await intake.request('POST', '/v1/tickets', { token: customer, body: ticket });
      expect(opened.status).toBe(201);
      const { id } = opened.body as { id: string };
      expect((await intake.request('GET', `/v1/tickets/${id}`, { token: customer })).status).toBe(200);
      expect((await intake.runtime.projections.status()).map((projection) => projection.name)).toEqual(['intake-ticket-list']);
    });

    it('serves the same tickets over gRPC on TICKETING_GRPC_PORT', async () => {
      const customer = await intake.token('customer', 'cust-g');
      const opened = await intake.request('POST', '/v1/tickets', { token: customer, body: ticket });
      const { id } = opened.body as { id: string };
      const port = intake.booted.ports.grpc;
      expect(port).toBeGreaterThan(0);
      expect(await grpcGetTicket(port, id, customer)).toMatchObject({ id });
    });

    it('runs only its own consumer group (following routing’s assignments), not routing’s', async () => {
      const groups = await intake.runtime.bus.groupStatus();
      expect(groups.map(({ group, eventTypes }) => ({ group, eventTypes }))).toEqual([{ group: 'intake', eventTypes: ['TicketAssignedToAgent', 'TicketReleasedFromAgent'] }]);
    });
  });

  describe('routing', () => {
    let routing: ServiceHarness;
    beforeAll(async () => {
      routing = await ServiceHarness.start(ROUTING_SERVICE);
    });
    afterAll(() => routing.close());

    it('is ready, serves its own API and no route of intake, classifies TicketOpened and follows what dispatch needs in its own groups', async () => {
      expect((await routing.request('GET', '/health/ready')).status).toBe(200);
      const paths = await routing.apiPaths();
      expect(paths).toEqual(expect.arrayContaining([...UNVERSIONED, '/v1/routing/classify', '/v1/routing/queues', '/v1/routing/tickets/{id}/recategorize']));
      expect(paths.filter((path) => path.startsWith('/v1/tickets'))).toEqual([]);
      const customer = await routing.token('customer', 'cust-1');
      expect((await routing.request('POST', '/v1/tickets', { token: customer, body: ticket })).status).toBe(404);
      expect((await routing.request('GET', '/v1/tickets/x', { token: customer })).status).toBe(404);
      const groups = await routing.runtime.bus.groupStatus();
      expect(groups.map(({ group, eventTypes, running }) => ({ group, eventTypes, running }))).toEqual([
        { group: 'routing', eventTypes: ['DisputeOpened', 'RecoveryRequested', 'TicketOpened'], running: true },
        {
          group: 'routing-dispatch',
          eventTypes: ['SlaBreached', 'SlaWarningIssued', 'TicketClosed', 'TicketMerged', 'TicketReleasedFromAgent', 'TicketReopened', 'TicketResolved', 'TicketSelfServed'],
          running: true,
        },
      ]);
      expect((await routing.runtime.projections.status()).map(({ name }) => name).sort()).toEqual(['routing-agents', 'routing-board']);
      expect(Object.keys(routing.booted.ports)).toEqual(['grpc']);
    });
  });

  describe('kb', () => {
    let kb: ServiceHarness;
    beforeAll(async () => {
      kb = await ServiceHarness.start(KB_SERVICE);
    });
    afterAll(() => kb.close());

    it('is ready, serves the knowledge base (not intake’s routes) over HTTP and gRPC, and keeps only its own read models', async () => {
      expect((await kb.request('GET', '/health/ready')).status).toBe(200);
      const paths = await kb.apiPaths();
      expect(paths).toEqual(expect.arrayContaining(['/v1/kb/articles', '/v1/kb/articles/{id}', '/v1/kb/suggest']));
      expect(paths.filter((path) => path.startsWith('/v1/tickets'))).toEqual([]);
      expect((await kb.request('GET', '/v1/kb/suggest?q=2fa&lang=en')).status).toBe(200);
      expect((await kb.runtime.projections.status()).map((status) => status.name).sort()).toEqual(['kb-articles', 'kb-sessions']);
      expect(kb.booted.ports).toEqual({ grpc: expect.any(Number) });
    });
  });

  describe('sla', () => {
    let sla: ServiceHarness;
    beforeAll(async () => {
      sla = await ServiceHarness.start(SLA_SERVICE);
    });
    afterAll(() => sla.close());

    it('is ready, serves SLA (not intake’s ticket routes) over HTTP and gRPC, consumes intake’s and routing’s facts, keeps only its own read models', async () => {
      expect((await sla.request('GET', '/health/ready')).status).toBe(200);
      const paths = await sla.apiPaths();
      expect(paths).toEqual(expect.arrayContaining(['/v1/sla/policy', '/v1/sla/at-risk', '/v1/sla/report', '/v1/tickets/{id}/sla']));
      expect(paths).not.toContain('/v1/tickets');
      const admin = await sla.token('admin', 'admin-1');
      expect(((await sla.request('GET', '/v1/sla/policy', { token: admin })).body as { version: number }).version).toBe(0);
      const groups = await sla.runtime.bus.groupStatus();
      expect(groups.map(({ group, running }) => ({ group, running }))).toEqual([{ group: 'sla', running: true }]);
      expect(groups[0]!.eventTypes).toEqual(expect.arrayContaining(['TicketOpened', 'TicketClassified', 'FirstResponseGiven', 'TicketResolved']));
      expect((await sla.runtime.projections.status()).map((status) => status.name).sort()).toEqual(['sla-clocks', 'sla-history', 'sla-inflow']);
      expect(sla.booted.ports).toEqual({ grpc: expect.any(Number) });
    });
  });

  describe('any context serving an API, intake or not', () => {
    @Module({})
    class TicketlessModule {}
    let harness: ServiceHarness;
    beforeAll(async () => {
      const context = defineContext({ contract: SLA_CONTRACT, module: TicketlessModule, serves: 'api' });
      harness = await ServiceHarness.start(defineService({ name: 'sla', contexts: [context] }));
    });
    afterAll(() => harness.close());

    it('serves the ops event stream of every context; customers only where a context answers for their tickets', async () => {
      expect(await harness.apiPaths()).toEqual([...UNVERSIONED, '/v1/events/stream'].sort());
      const abort = new AbortController();
      const ops = await fetch(`${harness.baseUrl}/v1/events/stream`, { headers: { authorization: `Bearer ${await harness.token('ops', 'ops-1')}` }, signal: abort.signal });
      expect([ops.status, ops.headers.get('content-type')]).toEqual([200, 'text/event-stream; charset=utf-8']);
      abort.abort();
      const customer = await harness.token('customer', 'cust-1');
      expect((await harness.request('GET', `/v1/events/stream?ticketId=${newId()}`, { token: customer })).status).toBe(403);
    });
  });

  // Every service has its context now; a service defined before its context exists still boots this way.
  describe.each([['audit', defineService({ name: 'audit', contexts: [] })]] as const)('%s (no context module in this build yet)', (name, service) => {
    let harness: ServiceHarness;
    beforeAll(async () => {
      harness = await ServiceHarness.start(service);
    });
    afterAll(() => harness.close());

    it('serves health and metrics only, and says why', async () => {
      expect((await harness.request('GET', '/health/ready')).status).toBe(200);
      expect((await harness.request('GET', '/health/live')).status).toBe(200);
      const metrics = await harness.request('GET', '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.body).toContain('process_cpu_user_seconds_total');
      expect(await harness.apiPaths()).toEqual(UNVERSIONED);
      expect((await harness.request('POST', '/v1/tickets', { body: ticket })).status).toBe(404);
      expect(await harness.runtime.bus.groupStatus()).toEqual([]);
      expect(await harness.runtime.projections.status()).toEqual([]);
      expect(harness.runtime.relay).toBeUndefined();
      expect(harness.booted.ports).toEqual({});
      expect(harness.messages()).toContainEqual(expect.stringContaining(`No ${name} context module exists in this build yet`));
    });
  });

  it('disputes as its own deployable on intake’s data folder: knows intake’s tickets, serves /v1/disputes and relays nothing it does not own', async () => {
    const dataDir = await newDataDir();
    const intake = await ServiceHarness.start(INTAKE_SERVICE, { dataDir });
    const disputes = await ServiceHarness.start(DISPUTES_SERVICE, { dataDir });
    try {
      expect(await disputes.apiPaths()).toEqual(expect.arrayContaining(['/v1/disputes/{ticketId}', '/v1/recoveries/{ticketId}', '/v1/disputes/{ticketId}/bundle']));
      expect((await disputes.runtime.projections.status()).map((projection) => projection.name).sort()).toEqual(['dispute-cases', 'dispute-parties']);
      expect(await disputes.runtime.bus.groupStatus()).toEqual([]);
      const customer = await intake.token('customer', 'cust-disputes');
      const opened = await intake.request('POST', '/v1/tickets', { token: customer, body: ticket });
      const { id } = opened.body as { id: string };
      // The parties read model catches up to the log before answering: no retry needed for a ticket opened a moment ago.
      const dispute = await disputes.request('POST', `/v1/disputes/${id}`, {
        token: await disputes.token('customer', 'cust-disputes'),
        body: { position: { symbol: 'ETHUSDT', side: 'short', size: '3', leverage: '10', marginMode: 'cross' }, liquidationPrice: '3120.5', liquidatedAt: '2026-01-01T00:00:00Z' },
      });
      expect([dispute.status, (dispute.body as { round: number }).round]).toEqual([201, 1]);
      // Without SLA in the process, the window is counted Monday to Friday (the recovery default calendar).
      const recovery = await disputes.request('POST', `/v1/recoveries/${id}`, {
        token: await disputes.token('customer', 'cust-disputes'),
        body: { asset: 'USDT', amount: '200', txHash: '0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', sentNetwork: 'BSC', expectedNetwork: 'ETH', address: '0x1111111111111111111111111111111111111111' },
      });
      expect(recovery.body).toMatchObject({ status: 'quoted', quote: { fee: '20', calendar: 'mon-fri-utc' } });
    } finally {
      await disputes.close();
      await intake.close();
    }
  });

  it('logs no "no context module" line for a service that has one', async () => {
    const routing = await ServiceHarness.start(ROUTING_SERVICE);
    try {
      expect(routing.messages().some((message) => message.includes('context module exists'))).toBe(false);
      expect(routing.messages()).toContainEqual(expect.stringContaining('routing serving on http://'));
    } finally {
      await routing.close();
    }
  });

  it('intake and routing as two deployables on one data folder: a ticket opened on one is queued by the other', async () => {
    const dataDir = await newDataDir();
    const intake = await ServiceHarness.start(INTAKE_SERVICE, { dataDir });
    const routing = await ServiceHarness.start(ROUTING_SERVICE, { dataDir });
    try {
      const customer = await intake.token('customer', 'cust-2');
      const opened = await intake.request('POST', '/v1/tickets', { token: customer, body: { ...ticket, language: 'ru' } });
      expect(opened.status).toBe(201);
      const { id } = opened.body as { id: string };
      const queued = await routing.nextEvent(`routing-${id}`, 'TicketQueued');
      // A withdrawal problem: classified an emergency, whatever the language.
      expect(queued.data).toMatchObject({ ticketId: id, queue: 'security-emergency' });
      // Intake's read model follows routing's stream through the shared event log, not through routing's process.
      await intake.runtime.projections.waitFor(queued.globalPosition);
      const read = await intake.request('GET', `/v1/tickets/${id}`, { token: customer });
      expect(read.body).toMatchObject({ queue: 'security-emergency', category: 'withdrawal_issue', priority: 'emergency' });
    } finally {
      await routing.close();
      await intake.close();
    }
  });
});
