import { describe, expect, it } from '@jest/globals';
import { MemoryEventStore } from '@ticketing/event-store';
import { ValidationError } from '@ticketing/kernel';
import { defineProjection, matchesFilter } from './projection';
import { ProjectionRunner } from './projection.runner';
import { openReadStore, supportedReadStoreSchemes } from './read-store.factory';
import { streamCountsProjection } from './testing/stream-counts.projection';

const migrations = { '0001': { up: async () => undefined } };
const apply = async (): Promise<void> => undefined;

describe('openReadStore', () => {
  it.each(['memory:', 'sqlite::memory:'])('opens %s with the bookkeeping tables', async (url) => {
    const store = await openReadStore(url);
    try {
      expect(store.dialect).toBe('sqlite');
      const tables = (await store.db.introspection.getTables()).map((table) => table.name).sort();
      expect(tables).toEqual(['projection_checkpoints', 'projection_failures', 'read_store_locks', 'read_store_migrations']);
    } finally {
      await store.close();
    }
  });

  it.each([
    ['mysql://user:secret@db', /unsupported scheme "mysql:"; supported schemes: memory:, sqlite:, postgres:, postgresql:/],
    ['sqlite:', /sqlite: needs a file path/],
    ['read.db', /expected <scheme>:<location>/],
    ['postgres://user:secret@/ticketing', /Invalid read store URL postgres:…: expected postgres:\/\/user:password@host:port\/database/],
    ['postgresql:user:secret', /a host is required/],
    ['postgres://', /a host is required/],
  ])('rejects %s with the allowed schemes', async (url, message) => {
    const opening = openReadStore(url);
    await expect(opening).rejects.toBeInstanceOf(ValidationError);
    await expect(opening).rejects.toThrow(message);
    await expect(opening).rejects.not.toThrow(/secret/);
  });

  it('lists the schemes it supports', () => {
    expect(supportedReadStoreSchemes()).toEqual(['memory', 'sqlite', 'postgres', 'postgresql']);
  });

  it.each([
    ['poolSize', 0],
    ['statementTimeoutMs', -1],
    ['idleInTransactionTimeoutMs', 1.5],
    ['connectTimeoutMs', Number.NaN],
  ])('rejects a PostgreSQL %s of %p before connecting', async (option, value) => {
    await expect(openReadStore('postgres://user:secret@127.0.0.1:1/db', { [option]: value })).rejects.toThrow(
      `${option} must be a positive integer`,
    );
  });
});

describe('defineProjection', () => {
  it.each([
    [{ name: 'Ticket List' }, /must match/],
    [{ version: 0 }, /positive integer/],
    [{ version: 1.5 }, /positive integer/],
    [{ migrations: {} }, /no migrations/],
    [{ tables: [] }, /declare the tables/],
    [{ tables: ['a', 'a'] }, /duplicate tables/],
  ])('rejects %p', (override, message) => {
    expect(() => defineProjection({ name: 'ok', version: 1, migrations, tables: ['a'], apply, ...override })).toThrow(message);
  });

  it('pushes types and stream prefixes down as the event store filter', () => {
    const projection = defineProjection({
      name: 'ticket-list',
      version: 1,
      eventTypes: ['TicketOpened'],
      streamPrefixes: ['ticket-'],
      migrations,
      tables: ['ticket_list'],
      apply,
    });
    expect(projection.filter).toEqual({ eventTypes: ['TicketOpened'], streamPrefixes: ['ticket-'] });
    expect(matchesFilter(projection.filter, { type: 'TicketOpened', streamName: 'ticket-1' })).toBe(true);
    expect(matchesFilter(projection.filter, { type: 'TicketOpened', streamName: 'routing-1' })).toBe(false);
    expect(matchesFilter(projection.filter, { type: 'TicketClosed', streamName: 'ticket-1' })).toBe(false);
    expect(matchesFilter({}, { type: 'Anything', streamName: 'any' })).toBe(true);
  });
});

describe('ProjectionRunner configuration', () => {
  it('refuses two projections with one name or one table', async () => {
    const readStore = await openReadStore('memory:');
    const eventStore = new MemoryEventStore();
    try {
      expect(
        () => new ProjectionRunner({ readStore, eventStore, projections: [streamCountsProjection(), streamCountsProjection()] }),
      ).toThrow(/registered twice/);
      expect(
        () =>
          new ProjectionRunner({
            readStore,
            eventStore,
            projections: [streamCountsProjection(), streamCountsProjection({ name: 'other' })],
          }),
      ).toThrow(/Table stream_counts is claimed by projections stream-counts and other/);
      const runner = new ProjectionRunner({ readStore, eventStore, projections: [streamCountsProjection()] });
      await expect(runner.rebuild('nope')).rejects.toThrow(/Unknown projection "nope"; known: stream-counts/);
    } finally {
      await readStore.close();
      await eventStore.close();
    }
  });
});
