import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DomainError, ForbiddenError, IllegalStateError, NotFoundError, ValidationError } from '@ticketing/kernel';
import type { TicketStatus } from '@ticketing/contracts';
import { decideTicket, ticketDecider, type TicketCommand } from './ticket.decider';
import { CrossCustomerMergeError, ReopenWindowExpiredError, TicketMergedError } from './ticket.errors';
import { ticketExists, type TicketEvent, type TicketState } from './ticket.state';
import { AUTO_CLOSE_AFTER, CUSTOMER, DAY, HOUR, REOPEN_WINDOW, TICKET, at, openCommand } from './ticket.fixtures';

type Status = TicketStatus | 'none';

/**
 * The lifecycle written out independently of the decider: every status change one command may
 * cause. Commands that leave the status as it was are always allowed (except on merged tickets,
 * which decide nothing at all).
 */
const TRANSITIONS: Readonly<Record<Status, readonly Status[]>> = {
  none: ['open'],
  open: ['assigned', 'in_progress', 'resolved', 'merged'],
  assigned: ['open', 'in_progress', 'waiting_on_customer', 'resolved', 'merged'],
  in_progress: ['waiting_on_customer', 'resolved', 'merged'],
  waiting_on_customer: ['in_progress', 'resolved', 'merged'],
  resolved: ['open', 'assigned', 'closed', 'merged'],
  closed: ['open', 'assigned'],
  merged: [],
};

const REACHABLE: ReadonlySet<Status> = (() => {
  const seen = new Set<Status>(['none']);
  const queue: Status[] = ['none'];
  for (let status = queue.shift(); status !== undefined; status = queue.shift()) {
    for (const next of TRANSITIONS[status].filter((candidate) => !seen.has(candidate))) {
      seen.add(next);
      queue.push(next);
    }
  }
  return seen;
})();

const ids = (prefix: string) => fc.constantFrom(...[1, 2, 3, 4, 5].map((n) => `${prefix}${n}`));
const agent = fc.constantFrom('a-1', 'a-2', 'a-3');
const duration = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(0, HOUR, AUTO_CLOSE_AFTER, REOPEN_WINDOW, DAY) },
  { weight: 1, arbitrary: fc.constantFrom(-1, Number.NaN) },
);

type Maker = (now: string) => TicketCommand;

const open = fc
  .record({ languageGiven: fc.constantFrom(null, 'ko' as const), detectedLanguage: fc.constantFrom(null, 'ja', 'de') })
  .map((overrides): Maker => (now) => openCommand({ ...overrides, now }));
const assign = fc
  .record({ assignee: agent, onFinished: fc.constantFrom(undefined, 'ignore' as const) })
  .map(
    ({ assignee, onFinished }): Maker =>
      (now) => ({ type: 'AssignTicket', data: { ticketId: TICKET, assignee, now, ...(onFinished && { onFinished }) } }),
  );
const unassign = fc
  .record({ assignee: agent, reason: fc.constantFrom('released', 'transferred', 'agent_unavailable') })
  .map(({ assignee, reason }): Maker => (now) => ({ type: 'UnassignTicket', data: { ticketId: TICKET, assignee, reason, now } }));
const start = agent.map((by): Maker => (now) => ({ type: 'StartProgress', data: { ticketId: TICKET, by, now } }));
const wait = agent.map((by): Maker => (now) => ({ type: 'WaitOnCustomer', data: { ticketId: TICKET, by, now } }));
const resolve = fc
  .record({ by: agent, autoCloseAfterMs: duration })
  .map(
    ({ by, autoCloseAfterMs }): Maker =>
      (now) => ({ type: 'ResolveTicket', data: { ticketId: TICKET, resolutionCode: 'answered', by, now, autoCloseAfterMs } }),
  );
const reopen = agent.map((by): Maker => (now) => ({ type: 'ReopenTicket', data: { ticketId: TICKET, by, now } }));
const close = agent.map((by): Maker => (now) => ({ type: 'CloseTicket', data: { ticketId: TICKET, by, now } }));
const autoClose = fc.constant<Maker>((now) => ({ type: 'AutoCloseTicket', data: { ticketId: TICKET, now } }));
const customerMessage = fc
  .record({ messageId: ids('m'), customerId: fc.constantFrom(CUSTOMER, CUSTOMER, CUSTOMER, 'c-2'), reopenWindowMs: duration })
  .map(
    ({ messageId, customerId, reopenWindowMs }): Maker =>
      (now) => ({ type: 'PostCustomerMessage', data: { ticketId: TICKET, messageId, customerId, body: 'still waiting', now, reopenWindowMs } }),
  );
const agentReply = fc
  .record({ messageId: ids('r'), agentId: agent })
  .map(({ messageId, agentId }): Maker => (now) => ({ type: 'PostAgentReply', data: { ticketId: TICKET, messageId, agentId, body: 'on it', now } }));
const note = fc
  .record({ noteId: ids('n'), agentId: agent })
  .map(({ noteId, agentId }): Maker => (now) => ({ type: 'AddInternalNote', data: { ticketId: TICKET, noteId, agentId, body: 'note', now } }));
const merge = fc
  .record({ intoTicketId: fc.constantFrom('t-0', 't-2', TICKET), intoCustomerId: fc.constantFrom(CUSTOMER, CUSTOMER, 'c-2') })
  .map(
    ({ intoTicketId, intoCustomerId }): Maker =>
      (now) => ({ type: 'MergeTicket', data: { ticketId: TICKET, intoTicketId, intoCustomerId, by: 'a-1', now } }),
  );

// Opening and merging are rare so that runs spend their steps inside the lifecycle.
const commandMaker: fc.Arbitrary<Maker> = fc.oneof(
  { weight: 1, arbitrary: open },
  { weight: 3, arbitrary: assign },
  { weight: 2, arbitrary: unassign },
  { weight: 3, arbitrary: start },
  { weight: 3, arbitrary: wait },
  { weight: 3, arbitrary: resolve },
  { weight: 3, arbitrary: reopen },
  { weight: 3, arbitrary: close },
  { weight: 2, arbitrary: autoClose },
  { weight: 4, arbitrary: customerMessage },
  { weight: 3, arbitrary: agentReply },
  { weight: 3, arbitrary: note },
  { weight: 1, arbitrary: merge },
);

/** A command without its time: the run stamps it with the clock, which only moves forward. */
type Step = Readonly<{ advanceMs: number; badClock: boolean; make: Maker }>;

const step: fc.Arbitrary<Step> = fc.record({
  advanceMs: fc.oneof(fc.integer({ min: 0, max: HOUR }), fc.integer({ min: 0, max: 10 * DAY })),
  // Now and then a command arrives with a time that is not a timestamp.
  badClock: fc.integer({ min: 0, max: 49 }).map((n) => n === 0),
  make: commandMaker,
});

const steps = fc.array(step, { minLength: 5, maxLength: 60 });

const conversationIdOf = (event: TicketEvent): string | null => {
  switch (event.type) {
    case 'CustomerMessagePosted':
    case 'AgentReplied':
      return event.data.messageId;
    case 'InternalNoteAdded':
      return event.data.noteId;
    default:
      return null;
  }
};

const statusOf = (state: TicketState): Status => state.status;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

describe('ticket decider, under any sequence of commands', () => {
  it('keeps the ticket on the state machine and never loses a message', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }).map((n) => n > 0), steps, (startOpened, run) => {
        let state = ticketDecider.initialState();
        const log: TicketEvent[] = [];
        const accepted: string[] = [];
        let clock = Date.parse(at(0));

        const apply = (events: readonly TicketEvent[]) => {
          for (const event of events) {
            state = deepFreeze(ticketDecider.evolve(state, event));
            log.push(event);
            const id = conversationIdOf(event);
            if (id !== null) accepted.push(id);
          }
        };
        if (startOpened) apply(decideTicket(openCommand(), state));

        for (const { advanceMs, badClock, make } of run) {
          clock += advanceMs;
          const command = make(badClock ? 'not a time' : new Date(clock).toISOString());
          const before = state;
          const snapshot = JSON.stringify(state);
          let decided: readonly TicketEvent[];
          try {
            decided = decideTicket(command, state);
          } catch (error) {
            // Only typed domain errors, and they change nothing.
            assert.ok(error instanceof DomainError, `${command.type} threw ${String(error)}`);
            assert.equal(JSON.stringify(state), snapshot);
            if (error instanceof CrossCustomerMergeError) {
              assert.ok(command.type === 'MergeTicket' && ticketExists(state) && command.data.intoCustomerId !== state.customerId);
            } else if (error instanceof IllegalStateError) {
              assert.equal(error.state, state.status);
              assert.ok(error.message.includes(error.state) && error.message.includes(command.type), error.message);
            } else {
              assert.ok(
                error instanceof NotFoundError || error instanceof ValidationError || error instanceof ForbiddenError || error.code === 'conflict',
                `${command.type} threw ${error.name}`,
              );
            }
            if (command.type === 'PostCustomerMessage' && ticketExists(state) && command.data.customerId === state.customerId && !badClock) {
              // A customer message is accepted, or the caller is told where it must go instead.
              assert.ok(
                error instanceof ReopenWindowExpiredError || error instanceof TicketMergedError || error instanceof ValidationError,
                `customer message on a ${state.status} ticket threw ${error.name}`,
              );
            }
            // Routing's assignments and releases come over the bus: on a ticket that exists they never fail.
            const fromRouting = command.type === 'UnassignTicket' || (command.type === 'AssignTicket' && command.data.onFinished === 'ignore');
            assert.ok(!(fromRouting && ticketExists(state) && !badClock), `routing's ${command.type} threw ${error.name} on a ${state.status} ticket`);
            continue;
          }

          for (const event of decided) assert.equal(event.data.ticketId, TICKET);
          if (log.some((event) => event.type === 'TicketMerged')) assert.deepEqual(decided, []);
          if (command.type === 'AutoCloseTicket' && decided.length > 0) {
            assert.ok(ticketExists(before) && before.status === 'resolved' && Date.parse(command.data.now) >= Date.parse(before.autoCloseAt ?? ''));
          }
          apply(decided);

          const from = statusOf(before);
          const to = statusOf(state);
          assert.ok(REACHABLE.has(to));
          assert.ok(from === to || TRANSITIONS[from].includes(to), `${command.type} moved ${from} to ${to}`);

          if (command.type === 'PostCustomerMessage' || command.type === 'PostAgentReply' || command.type === 'AddInternalNote') {
            const id = command.type === 'AddInternalNote' ? command.data.noteId : command.data.messageId;
            assert.ok(ticketExists(state) && state.messageIds.includes(id), `${id} is not on the ticket after ${command.type}`);
          }
          if (ticketExists(state)) assert.deepEqual(state.messageIds, accepted);
        }

        // Nothing is ever lost: every accepted id is on the final state, in order, once.
        expect(ticketExists(state) ? state.messageIds : []).toEqual(accepted);
        expect(new Set(accepted).size).toBe(accepted.length);
        // The first agent reply, and only it, is measured.
        const firstResponses = log.filter((event) => event.type === 'FirstResponseGiven');
        expect(firstResponses.length).toBe(log.some((event) => event.type === 'AgentReplied') ? 1 : 0);
        if (firstResponses.length === 1) {
          expect(log[log.indexOf(firstResponses[0]) - 1]).toMatchObject({ type: 'AgentReplied' });
          expect(log.findIndex((event) => event.type === 'AgentReplied')).toBe(log.indexOf(firstResponses[0]) - 1);
        }
        const mergedAt = log.findIndex((event) => event.type === 'TicketMerged');
        if (mergedAt !== -1) expect(mergedAt).toBe(log.length - 1);
        expect(log.filter((event) => event.type === 'TicketOpened').length).toBeLessThanOrEqual(1);
        // Folding the whole history from scratch gives the same state as stepping through it.
        expect(log.reduce(ticketDecider.evolve, ticketDecider.initialState())).toEqual(state);
      }),
      { numRuns: 1000 },
    );
  });
});
