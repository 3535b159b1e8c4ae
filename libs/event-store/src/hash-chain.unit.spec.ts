import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { EventMetadata } from '@ticketing/kernel';
import type { NewEvent } from './event-store.port';
import { canonicalJsonOf, chainEvents, GENESIS_HASH, hashOf, verifyChain, type HashedContent } from './hash-chain';

const metadata: EventMetadata = {
  ticketId: 't-1',
  correlationId: 'c-1',
  causationId: 'c-0',
  actor: { kind: 'customer', id: 'u-1' },
  occurredAt: '2026-01-01T00:00:00.000Z',
};

const jsonObject = fc.dictionary(fc.string(), fc.jsonValue()) as fc.Arbitrary<Record<string, unknown>>;
const content: fc.Arbitrary<HashedContent> = fc.record({
  id: fc.string({ minLength: 1 }),
  type: fc.string({ minLength: 1 }),
  schemaVersion: fc.integer({ min: 1, max: 1000 }),
  data: jsonObject,
  metadata: fc.constant(metadata),
  streamName: fc.string({ minLength: 1 }),
  streamRevision: fc.nat(),
  prevHash: fc.stringMatching(/^[0-9a-f]{64}$/),
});

describe('hash chain', () => {
  it('hashes exactly the RFC 8785 canonical JSON of the envelope, as the library writes it', () => {
    fc.assert(
      fc.property(content, (event) => {
        expect(canonicalJsonOf(event)).toBe(canonicalize(event));
        expect(hashOf(event)).toBe(createHash('sha256').update(canonicalize(event)!, 'utf8').digest('hex'));
      }),
    );
  });

  it('does not depend on key order, and the stored JSON re-hashes to the same value', () => {
    fc.assert(
      fc.property(jsonObject, fc.nat(), (data, revision) => {
        const reversed = Object.fromEntries(Object.entries(data).reverse());
        const [a] = chainEvents('s', GENESIS_HASH, revision, [{ id: 'x', type: 'T', schemaVersion: 1, data, metadata }]);
        const [b] = chainEvents('s', GENESIS_HASH, revision, [{ id: 'x', type: 'T', schemaVersion: 1, data: reversed, metadata }]);
        expect(b.hash).toBe(a.hash);
        expect(hashOf({ ...a, data: JSON.parse(a.dataJson), metadata: JSON.parse(a.metadataJson) })).toBe(a.hash);
      }),
    );
  });

  it('pins the format: a change to what is hashed breaks every stored chain, so it must be deliberate', () => {
    // The expected text is RFC 8785 written out by hand; the hash is `sha256sum` of that text.
    const [first] = chainEvents('ticket-1', GENESIS_HASH, 0, [
      { id: 'e-1', type: 'TicketOpened', schemaVersion: 1, data: { subject: 'Withdrawal stuck', amount: '0.5' }, metadata },
    ]);
    expect(canonicalJsonOf(first)).toBe(
      '{"data":{"amount":"0.5","subject":"Withdrawal stuck"},"id":"e-1","metadata":{"actor":{"id":"u-1","kind":"customer"},' +
        '"causationId":"c-0","correlationId":"c-1","occurredAt":"2026-01-01T00:00:00.000Z","ticketId":"t-1"},' +
        `"prevHash":"${GENESIS_HASH}","schemaVersion":1,"streamName":"ticket-1","streamRevision":0,"type":"TicketOpened"}`,
    );
    expect(first.hash).toBe('84a1bd3d5d6754c966c80b2085ed98e0a27d96af5552569eb2aabbf0dd73ce4d');
  });

  it('links each event to the previous hash, starting from the given one', () => {
    const events: NewEvent[] = [1, 2, 3].map((n) => ({ id: `e-${n}`, type: 'T', schemaVersion: 1, data: { n }, metadata }));
    const chained = chainEvents('s', 'a'.repeat(64), 7, events);
    expect(chained.map((event) => event.streamRevision)).toEqual([7, 8, 9]);
    expect(chained.map((event) => event.prevHash)).toEqual(['a'.repeat(64), chained[0].hash, chained[1].hash]);
    expect(verifyChain(chainEvents('s', GENESIS_HASH, 0, events))).toMatchObject({ valid: true, eventsChecked: 3 });
    // verifyChain starts at revision 0 from the genesis hash.
    expect(verifyChain(chained)).toMatchObject({ valid: false, brokenAtRevision: 0, reason: 'revision_gap' });
  });

  it('rejects values that have no JSON form', () => {
    const bad = (data: Record<string, unknown>) => () =>
      chainEvents('s', GENESIS_HASH, 0, [{ id: 'e', type: 'T', schemaVersion: 1, data, metadata }]);
    expect(bad({ n: Number.NaN })).toThrow('NaN is not allowed');
    expect(bad({ n: Number.POSITIVE_INFINITY })).toThrow('Infinity is not allowed');
  });
});
