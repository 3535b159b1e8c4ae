/*
 * The mapping of the client's error classes (the real ones it exports) to the kernel's, and the
 * deadline timer. That the client actually raises these classes for the server's wire answers is
 * shown in kurrentdb-event-store.fake-grpc.int.spec.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { Metadata, status } from '@grpc/grpc-js';
import {
  AccessDeniedError,
  CancelledError,
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  NotLeaderError,
  StreamDeletedError,
  TimeoutError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import { ConflictError, ManualClock, ServiceUnavailableError, ValidationError } from '@ticketing/kernel';
import { isTransient, toKernelError, withDeadline } from './kurrentdb-errors';
import { normalizeConnectionString } from './kurrentdb-event-store.adapter';
import { serverFilterFor } from './kurrentdb-filter';
import { StreamNames } from './kurrentdb-event.codec';

describe('toKernelError', () => {
  it.each([
    ['UnavailableError', new UnavailableError(undefined, 'connection refused')],
    ['DeadlineExceededError', new DeadlineExceededError(undefined, 'deadline')],
    ['TimeoutError', new TimeoutError(undefined, 'server timeout')],
    ['CancelledError', new CancelledError(undefined, 'cancelled by server')],
    [
      'NotLeaderError',
      new NotLeaderError({
        code: status.NOT_FOUND,
        details: 'not leader',
        message: 'not leader',
        name: 'Error',
        metadata: Metadata.fromHttp2Headers({ 'leader-endpoint-host': 'node-2', 'leader-endpoint-port': '2113' }),
      }),
    ],
  ])('maps %s to a retryable ServiceUnavailableError', (_, error) => {
    const mapped = toKernelError(error, 'ticket-1');
    expect(mapped).toBeInstanceOf(ServiceUnavailableError);
    expect((mapped as Error).message).toMatch('ticket-1');
    expect(isTransient(error)).toBe(true);
  });

  it('maps a deleted stream to a ConflictError and an oversized append to a ValidationError', () => {
    expect(toKernelError(StreamDeletedError.fromStreamName('ticket-1'), 'ticket-1')).toBeInstanceOf(ConflictError);
    expect(toKernelError(MaxAppendSizeExceededError.fromMaxAppendSize(1024), 'ticket-1')).toBeInstanceOf(ValidationError);
  });

  it('passes on what retrying cannot fix, unchanged', () => {
    const denied = new AccessDeniedError();
    const unknown = new UnknownError(undefined, 'boom');
    const bug = new TypeError('x is undefined');
    expect(toKernelError(denied)).toBe(denied);
    expect(toKernelError(unknown)).toBe(unknown);
    expect(toKernelError(bug)).toBe(bug);
    expect([denied, unknown, bug].some(isTransient)).toBe(false);
  });

  it('leaves wrong-expected-version to the adapter, which re-reads the stream before deciding', () => {
    const wrong = new WrongExpectedVersionError(undefined, { streamName: 'ticket-1', expected: 1n, current: 3n });
    expect(toKernelError(wrong)).toBe(wrong);
    expect(isTransient(wrong)).toBe(false);
  });
});

describe('withDeadline', () => {
  it('fails with ServiceUnavailableError when the call overruns, on the injected clock', async () => {
    const clock = new ManualClock();
    let settle: (value: string) => void = () => undefined;
    const pending = withDeadline(clock, 500, 'a read', () => new Promise<string>((resolve) => (settle = resolve)));
    clock.advance(499);
    clock.advance(1);
    await expect(pending).rejects.toThrow(ServiceUnavailableError);
    settle('too late'); // a late answer is dropped, not an unhandled anything
  });

  it('returns the answer and disarms its timer when the call is in time', async () => {
    const clock = new ManualClock();
    await expect(withDeadline(clock, 500, 'a read', async () => 'ok')).resolves.toBe('ok');
    expect(clock.pendingSleeps).toBe(0);
    await expect(withDeadline(clock, 500, 'a read', async () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(clock.pendingSleeps).toBe(0);
  });
});

describe('serverFilterFor', () => {
  const names = new StreamNames();

  it.each([
    ['nothing: every non-system stream', undefined, { filterOn: 'streamName', regex: '^[^$]' }],
    ['stream prefixes', { streamPrefixes: ['ticket-'] }, { filterOn: 'streamName', prefixes: ['ticket-'] }],
    [
      'exact event types, escaped and anchored (a prefix would also match TicketOpenedV2)',
      { eventTypes: ['TicketOpened', 'a.b'] },
      { filterOn: 'eventType', regex: '^(?:TicketOpened|a\\.b)$' },
    ],
    ['both: the stream prefixes (types are checked client-side)', { streamPrefixes: ['ticket-'], eventTypes: ['X'] }, { filterOn: 'streamName', prefixes: ['ticket-'] }],
  ])('sends %s to the server', (_, filter, expected) => {
    expect(serverFilterFor(filter, names)).toMatchObject(expected);
  });

  it('confines everything to the namespace', () => {
    const spaced = new StreamNames('ns/');
    expect(serverFilterFor(undefined, spaced)).toMatchObject({ filterOn: 'streamName', prefixes: ['ns/'] });
    expect(serverFilterFor({ eventTypes: ['X'] }, spaced)).toMatchObject({ filterOn: 'streamName', prefixes: ['ns/'] });
    expect(serverFilterFor({ streamPrefixes: ['a-', 'b-'] }, spaced)).toMatchObject({ prefixes: ['ns/a-', 'ns/b-'] });
  });
});

describe('normalizeConnectionString', () => {
  it('passes the deprecated esdb schemes on as kurrentdb ones, and nothing else changes', () => {
    expect(normalizeConnectionString('esdb://h:2113?tls=false')).toBe('kurrentdb://h:2113?tls=false');
    expect(normalizeConnectionString('esdb+discover://h:2113')).toBe('kurrentdb+discover://h:2113');
    expect(normalizeConnectionString('kurrentdb://esdb://x')).toBe('kurrentdb://esdb://x');
  });
});
