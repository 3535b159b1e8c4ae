import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { topicOf } from '@ticketing/contracts';
import { addSpanProcessor, startTracing } from '@ticketing/platform';
import { newId } from '@ticketing/kernel';
import { InMemoryKafka } from '../../../libs/messaging/src/kafka/test-support/in-memory-kafka.double';
import { TicketGrpcClient } from './test-support/ticket-grpc.client';
import { TicketingHarness } from './test-support/ticketing.harness';

startTracing({ serviceName: 'ticketing-test' });
const exporter = new InMemorySpanExporter();
const removeExporter = addSpanProcessor(new SimpleSpanProcessor(exporter));
afterAll(() => removeExporter());

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const traceparentFor = (traceId: string) => `00-${traceId}-00f067aa0ba902b7-01`;

async function eventually<T>(find: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 5_000; i++) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

const spansOf = (traceId: string): ReadableSpan[] => exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

/**
 * One ticket followed under one trace id: the HTTP request's span (continuing the caller's
 * traceparent), the append of TicketOpened, routing's consumer handling it, and the appends that
 * consumer made, on the embedded bus and through Kafka (the in-memory double).
 */
describe.each([
  ['the embedded bus', () => ({})],
  ['Kafka', () => ({ env: { TICKETING_BUS: 'kafka://kafka.test:9092' }, kafka: new InMemoryKafka() })],
])('tracing across the bus: %s', (_bus, options) => {
  let harness: TicketingHarness;
  let kafka: InMemoryKafka | undefined;
  beforeAll(async () => {
    const chosen = options() as { env?: NodeJS.ProcessEnv; kafka?: InMemoryKafka };
    kafka = chosen.kafka;
    harness = await TicketingHarness.start(chosen);
  });
  afterAll(() => harness?.close());

  it('follows a ticket from its HTTP request through the bus to the consumer under one trace id', async () => {
    const traceId = kafka ? TRACE_ID.replace(/^4/, '5') : TRACE_ID;
    const customer = await harness.token('customer', 'cust-traced');
    const opened = await harness.request('POST', '/v1/tickets', {
      token: customer,
      headers: { traceparent: traceparentFor(traceId) },
      body: { channel: 'chat', body: 'My withdrawal has been pending for three hours', chat: { sessionId: 's-traced' } },
    });
    expect(opened.status).toBe(201);
    const ticketId = (opened.body as { id: string }).id;
    await harness.ticketQueued(ticketId);

    const request = await eventually(() => spansOf(traceId).find((span) => span.kind === SpanKind.SERVER && span.name === 'POST /v1/tickets'), 'the request span');
    expect(request.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    const append = await eventually(() => spansOf(traceId).find((span) => span.name === 'append ticket'), 'the append span');
    expect(parentOf(append)).toBe(request.spanContext().spanId);
    const consumer = await eventually(
      () => spansOf(traceId).find((span) => span.kind === SpanKind.CONSUMER && span.name === 'routing process TicketOpened'),
      'routing’s consumer span',
    );
    expect(parentOf(consumer)).toBe(append.spanContext().spanId);
    const routingAppend = await eventually(() => spansOf(traceId).find((span) => span.name === 'append routing' && parentOf(span) === consumer.spanContext().spanId), 'routing’s append');
    expect(routingAppend.attributes['ticketing.event_types']).toEqual(expect.arrayContaining(['TicketQueued']));

    // The events carry it: the stored metadata, and on Kafka the message header.
    for await (const event of harness.runtime.eventStore.readStream(`ticket-${ticketId}`)) expect(event.metadata.traceparent).toContain(traceId);
    if (kafka) {
      const message = kafka.messages(topicOf('intake')).find((candidate) => candidate.key?.toString() === ticketId)!;
      expect(message.headers['traceparent']?.toString()).toContain(traceId);
    }
  });
});

describe('tracing gRPC calls', () => {
  it('runs each call in a SERVER span continuing the caller’s traceparent metadata', async () => {
    const harness = await TicketingHarness.start();
    const client = new TicketGrpcClient(harness.grpcAddress);
    try {
      const traceId = TRACE_ID.replace(/^4/, '6');
      const customer = await harness.token('customer', 'cust-grpc-traced');
      await client.callError('GetTicket', { ticketId: newId() }, { token: customer, traceparent: traceparentFor(traceId) });
      const call = await eventually(() => spansOf(traceId).find((span) => span.kind === SpanKind.SERVER && span.name === 'ticketing.intake.v1.TicketService/GetTicket'), 'the call span');
      expect(parentOf(call)).toBe('00f067aa0ba902b7');
    } finally {
      client.close();
      await harness.close();
    }
  });
});

describe('instrumented libraries (the compiled entry points register them before the app loads)', () => {
  it('pg’s queries are wrapped once instrumentLibraries ran, not before', () => {
    const script = (instrument: boolean) => `
      const { requireCompiled } = require(${JSON.stringify(join(__dirname, '../../../bin/register-aliases.js'))});
      ${instrument ? "requireCompiled('libs/platform/src/tracing/instrumentations.js').instrumentLibraries();" : ''}
      const pg = require('pg');
      process.stdout.write(String(typeof pg.Client.prototype.query.__wrapped === 'boolean' && pg.Client.prototype.query.__wrapped));`;
    expect(execFileSync(process.execPath, ['-e', script(true)], { encoding: 'utf8' })).toBe('true');
    expect(execFileSync(process.execPath, ['-e', script(false)], { encoding: 'utf8' })).toBe('false');
  });

  it('an outgoing request (the identity provider’s JWKS) is a CLIENT span of the request’s trace and passes its traceparent on', async () => {
    // A process as bin/service.js starts it: instrumented first, then tracing, then the app's code.
    const script = `
      const { requireCompiled } = require(${JSON.stringify(join(__dirname, '../../../bin/register-aliases.js'))});
      requireCompiled('libs/platform/src/tracing/instrumentations.js').instrumentLibraries();
      const platform = requireCompiled('libs/platform/src/index.js');
      const { InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-node');
      const http = require('node:http');
      const jose = require('jose');
      platform.startTracing({ serviceName: 'ticketing-intake' });
      const exporter = new InMemorySpanExporter();
      platform.addSpanProcessor(new SimpleSpanProcessor(exporter));
      (async () => {
        const { publicKey } = await jose.generateKeyPair('ES256');
        const jwks = JSON.stringify({ keys: [{ ...(await jose.exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] });
        const received = [];
        const server = http.createServer((request, response) => {
          received.push(request.headers.traceparent);
          response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
        });
        await new Promise((listening) => server.listen(0, '127.0.0.1', listening));
        const verifier = new platform.JwksTokenVerifier('http://127.0.0.1:' + server.address().port + '/.well-known/jwks.json');
        const parent = await platform.inSpan('GET /health/ready', {}, async (span) => {
          await verifier.assertKeysAvailable();
          return span.spanContext();
        });
        server.close();
        const spans = exporter.getFinishedSpans().map((span) => ({
          name: span.name, kind: span.kind, traceId: span.spanContext().traceId, spanId: span.spanContext().spanId,
          parentSpanId: span.parentSpanContext && span.parentSpanContext.spanId, url: span.attributes['url.full'] || span.attributes['http.url'],
        }));
        process.stdout.write(JSON.stringify({ parent, spans, received }));
      })().catch((error) => { process.stderr.write(String(error && error.stack)); process.exit(1); });`;
    const { parent, spans, received } = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as {
      parent: { traceId: string; spanId: string };
      spans: { name: string; kind: SpanKind; traceId: string; spanId: string; parentSpanId?: string; url?: string }[];
      received: string[];
    };
    const client = spans.find((span) => span.kind === SpanKind.CLIENT);
    expect(client).toMatchObject({ name: 'GET', traceId: parent.traceId, parentSpanId: parent.spanId });
    expect(client!.url).toMatch(/\/\.well-known\/jwks\.json$/);
    expect(received).toEqual([`00-${parent.traceId}-${client!.spanId}-01`]);
  });
});
