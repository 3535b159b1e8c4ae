import type {
  RoutingTicketEvent,
  TicketAssignedToAgent,
  TicketClassified,
  TicketEscalated,
  TicketQueued,
  TicketRecategorized,
  TicketReleasedFromAgent,
  TicketRoutingFinished,
  TicketRoutingReopened,
  TicketTransferred,
} from '@ticketing/contracts';
import { ConflictError, IllegalStateError, NotFoundError, ValidationError } from '@ticketing/kernel';
import { deciderSpec } from '@ticketing/testing';
import { DEFAULT_ROUTING_RULES, isAssetAmountAboveThreshold, type RoutingRules } from './routing-rules';
import {
  decideRouting,
  routingDecider,
  type AssignToAgent,
  type ClassifyTicket,
  type EscalateTicket,
  type Prediction,
  type RecategorizeTicket,
  type ReleaseFromAgent,
  type TransferTicket,
} from './routing.decider';

const spec = deciderSpec(routingDecider);
const NOW = '2026-11-25T10:00:01.000Z';
const LATER = '2026-11-25T10:30:00.000Z';

const classify = (
  prediction: Partial<Prediction> & Pick<Prediction, 'category'>,
  overrides: Partial<ClassifyTicket['data']> = {},
): ClassifyTicket => ({
  type: 'ClassifyTicket',
  data: {
    ticketId: 't-1',
    channel: 'chat',
    language: 'en',
    prediction: { confidence: 0.9, modelVersion: 'base-1', ...prediction },
    assetAmountAboveThreshold: false,
    rules: DEFAULT_ROUTING_RULES,
    now: NOW,
    ...overrides,
  },
});

const classified = (data: Partial<TicketClassified['data']> = {}): TicketClassified => ({
  type: 'TicketClassified',
  schemaVersion: 1,
  data: {
    ticketId: 't-1',
    channel: 'chat',
    language: 'en',
    category: 'trading_issue',
    priority: 'normal',
    confidence: 0.9,
    modelVersion: 'base-1',
    signals: [],
    classifiedAt: NOW,
    ...data,
  },
});

const queued = (queue: string, rule: string, at = NOW): TicketQueued => ({ type: 'TicketQueued', schemaVersion: 1, data: { ticketId: 't-1', queue, rule, queuedAt: at } });

const recategorize = (to: RecategorizeTicket['data']['to'], rules: RoutingRules = DEFAULT_ROUTING_RULES): RecategorizeTicket => ({
  type: 'RecategorizeTicket',
  data: { ticketId: 't-1', to, by: 'agent-7', reason: 'customer was phished', rules, now: LATER },
});

describe('routing decider', () => {
  describe('classifying an unrouted ticket', () => {
    it('records the classification and queues it by category group and language', () => {
      spec
        .given([])
        .when(classify({ category: 'trading_issue' }))
        .then([classified(), queued('trading-en', 'category-by-language')]);
    });

    it.each([
      ['security_incident', 'ko'],
      ['withdrawal_issue', 'ru'],
    ] as const)('puts %s (an emergency) in the one emergency lane whatever the language (%s)', (category, language) => {
      const events = decideRouting(classify({ category }, { language }), routingDecider.initialState());
      expect(events.map((event) => event.data)).toEqual([
        expect.objectContaining({ category, priority: 'emergency' }),
        expect.objectContaining({ queue: 'security-emergency', rule: 'emergency-lane' }),
      ]);
    });

    it('sends a low-confidence guess to triage and says so in the signals', () => {
      const events = decideRouting(classify({ category: 'kyc_verification', confidence: 0.2 }), routingDecider.initialState());
      expect(events.map((event) => event.data)).toEqual([
        expect.objectContaining({ category: 'kyc_verification', signals: ['low_confidence'] }),
        expect.objectContaining({ queue: 'triage', rule: 'low-confidence-triage' }),
      ]);
    });

    it('still puts a low-confidence emergency in the emergency lane: over-escalating is the safe mistake', () => {
      const events = decideRouting(classify({ category: 'security_incident', confidence: 0.2 }), routingDecider.initialState());
      expect(events[1].data).toMatchObject({ queue: 'security-emergency' });
    });

    it('raises a public social complaint to at least high and sends it to the public-escalation desk', () => {
      const events = decideRouting(classify({ category: 'general_inquiry' }, { channel: 'social', language: 'tr' }), routingDecider.initialState());
      expect(events.map((event) => event.data)).toEqual([
        expect.objectContaining({ priority: 'high', signals: ['public_social'] }),
        expect.objectContaining({ queue: 'social-escalations', rule: 'public-complaint' }),
      ]);
    });

    it('raises the priority one step when the asset amount is above its threshold', () => {
      const [event] = decideRouting(classify({ category: 'deposit_missing' }, { assetAmountAboveThreshold: true }), routingDecider.initialState());
      expect(event.data).toMatchObject({ priority: 'emergency', signals: ['asset_amount_above_threshold'] });
    });

    it('refuses a ticket of a channel or language it cannot route (a malformed TicketOpened goes to the dead letters)', () => {
      expect(() => decideRouting(classify({ category: 'api_support' }, { channel: 'fax' as never }), routingDecider.initialState())).toThrow(ValidationError);
      expect(() => decideRouting(classify({ category: 'api_support' }, { language: 'fr' as never }), routingDecider.initialState())).toThrow(ValidationError);
    });

    it('decides nothing for a ticket already routed, so a redelivered TicketOpened routes once', () => {
      spec.given([classified(), queued('trading-en', 'category-by-language')]).when(classify({ category: 'api_support' })).thenNothingHappens();
      spec.given([queued('chat-en', 'live-chat-by-language')]).when(classify({ category: 'api_support' })).thenNothingHappens();
    });
  });

  describe('recategorizing', () => {
    it('records the correction with the new priority and moves the ticket to the new queue', () => {
      const event: TicketRecategorized = {
        type: 'TicketRecategorized',
        schemaVersion: 1,
        data: { ticketId: 't-1', from: 'trading_issue', to: 'security_incident', priority: 'emergency', by: 'agent-7', reason: 'customer was phished', recategorizedAt: LATER },
      };
      spec
        .given([classified(), queued('trading-en', 'category-by-language')])
        .when(recategorize('security_incident'))
        .then([event, queued('security-emergency', 'emergency-lane', LATER)]);
    });

    it('keeps the queue when the new category belongs to the same desk', () => {
      const events = decideRouting(
        recategorize('liquidation_dispute'),
        [classified(), queued('trading-en', 'category-by-language')].reduce(routingDecider.evolve, routingDecider.initialState()),
      );
      expect(events.map((event) => event.type)).toEqual(['TicketRecategorized']);
      expect(events[0].data).toMatchObject({ priority: 'high' });
    });

    it('takes a ticket out of triage: a person’s category is certain', () => {
      const lowConfidence = classified({ confidence: 0.1, signals: ['low_confidence'] });
      const events = decideRouting(recategorize('kyc_verification'), [lowConfidence, queued('triage', 'low-confidence-triage')].reduce(routingDecider.evolve, routingDecider.initialState()));
      expect(events[1].data).toMatchObject({ queue: 'account-en' });
    });

    it('keeps the signals found at classification: a large amount still raises the new category', () => {
      const large = classified({ category: 'general_inquiry', signals: ['asset_amount_above_threshold'] });
      const [event] = decideRouting(recategorize('deposit_missing'), [large, queued('general-en', 'category-by-language')].reduce(routingDecider.evolve, routingDecider.initialState()));
      expect(event.data).toMatchObject({ priority: 'emergency' });
    });

    it('changes nothing when the category is the same', () => {
      spec.given([classified(), queued('trading-en', 'category-by-language')]).when(recategorize('trading_issue')).thenNothingHappens();
    });

    it('refuses a ticket that was never routed, and one queued before classification existed', () => {
      expect(() => decideRouting(recategorize('api_support'), routingDecider.initialState())).toThrow(NotFoundError);
      const old = [queued('chat-en', 'live-chat-by-language')].reduce(routingDecider.evolve, routingDecider.initialState());
      expect(() => decideRouting(recategorize('api_support'), old)).toThrow(IllegalStateError);
    });
  });

  describe('asset thresholds', () => {
    const thresholds = DEFAULT_ROUTING_RULES.priority.assetAmountThresholds;
    it.each([
      ['USDT', '10000.01', true],
      ['usdt', '10000', false],
      ['BTC', '0.15000001', true],
      ['BTC', '0.1', false],
      ['DOGE', '99999999', false],
      ['ETH', 'lots', false],
      [undefined, '5', false],
    ] as const)('%s %s above its threshold: %s (exact decimals, unknown assets and free text never raise)', (asset, amount, above) => {
      expect(isAssetAmountAboveThreshold(asset, amount, thresholds)).toBe(above);
    });
  });
});

const DONE = '2026-11-25T11:00:00.000Z';
const event = <E extends RoutingTicketEvent>(type: E['type'], data: E['data']): E => ({ type, schemaVersion: 1, data }) as E;

const assigned = (agentId: string, queue = 'trading-en', at = NOW): TicketAssignedToAgent =>
  event('TicketAssignedToAgent', { ticketId: 't-1', agentId, queue, rule: 'auto', reason: 'least loaded eligible agent', by: 'routing-dispatch', assignedAt: at });
const released = (agentId: string, queue: string, reason: TicketReleasedFromAgent['data']['reason'], by = 'sup-1', at = LATER): TicketReleasedFromAgent =>
  event('TicketReleasedFromAgent', { ticketId: 't-1', agentId, queue, reason, by, releasedAt: at });
const finished = (at = DONE): TicketRoutingFinished => event('TicketRoutingFinished', { ticketId: 't-1', reason: 'resolved', finishedAt: at });
const reopened = (queue: string, at = DONE): TicketRoutingReopened => event('TicketRoutingReopened', { ticketId: 't-1', queue, reopenedAt: at });

const assign = (agentId: string, overrides: Partial<AssignToAgent['data']> = {}): AssignToAgent => ({
  type: 'AssignToAgent',
  data: { ticketId: 't-1', agentId, rule: 'auto', reason: 'least loaded eligible agent', by: 'routing-dispatch', now: NOW, ...overrides },
});
const release = (agentId: string, reason: ReleaseFromAgent['data']['reason'] = 'released'): ReleaseFromAgent => ({
  type: 'ReleaseFromAgent',
  data: { ticketId: 't-1', agentId, reason, by: 'sup-1', now: LATER },
});
const transfer = (toQueue: string | null, toAgentId: string | null = null): TransferTicket => ({
  type: 'TransferTicket',
  data: { ticketId: 't-1', toQueue, toAgentId, reason: 'needs the funds desk', by: 'sup-1', now: LATER },
});
const escalate = (cause: EscalateTicket['data']['cause'], causeEventId: string | null, overrides: Partial<EscalateTicket['data']> = {}): EscalateTicket => ({
  type: 'EscalateTicket',
  data: { ticketId: 't-1', cause, causeEventId, reason: 'first_response target missed', holderIsSupervisor: false, supervisorQueue: 'supervisor', by: 'routing-dispatch', now: LATER, ...overrides },
});
const finish = () => ({ type: 'FinishRouting', data: { ticketId: 't-1', reason: 'resolved', now: DONE } }) as const;
const reopen = () => ({ type: 'ReopenRouting', data: { ticketId: 't-1', now: DONE } }) as const;

const WAITING = [classified(), queued('trading-en', 'category-by-language')];
const HELD = [...WAITING, assigned('a-1')];
const FINISHED = [...HELD, finished(), released('a-1', 'trading-en', 'finished', 'routing', DONE)];
const EMERGENCY = [classified({ category: 'security_incident', priority: 'emergency' }), queued('security-emergency', 'emergency-lane')];
/** Queued by channel alone before classification existed: no priority, no category. */
const LEGACY = [queued('chat-en', 'live-chat-by-language')];

const escalated = (data: Partial<TicketEscalated['data']>): TicketEscalated =>
  event('TicketEscalated', {
    ticketId: 't-1',
    fromPriority: 'normal',
    toPriority: 'high',
    fromQueue: 'trading-en',
    toQueue: 'supervisor',
    cause: 'sla_breached',
    causeEventId: 'sla-ev-1',
    reason: 'first_response target missed',
    by: 'routing-dispatch',
    escalatedAt: LATER,
    ...data,
  });
const transferred = (data: Partial<TicketTransferred['data']>): TicketTransferred =>
  event('TicketTransferred', { ticketId: 't-1', fromQueue: 'trading-en', toQueue: 'funds-en', fromAgentId: null, toAgentId: null, reason: 'needs the funds desk', by: 'sup-1', transferredAt: LATER, ...data });

describe('routing decider: tickets and people', () => {
  describe('an unrouted ticket', () => {
    it.each([
      ['assigned', assign('a-1')],
      ['released', release('a-1')],
      ['transferred', transfer('funds-en')],
      ['escalated', escalate('manual', null)],
    ])('cannot be %s: not found', (_case, command) => {
      spec.given([]).when(command).thenThrows(NotFoundError);
    });

    it('finishes and reopens nothing (resolved before routing saw it)', () => {
      spec.given([]).when(finish()).thenNothingHappens();
      spec.given([]).when(reopen()).thenNothingHappens();
    });
  });

  describe('a ticket waiting in its queue', () => {
    it('is assigned to one agent, in its queue', () => {
      spec.given(WAITING).when(assign('a-1')).then([assigned('a-1')]);
    });

    it('is assigned by its queue when it was queued before classification existed (triage when it has none)', () => {
      spec.given(LEGACY).when(assign('a-1')).then([assigned('a-1', 'chat-en')]);
      spec.given([classified()]).when(assign('a-1')).then([assigned('a-1', 'triage')]);
    });

    it('decides nothing when released by nobody (a stale release)', () => {
      spec.given(WAITING).when(release('a-1')).thenNothingHappens();
    });

    it('is transferred to another queue: TicketTransferred, then queued there', () => {
      spec.given(WAITING).when(transfer('funds-en')).then([transferred({}), queued('funds-en', 'transfer', LATER)]);
    });

    it('decides nothing when transferred to its own queue with no agent', () => {
      spec.given(WAITING).when(transfer('trading-en')).thenNothingHappens();
    });

    it('is transferred to an agent: a counted transfer in its queue (the assignment follows through the agent’s capacity)', () => {
      spec.given(WAITING).when(transfer(null, 'a-2')).then([transferred({ toQueue: 'trading-en', toAgentId: 'a-2' })]);
    });

    it('refuses a transfer naming neither queue nor agent', () => {
      spec
        .given(WAITING)
        .when(transfer(null, null))
        .thenThrows(ValidationError, (error) => expect(error.errors[0]).toMatchObject({ field: 'toQueue' }));
    });

    it('counts transfers', () => {
      const state = [...WAITING, transferred({}), queued('funds-en', 'transfer', LATER), transferred({ fromQueue: 'funds-en', toQueue: 'trading-en' })].reduce(
        routingDecider.evolve,
        routingDecider.initialState(),
      );
      expect(state).toMatchObject({ transfers: 2 });
    });

    it('finishes (nobody to release)', () => {
      spec.given(WAITING).when(finish()).then([finished()]);
    });

    it('decides nothing when reopened without being finished', () => {
      spec.given(WAITING).when(reopen()).thenNothingHappens();
    });
  });

  describe('a ticket held by an agent', () => {
    it('has one holder', () => {
      const state = HELD.reduce(routingDecider.evolve, routingDecider.initialState());
      expect(state).toMatchObject({ holder: 'a-1' });
    });

    it('decides nothing when assigned to the same agent again (a redelivered assignment)', () => {
      spec.given(HELD).when(assign('a-1', { rule: 'claim', now: LATER })).thenNothingHappens();
    });

    it('refuses another agent with a 409 naming the holder', () => {
      spec
        .given(HELD)
        .when(assign('a-2'))
        .thenThrows(ConflictError, (error) => {
          expect(error.message).toContain('held by agent a-1');
          expect(error.details).toEqual({ holder: 'a-1' });
        });
    });

    it('is released by its holder and waits in its queue again', () => {
      spec.given(HELD).when(release('a-1')).then([released('a-1', 'trading-en', 'released')]);
    });

    it('refuses a stale release for another agent: 409', () => {
      spec.given(HELD).when(release('a-2', 'agent_unavailable')).thenThrows(ConflictError, (error) => expect(error.details).toEqual({ holder: 'a-1' }));
    });

    it('decides nothing when released twice', () => {
      spec.given([...HELD, released('a-1', 'trading-en', 'released')]).when(release('a-1')).thenNothingHappens();
    });

    it('may be assigned again once released', () => {
      spec.given([...HELD, released('a-1', 'trading-en', 'released')]).when(assign('a-2', { now: LATER })).then([assigned('a-2', 'trading-en', LATER)]);
    });

    it('is transferred to a queue: TicketTransferred, the holder released, queued there', () => {
      spec
        .given(HELD)
        .when(transfer('funds-en'))
        .then([transferred({ fromAgentId: 'a-1' }), released('a-1', 'funds-en', 'transferred'), queued('funds-en', 'transfer', LATER)]);
    });

    it('is transferred to another agent in its queue: the holder released, no re-queueing', () => {
      spec
        .given(HELD)
        .when(transfer(null, 'a-2'))
        .then([transferred({ toQueue: 'trading-en', fromAgentId: 'a-1', toAgentId: 'a-2' }), released('a-1', 'trading-en', 'transferred')]);
    });

    it('is transferred to its own queue, which releases the holder', () => {
      spec.given(HELD).when(transfer('trading-en', 'a-2')).then([transferred({ toQueue: 'trading-en', fromAgentId: 'a-1', toAgentId: 'a-2' }), released('a-1', 'trading-en', 'transferred')]);
    });

    it('decides nothing when transferred to the agent holding it in its own queue', () => {
      spec.given(HELD).when(transfer(null, 'a-1')).thenNothingHappens();
      spec.given(HELD).when(transfer('trading-en', 'a-1')).thenNothingHappens();
    });

    it('finishes and releases its holder', () => {
      spec.given(HELD).when(finish()).then([finished(), released('a-1', 'trading-en', 'finished', 'routing', DONE)]);
    });
  });

  describe('escalating', () => {
    it('raises the priority one step, releases a holder without the supervisor clearance and queues it with the supervisors', () => {
      spec
        .given(HELD)
        .when(escalate('sla_breached', 'sla-ev-1'))
        .then([escalated({}), released('a-1', 'supervisor', 'escalated', 'routing-dispatch'), queued('supervisor', 'escalation', LATER)]);
    });

    it('leaves the ticket with a holder who is a supervisor', () => {
      spec
        .given(HELD)
        .when(escalate('sla_breached', 'sla-ev-1', { holderIsSupervisor: true }))
        .then([escalated({}), queued('supervisor', 'escalation', LATER)]);
    });

    it('keeps an emergency an emergency', () => {
      spec
        .given(EMERGENCY)
        .when(escalate('sla_breached', 'sla-ev-1'))
        .then([escalated({ fromPriority: 'emergency', toPriority: 'emergency', fromQueue: 'security-emergency' }), queued('supervisor', 'escalation', LATER)]);
    });

    it('records the new priority', () => {
      const state = [...WAITING, escalated({}), queued('supervisor', 'escalation', LATER)].reduce(routingDecider.evolve, routingDecider.initialState());
      expect(state).toMatchObject({ priority: 'high', queue: 'supervisor', escalatedFor: ['sla-ev-1'] });
    });

    it('escalates a ticket with no priority (queued before classification) from normal', () => {
      spec
        .given(LEGACY)
        .when(escalate('manual', null, { reason: 'angry VIP' }))
        .then([escalated({ fromPriority: null, toPriority: 'high', fromQueue: 'chat-en', cause: 'manual', causeEventId: null, reason: 'angry VIP' }), queued('supervisor', 'escalation', LATER)]);
    });

    it('escalates once for the same SLA event delivered twice', () => {
      spec
        .given([...HELD, escalated({}), released('a-1', 'supervisor', 'escalated', 'routing-dispatch'), queued('supervisor', 'escalation', LATER)])
        .when(escalate('sla_breached', 'sla-ev-1'))
        .thenNothingHappens();
    });

    it('escalates again for another SLA event, already with the supervisors: priority only', () => {
      spec
        .given([...WAITING, escalated({}), queued('supervisor', 'escalation', LATER)])
        .when(escalate('sla_breached', 'sla-ev-2'))
        .then([escalated({ fromPriority: 'high', toPriority: 'emergency', fromQueue: 'supervisor', causeEventId: 'sla-ev-2' })]);
    });

    it('escalates by hand each time it is asked (no cause event to deduplicate by)', () => {
      const once = [...WAITING, escalated({ cause: 'manual', causeEventId: null }), queued('supervisor', 'escalation', LATER)];
      spec
        .given(once)
        .when(escalate('manual', null))
        .then([escalated({ fromPriority: 'high', toPriority: 'emergency', fromQueue: 'supervisor', cause: 'manual', causeEventId: null })]);
    });

    it('ignores a warning for a ticket that is not an emergency', () => {
      spec.given(HELD).when(escalate('sla_warning', 'sla-warn-1')).thenNothingHappens();
    });

    it('escalates an emergency on its warning, out of its own queue', () => {
      spec
        .given(EMERGENCY)
        .when(escalate('sla_warning', 'sla-warn-1'))
        .then([
          escalated({ fromPriority: 'emergency', toPriority: 'emergency', fromQueue: 'security-emergency', cause: 'sla_warning', causeEventId: 'sla-warn-1' }),
          queued('supervisor', 'escalation', LATER),
        ]);
    });

    it('ignores an emergency’s warning once it is with the supervisors already', () => {
      const withSupervisors = [...EMERGENCY, escalated({ fromPriority: 'emergency', toPriority: 'emergency', fromQueue: 'security-emergency', cause: 'sla_warning', causeEventId: 'sla-warn-1' }), queued('supervisor', 'escalation', LATER)];
      spec.given(withSupervisors).when(escalate('sla_warning', 'sla-warn-2')).thenNothingHappens();
    });
  });

  describe('a finished ticket', () => {
    it('has no holder', () => {
      expect(FINISHED.reduce(routingDecider.evolve, routingDecider.initialState())).toMatchObject({ holder: null, finished: true });
    });

    it('decides nothing when finished again (a redelivered TicketClosed)', () => {
      spec.given(FINISHED).when(finish()).thenNothingHappens();
    });

    it('cannot be assigned: illegal state', () => {
      spec
        .given(FINISHED)
        .when(assign('a-2'))
        .thenThrows(IllegalStateError, (error) => expect(error.code).toBe('illegal_state'));
    });

    it('cannot be transferred: illegal state (409)', () => {
      spec
        .given(FINISHED)
        .when(transfer('funds-en'))
        .thenThrows(IllegalStateError, (error) => expect(error).toMatchObject({ code: 'illegal_state', state: 'finished', command: 'transfer' }));
    });

    it('ignores an SLA breach or warning arriving after it finished', () => {
      spec.given(FINISHED).when(escalate('sla_breached', 'sla-ev-1')).thenNothingHappens();
      spec.given(FINISHED).when(escalate('sla_warning', 'sla-warn-1')).thenNothingHappens();
    });

    it('refuses a manual escalation: illegal state', () => {
      spec.given(FINISHED).when(escalate('manual', null)).thenThrows(IllegalStateError);
    });

    it('decides nothing on a release (nobody holds it)', () => {
      spec.given(FINISHED).when(release('a-1')).thenNothingHappens();
    });

    it('reopens in its queue, once', () => {
      spec.given(FINISHED).when(reopen()).then([reopened('trading-en')]);
      spec.given([...FINISHED, reopened('trading-en')]).when(reopen()).thenNothingHappens();
    });

    it('may be assigned again once reopened', () => {
      spec.given([...FINISHED, reopened('trading-en')]).when(assign('a-2', { now: LATER })).then([assigned('a-2', 'trading-en', LATER)]);
    });
  });
});
