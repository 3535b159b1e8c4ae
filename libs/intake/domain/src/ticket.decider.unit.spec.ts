import { ConflictError, ForbiddenError, IllegalStateError, NotFoundError, ValidationError } from '@ticketing/kernel';
import type { TicketOpenedV1 } from '@ticketing/contracts';
import { deciderSpec } from '@ticketing/testing';
import { AUTO_CLOSE_ACTOR_ID, decideTicket, ticketDecider, type TicketCommand } from './ticket.decider';
import { CrossCustomerMergeError, ReopenWindowExpiredError, TicketMergedError } from './ticket.errors';
import { evolveTicket, initialTicketState, type TicketEvent } from './ticket.state';
import {
  AGENT,
  AUTO_CLOSE_AFTER,
  CUSTOMER,
  DAY,
  HOUR,
  OTHER_AGENT,
  REOPEN_WINDOW,
  TICKET,
  at,
  cmd,
  ev,
  history,
  openCommand,
  opened,
} from './ticket.fixtures';

const spec = deciderSpec(ticketDecider);

function illegal(given: readonly TicketEvent[], command: TicketCommand, state: string): void {
  spec
    .given(given)
    .when(command)
    .thenThrows(IllegalStateError, (error) => {
      expect(error.state).toBe(state);
      expect(error.command).toBe(command.type);
      expect(error.message).toContain(state);
      expect(error.message).toContain(command.type);
    });
}

describe('ticket decider', () => {
  describe('when no ticket exists', () => {
    it('opens the ticket with the time, language and context given on the command', () => {
      spec.given([]).when(openCommand()).then([opened()]);
    });

    it('uses the language the customer gave over the detected one', () => {
      spec
        .given([])
        .when(openCommand({ languageGiven: 'vi', detectedLanguage: 'en' }))
        .then([opened({ language: 'vi', languageGiven: 'vi', detectedLanguage: 'en' })]);
    });

    it('falls back to en with the flag when the detected language is not supported', () => {
      spec
        .given([])
        .when(openCommand({ detectedLanguage: 'de' }))
        .then([opened({ language: 'en', detectedLanguage: 'de', languageFallback: true })]);
    });

    it('keeps the link to the ticket it continues and opens without channel details or asset context', () => {
      spec
        .given([])
        .when(openCommand({ linkedFromTicketId: 't-0', channelDetails: null, assetContext: null }))
        .then([opened({ linkedFromTicketId: 't-0', channelDetails: null, assetContext: null })]);
    });

    it('refuses channel details of another channel', () => {
      spec
        .given([])
        .when(openCommand({ channel: 'email' }))
        .thenThrows(ValidationError, (error) => expect(error.errors[0].field).toBe('channelDetails.channel'));
    });

    it.each(['chat', 'social', 'api'] as const)('derives the subject of a %s message that has none from its body, flagged', (channel) => {
      const body = 'My USDT withdrawal is stuck. It has been 3 hours.';
      const channelDetails = { chat: { channel: 'chat', sessionId: 's-1' }, social: { channel: 'social', platform: 'x', handle: '@a', postUrl: 'https://x.com/a/1' }, api: { channel: 'api', clientId: 'c' } }[channel] as never;
      spec
        .given([])
        .when(openCommand({ channel, channelDetails, subject: null, body }))
        .then([opened({ channel, channelDetails, subject: 'My USDT withdrawal is stuck.', subjectDerived: true, body })]);
    });

    it.each(['email', 'web_form'] as const)('refuses a %s ticket without a subject', (channel) => {
      spec
        .given([])
        .when(openCommand({ channel, channelDetails: null, subject: null }))
        .thenThrows(ValidationError, (error) => expect(error.errors).toEqual([{ field: 'subject', message: `subject is required for channel ${channel}` }]));
    });

    it('refuses a ticket linked from itself', () => {
      spec.given([]).when(openCommand({ linkedFromTicketId: TICKET })).thenThrows(ValidationError);
    });

    it('refuses a time that is not a timestamp', () => {
      spec.given([]).when(openCommand({ now: 'yesterday' })).thenThrows(ValidationError);
    });

    it('ignores the auto-close timer of a ticket that does not exist', () => {
      spec.given([]).when(cmd.autoClose(at(10 * DAY))).thenNothingHappens();
    });

    it.each<[string, TicketCommand]>([
      ['AssignTicket', cmd.assign()],
      // Routing's commands too: an event for a ticket intake does not have is parked, not ignored.
      ["AssignTicket (routing's)", cmd.routingAssign()],
      ['UnassignTicket', cmd.unassign()],
      ['StartProgress', cmd.start()],
      ['WaitOnCustomer', cmd.wait()],
      ['ResolveTicket', cmd.resolve()],
      ['ReopenTicket', cmd.reopen()],
      ['CloseTicket', cmd.close()],
      ['PostCustomerMessage', cmd.customerMessage()],
      ['PostAgentReply', cmd.agentReply()],
      ['AddInternalNote', cmd.note()],
      ['MergeTicket', cmd.merge()],
    ])('refuses %s as not found', (_name, command) => {
      spec
        .given([])
        .when(command)
        .thenThrows(NotFoundError, (error) => expect(error.details).toEqual({ ticketId: TICKET }));
    });
  });

  describe('when the ticket is open', () => {
    const given = history.open();

    it('refuses to open it again', () => {
      spec
        .given(given)
        .when(openCommand())
        .thenThrows(ConflictError, (error) => expect(error.details).toEqual({ ticketId: TICKET }));
    });

    it('assigns it (open → assigned)', () => {
      spec.given(given).when(cmd.assign()).then([ev.assigned()]);
      expect(fold([...given, ev.assigned()])).toMatchObject({ status: 'assigned', assignee: AGENT });
    });

    it('starts progress without an assignee', () => {
      spec.given(given).when(cmd.start()).then([ev.progressStarted()]);
    });

    it("is assigned by routing's assignment like by a person's", () => {
      spec.given(given).when(cmd.routingAssign()).then([ev.assigned()]);
    });

    it('ignores a release when nobody holds it', () => {
      spec.given(given).when(cmd.unassign()).thenNothingHappens();
    });

    it('resolves it, scheduling the auto-close', () => {
      spec.given(given).when(cmd.resolve()).then([ev.resolved()]);
    });

    it('takes a customer message', () => {
      spec.given(given).when(cmd.customerMessage()).then([ev.customerMessage()]);
    });

    it('takes the first agent reply with FirstResponseGiven measuring whole seconds since opening', () => {
      spec
        .given(given)
        .when(cmd.agentReply('m-a1', at(90_999)))
        .then([ev.agentReplied('m-a1', at(90_999)), ev.firstResponse(at(90_999), 90)]);
    });

    it('takes an internal note', () => {
      spec.given(given).when(cmd.note()).then([ev.note()]);
    });

    it('merges it into another ticket', () => {
      spec.given(given).when(cmd.merge()).then([ev.merged()]);
    });

    it('refuses to merge it into itself', () => {
      spec
        .given(given)
        .when(cmd.merge(TICKET))
        .thenThrows(ValidationError, (error) => expect(error.errors[0].field).toBe('intoTicketId'));
    });

    it("refuses to merge it into another customer's ticket", () => {
      spec
        .given(given)
        .when(cmd.merge('t-0', at(5 * HOUR), 'c-2'))
        .thenThrows(CrossCustomerMergeError, (error) => {
          expect(error.details).toEqual({ command: 'MergeTicket', ticketId: TICKET, intoTicketId: 't-0' });
          expect(error.message).not.toContain('c-2');
        });
    });

    it('refuses a customer message from another customer', () => {
      spec.given(given).when(cmd.customerMessage('m-x', at(HOUR), 'c-2')).thenThrows(ForbiddenError);
    });

    it('refuses a command addressed to another ticket', () => {
      spec
        .given(given)
        .when({ type: 'AssignTicket', data: { ticketId: 't-9', assignee: AGENT, now: at(HOUR) } })
        .thenThrows(ValidationError);
    });

    it('ignores the auto-close timer', () => {
      spec.given(given).when(cmd.autoClose(at(10 * DAY))).thenNothingHappens();
    });

    it.each(byType([cmd.wait(), cmd.reopen(), cmd.close()]))('refuses %s', (_type, command) =>
      illegal(given, command, 'open'),
    );
  });

  describe('when the ticket is assigned', () => {
    const given = history.assigned();

    it('reassigns it to another agent, staying assigned', () => {
      spec.given(given).when(cmd.assign(OTHER_AGENT, at(2 * HOUR))).then([ev.assigned(OTHER_AGENT, at(2 * HOUR))]);
      expect(fold([...given, ev.assigned(OTHER_AGENT)])).toMatchObject({ status: 'assigned', assignee: OTHER_AGENT });
    });

    it('does nothing when assigned to the same agent again', () => {
      spec.given(given).when(cmd.assign(AGENT, at(2 * HOUR))).thenNothingHappens();
      spec.given(given).when(cmd.routingAssign(AGENT, at(2 * HOUR))).thenNothingHappens();
    });

    it('goes back to open without assignee when its assignee is released', () => {
      spec.given(given).when(cmd.unassign()).then([ev.unassigned()]);
      expect(fold([...given, ev.unassigned()])).toMatchObject({ status: 'open', assignee: null });
    });

    it('ignores a release of the previous assignee after a reassignment', () => {
      spec
        .given([...given, ev.assigned(OTHER_AGENT, at(2 * HOUR))])
        .when(cmd.unassign(AGENT))
        .thenNothingHappens();
    });

    it('is assigned to the same agent again after a release', () => {
      const released = [...given, ev.unassigned()];
      spec.given(released).when(cmd.routingAssign(AGENT, at(7 * HOUR))).then([ev.assigned(AGENT, at(7 * HOUR))]);
      expect(fold([...released, ev.assigned(AGENT, at(7 * HOUR))])).toMatchObject({ status: 'assigned', assignee: AGENT });
    });

    it('starts progress', () => {
      spec.given(given).when(cmd.start()).then([ev.progressStarted()]);
    });

    it('waits on the customer', () => {
      spec.given(given).when(cmd.wait()).then([ev.waiting()]);
    });

    it('resolves it', () => {
      spec.given(given).when(cmd.resolve()).then([ev.resolved()]);
    });

    it('takes a customer message without changing status', () => {
      spec.given(given).when(cmd.customerMessage()).then([ev.customerMessage()]);
    });

    it('takes an agent reply and an internal note', () => {
      spec.given(given).when(cmd.agentReply()).then([ev.agentReplied(), ev.firstResponse()]);
      spec.given(given).when(cmd.note()).then([ev.note()]);
    });

    it('merges it', () => {
      spec.given(given).when(cmd.merge()).then([ev.merged()]);
    });

    it('refuses to open it again', () => {
      spec.given(given).when(openCommand()).thenThrows(ConflictError);
    });

    it.each(byType([cmd.reopen(), cmd.close()]))('refuses %s', (_type, command) => illegal(given, command, 'assigned'));

    it('ignores the auto-close timer', () => {
      spec.given(given).when(cmd.autoClose(at(10 * DAY))).thenNothingHappens();
    });
  });

  describe('when the ticket is in progress', () => {
    const given = history.inProgress();

    it('keeps its status without assignee when its assignee is released: the work state stays', () => {
      spec.given(given).when(cmd.unassign()).then([ev.unassigned()]);
      expect(fold([...given, ev.unassigned()])).toMatchObject({ status: 'in_progress', assignee: null });
    });

    it('reassigns it, staying in progress', () => {
      spec.given(given).when(cmd.assign(OTHER_AGENT, at(3 * HOUR))).then([ev.assigned(OTHER_AGENT, at(3 * HOUR))]);
      expect(fold([...given, ev.assigned(OTHER_AGENT)])).toMatchObject({ status: 'in_progress', assignee: OTHER_AGENT });
    });

    it('waits on the customer', () => {
      spec.given(given).when(cmd.wait()).then([ev.waiting()]);
    });

    it('resolves it', () => {
      spec.given(given).when(cmd.resolve()).then([ev.resolved()]);
    });

    it('takes a customer message without changing status', () => {
      spec.given(given).when(cmd.customerMessage()).then([ev.customerMessage()]);
    });

    it('takes agent replies, measuring the first response only once', () => {
      spec.given(given).when(cmd.agentReply()).then([ev.agentReplied(), ev.firstResponse()]);
      spec
        .given([...given, ev.agentReplied(), ev.firstResponse()])
        .when(cmd.agentReply('m-a2', at(6 * HOUR), OTHER_AGENT))
        .then([ev.agentReplied('m-a2', at(6 * HOUR), OTHER_AGENT)]);
    });

    it('does not count customer messages or internal notes as the first response', () => {
      spec
        .given([...given, ev.customerMessage('m-c1', at(3 * HOUR)), ev.note('n-1', at(4 * HOUR))])
        .when(cmd.agentReply('m-a1', at(5 * HOUR)))
        .then([ev.agentReplied(), ev.firstResponse()]);
    });

    it('takes an internal note and merges', () => {
      spec.given(given).when(cmd.note()).then([ev.note()]);
      spec.given(given).when(cmd.merge()).then([ev.merged()]);
    });

    it('refuses to open it again', () => {
      spec.given(given).when(openCommand()).thenThrows(ConflictError);
    });

    it('ignores the auto-close timer', () => {
      spec.given(given).when(cmd.autoClose(at(10 * DAY))).thenNothingHappens();
    });

    it.each(byType([cmd.start(), cmd.reopen(), cmd.close()]))('refuses %s', (_type, command) =>
      illegal(given, command, 'in_progress'),
    );
  });

  describe('when the ticket waits on the customer', () => {
    const given = history.waiting();

    it('goes back in progress when the customer replies', () => {
      spec
        .given(given)
        .when(cmd.customerMessage())
        .then([ev.customerMessage(), ev.progressStarted(at(5 * HOUR), CUSTOMER)]);
      expect(fold([...given, ev.customerMessage(), ev.progressStarted(at(5 * HOUR), CUSTOMER)]).status).toBe('in_progress');
    });

    it('goes back in progress when the agent starts it', () => {
      spec.given(given).when(cmd.start(at(4 * HOUR))).then([ev.progressStarted(at(4 * HOUR))]);
    });

    it('keeps waiting without assignee when its assignee is released', () => {
      spec.given(given).when(cmd.unassign()).then([ev.unassigned()]);
      expect(fold([...given, ev.unassigned()])).toMatchObject({ status: 'waiting_on_customer', assignee: null });
    });

    it('reassigns it, still waiting', () => {
      spec.given(given).when(cmd.assign(OTHER_AGENT, at(4 * HOUR))).then([ev.assigned(OTHER_AGENT, at(4 * HOUR))]);
      expect(fold([...given, ev.assigned(OTHER_AGENT)]).status).toBe('waiting_on_customer');
    });

    it('resolves it', () => {
      spec.given(given).when(cmd.resolve()).then([ev.resolved()]);
    });

    it('takes an agent reply, an internal note, and merges', () => {
      spec.given(given).when(cmd.agentReply()).then([ev.agentReplied(), ev.firstResponse()]);
      spec.given(given).when(cmd.note()).then([ev.note()]);
      spec.given(given).when(cmd.merge()).then([ev.merged()]);
    });

    it('refuses to open it again', () => {
      spec.given(given).when(openCommand()).thenThrows(ConflictError);
    });

    it('ignores the auto-close timer', () => {
      spec.given(given).when(cmd.autoClose(at(10 * DAY))).thenNothingHappens();
    });

    it.each(byType([cmd.wait(), cmd.reopen(), cmd.close()]))('refuses %s', (_type, command) =>
      illegal(given, command, 'waiting_on_customer'),
    );
  });

  describe('when the ticket is resolved', () => {
    const given = history.resolved();

    it('records when it will close on its own', () => {
      expect(fold(given)).toMatchObject({ status: 'resolved', resolvedAt: at(4 * HOUR), autoCloseAt: at(4 * HOUR + AUTO_CLOSE_AFTER) });
    });

    it('is reopened by the agent, back to assigned since it has an assignee', () => {
      spec.given(given).when(cmd.reopen()).then([ev.reopened('agent')]);
      expect(fold([...given, ev.reopened('agent')])).toMatchObject({ status: 'assigned', resolvedAt: null, autoCloseAt: null });
    });

    it('is reopened by the agent back to open when nobody was assigned', () => {
      const unassigned = [opened(), ev.resolved()];
      spec.given(unassigned).when(cmd.reopen()).then([ev.reopened('agent')]);
      expect(fold([...unassigned, ev.reopened('agent')]).status).toBe('open');
    });

    it('is reopened by a customer reply within the reopen window, the message kept', () => {
      const lastMoment = at(4 * HOUR + REOPEN_WINDOW);
      spec
        .given(given)
        .when(cmd.customerMessage('m-c1', lastMoment))
        .then([ev.reopened('customer_reply', CUSTOMER, lastMoment), ev.customerMessage('m-c1', lastMoment)]);
    });

    it('refuses a customer reply after the reopen window, so the application opens a linked ticket', () => {
      spec
        .given(given)
        .when(cmd.customerMessage('m-c1', at(4 * HOUR + REOPEN_WINDOW + 1)))
        .thenThrows(ReopenWindowExpiredError, (error) => {
          expect(error).toBeInstanceOf(IllegalStateError);
          expect(error.ticketId).toBe(TICKET);
          expect(error.state).toBe('resolved');
          expect(error.command).toBe('PostCustomerMessage');
          expect(error.details).toEqual({ state: 'resolved', command: 'PostCustomerMessage', ticketId: TICKET });
        });
    });

    it('applies the window given on the command', () => {
      const command = cmd.customerMessage('m-c1', at(4 * HOUR + DAY + 1));
      spec
        .given(given)
        .when({ ...command, data: { ...command.data, reopenWindowMs: DAY } })
        .thenThrows(ReopenWindowExpiredError);
    });

    it('is closed manually', () => {
      spec.given(given).when(cmd.close()).then([ev.closed('manual')]);
    });

    it('is closed by the timer once auto-close is due, and not before', () => {
      const due = at(4 * HOUR + AUTO_CLOSE_AFTER);
      spec.given(given).when(cmd.autoClose(at(4 * HOUR + AUTO_CLOSE_AFTER - 1))).thenNothingHappens();
      spec.given(given).when(cmd.autoClose(due)).then([ev.closed('auto_after_resolution', AUTO_CLOSE_ACTOR_ID, due)]);
    });

    it('is closed by a timer firing late, with the time it actually closed', () => {
      const late = at(4 * HOUR + AUTO_CLOSE_AFTER + DAY);
      spec.given(given).when(cmd.autoClose(late)).then([ev.closed('auto_after_resolution', AUTO_CLOSE_ACTOR_ID, late)]);
    });

    it('is not closed by a stale timer after a reopen and a new resolution', () => {
      const reresolved = [...given, ev.reopened('agent'), ev.resolved(at(6 * HOUR), at(6 * HOUR + AUTO_CLOSE_AFTER))];
      spec.given(reresolved).when(cmd.autoClose(at(4 * HOUR + AUTO_CLOSE_AFTER))).thenNothingHappens();
      spec.given([...given, ev.reopened('agent')]).when(cmd.autoClose(at(10 * DAY))).thenNothingHappens();
    });

    it('takes an agent reply (the first one measured) and an internal note', () => {
      spec.given(given).when(cmd.agentReply()).then([ev.agentReplied(), ev.firstResponse()]);
      spec.given(given).when(cmd.note()).then([ev.note()]);
    });

    it('merges it', () => {
      spec.given(given).when(cmd.merge()).then([ev.merged()]);
    });

    it('refuses to open it again', () => {
      spec.given(given).when(openCommand()).thenThrows(ConflictError);
    });

    it.each(byType([cmd.assign(OTHER_AGENT), cmd.start(), cmd.wait(), cmd.resolve()]))('refuses %s', (_type, command) =>
      illegal(given, command, 'resolved'),
    );

    it("ignores a release and routing's assignment that follow the end, keeping who worked it last", () => {
      spec.given(given).when(cmd.unassign()).thenNothingHappens();
      spec.given(given).when(cmd.routingAssign(OTHER_AGENT)).thenNothingHappens();
      expect(fold(given)).toMatchObject({ assignee: AGENT });
    });

    it('is reopened to open when its assignee was released before it was resolved', () => {
      const released = [opened(), ev.assigned(), ev.progressStarted(), ev.unassigned(AGENT, at(3 * HOUR)), ev.resolved()];
      spec.given(released).when(cmd.reopen()).then([ev.reopened('agent')]);
      expect(fold([...released, ev.reopened('agent')])).toMatchObject({ status: 'open', assignee: null });
    });
  });

  describe('self-service: the customer marks an article as what solved it', () => {
    it.each([
      ['open', history.open()],
      ['assigned', history.assigned()],
      ['waiting on the customer', [opened(), ev.assigned(), ev.progressStarted(), ev.waiting()]],
    ])('resolves a ticket that is %s as self-served, with the auto-close timer', (_status, given) => {
      spec.given(given).when(cmd.selfServe()).then([ev.selfServed()]);
      expect(fold([...given, ev.selfServed()])).toMatchObject({ status: 'resolved', resolvedAt: at(4 * HOUR), autoCloseAt: at(4 * HOUR + AUTO_CLOSE_AFTER) });
    });

    it('counts for the session the ticket was opened from when the request names none', () => {
      const fromSession = [opened({ sessionId: 'kb-open' })];
      const withoutSession = { ...cmd.selfServe(), data: { ...cmd.selfServe().data, sessionId: null } };
      expect(decideTicket(withoutSession, fold(fromSession))[0]).toMatchObject({ data: { sessionId: 'kb-open' } });
      expect(decideTicket(withoutSession, fold(history.open()))[0]).toMatchObject({ data: { sessionId: null } });
    });

    it('lets a service relay the customer', () => {
      const [event] = decideTicket(cmd.selfServe(null), fold(history.open())) as readonly TicketEvent[];
      expect(event).toMatchObject({ type: 'TicketSelfServed', data: { by: 'svc-chat' } });
    });

    it('changes nothing when the same article is marked again, but refuses another once resolved', () => {
      spec.given([opened(), ev.selfServed()]).when(cmd.selfServe()).thenNothingHappens();
      spec.given([opened(), ev.selfServed()]).when(cmd.selfServe(CUSTOMER, 'other-article')).thenThrows(IllegalStateError);
      spec.given([opened(), ev.resolved()]).when(cmd.selfServe()).thenThrows(IllegalStateError);
    });

    it('refuses another customer, and a closed ticket', () => {
      spec.given(history.open()).when(cmd.selfServe('c-other')).thenThrows(ForbiddenError);
      spec.given([opened(), ev.resolved(), ev.closed()]).when(cmd.selfServe()).thenThrows(IllegalStateError);
    });

    it('is reopened like any resolved ticket, which forgets the article', () => {
      expect(fold([opened(), ev.selfServed(), ev.reopened('customer_reply', CUSTOMER)])).toMatchObject({ status: 'open', selfServedBy: null });
    });
  });

  describe('when the ticket is closed', () => {
    const given = history.closed();

    it('reopens on a customer message within the reopen window counted from resolution', () => {
      spec
        .given(given)
        .when(cmd.customerMessage('m-c1', at(5 * HOUR + 1)))
        .then([
          { type: 'TicketReopened', schemaVersion: 1, data: { ticketId: TICKET, reason: 'customer_reply', by: CUSTOMER, reopenedAt: at(5 * HOUR + 1) } },
          ev.customerMessage('m-c1', at(5 * HOUR + 1)),
        ]);
    });

    it('refuses a customer message after the reopen window with ReopenWindowExpiredError, so the application opens a linked ticket', () => {
      spec
        .given(given)
        .when(cmd.customerMessage('m-c1', at(4 * HOUR + 7 * DAY + 1)))
        .thenThrows(ReopenWindowExpiredError, (error) => {
          expect(error.state).toBe('closed');
          expect(error.ticketId).toBe(TICKET);
        });
    });

    it('keeps internal notes for audit', () => {
      spec.given(given).when(cmd.note('n-9', at(6 * HOUR))).then([ev.note('n-9', at(6 * HOUR))]);
    });

    it("ignores a release and routing's assignment that follow the end", () => {
      spec.given(given).when(cmd.unassign()).thenNothingHappens();
      spec.given(given).when(cmd.routingAssign(OTHER_AGENT)).thenNothingHappens();
    });

    it('ignores the auto-close timer firing again', () => {
      spec.given(given).when(cmd.autoClose(at(10 * DAY))).thenNothingHappens();
    });

    it('refuses to open it again', () => {
      spec.given(given).when(openCommand()).thenThrows(ConflictError);
    });

    it.each(byType([
      cmd.assign(OTHER_AGENT),
      cmd.start(),
      cmd.wait(),
      cmd.resolve(),
      cmd.reopen(),
      cmd.close(),
      cmd.agentReply(),
      cmd.merge(),
    ]))('refuses %s', (_type, command) => illegal(given, command, 'closed'));
  });

  describe('when the ticket was merged', () => {
    const given = history.merged();

    it('records where it went', () => {
      expect(fold(given)).toMatchObject({ status: 'merged', mergedInto: 't-0' });
    });

    it.each(byType([
      cmd.assign(),
      cmd.start(),
      cmd.wait(),
      cmd.resolve(),
      cmd.reopen(),
      cmd.close(),
      cmd.customerMessage(),
      cmd.agentReply(),
      cmd.note(),
      cmd.merge('t-5'),
    ]))('refuses %s with the ticket to redirect to', (_type, command) => {
      spec
        .given(given)
        .when(command)
        .thenThrows(TicketMergedError, (error) => {
          expect(error).toBeInstanceOf(IllegalStateError);
          expect(error.state).toBe('merged');
          expect(error.command).toBe(command.type);
          expect(error.intoTicketId).toBe('t-0');
          expect(error.details).toMatchObject({ ticketId: TICKET, intoTicketId: 't-0' });
        });
    });

    it('refuses to open it again', () => {
      spec.given(given).when(openCommand()).thenThrows(ConflictError);
    });

    it("ignores a release and routing's assignment that arrive after the merge", () => {
      spec.given([...history.assigned(), ev.merged()]).when(cmd.unassign()).thenNothingHappens();
      spec.given([...history.assigned(), ev.merged()]).when(cmd.routingAssign(OTHER_AGENT)).thenNothingHappens();
    });

    it('ignores the auto-close timer, even when it was merged while resolved', () => {
      spec.given([...history.resolved(), ev.merged()]).when(cmd.autoClose(at(10 * DAY))).thenNothingHappens();
    });
  });

  describe('redelivered conversation commands', () => {
    it.each<[string, TicketEvent[], TicketCommand]>([
      ['a customer message', [...history.inProgress(), ev.customerMessage()], cmd.customerMessage()],
      ['an agent reply', [...history.inProgress(), ev.agentReplied(), ev.firstResponse()], cmd.agentReply()],
      ['an internal note', [...history.inProgress(), ev.note()], cmd.note()],
      ['a customer message that reopened the ticket, after it closed', [...history.resolved(), ev.reopened('customer_reply', CUSTOMER), ev.customerMessage(), ev.resolved(at(6 * HOUR)), ev.closed()], cmd.customerMessage()],
      ['a message on a ticket merged since', [...history.open(), ev.customerMessage(), ev.merged()], cmd.customerMessage()],
    ])('decide nothing for %s already on the ticket', (_name, given, command) => {
      spec.given(given).when(command).thenNothingHappens();
    });
  });

  describe('stored events of older versions', () => {
    it('folds a version-1 TicketOpened', () => {
      const v1: TicketOpenedV1 = {
        type: 'TicketOpened',
        schemaVersion: 1,
        data: { ticketId: TICKET, customerId: CUSTOMER, channel: 'email', subject: 's', body: 'b', language: 'ru', openedAt: at(0) },
      };
      const state = evolveTicket(initialTicketState(), v1);
      expect(state).toMatchObject({ status: 'open', ticketId: TICKET, channel: 'email', language: 'ru', openedAt: at(0), messageIds: [] });
      expect(ticketDecider.decide(cmd.agentReply('m-a1', at(10_000)), state)).toEqual([
        { ...ev.agentReplied('m-a1', at(10_000)) },
        { ...ev.firstResponse(at(10_000), 10), data: { ...ev.firstResponse(at(10_000), 10).data, channel: 'email' } },
      ]);
    });
  });
});

function byType(commands: readonly TicketCommand[]): [string, TicketCommand][] {
  return commands.map((command) => [command.type, command]);
}

function fold(events: readonly TicketEvent[]) {
  return events.reduce(evolveTicket, initialTicketState());
}
