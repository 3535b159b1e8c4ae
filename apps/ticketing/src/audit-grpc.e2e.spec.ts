import { join } from 'node:path';
import { credentials, loadPackageDefinition, Metadata, status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import Database from 'better-sqlite3';
import { AUDIT_PROTO_FILE, protoLoaderOptions } from '@ticketing/contracts';
import { verifyEvidenceBundle } from '@ticketing/evidence-bundle';
import { newId } from '@ticketing/kernel';
import { publicKeyFromPem, StreamSlots } from '@ticketing/platform';
import { ContextGrpcClient } from './test-support/context-grpc.client';
import { TicketingHarness } from './test-support/ticketing.harness';

const SERVICE = 'ticketing.audit.v1.AuditService';

type Timestamp = { seconds: string; nanos: number };
type AuditEvent = {
  position: string;
  streamName: string;
  revision: string;
  id: string;
  type: string;
  schemaVersion: number;
  dataJson: string;
  actor: { kind: string; id: string };
  correlationId: string;
  causationId: string;
  occurredAt: Timestamp;
  recordedAt: Timestamp;
  prevHash: string;
  hash: string;
  modelVersion?: string;
  policyVersion?: number;
};
type HistoryPage = { events: AuditEvent[]; nextCursor?: string };
type Verification = {
  valid: boolean;
  streams: { streamName: string; events: string; valid: boolean; lastHash?: string }[];
  firstBroken: { streamName: string; revision: string; reason: string; expected: string; found: string } | null;
};
/** An entry of REST's GET /v1/audit/tickets/{id}/history. */
type RestEntry = Record<string, unknown> & { decidedUnder: { modelVersion?: string; policyVersion?: number } };

const toIso = (timestamp: Timestamp) => new Date(Number(timestamp.seconds) * 1000 + timestamp.nanos / 1e6).toISOString();

/** A gRPC AuditEvent in REST's shape: the same event must read the same over both. */
const asRest = (event: AuditEvent): RestEntry => ({
  position: Number(event.position),
  streamName: event.streamName,
  revision: Number(event.revision),
  id: event.id,
  type: event.type,
  schemaVersion: event.schemaVersion,
  data: JSON.parse(event.dataJson) as unknown,
  actor: { kind: event.actor.kind.replace(/^ACTOR_KIND_/, '').toLowerCase(), id: event.actor.id },
  correlationId: event.correlationId,
  causationId: event.causationId,
  occurredAt: toIso(event.occurredAt),
  recordedAt: toIso(event.recordedAt),
  prevHash: event.prevHash,
  hash: event.hash,
  decidedUnder: { ...(event.modelVersion !== undefined && { modelVersion: event.modelVersion }), ...(event.policyVersion !== undefined && { policyVersion: event.policyVersion }) },
});

type ReplayClient = { ReplayTicket(request: unknown, metadata: Metadata): ClientReadableStream<AuditEvent>; close(): void };

/** A grpc-js client for the server stream (ContextGrpcClient makes unary calls only), from the same .proto as the server. */
function replayClient(address: string): ReplayClient {
  let definition: unknown = loadPackageDefinition(loadSync(AUDIT_PROTO_FILE, protoLoaderOptions()));
  for (const part of SERVICE.split('.')) definition = (definition as Record<string, unknown>)[part];
  const Service = definition as new (address: string, creds: unknown) => ReplayClient;
  return new Service(address, credentials.createInsecure());
}

/** Every message until the server ends the stream with OK; rejects with the stream's error. */
function collectToEnd<T>(stream: ClientReadableStream<T>): Promise<T[]> {
  const messages: T[] = [];
  return new Promise((resolve, reject) => {
    stream.on('data', (message: T) => messages.push(message));
    stream.on('error', (error: ServiceError) => reject(error));
    stream.on('status', ({ code }: { code: status }) => {
      if (code === status.OK) resolve(messages);
    });
  });
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`never: ${what}`);
}

/**
 * The audit context over a real grpc-js client against `ticketing start` booted in-process: one
 * ticket opened over REST, then read by an auditor as a server stream, in pages, at a past moment,
 * verified and exported, with the roles and error codes REST has.
 */
describe('audit gRPC API (e2e over grpc-js)', () => {
  let harness: TicketingHarness;
  let grpc: ContextGrpcClient;
  let streams: ReplayClient;
  let customer: string;
  let agent: string;
  let auditor: string;
  let admin: string;
  let ticketId: string;

  const replay = (id: string, token: string): ClientReadableStream<AuditEvent> => {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${token}`);
    return streams.ReplayTicket({ ticketId: id }, metadata);
  };
  const replayed = (id = ticketId, token = auditor) => collectToEnd(replay(id, token));
  const streamError = (id: string, token: string) =>
    replayed(id, token).then(
      (events) => {
        throw new Error(`ReplayTicket succeeded with ${events.length} events`);
      },
      (error: ServiceError) => error,
    );
  const pagesOf = async (limit: number): Promise<{ events: AuditEvent[]; pages: number }> => {
    const events: AuditEvent[] = [];
    let pages = 0;
    let cursor: string | undefined;
    do {
      const page: HistoryPage = await grpc.call<HistoryPage>('GetTicketHistory', { ticketId, limit, ...(cursor !== undefined && { cursor }) }, auditor);
      expect(page.events.length).toBeLessThanOrEqual(limit);
      events.push(...page.events);
      pages++;
      cursor = page.nextCursor || undefined;
    } while (cursor !== undefined);
    return { events, pages };
  };

  beforeAll(async () => {
    harness = await TicketingHarness.start();
    grpc = new ContextGrpcClient(AUDIT_PROTO_FILE, SERVICE, harness.grpcAddress);
    streams = replayClient(harness.grpcAddress);
    customer = await harness.token('customer', 'cust-grpc-audit');
    agent = await harness.token('agent', 'agent-grpc-audit');
    auditor = await harness.token('auditor', 'aud-grpc');
    admin = await harness.token('admin', 'admin-grpc-audit');
    const opened = await harness.request('POST', '/v1/tickets', { token: customer, body: { channel: 'chat', body: 'someone withdrew my USDT, I did not do it', chat: { sessionId: `chat-${newId()}` } } });
    expect(opened.status).toBe(201);
    ticketId = (opened.body as { id: string }).id;
    await harness.ticketQueued(ticketId);
    await harness.nextEvent(`sla-${ticketId}`, 'SlaPolicyApplied');
  }, 60_000);
  afterAll(async () => {
    grpc?.close();
    streams?.close();
    await harness?.close();
  });

  it('is for auditors and admins only: agents and customers are PERMISSION_DENIED on every call, the stream included', async () => {
    for (const token of [customer, agent]) {
      expect((await streamError(ticketId, token)).code).toBe(status.PERMISSION_DENIED);
      for (const method of ['GetTicketHistory', 'GetTicketStateAt', 'VerifyTicket', 'ExportTicket']) {
        const error = await grpc.error(method, { ticketId }, token);
        expect([method, error.code]).toEqual([method, status.PERMISSION_DENIED]);
      }
    }
    expect((await replayed(ticketId, admin)).length).toBeGreaterThan(0);
    expect((await grpc.call<HistoryPage>('GetTicketHistory', { ticketId }, admin)).events.length).toBeGreaterThan(0);
  });

  it('an unknown ticket is NOT_FOUND everywhere (the stream before any event); a malformed id INVALID_ARGUMENT', async () => {
    const unknown = newId();
    const notFound = await streamError(unknown, auditor);
    expect([notFound.code, notFound.details]).toEqual([status.NOT_FOUND, expect.stringContaining(unknown)]);
    for (const method of ['GetTicketHistory', 'GetTicketStateAt', 'VerifyTicket', 'ExportTicket']) {
      expect([method, (await grpc.error(method, { ticketId: unknown }, auditor)).code]).toEqual([method, status.NOT_FOUND]);
    }
    expect((await streamError('not-a-uuid', auditor)).code).toBe(status.INVALID_ARGUMENT);
    expect((await grpc.error('VerifyTicket', { ticketId: 'not-a-uuid' }, auditor)).code).toBe(status.INVALID_ARGUMENT);
  });

  it('ReplayTicket streams every event in ascending position, TicketOpened first, with the versions decided under, as REST reads them', async () => {
    const events = await replayed();
    const positions = events.map((event) => Number(event.position));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(positions).size).toBe(positions.length);
    expect(events[0]).toMatchObject({ type: 'TicketOpened', streamName: `ticket-${ticketId}`, revision: '0', actor: { kind: 'ACTOR_KIND_CUSTOMER', id: 'cust-grpc-audit' } });
    expect(JSON.parse(events[0].dataJson)).toMatchObject({ customerId: 'cust-grpc-audit' });
    const classified = events.find((event) => event.type === 'TicketClassified')!;
    expect(classified.modelVersion).toEqual(expect.any(String));
    expect(classified.modelVersion).not.toBe('');
    expect(classified.causationId).toBe(events[0].id);
    expect(events.find((event) => event.type === 'SlaPolicyApplied')!.policyVersion).toBe(0);
    expect(events.find((event) => event.type === 'TicketOpened')!.policyVersion).toBeUndefined();
    expect(new Set(events.map((event) => event.streamName))).toEqual(new Set([`ticket-${ticketId}`, `routing-${ticketId}`, `sla-${ticketId}`]));
    for (const event of events) expect([event.type, event.hash, event.prevHash]).toEqual([event.type, expect.stringMatching(/^[0-9a-f]{64}$/), expect.stringMatching(/^[0-9a-f]{64}$/)]);

    // The same events, field for field, as REST's history (the ticket is quiet now: read REST between two equal replays).
    const rest = (await harness.request('GET', `/v1/audit/tickets/${ticketId}/history?limit=1000`, { token: auditor })).body as { events: RestEntry[] };
    const after = await replayed();
    expect(after).toEqual(events);
    expect(events.map(asRest)).toEqual(rest.events);
  });

  it('GetTicketHistory pages two at a time until next_cursor is absent; the pages add up to the replay', async () => {
    // Between two equal replays the ticket did not change, so the pages must equal them (the ticket's events only grow).
    let compared = false;
    for (let attempt = 0; attempt < 5 && !compared; attempt++) {
      const before = await replayed();
      const { events, pages } = await pagesOf(2);
      const after = await replayed();
      if (JSON.stringify(before) !== JSON.stringify(after)) continue;
      expect(events).toEqual(before);
      expect(pages).toBe(Math.ceil(before.length / 2));
      compared = true;
    }
    expect(compared).toBe(true);

    const whole = await grpc.call<HistoryPage>('GetTicketHistory', { ticketId }, auditor);
    expect(whole.nextCursor).toBeUndefined();
    const bad = await grpc.error('GetTicketHistory', { ticketId, cursor: 'bm90LWEtY3Vyc29y' }, auditor);
    expect([bad.code, bad.details]).toEqual([status.INVALID_ARGUMENT, expect.stringContaining('cursor')]);
    for (const limit of [0, 1001]) {
      const error = await grpc.error('GetTicketHistory', { ticketId, limit }, auditor);
      expect([limit, error.code, error.details]).toEqual([limit, status.INVALID_ARGUMENT, expect.stringContaining('limit')]);
    }
  });

  it('GetTicketStateAt: nothing at position 0, the ticket once queued, now; a bad `at` is INVALID_ARGUMENT', async () => {
    const stateAt = async (at?: string) => {
      const reply = await grpc.call<{ stateJson: string }>('GetTicketStateAt', { ticketId, ...(at !== undefined && { at }) }, auditor);
      return JSON.parse(reply.stateJson) as Record<string, unknown>;
    };
    expect(await stateAt('0')).toMatchObject({ ticketId, existed: false, lastEvent: null, intake: null, routing: null, sla: null, dispute: null, recovery: null });
    expect(await stateAt('2000-01-01T00:00:00Z')).toMatchObject({ existed: false, intake: null });

    const events = await replayed();
    const queued = events.find((event) => event.type === 'TicketQueued')!;
    const midway = await stateAt(queued.position);
    expect(midway).toMatchObject({ existed: true, at: { position: Number(queued.position) }, intake: { status: 'open', customerId: 'cust-grpc-audit' }, routing: { queue: expect.any(String) } });
    // The same state REST answers for the same moment.
    expect(midway).toEqual((await harness.request('GET', `/v1/audit/tickets/${ticketId}/state?at=${queued.position}`, { token: auditor })).body);
    expect(await stateAt()).toMatchObject({ existed: true, sla: expect.any(Object) });

    for (const at of ['yesterday', '2026-12-07T10:00:00', '99999999', 'x'.repeat(36)]) {
      const error = await grpc.error('GetTicketStateAt', { ticketId, at }, auditor);
      expect([at, error.code, error.details]).toEqual([at, status.INVALID_ARGUMENT, expect.stringContaining('at')]);
    }
  });

  it('VerifyTicket: every chain holds; an edit of the SQLite file is named exactly', async () => {
    const events = await replayed();
    const intact = await grpc.call<Verification>('VerifyTicket', { ticketId }, auditor);
    expect(intact).toMatchObject({ valid: true, firstBroken: null });
    expect(intact.streams.map((stream) => stream.streamName).sort()).toEqual([`routing-${ticketId}`, `sla-${ticketId}`, `ticket-${ticketId}`]);
    for (const stream of intact.streams) {
      const own = events.filter((event) => event.streamName === stream.streamName);
      expect(stream).toMatchObject({ streamName: stream.streamName, events: String(own.length), valid: true, lastHash: own[own.length - 1].hash });
    }

    const db = new Database(join(harness.dataDir, 'events.db'));
    try {
      const row = db.prepare('SELECT stream_revision, data, hash FROM es_events WHERE stream_name = ? AND type = ?').get(`ticket-${ticketId}`, 'TicketOpened') as { stream_revision: number; data: string; hash: string };
      const edited = JSON.stringify({ ...JSON.parse(row.data), body: 'I withdrew it myself, never mind' });
      db.prepare('UPDATE es_events SET data = ? WHERE stream_name = ? AND stream_revision = ?').run(edited, `ticket-${ticketId}`, row.stream_revision);
      try {
        const tampered = await grpc.call<Verification>('VerifyTicket', { ticketId }, auditor);
        expect(tampered.valid).toBe(false);
        expect(tampered.firstBroken).toEqual({ streamName: `ticket-${ticketId}`, revision: String(row.stream_revision), reason: 'BROKEN_LINK_REASON_HASH_MISMATCH', expected: expect.stringMatching(/^[0-9a-f]{64}$/), found: row.hash });
        expect(tampered.firstBroken!.expected).not.toBe(row.hash);
        const ticketStream = tampered.streams.find((stream) => stream.streamName === `ticket-${ticketId}`)!;
        expect(ticketStream.valid).toBe(false);
        expect(ticketStream.lastHash).toBeUndefined();
      } finally {
        db.prepare('UPDATE es_events SET data = ? WHERE stream_name = ? AND stream_revision = ?').run(row.data, `ticket-${ticketId}`, row.stream_revision);
      }
    } finally {
      db.close();
    }
    expect((await grpc.call<Verification>('VerifyTicket', { ticketId }, auditor)).valid).toBe(true);
  });

  it('ExportTicket: a bundle of every stream that verifies offline with the disputes signing key', async () => {
    const { bundleJson } = await grpc.call<{ bundleJson: string }>('ExportTicket', { ticketId }, auditor);
    const key = (await harness.request('GET', '/v1/disputes/signing-key', { token: auditor })).body as { keyId: string; publicKeyPem: string };
    const bundle = JSON.parse(bundleJson) as unknown;
    expect(verifyEvidenceBundle(bundle, publicKeyFromPem(key.publicKeyPem))).toMatchObject({ valid: true, ticketId, keySource: 'given', keyId: key.keyId });
    // One changed byte and it no longer verifies (the body is sealed in the export; the channel is not).
    expect(bundleJson).toContain('"channel":"chat"');
    expect(verifyEvidenceBundle(JSON.parse(bundleJson.replace('"channel":"chat"', '"channel":"chaT"')), publicKeyFromPem(key.publicKeyPem))).toMatchObject({ valid: false });
  });

  it('a replay is recorded as one read, and holds a stream slot only until it ends; a refused one holds none', async () => {
    const slots = harness.booted.app.get(StreamSlots);
    const reads = async () => {
      let count = 0;
      for await (const event of harness.runtime.eventStore.readAll({ filter: { eventTypes: ['AuditAccessed'] } })) {
        const data = event.data as { who: { id: string }; what: { operation: string; ticketId: string } };
        if (data.who.id === 'aud-grpc' && data.what.operation === 'history' && data.what.ticketId === ticketId) count++;
      }
      return count;
    };
    const readsBefore = await reads();
    await replayed();
    expect(await reads()).toBe(readsBefore + 1);
    await eventually(() => slots.openCount() === 0, 'the completed replay released its slot');
    await streamError(newId(), auditor);
    expect(slots.openCount()).toBe(0);
  });

  it('a client that does not read holds the replay back (bounded memory); cancelling stops the reads and frees the slot', async () => {
    // A ticket of 100,000 events of 1 KiB each, served lazily by the event store, counting what the server reads of it.
    const store = harness.runtime.eventStore;
    const ghost = newId();
    const total = 100_000;
    const reader = { read: 0, closed: false };
    const readStream = store.readStream.bind(store);
    const spy = jest.spyOn(store, 'readStream').mockImplementation((streamName, options) => {
      if (streamName !== `ticket-${ghost}`) return readStream(streamName, options);
      const from = options?.from ?? 0;
      const to = Math.min(total, options?.max === undefined ? total : from + options.max);
      // The existence check reads one event; the replay reads the stream through.
      const counted = options?.max === undefined ? reader : { read: 0, closed: false };
      return (async function* () {
        try {
          for (let revision = from; revision < to; revision++) {
            counted.read++;
            yield {
              id: newId(),
              type: 'CustomerMessagePosted',
              schemaVersion: 1,
              data: { ticketId: ghost, body: `${revision}:${'x'.repeat(1024)}` },
              metadata: { actor: { kind: 'customer', id: 'cust-ghost' }, correlationId: ghost, causationId: ghost, occurredAt: '2026-12-07T10:00:00.000Z' },
              streamName,
              streamRevision: revision,
              globalPosition: 1_000_000 + revision,
              recordedAt: '2026-12-07T10:00:00.000Z',
              prevHash: '0'.repeat(64),
              hash: 'f'.repeat(64),
            };
          }
        } finally {
          counted.closed = true;
        }
      })();
    });
    const slots = harness.booted.app.get(StreamSlots);
    try {
      // Reading the first event, then no more: the client's buffers fill and HTTP/2 flow control holds the server back.
      // (A grpc-js client that never starts reading buffers whatever comes: it must read once to pause.)
      const call = replay(ghost, auditor);
      const failed = new Promise<ServiceError>((resolve) => call.on('error', resolve));
      const received: AuditEvent[] = [];
      const onData = (event: AuditEvent) => received.push(event);
      await new Promise<void>((resolve) =>
        call.once('data', (event: AuditEvent) => {
          call.pause();
          onData(event);
          resolve();
        }),
      );
      let seen = -1;
      for (let attempt = 0; attempt < 40 && seen !== reader.read; attempt++) {
        seen = reader.read;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(reader.read).toBeGreaterThan(0);
      // What the transport buffers (the HTTP/2 window, the call's buffers: some 80 events of 1 KiB), not the ticket.
      expect(reader.read).toBeLessThan(1_000);
      expect(slots.openCount()).toBe(1);

      // Reading again: the stream goes on in order from where it was.
      await new Promise<void>((resolve) => {
        call.on('data', (event: AuditEvent) => {
          onData(event);
          if (received.length === 2_000) {
            call.pause();
            resolve();
          }
        });
        call.resume();
      });
      expect(received.map((event) => Number(event.revision))).toEqual(Array.from({ length: 2_000 }, (_, index) => index));
      expect(reader.read).toBeGreaterThanOrEqual(2_000);

      call.cancel();
      expect((await failed).code).toBe(status.CANCELLED);
      await eventually(() => reader.closed, 'the cancelled replay closed its event-store read');
      await eventually(() => slots.openCount() === 0, 'the cancelled replay released its slot');
      const stoppedAt = reader.read;
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(reader.read).toBe(stoppedAt);
      expect(reader.read).toBeLessThan(total);
    } finally {
      spy.mockRestore();
    }
  });

  it('EraseCustomerData (admins) and GetCustomerPrivacy (auditors, admins): the customer’s text reads [erased], the chains still verify', async () => {
    const other = await harness.token('customer', 'cust-grpc-erase');
    const opened = await harness.request('POST', '/v1/tickets', { token: other, body: { channel: 'chat', body: 'I am Carol Danvers and my deposit is missing', chat: { sessionId: `chat-${newId()}` } } });
    const erasedTicket = (opened.body as { id: string }).id;
    await harness.ticketQueued(erasedTicket);
    for (const token of [customer, agent, auditor]) expect((await grpc.error('EraseCustomerData', { customerId: 'cust-grpc-erase' }, token)).code).toBe(status.PERMISSION_DENIED);
    expect((await grpc.error('GetCustomerPrivacy', { customerId: 'cust-grpc-erase' }, agent)).code).toBe(status.PERMISSION_DENIED);
    expect((await grpc.error('EraseCustomerData', { customerId: 'nobody-grpc' }, admin)).code).toBe(status.NOT_FOUND);
    expect((await grpc.error('EraseCustomerData', { customerId: '' }, admin)).code).toBe(status.INVALID_ARGUMENT);
    expect((await grpc.error('EraseCustomerData', { customerId: 'cust-grpc-erase', reason: '' }, admin)).code).toBe(status.INVALID_ARGUMENT);
    expect(await grpc.call('GetCustomerPrivacy', { customerId: 'cust-grpc-erase' }, auditor)).toMatchObject({ erased: false, keys: [{ id: expect.any(String) }] });

    const erasure = await grpc.call<{ destroyedKeyIds: string[]; position: string; erasedAt: { seconds: string } }>('EraseCustomerData', { customerId: 'cust-grpc-erase', reason: 'GDPR 77' }, admin);
    expect(erasure.destroyedKeyIds).toHaveLength(1);
    await harness.runtime.erasureHandled(Number(erasure.position));
    const replay = await grpc.call<{ events: { type: string; dataJson: string }[] }>('GetTicketHistory', { ticketId: erasedTicket, limit: 100 }, auditor);
    const openedEvent = replay.events.find((event) => event.type === 'TicketOpened')!;
    expect(JSON.parse(openedEvent.dataJson)).toMatchObject({ body: '[erased]', customerId: 'cust-grpc-erase' });
    expect((await grpc.call<{ valid: boolean }>('VerifyTicket', { ticketId: erasedTicket }, auditor)).valid).toBe(true);
    const privacy = await grpc.call<{ erased: boolean; keys: { erasedAt?: unknown }[] }>('GetCustomerPrivacy', { customerId: 'cust-grpc-erase' }, admin);
    expect(privacy).toMatchObject({ erased: true });
    expect(privacy.keys[0].erasedAt).toBeDefined();
  });

  it('counts and times every call in /metrics: unary and streams, refusals by their code; projection lag beside', async () => {
    await grpc.call('VerifyTicket', { ticketId }, auditor);
    expect((await grpc.error('VerifyTicket', { ticketId }, customer)).code).toBe(status.PERMISSION_DENIED);
    await replayed();
    const text = await (await fetch(`${harness.baseUrl}/metrics`)).text();
    const handled = (method: string, type: string, code: string) =>
      Number(new RegExp(`grpc_server_handled_total\\{grpc_service="ticketing\\.audit\\.v1\\.AuditService",grpc_method="${method}",grpc_type="${type}",grpc_code="${code}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    expect(handled('VerifyTicket', 'unary', 'OK')).toBeGreaterThan(0);
    expect(handled('VerifyTicket', 'unary', 'PERMISSION_DENIED')).toBeGreaterThan(0);
    expect(handled('ReplayTicket', 'server_stream', 'OK')).toBeGreaterThan(0);
    expect(text).toMatch(/grpc_server_handling_seconds_count\{grpc_service="ticketing\.audit\.v1\.AuditService",grpc_method="VerifyTicket",grpc_type="unary"\} \d+/);
    expect(text).toMatch(/ticketing_projection_lag_events\{projection="intake-ticket-list"\} \d+/);
    expect(text).toMatch(/ticketing_projection_state\{projection="intake-ticket-list",state="running"\} 1/);
    // promtool's rule: a gauge is never named like a counter.
    expect(text).not.toMatch(/# TYPE \S+_total gauge/);
  });
});
