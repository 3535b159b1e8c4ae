import { Writable } from 'node:stream';
import pino from 'pino';
import { acceptOrCreateCorrelationId, CorrelationContext } from './correlation.context';
import { inSpan, startTracing } from '../tracing/tracing';
import { chooseLogFormat, loggerOptions, prettyDestination } from './logger.options';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(loggerOptions('info'), { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('logger options', () => {
  it('writes JSON lines with a level label and ISO time', () => {
    const { logger, lines } = capture();
    logger.info('hello');
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'hello' });
    expect(String(lines[0]!['time'])).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('names the service on every line and, inside a span, links the line to it (trace_id, span_id)', async () => {
    startTracing({ serviceName: 'ticketing-intake' });
    const { logger, lines } = capture();
    logger.info('outside any span');
    const span = await inSpan('work', {}, async (active) => {
      logger.info('inside the span');
      return active.spanContext();
    });
    expect(lines[0]).toMatchObject({ service: 'ticketing-intake' });
    expect(lines[0]).not.toHaveProperty('trace_id');
    expect(lines[1]).toMatchObject({ service: 'ticketing-intake', trace_id: span.traceId, span_id: span.spanId });
  });

  it('redacts personal data wherever it sits in event or command payloads', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        email: 'top@example.com',
        event: {
          type: 'TicketOpened',
          data: {
            ticketId: 't-1',
            email: 'alice@example.com',
            phone: '+44 20 7946 0000',
            body: 'My withdrawal to 0xabc is stuck, I live at 1 Main St',
            customer: { name: 'Alice Doe', address: '1 Main St' },
          },
        },
        err: { name: 'TypeError', message: 'kept' },
      },
      'event appended',
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of ['example.com', '+44', 'withdrawal to', 'Alice', 'Main St']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({
      event: { type: 'TicketOpened', data: { ticketId: 't-1', email: '[redacted]', customer: { name: '[redacted]' } } },
      err: { name: 'TypeError', message: 'kept' },
    });
  });

  it('redacts credentials and client addresses in request logs', () => {
    const { logger, lines } = capture();
    logger.info({
      req: { headers: { authorization: 'Bearer abc', cookie: 's=1', 'x-forwarded-for': '203.0.113.9', accept: '*/*' }, remoteAddress: '203.0.113.9' },
    });
    expect(lines[0]).toMatchObject({
      req: { headers: { authorization: '[redacted]', cookie: '[redacted]', 'x-forwarded-for': '[redacted]', accept: '*/*' }, remoteAddress: '[redacted]' },
    });
  });

  it('redacts deeper than four levels and inside arrays, and never changes the logged object', () => {
    const { logger, lines } = capture();
    const command = { a: { b: { c: { d: { e: { email: 'deep@example.com', kept: 1 } } } } }, messages: [{ body: 'hi', id: 'm-1' }] };
    const before = JSON.stringify(command);
    logger.info({ command }, 'deep');
    expect(JSON.stringify(command)).toBe(before);
    expect(lines[0]).toMatchObject({
      command: { a: { b: { c: { d: { e: { email: '[redacted]', kept: 1 } } } } }, messages: [{ body: '[redacted]', id: 'm-1' }] },
    });
  });

  it('redacts what a child logger binds, and keeps pid and hostname', () => {
    const { logger, lines } = capture();
    const child = logger.child({ customer: { email: 'bound@example.com', id: 'c-1' } });
    child.child({ requestId: 'r-1' }).info('with bindings');
    logger.child({ requestId: 'r-2' }).info('nothing personal');
    expect(JSON.stringify(lines[0])).not.toContain('bound@example.com');
    expect(lines[0]).toMatchObject({ customer: { email: '[redacted]', id: 'c-1' }, requestId: 'r-1', pid: process.pid });
    expect(lines[1]).toMatchObject({ requestId: 'r-2', pid: process.pid, hostname: expect.any(String) });
  });

  it('redacts a name only under a person', () => {
    const { logger, lines } = capture();
    logger.info({ check: { name: 'event-store' }, reporter: { name: 'Bob Roe' } });
    expect(lines[0]).toMatchObject({ check: { name: 'event-store' }, reporter: { name: '[redacted]' } });
  });

  it('redacts requests serialized on a prototype (pino-http) and cookies in responses', () => {
    const { logger, lines } = capture();
    const serialized = Object.create({ headers: { Authorization: 'Bearer abc', accept: '*/*' }, remoteAddress: '203.0.113.9', url: '/v1/x' });
    logger.info({ req: serialized, res: { statusCode: 200, headers: { 'set-cookie': 's=1', 'content-type': 'application/json' } } });
    expect(lines[0]).toMatchObject({
      req: { headers: { Authorization: '[redacted]', accept: '*/*' }, remoteAddress: '[redacted]', url: '/v1/x' },
      res: { statusCode: 200, headers: { 'set-cookie': '[redacted]', 'content-type': 'application/json' } },
    });
  });

  it('stamps the CorrelationContext id on lines logged outside a request (bus handlers)', async () => {
    const { logger, lines } = capture();
    logger.info('before');
    await CorrelationContext.run('corr-bus-1', async () => {
      await Promise.resolve();
      logger.info('inside handler');
    });
    expect(lines[0]!['correlationId']).toBeUndefined();
    expect(lines[1]!['correlationId']).toBe('corr-bus-1');
  });

  it('does not duplicate the id when the request logger already binds it', async () => {
    const lines: string[] = [];
    const logger = pino(loggerOptions('info'), { write: (line: string) => void lines.push(line) });
    CorrelationContext.run('corr-2', () => logger.child({ correlationId: 'corr-2' }).info('in request'));
    expect(lines[0]!.match(/"correlationId"/g)).toHaveLength(1);
  });
});

describe('acceptOrCreateCorrelationId', () => {
  it.each(['abc-123', '01a213b9-b7cc-773e-9bd1-e18e2f8ef81f', 'trace:span.1_x'])('keeps a safe id %s', (id) => {
    expect(acceptOrCreateCorrelationId(id)).toBe(id);
  });

  it.each([undefined, '', 'has space', 'line\nbreak', '"quoted"', 'x'.repeat(65), 'ünïcode'])('replaces %j with a UUIDv7', (id) => {
    expect(acceptOrCreateCorrelationId(id)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('takes the first of repeated headers', () => {
    expect(acceptOrCreateCorrelationId(['first', 'second'])).toBe('first');
  });
});

describe('log format', () => {
  it.each([
    ['auto', true, 'pretty'],
    ['auto', false, 'json'],
    ['json', true, 'json'],
    ['pretty', false, 'pretty'],
  ] as const)('LOG_FORMAT=%s with stdout a terminal: %s → %s', (format, tty, expected) => {
    expect(chooseLogFormat(format, tty)).toBe(expected);
  });

  it('pretty lines are readable by a person, and as redacted as JSON lines', () => {
    let written = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.toString();
        done();
      },
    });
    const logger = pino(loggerOptions('info'), prettyDestination(sink));
    logger.info({ ticketId: 't-1', email: 'alice@example.com' }, 'ticket opened');
    expect(written).toMatch(/INFO.*ticket opened/);
    expect(written).toContain('ticketId: "t-1"');
    expect(written).not.toContain('alice@example.com');
    expect(() => JSON.parse(written)).toThrow();
  });
});
