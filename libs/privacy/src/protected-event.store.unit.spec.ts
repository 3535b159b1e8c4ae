import { ERASED_PERSONAL_DATA } from '@ticketing/contracts';
import { MemoryEventStore, verifyChain, type NewEvent, type RecordedEvent } from '@ticketing/event-store';
import { ManualClock } from '@ticketing/kernel';
import { MemorySubjectKeyStore } from './memory-subject-key.store';
import { PersonalDataProtection, UnknownDataSubjectError } from './personal-data.protection';
import { ProtectedEventStore } from './protected-event.store';

const TICKET = '01a25000-0000-7000-8000-000000000001';
const metadata = { ticketId: TICKET, correlationId: 'c-1', causationId: 'c-1', actor: { kind: 'customer' as const, id: 'cust-1' }, occurredAt: '2026-12-07T10:00:00.000Z' };
let sequence = 0;
const event = (type: string, data: Record<string, unknown>): NewEvent => ({ id: `e-${++sequence}`, type, schemaVersion: 3, data, metadata });

const opened = (customerId = 'cust-1', ticketId = TICKET) =>
  event('TicketOpened', {
    ticketId,
    customerId,
    channel: 'email',
    channelDetails: { channel: 'email', fromAddress: 'alice@example.com', messageId: '<m-1@example.com>' },
    subject: 'Withdrawal pending',
    subjectDerived: false,
    body: 'I am Alice Smith, my withdrawal to bc1qxyz is stuck',
    language: 'en',
    assetContext: null,
    openedAt: '2026-12-07T10:00:00.000Z',
  });

async function all(source: AsyncIterable<RecordedEvent>): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const recorded of source) events.push(recorded);
  return events;
}

function setUp(options: { keyCacheMs?: number } = {}) {
  const clock = new ManualClock('2026-12-07T10:00:00.000Z');
  const stored = new MemoryEventStore({ clock });
  const keys = new MemorySubjectKeyStore(() => clock.now().toISOString());
  const protection = new PersonalDataProtection({ keys, storedEvents: stored, clock, keyCacheMs: options.keyCacheMs });
  return { clock, stored, keys, protection, store: new ProtectedEventStore(stored, protection) };
}

describe('ProtectedEventStore (crypto-shredding)', () => {
  it('stores the declared personal fields sealed, everything else as given, and reads them back opened', async () => {
    const { store, stored } = setUp();
    await store.append(`ticket-${TICKET}`, [opened()], { expectedRevision: 'no_stream' });
    const [raw] = await all(stored.readStream(`ticket-${TICKET}`));
    const rawText = JSON.stringify(raw.data);
    for (const secret of ['Alice', 'alice@example.com', 'Withdrawal pending', 'bc1qxyz']) expect(rawText).not.toContain(secret);
    expect(raw.data).toMatchObject({ customerId: 'cust-1', channel: 'email', language: 'en', channelDetails: { messageId: '<m-1@example.com>', fromAddress: { pd: 1 } }, subject: { pd: 1 }, body: { pd: 1 } });
    const [read] = await all(store.readStream(`ticket-${TICKET}`));
    expect(read.data).toEqual(opened().data);
    // The hashes cover what was stored: the store as recorded verifies.
    expect(verifyChain(await all(stored.readStream(`ticket-${TICKET}`)))).toMatchObject({ valid: true });
  });

  it('leaves events without personal data untouched (the same array goes to the store)', async () => {
    const { protection } = setUp();
    const events = [event('TicketAssigned', { ticketId: TICKET, assignee: 'agent-1', assignedAt: '2026-12-07T10:00:00.000Z' })];
    expect(await protection.seal(events)).toBe(events);
  });

  it('seals an agent’s reply under the ticket’s customer’s key, learnt from the ticket’s opening (also within one append)', async () => {
    const { store, stored, keys } = setUp();
    const reply = event('AgentReplied', { ticketId: TICKET, messageId: 'm-2', agentId: 'agent-1', body: 'Dear Alice, we see it', postedAt: '2026-12-07T10:05:00.000Z' });
    await store.append(`ticket-${TICKET}`, [opened(), reply], { expectedRevision: 'no_stream' });
    const rawReply = (await all(stored.readStream(`ticket-${TICKET}`)))[1];
    expect((rawReply.data['body'] as { kid: string }).kid).toBe((await keys.currentKey('cust-1')).id);
    // A fresh process knows nothing but the store.
    const later = new PersonalDataProtection({ keys, storedEvents: stored });
    const note = event('InternalNoteAdded', { ticketId: TICKET, noteId: 'n-1', agentId: 'agent-1', body: 'Alice called', addedAt: '2026-12-07T10:06:00.000Z' });
    const [sealedNote] = await later.seal([note]);
    expect((sealedNote.data['body'] as { kid: string }).kid).toBe((await keys.currentKey('cust-1')).id);
  });

  it('refuses, storing nothing, personal data whose customer it cannot tell', async () => {
    const { store, stored } = setUp();
    const orphan = event('AgentReplied', { ticketId: 'no-such-ticket', messageId: 'm', agentId: 'a', body: 'hello', postedAt: '2026-12-07T10:00:00.000Z' });
    await expect(store.append('ticket-no-such-ticket', [orphan], { expectedRevision: 'any' })).rejects.toBeInstanceOf(UnknownDataSubjectError);
    const anonymous = event('CustomerMessagePosted', { ticketId: TICKET, messageId: 'm', body: 'hello', postedAt: '2026-12-07T10:00:00.000Z' });
    await expect(store.append(`ticket-${TICKET}`, [anonymous], { expectedRevision: 'any' })).rejects.toThrow(/customerId/);
    expect(await stored.headPosition()).toBe(0);
  });

  it('after erasure reads [erased] on every read path, other customers unaffected, chains intact, new data under a new key', async () => {
    const { store, stored, keys, protection } = setUp();
    const other = '01a25000-0000-7000-8000-000000000002';
    await store.append(`ticket-${TICKET}`, [opened()], { expectedRevision: 'no_stream' });
    await store.append(`ticket-${other}`, [opened('cust-2', other)], { expectedRevision: 'no_stream' });
    const subscription = store.subscribe();
    const destroyed = (await keys.keysOf('cust-1')).map((key) => key.id);
    await keys.erase('cust-1', '2026-12-07T11:00:00.000Z');
    protection.forgetKeys(destroyed);

    const [erased] = await all(store.readStream(`ticket-${TICKET}`));
    expect(erased.data).toMatchObject({ subject: ERASED_PERSONAL_DATA, body: ERASED_PERSONAL_DATA, channelDetails: { fromAddress: ERASED_PERSONAL_DATA, messageId: '<m-1@example.com>' }, customerId: 'cust-1', language: 'en' });
    const everything = await all(store.readAll());
    expect(everything.map((recorded) => recorded.data['subject'])).toEqual([ERASED_PERSONAL_DATA, 'Withdrawal pending']);
    const live: RecordedEvent[] = [];
    for await (const recorded of subscription) {
      live.push(recorded);
      if (live.length === 2) break;
    }
    await subscription.close();
    expect(live.map((recorded) => recorded.data['body'])).toEqual([ERASED_PERSONAL_DATA, opened().data['body']]);
    for (const ticket of [TICKET, other]) expect(verifyChain(await all(stored.readStream(`ticket-${ticket}`)))).toMatchObject({ valid: true });

    const message = event('CustomerMessagePosted', { ticketId: TICKET, messageId: 'm-9', customerId: 'cust-1', body: 'written after the erasure', postedAt: '2026-12-07T12:00:00.000Z' });
    await store.append(`ticket-${TICKET}`, [message], { expectedRevision: 0 });
    expect((await all(store.readStream(`ticket-${TICKET}`, { from: 1 })))[0].data['body']).toBe('written after the erasure');
  });

  it('an erasure by another process is seen once the key cache expires (injected clock)', async () => {
    const { store, keys, clock } = setUp({ keyCacheMs: 2_000 });
    await store.append(`ticket-${TICKET}`, [opened()], { expectedRevision: 'no_stream' });
    expect((await all(store.readStream(`ticket-${TICKET}`)))[0].data['subject']).toBe('Withdrawal pending');
    await keys.erase('cust-1', '2026-12-07T11:00:00.000Z');
    clock.advance(1_999);
    expect((await all(store.readStream(`ticket-${TICKET}`)))[0].data['subject']).toBe('Withdrawal pending');
    clock.advance(1);
    expect((await all(store.readStream(`ticket-${TICKET}`)))[0].data['subject']).toBe(ERASED_PERSONAL_DATA);
  });

  it('a sealed value altered in storage does not open: the read fails rather than showing anything', async () => {
    const { store, stored } = setUp();
    await store.append(`ticket-${TICKET}`, [opened()], { expectedRevision: 'no_stream' });
    const [raw] = await all(stored.readStream(`ticket-${TICKET}`));
    const sealed = raw.data['body'] as { pd: 1; kid: string; ct: string };
    const swapped = { ...raw, data: { ...raw.data, body: raw.data['subject'] } };
    const protection = new PersonalDataProtection({ keys: (store.protection as PersonalDataProtection).keys, storedEvents: stored });
    await expect(Promise.resolve(protection.reveal(swapped))).rejects.toThrow(/does not open/);
    expect(sealed.pd).toBe(1);
  });

  it('hands appends issued back to back to the store in their order, however long each sealing takes', async () => {
    const clock = new ManualClock('2026-12-07T10:00:00.000Z');
    const stored = new MemoryEventStore({ clock });
    const keys = new MemorySubjectKeyStore();
    // A key store that answers slowly: the first append's sealing finishes after the second's.
    const slowKeys = Object.assign(Object.create(keys) as MemorySubjectKeyStore, {
      currentKey: async (subject: string) => {
        for (let i = 0; i < 20; i++) await Promise.resolve();
        return keys.currentKey(subject);
      },
    });
    const store = new ProtectedEventStore(stored, new PersonalDataProtection({ keys: slowKeys, storedEvents: stored, clock }));
    const assigned = event('TicketAssigned', { ticketId: TICKET, assignee: 'agent-1', assignedAt: '2026-12-07T10:01:00.000Z' });
    const [first, second] = await Promise.all([
      store.append(`ticket-${TICKET}`, [opened()], { expectedRevision: 'no_stream' }),
      store.append(`ticket-${TICKET}`, [assigned], { expectedRevision: 0 }),
    ]);
    expect([first.nextExpectedRevision, second.nextExpectedRevision]).toEqual([0, 1]);
    expect((await all(store.readStream(`ticket-${TICKET}`))).map((recorded) => recorded.type)).toEqual(['TicketOpened', 'TicketAssigned']);
  });
});
