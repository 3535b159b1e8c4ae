import { status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { collectUntil, TicketGrpcClient } from './test-support/ticket-grpc.client';
import { TicketingHarness } from './test-support/ticketing.harness';

type Ticket = { id: string; status: string; queue?: string; mergedInto?: string; firstResponseAt: object | null; messageCounts: { customer: number; agent: number; notes?: number } };
type Change = { eventType: string; globalPosition: string; ticket: Ticket };

const chat = (body: string) => ({ channel: 'CHANNEL_CHAT', subject: 'Withdrawal pending', body, language: 'LANGUAGE_EN', chat: { sessionId: 'session-w' } });

/** Every message until the server ends the stream; rejects if it ends with an error. */
function collectToEnd<T>(stream: ClientReadableStream<unknown>): Promise<{ messages: T[]; code: status }> {
  const messages: T[] = [];
  return new Promise((resolve, reject) => {
    stream.on('data', (message: T) => messages.push(message));
    stream.on('error', (error: ServiceError) => reject(error));
    stream.on('status', ({ code }: { code: status }) => {
      if (code === status.OK) resolve({ messages, code });
    });
  });
}

describe('WatchTicket: replayed changes carry the ticket as it was then; merged tickets end the stream (e2e)', () => {
  let harness: TicketingHarness;
  let grpc: TicketGrpcClient;
  let customer: string;
  let agent: string;

  beforeAll(async () => {
    harness = await TicketingHarness.start();
    grpc = new TicketGrpcClient(harness.grpcAddress);
    customer = await harness.token('customer', 'cust-watch');
    agent = await harness.token('agent', 'agent-watch');
  });
  afterAll(async () => {
    grpc.close();
    await harness.close();
  });

  async function open(): Promise<Ticket> {
    const { ticket } = await grpc.call<{ ticket: Ticket }>('OpenTicket', chat('My BTC withdrawal is pending'), { token: customer });
    await harness.ticketQueued(ticket.id);
    return ticket;
  }

  it('replays from position 0 with each change’s own ticket: open → … in order, not today’s state', async () => {
    const ticket = await open();
    const act = (method: string, extra: Record<string, unknown> = {}) => grpc.call(method, { ticketId: ticket.id, ...extra }, { token: agent });
    await act('StartProgress');
    await act('PostMessage', { body: 'Checking the chain' });
    await act('AddNote', { body: 'Looks like a stuck mempool' });
    await act('WaitOnCustomer');
    await grpc.call('PostMessage', { ticketId: ticket.id, body: 'Here is the hash' }, { token: customer });
    await act('ResolveTicket', { resolutionCode: 'withdrawal_released' });

    const replay = await collectUntil<Change>(
      grpc.stream('WatchTicket', { ticketId: ticket.id, fromPosition: '0' }, { token: agent }),
      (change) => change.eventType === 'TicketResolved',
    );
    expect(replay.map((change) => [change.eventType, change.ticket.status])).toEqual([
      ['TicketOpened', 'TICKET_STATUS_OPEN'],
      ['TicketClassified', 'TICKET_STATUS_OPEN'],
      ['TicketQueued', 'TICKET_STATUS_OPEN'],
      ['TicketProgressStarted', 'TICKET_STATUS_IN_PROGRESS'],
      ['AgentReplied', 'TICKET_STATUS_IN_PROGRESS'],
      ['FirstResponseGiven', 'TICKET_STATUS_IN_PROGRESS'],
      ['InternalNoteAdded', 'TICKET_STATUS_IN_PROGRESS'],
      ['TicketWaitingOnCustomer', 'TICKET_STATUS_WAITING_ON_CUSTOMER'],
      ['CustomerMessagePosted', 'TICKET_STATUS_WAITING_ON_CUSTOMER'],
      ['TicketProgressStarted', 'TICKET_STATUS_IN_PROGRESS'],
      ['TicketResolved', 'TICKET_STATUS_RESOLVED'],
    ]);
    const at = (type: string) => replay.find((change) => change.eventType === type)!.ticket;
    expect(at('TicketOpened')).toMatchObject({ messageCounts: { customer: 1, agent: 0, notes: 0 }, firstResponseAt: null });
    expect(at('TicketOpened').queue).toBeUndefined();
    expect(at('TicketQueued').queue).toEqual(expect.any(String));
    expect(at('AgentReplied').messageCounts).toMatchObject({ customer: 1, agent: 1, notes: 0 });
    expect(at('FirstResponseGiven').firstResponseAt).toEqual(expect.any(Object));
    // The last replayed change shows what the read model shows now.
    expect(replay[replay.length - 1].ticket).toEqual(await grpc.call<Ticket>('GetTicket', { ticketId: ticket.id }, { token: agent }));
  });

  it('replays for a customer without notes, each ticket as the customer sees it', async () => {
    const ticket = await open();
    await grpc.call('AddNote', { ticketId: ticket.id, body: 'internal' }, { token: agent });
    await grpc.call('StartProgress', { ticketId: ticket.id }, { token: agent });
    const replay = await collectUntil<Change>(
      grpc.stream('WatchTicket', { ticketId: ticket.id, fromPosition: '0' }, { token: customer }),
      (change) => change.eventType === 'TicketProgressStarted',
    );
    expect(replay.map((change) => [change.eventType, change.ticket.status])).toEqual([
      ['TicketOpened', 'TICKET_STATUS_OPEN'],
      ['TicketClassified', 'TICKET_STATUS_OPEN'],
      ['TicketQueued', 'TICKET_STATUS_OPEN'],
      ['TicketProgressStarted', 'TICKET_STATUS_IN_PROGRESS'],
    ]);
    expect(replay.every((change) => change.ticket.messageCounts.notes === undefined)).toBe(true);
  });

  it('ends the stream with OK after delivering TicketMerged, replayed or live', async () => {
    const survivor = await open();
    const duplicate = await open();
    const live = collectToEnd<Change>(grpc.stream('WatchTicket', { ticketId: duplicate.id, fromPosition: '0' }, { token: customer }));
    await grpc.call('MergeTicket', { ticketId: duplicate.id, intoTicketId: survivor.id }, { token: agent });
    const { messages } = await live;
    expect(messages.map((change) => [change.eventType, change.ticket.status])).toEqual([
      ['TicketOpened', 'TICKET_STATUS_OPEN'],
      ['TicketClassified', 'TICKET_STATUS_OPEN'],
      ['TicketQueued', 'TICKET_STATUS_OPEN'],
      ['TicketMerged', 'TICKET_STATUS_MERGED'],
    ]);
    expect(messages[3].ticket.mergedInto).toBe(survivor.id);

    const replayed = await collectToEnd<Change>(grpc.stream('WatchTicket', { ticketId: duplicate.id, fromPosition: '0' }, { token: agent }));
    expect(replayed.messages.map((change) => change.eventType)).toEqual(['TicketOpened', 'TicketClassified', 'TicketQueued', 'TicketMerged']);
    // Merged before the start position: nothing more will come, so it ends at once.
    const after = await collectToEnd<Change>(grpc.stream('WatchTicket', { ticketId: duplicate.id }, { token: agent }));
    expect(after.messages).toEqual([]);
    // The survivor's watch goes on.
    const survivorWatch = collectUntil<Change>(grpc.stream('WatchTicket', { ticketId: survivor.id, fromPosition: '0' }, { token: agent }), (_change, all) => all.length === 2);
    expect((await survivorWatch).map((change) => change.ticket.status)).toEqual(['TICKET_STATUS_OPEN', 'TICKET_STATUS_OPEN']);
  });
});
