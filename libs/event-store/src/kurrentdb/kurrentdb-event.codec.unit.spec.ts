import { describe, expect, it } from '@jest/globals';
import { validate as isUuid } from 'uuid';
import { ValidationError, type EventMetadata } from '@ticketing/kernel';
import { chainEvents, GENESIS_HASH, hashOf, verifyChain } from '../hash-chain';
import {
  decodeServerEvent,
  envelopeOf,
  serverEventId,
  storedMetadataOf,
  StreamNames,
  type ServerEvent,
} from './kurrentdb-event.codec';

const metadata: EventMetadata = {
  ticketId: 't-1',
  correlationId: 'corr-1',
  causationId: 'cause-1',
  actor: { kind: 'agent', id: 'a-1' },
  occurredAt: '2026-01-01T00:00:00.000Z',
};

const chained = chainEvents('ticket-1', GENESIS_HASH, 0, [
  { id: '0190a6c4-8f5b-7c3e-9a1b-123456789abc', type: 'TicketOpened', schemaVersion: 2, data: { subject: 'Auszahlung 提现', amount: '0.00012345' }, metadata },
  { id: 'not-a-uuid', type: 'TicketNoted', schemaVersion: 1, data: { note: 'x', nested: { list: [1, null] } }, metadata },
]);

/** What the server stores and hands back: the JSON the client sent, parsed again. */
const asStored = (index: number, overrides: Partial<ServerEvent> = {}): ServerEvent => {
  const event = chained[index];
  return {
    streamId: 'ticket-1',
    id: serverEventId(event.id),
    revision: BigInt(event.streamRevision),
    type: event.type,
    isJson: true,
    data: JSON.parse(JSON.stringify(JSON.parse(event.dataJson))),
    metadata: JSON.parse(JSON.stringify(storedMetadataOf(event, '2026-03-01T10:00:00.000Z'))),
    position: { commit: 1_000n + BigInt(index) * 250n, prepare: 1_000n + BigInt(index) * 250n },
    ...overrides,
  };
};

describe('serverEventId', () => {
  it('keeps a UUID (lower-cased, as the server returns it) and derives a stable UUIDv5 from anything else', () => {
    expect(serverEventId('0190A6C4-8F5B-7C3E-9A1B-123456789ABC')).toBe('0190a6c4-8f5b-7c3e-9a1b-123456789abc');
    const derived = serverEventId('appender-7');
    expect(isUuid(derived)).toBe(true);
    expect(serverEventId('appender-7')).toBe(derived); // a retry maps to the same server id
    expect(serverEventId('appender-8')).not.toBe(derived);
  });
});

describe('stored metadata', () => {
  it('round-trips through JSON into the RecordedEvent that was hashed, so the chain verifies after a read', () => {
    const recorded = [0, 1].map((i) => decodeServerEvent(asStored(i), new StreamNames())!);

    expect(recorded[0]).toEqual({
      id: chained[0].id,
      type: 'TicketOpened',
      schemaVersion: 2,
      data: { subject: 'Auszahlung 提现', amount: '0.00012345' },
      metadata,
      streamName: 'ticket-1',
      streamRevision: 0,
      globalPosition: 1_000,
      recordedAt: '2026-03-01T10:00:00.000Z',
      prevHash: GENESIS_HASH,
      hash: chained[0].hash,
    });
    expect(recorded[1].id).toBe('not-a-uuid'); // our id, not the server's UUID
    expect(hashOf(recorded[1])).toBe(recorded[1].hash);
    expect(verifyChain(recorded)).toEqual({ valid: true, eventsChecked: 2, lastHash: chained[1].hash });
  });

  it("carries the correlation and causation ids where the server's own projections look for them", () => {
    expect(storedMetadataOf(chained[0], '2026-03-01T10:00:00.000Z')).toMatchObject({
      $correlationId: 'corr-1',
      $causationId: 'cause-1',
      ticketing: { v: 1, id: chained[0].id, schemaVersion: 2, prevHash: GENESIS_HASH, hash: chained[0].hash, metadata },
    });
  });

  it.each<[string, unknown]>([
    ['no metadata', undefined],
    ['binary metadata', new Uint8Array([1, 2])],
    ['another application\'s metadata', { $correlationId: 'x', source: 'billing' }],
  ])('treats an event with %s as not ours', (_, stored) => {
    expect(envelopeOf(stored, 'e')).toBeUndefined();
    expect(decodeServerEvent(asStored(0, { metadata: stored }), new StreamNames())).toBeUndefined();
  });

  it.each<[string, Record<string, unknown>]>([
    ['an unknown envelope version', { v: 2 }],
    ['a hash that is not SHA-256 hex', { hash: 'abc' }],
    ['a schema version of 0', { schemaVersion: 0 }],
    ['metadata that is not an object', { metadata: 'x' }],
  ])('refuses an envelope of ours with %s', (_, damage) => {
    const stored = asStored(0);
    const damaged = { ...(stored.metadata as Record<string, unknown>) };
    damaged['ticketing'] = { ...(damaged['ticketing'] as Record<string, unknown>), ...damage };
    expect(() => decodeServerEvent({ ...stored, metadata: damaged }, new StreamNames())).toThrow(/damaged ticketing envelope/);
  });

  it('refuses one of our events whose data is not a JSON object', () => {
    expect(() => decodeServerEvent(asStored(0, { isJson: false, data: new Uint8Array([1]) }), new StreamNames())).toThrow(
      /not a JSON object/,
    );
  });
});

describe('StreamNames', () => {
  it("never reads the server's $ streams as ours", () => {
    expect(decodeServerEvent(asStored(0, { streamId: '$ce-ticket' }), new StreamNames())).toBeUndefined();
    expect(new StreamNames().fromServer('$$ticket-1')).toBeUndefined();
  });

  it('prefixes our streams with the namespace and ignores streams outside it', () => {
    const names = new StreamNames('staging/');
    expect(names.toServer('ticket-1')).toBe('staging/ticket-1');
    expect(names.fromServer('staging/ticket-1')).toBe('ticket-1');
    expect(names.fromServer('prod/ticket-1')).toBeUndefined();
    expect(names.fromServer('staging/')).toBeUndefined();
    expect(decodeServerEvent(asStored(0, { streamId: 'staging/ticket-1' }), names)).toMatchObject({ streamName: 'ticket-1' });
    expect(decodeServerEvent(asStored(0), names)).toBeUndefined();
  });

  it('refuses names that would land in system streams', () => {
    expect(() => new StreamNames().toServer('$settings')).toThrow(ValidationError);
    expect(() => new StreamNames('$x')).toThrow(ValidationError);
  });
});
