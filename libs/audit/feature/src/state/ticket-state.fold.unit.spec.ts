import type { RecordedEvent } from '@ticketing/event-store';
import type {
  AgentReplied,
  CustomerMessagePosted,
  DeviationAssessed,
  DisputeDecided,
  DisputeOpened,
  EvidenceSubmitted,
  FirstResponseGiven,
  PublicEvent,
  RecoveryQuoteAccepted,
  RecoveryQuoted,
  RecoveryRequested,
  RecoveryEtaOverrun,
  SlaBreached,
  SlaClockMet,
  SlaClockPaused,
  SlaClockResumed,
  SlaClockRetimed,
  SlaClockStarted,
  SlaPolicyApplied,
  SlaTicketTracked,
  SlaWarningIssued,
  TicketAssigned,
  TicketAssignedToAgent,
  TicketClassified,
  TicketEscalated,
  TicketOpened,
  TicketOpenedV1,
  TicketProgressStarted,
  TicketQueued,
  TicketRecategorized,
  TicketReleasedFromAgent,
  TicketResolved,
  TicketRoutingFinished,
  TicketUnassigned,
  TicketWaitingOnCustomer,
} from '@ticketing/contracts';
import type { Actor } from '@ticketing/kernel';
import { foldTicketState, TicketStateFolder, type StateMoment, type TicketStateAt } from './ticket-state.fold';

const TICKET = 't-42';
const CUSTOMER = 'c-7';
const AGENT = 'agent-ana';
const agent: Actor = { kind: 'agent', id: AGENT };
const customer: Actor = { kind: 'customer', id: CUSTOMER };
const BASE = Date.parse('2026-03-02T09:00:00.000Z');
/** The instant `minutes` after the ticket was opened. */
const min = (minutes: number): string => new Date(BASE + minutes * 60_000).toISOString();

type Stream = 'ticket' | 'routing' | 'sla' | 'dispute' | 'recovery' | 'agent';

/**
 * Records events as the store would: sparse global positions (like EventStoreDB's), one revision
 * counter per stream, `recordedAt` a little after the event's own time.
 */
function recorder(ticketId = TICKET) {
  const log: RecordedEvent[] = [];
  const revisions = new Map<string, number>();
  let position = 1000;
  const record = (stream: Stream, event: Pick<PublicEvent, 'type' | 'schemaVersion' | 'data'> | { type: string; schemaVersion: number; data: object }, at: string, actor: Actor = { kind: 'system', id: 'system' }): RecordedEvent => {
    const streamName = stream === 'agent' ? `agent-${AGENT}` : `${stream}-${ticketId}`;
    const streamRevision = revisions.get(streamName) ?? 0;
    revisions.set(streamName, streamRevision + 1);
    position += 37;
    const recorded: RecordedEvent = {
      id: `e-${position}`,
      type: event.type,
      schemaVersion: event.schemaVersion,
      data: event.data as Record<string, unknown>,
      metadata: { ticketId, correlationId: 'corr-1', causationId: 'cause-1', actor, occurredAt: at },
      streamName,
      streamRevision,
      globalPosition: position,
      recordedAt: new Date(Date.parse(at) + 5).toISOString(),
      prevHash: 'p',
      hash: 'h',
    };
    log.push(recorded);
    return recorded;
  };
  /** Every event up to `position` (inclusive): what the caller hands the fold for that moment. */
  const upTo = (position: number): RecordedEvent[] => log.filter((event) => event.globalPosition <= position);
  return { log, record, upTo };
}

const opened = (data: Partial<TicketOpened['data']> = {}): TicketOpened => ({
  type: 'TicketOpened',
  schemaVersion: 3,
  data: {
    ticketId: TICKET,
    customerId: CUSTOMER,
    channel: 'web_form',
    channelDetails: { channel: 'web_form', formId: 'f-1' },
    subject: 'Liquidated below the index price',
    subjectDerived: false,
    body: 'My BTCUSDT long was liquidated at 60,100 while the index never went below 61,000.',
    language: 'en',
    languageGiven: 'en',
    detectedLanguage: 'en',
    languageFallback: false,
    assetContext: { asset: 'BTC', orderId: 'o-9' },
    linkedFromTicketId: null,
    openedAt: min(0),
    ...data,
  },
});

const ev = <E extends PublicEvent>(type: E['type'], data: E['data']): E => ({ type, schemaVersion: 1, data }) as E;
const moment = (event: RecordedEvent | undefined, time?: string): StateMoment => ({ position: event?.globalPosition ?? 0, time: time ?? event?.metadata.occurredAt ?? min(-1) });

/**
 * A liquidation dispute from opening to decision: classified and queued, SLA running, assigned,
 * answered (first response met), dispute opened, evidence in, deviation assessed, decided, resolved.
 */
function disputeStory() {
  const r = recorder();
  const e = {
    opened: r.record('ticket', opened(), min(0), customer),
    tracked: r.record('sla', ev<SlaTicketTracked>('SlaTicketTracked', { ticketId: TICKET, channel: 'web_form', language: 'en', openedAt: min(0) }), min(0)),
    appliedOnOpen: r.record(
      'sla',
      ev<SlaPolicyApplied>('SlaPolicyApplied', {
        ticketId: TICKET,
        policyVersion: 3,
        because: 'opened',
        priority: null,
        category: null,
        targets: [{ target: 'firstResponse', rule: 'default', duration: 'PT4H', calendar: '24/7' }],
        appliedAt: min(0),
      }),
      min(0),
    ),
    clockStarted: r.record(
      'sla',
      ev<SlaClockStarted>('SlaClockStarted', { ticketId: TICKET, target: 'firstResponse', duration: 'PT4H', calendar: '24/7', policyVersion: 3, rule: 'default', startedAt: min(0), dueAt: min(240), warnAt: [min(180)] }),
      min(0),
    ),
    classified: r.record(
      'routing',
      ev<TicketClassified>('TicketClassified', {
        ticketId: TICKET,
        channel: 'web_form',
        language: 'en',
        category: 'liquidation_dispute',
        priority: 'high',
        confidence: 0.91,
        modelVersion: 'nb-2026-02',
        signals: ['asset_amount_above_threshold'],
        classifiedAt: min(1),
      }),
      min(1),
    ),
    queued: r.record('routing', ev<TicketQueued>('TicketQueued', { ticketId: TICKET, queue: 'disputes-en', rule: 'category:liquidation_dispute', queuedAt: min(1) }), min(1)),
    appliedOnClassified: r.record(
      'sla',
      ev<SlaPolicyApplied>('SlaPolicyApplied', {
        ticketId: TICKET,
        policyVersion: 3,
        because: 'classified',
        priority: 'high',
        category: 'liquidation_dispute',
        targets: [
          { target: 'firstResponse', rule: 'high-priority', duration: 'PT30M', calendar: '24/7' },
          { target: 'resolution', rule: 'disputes', duration: 'P2D', calendar: 'eu-business' },
        ],
        appliedAt: min(1),
      }),
      min(1),
    ),
    retimed: r.record(
      'sla',
      ev<SlaClockRetimed>('SlaClockRetimed', {
        ticketId: TICKET,
        target: 'firstResponse',
        duration: 'PT30M',
        calendar: '24/7',
        policyVersion: 3,
        rule: 'high-priority',
        retimedAt: min(1),
        elapsedSeconds: 60,
        dueAt: min(30),
        warnAt: [min(22)],
      }),
      min(1),
    ),
    resolutionStarted: r.record(
      'sla',
      ev<SlaClockStarted>('SlaClockStarted', { ticketId: TICKET, target: 'resolution', duration: 'P2D', calendar: 'eu-business', policyVersion: 3, rule: 'disputes', startedAt: min(1), dueAt: min(2881), warnAt: [] }),
      min(1),
    ),
    assignedToAgent: r.record(
      'routing',
      ev<TicketAssignedToAgent>('TicketAssignedToAgent', { ticketId: TICKET, agentId: AGENT, queue: 'disputes-en', rule: 'auto', reason: 'least loaded', by: 'dispatcher', assignedAt: min(3), reservationId: 'res-1' }),
      min(3),
    ),
    assigned: r.record('ticket', ev<TicketAssigned>('TicketAssigned', { ticketId: TICKET, assignee: AGENT, assignedAt: min(3) }), min(3)),
    progress: r.record('ticket', ev<TicketProgressStarted>('TicketProgressStarted', { ticketId: TICKET, by: AGENT, at: min(5) }), min(5), agent),
    replied: r.record('ticket', ev<AgentReplied>('AgentReplied', { ticketId: TICKET, messageId: 'm-1', agentId: AGENT, body: 'Looking into it.', postedAt: min(10) }), min(10), agent),
    firstResponse: r.record(
      'ticket',
      ev<FirstResponseGiven>('FirstResponseGiven', { ticketId: TICKET, agentId: AGENT, channel: 'web_form', openedAt: min(0), respondedAt: min(10), elapsedSeconds: 600 }),
      min(10),
    ),
    met: r.record('sla', ev<SlaClockMet>('SlaClockMet', { ticketId: TICKET, target: 'firstResponse', metAt: min(10), elapsedSeconds: 600, withinTarget: true }), min(10)),
    disputeOpened: r.record(
      'dispute',
      ev<DisputeOpened>('DisputeOpened', {
        ticketId: TICKET,
        round: 1,
        customerId: CUSTOMER,
        position: { symbol: 'BTCUSDT', side: 'long', size: '0.5', leverage: '20', marginMode: 'isolated' },
        liquidationPrice: '60100',
        liquidatedAt: min(-60),
        tolerance: '0.005',
        openedBy: agent,
        openedAt: min(12),
        appealOf: null,
      }),
      min(12),
      agent,
    ),
    customerMessage: r.record(
      'ticket',
      ev<CustomerMessagePosted>('CustomerMessagePosted', { ticketId: TICKET, messageId: 'm-2', customerId: CUSTOMER, body: 'Here is my trade log.', postedAt: min(14) }),
      min(14),
      customer,
    ),
    tradeLog: r.record(
      'dispute',
      ev<EvidenceSubmitted>('EvidenceSubmitted', { ticketId: TICKET, round: 1, evidenceId: 'ev-log', kind: 'trade_log', content: { fills: [] }, contentHash: 'sha256:a', submittedBy: customer, submittedAt: min(15) }),
      min(15),
      customer,
    ),
    indexPrice: r.record(
      'dispute',
      ev<EvidenceSubmitted>('EvidenceSubmitted', { ticketId: TICKET, round: 1, evidenceId: 'ev-index', kind: 'index_price', content: { price: '60200' }, contentHash: 'sha256:b', submittedBy: agent, submittedAt: min(20) }),
      min(20),
      agent,
    ),
    assessed: r.record(
      'dispute',
      ev<DeviationAssessed>('DeviationAssessed', {
        ticketId: TICKET,
        round: 1,
        deviation: '0.00166',
        tolerance: '0.005',
        withinTolerance: true,
        indexPrice: '60200',
        liquidationPrice: '60100',
        evidenceIds: ['ev-index'],
        assessedAt: min(20),
      }),
      min(20),
    ),
    decided: r.record(
      'dispute',
      ev<DisputeDecided>('DisputeDecided', {
        ticketId: TICKET,
        round: 1,
        outcome: 'rejected',
        compensation: null,
        reason: 'Liquidated within 0.5% of the index price.',
        citedEvidenceIds: ['ev-index', 'ev-log'],
        decidedBy: agent,
        decidedAt: min(25),
      }),
      min(25),
      agent,
    ),
    resolved: r.record(
      'ticket',
      ev<TicketResolved>('TicketResolved', { ticketId: TICKET, resolutionCode: 'dispute_rejected', by: AGENT, resolvedAt: min(26), autoCloseAt: min(26 + 72 * 60) }),
      min(26),
      agent,
    ),
    routingFinished: r.record('routing', ev<TicketRoutingFinished>('TicketRoutingFinished', { ticketId: TICKET, reason: 'resolved', finishedAt: min(26) }), min(26)),
    released: r.record(
      'routing',
      ev<TicketReleasedFromAgent>('TicketReleasedFromAgent', { ticketId: TICKET, agentId: AGENT, queue: 'disputes-en', reason: 'finished', by: 'routing', releasedAt: min(26), reservationId: 'res-1' }),
      min(26),
    ),
  };
  return { ...r, e };
}

const stateAt = (story: ReturnType<typeof recorder>, event: RecordedEvent, ticketId = TICKET): TicketStateAt => foldTicketState(ticketId, story.upTo(event.globalPosition), moment(event));

describe('foldTicketState: a ticket as every context saw it at a moment', () => {
  it('before the ticket was opened: it did not exist yet, and every part is empty', () => {
    const story = disputeStory();
    const at: StateMoment = { position: 0, time: min(-5) };
    expect(foldTicketState(TICKET, story.upTo(0), at)).toEqual({
      ticketId: TICKET,
      at,
      existed: false,
      events: 0,
      lastEvent: null,
      intake: null,
      routing: null,
      sla: null,
      dispute: null,
      recovery: null,
    });
  });

  it('right after opening: intake has it, routing and SLA have not seen it yet', () => {
    const { e, ...story } = disputeStory();
    const state = stateAt(story, e.opened);
    expect(state.existed).toBe(true);
    expect(state.lastEvent).toEqual({ position: e.opened.globalPosition, stream: `ticket-${TICKET}`, type: 'TicketOpened', recordedAt: e.opened.recordedAt });
    expect(state.intake).toMatchObject({ status: 'open', customerId: CUSTOMER, channel: 'web_form', language: 'en', subject: 'Liquidated below the index price', openedAt: min(0), assignee: null });
    expect([state.routing, state.sla, state.dispute, state.recovery]).toEqual([null, null, null, null]);
  });

  it('once classified and queued: the first SLA target still from the opening policy until SLA re-applies it', () => {
    const { e, ...story } = disputeStory();
    const state = stateAt(story, e.queued);
    expect(state.routing).toEqual({
      status: 'waiting',
      category: 'liquidation_dispute',
      priority: 'high',
      confidence: 0.91,
      modelVersion: 'nb-2026-02',
      signals: ['asset_amount_above_threshold'],
      classifiedAt: min(1),
      queue: 'disputes-en',
      queueRule: 'category:liquidation_dispute',
      assignee: null,
      assignmentRule: null,
      assignedAt: null,
      finishedReason: null,
      transfers: 0,
      escalations: 0,
      recategorizations: [],
    });
    expect(state.sla).toMatchObject({ policyVersion: 3, appliedBecause: 'opened', priority: null, category: null });
    expect(state.sla?.clocks).toEqual([expect.objectContaining({ target: 'firstResponse', phase: 'running', duration: 'PT4H', rule: 'default', dueAt: min(240) })]);
  });

  it('when the agent decided the dispute: what they had in front of them', () => {
    const { e, ...story } = disputeStory();
    const state = stateAt(story, e.decided);
    expect(state.intake).toMatchObject({
      status: 'in_progress',
      assignee: AGENT,
      firstResponseAt: min(10),
      agentReplies: 1,
      customerMessages: 1,
      lastCustomerMessageAt: min(14),
      lastAgentReplyAt: min(10),
      resolvedAt: null,
    });
    expect(state.routing).toMatchObject({ status: 'assigned', assignee: AGENT, assignmentRule: 'auto', assignedAt: min(3), queue: 'disputes-en', category: 'liquidation_dispute', priority: 'high' });
    expect(state.sla).toMatchObject({
      appliedBecause: 'classified',
      priority: 'high',
      category: 'liquidation_dispute',
      targets: [
        { target: 'firstResponse', rule: 'high-priority', duration: 'PT30M', calendar: '24/7' },
        { target: 'resolution', rule: 'disputes', duration: 'P2D', calendar: 'eu-business' },
      ],
    });
    expect(state.sla?.clocks).toEqual([
      {
        target: 'firstResponse',
        phase: 'met',
        policyVersion: 3,
        rule: 'high-priority',
        duration: 'PT30M',
        calendar: '24/7',
        startedAt: min(0),
        dueAt: min(30),
        pausedAt: null,
        elapsedSeconds: 600,
        warnings: 0,
        warnedAt: null,
        breachedAt: null,
        metAt: min(10),
        metWithinTarget: true,
        stoppedAt: null,
        stopReason: null,
      },
      expect.objectContaining({ target: 'resolution', phase: 'running', dueAt: min(2881), calendar: 'eu-business', elapsedSeconds: null }),
    ]);
    expect(state.dispute).toEqual({
      status: 'sealed',
      round: 1,
      customerId: CUSTOMER,
      position: { symbol: 'BTCUSDT', side: 'long', size: '0.5', leverage: '20', marginMode: 'isolated' },
      liquidationPrice: '60100',
      liquidatedAt: min(-60),
      tolerance: '0.005',
      openedBy: agent,
      openedAt: min(12),
      appealOf: null,
      evidence: 2,
      assessment: { deviation: '0.00166', tolerance: '0.005', withinTolerance: true, indexPrice: '60200', evidenceIds: ['ev-index'], assessedAt: min(20) },
      decision: { outcome: 'rejected', compensation: null, reason: 'Liquidated within 0.5% of the index price.', citedEvidenceIds: ['ev-index', 'ev-log'], decidedBy: agent, decidedAt: min(25) },
    });
    expect(state.recovery).toBeNull();
  });

  it('just before the decision: the round is open, assessed, undecided', () => {
    const { e, ...story } = disputeStory();
    const state = stateAt(story, e.assessed);
    expect(state.dispute).toMatchObject({ status: 'open', evidence: 2, decision: null, assessment: expect.objectContaining({ withinTolerance: true }) });
    const beforeEvidence = stateAt(story, e.disputeOpened);
    expect(beforeEvidence.dispute).toMatchObject({ status: 'open', evidence: 0, assessment: null, decision: null });
  });

  it('an appeal opens a new round: undecided again, the earlier evidence kept', () => {
    const { e, record, upTo } = disputeStory();
    const appealed = record(
      'dispute',
      ev<DisputeOpened>('DisputeOpened', {
        ...(e.disputeOpened.data as DisputeOpened['data']),
        round: 2,
        tolerance: '0.004',
        openedBy: customer,
        openedAt: min(40),
        appealOf: { round: 1, reason: 'the index feed lagged' },
      }),
      min(40),
      customer,
    );
    const state = foldTicketState(TICKET, [...upTo(e.decided.globalPosition), appealed], moment(appealed));
    expect(state.dispute).toMatchObject({ status: 'open', round: 2, tolerance: '0.004', openedBy: customer, appealOf: { round: 1, reason: 'the index feed lagged' }, evidence: 2, assessment: null, decision: null });
  });

  it('at the end: resolved in intake, finished in routing with no one holding it', () => {
    const { e, ...story } = disputeStory();
    const state = stateAt(story, e.released);
    expect(state.events).toBe(story.log.length);
    expect(state.intake).toMatchObject({ status: 'resolved', resolvedAt: min(26), resolutionCode: 'dispute_rejected', autoCloseAt: min(26 + 72 * 60), assignee: AGENT });
    expect(state.routing).toMatchObject({ status: 'finished', finishedReason: 'resolved', assignee: null, assignmentRule: null });
    expect(state.dispute?.status).toBe('sealed');
    // The moment is the caller's, passed through; the fold does not cut by it.
    expect(state.at).toEqual({ position: e.released.globalPosition, time: min(26) });
  });

  it('between the routing finish and the release: routing finished while still holding the agent', () => {
    const { e, ...story } = disputeStory();
    expect(stateAt(story, e.routingFinished).routing).toMatchObject({ status: 'finished', assignee: AGENT });
  });

  it('a state is plain JSON', () => {
    const { e, ...story } = disputeStory();
    const state = stateAt(story, e.released);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });
});

describe('foldTicketState: routing changes', () => {
  it('a recategorization changes category, priority and queue, and is listed', () => {
    const { e, record, upTo } = disputeStory();
    const recategorized = record(
      'routing',
      ev<TicketRecategorized>('TicketRecategorized', { ticketId: TICKET, from: 'liquidation_dispute', to: 'trading_issue', priority: 'normal', by: 'sup-1', reason: 'no liquidation', recategorizedAt: min(30) }),
      min(30),
    );
    const requeued = record('routing', ev<TicketQueued>('TicketQueued', { ticketId: TICKET, queue: 'trading-en', rule: 'category:trading_issue', queuedAt: min(30) }), min(30));
    const before = foldTicketState(TICKET, upTo(e.queued.globalPosition), moment(e.queued));
    const between = foldTicketState(TICKET, upTo(recategorized.globalPosition), moment(recategorized));
    const after = foldTicketState(TICKET, upTo(requeued.globalPosition), moment(requeued));
    expect(before.routing).toMatchObject({ category: 'liquidation_dispute', priority: 'high', queue: 'disputes-en', recategorizations: [] });
    expect(between.routing).toMatchObject({ category: 'trading_issue', priority: 'normal', queue: 'disputes-en' });
    expect(after.routing).toMatchObject({
      category: 'trading_issue',
      priority: 'normal',
      queue: 'trading-en',
      queueRule: 'category:trading_issue',
      // The model's figures stay the model's.
      confidence: 0.91,
      modelVersion: 'nb-2026-02',
      recategorizations: [{ from: 'liquidation_dispute', to: 'trading_issue', priority: 'normal', by: 'sup-1', reason: 'no liquidation', at: min(30) }],
    });
  });

  it('routing events before the ticket was routed are ignored, as routing ignores them', () => {
    const { record, log } = recorder();
    record('routing', ev<TicketAssignedToAgent>('TicketAssignedToAgent', { ticketId: TICKET, agentId: AGENT, queue: 'q', rule: 'manual', reason: 'r', by: 'sup', assignedAt: min(0) }), min(0));
    const state = foldTicketState(TICKET, log, moment(log[0]));
    expect(state.existed).toBe(true);
    expect(state.routing).toBeNull();
  });
});

describe('foldTicketState: SLA clocks', () => {
  function breachStory() {
    const r = recorder();
    r.record('ticket', opened(), min(0), customer);
    r.record('sla', ev<SlaTicketTracked>('SlaTicketTracked', { ticketId: TICKET, channel: 'web_form', language: 'en', openedAt: min(0) }), min(0));
    r.record(
      'sla',
      ev<SlaClockStarted>('SlaClockStarted', { ticketId: TICKET, target: 'firstResponse', duration: 'PT30M', calendar: '24/7', policyVersion: 1, rule: 'r', startedAt: min(0), dueAt: min(30), warnAt: [min(24)] }),
      min(0),
    );
    r.record('routing', ev<TicketClassified>('TicketClassified', { ticketId: TICKET, channel: 'web_form', language: 'en', category: 'withdrawal_issue', priority: 'high', confidence: 0.8, modelVersion: 'm', signals: [], classifiedAt: min(1) }), min(1));
    r.record('routing', ev<TicketQueued>('TicketQueued', { ticketId: TICKET, queue: 'withdrawals', rule: 'cat', queuedAt: min(1) }), min(1));
    const warned = r.record('sla', ev<SlaWarningIssued>('SlaWarningIssued', { ticketId: TICKET, target: 'firstResponse', threshold: 0.8, dueAt: min(30), remainingSeconds: 360, warnedAt: min(24) }), min(24));
    const breached = r.record(
      'sla',
      ev<SlaBreached>('SlaBreached', {
        ticketId: TICKET,
        target: 'firstResponse',
        policyVersion: 1,
        rule: 'r',
        duration: 'PT30M',
        dueAt: min(30),
        breachedAt: min(30),
        channel: 'web_form',
        priority: 'high',
        category: 'withdrawal_issue',
        escalation: { toPriority: 'emergency', toQueue: 'supervisors' },
      }),
      min(30),
    );
    const escalated = r.record(
      'routing',
      ev<TicketEscalated>('TicketEscalated', {
        ticketId: TICKET,
        fromPriority: 'high',
        toPriority: 'emergency',
        fromQueue: 'withdrawals',
        toQueue: 'supervisors',
        cause: 'sla_breached',
        causeEventId: breached.id,
        reason: 'first response breached',
        by: 'routing',
        escalatedAt: min(30),
      }),
      min(30),
    );
    const lateMet = r.record('sla', ev<SlaClockMet>('SlaClockMet', { ticketId: TICKET, target: 'firstResponse', metAt: min(45), elapsedSeconds: 2700, withinTarget: false }), min(45));
    return { ...r, warned, breached, escalated, lateMet };
  }

  it('a breach marks the clock, which runs on; routing escalates; the late reply meets it outside its target', () => {
    const story = breachStory();
    const warned = foldTicketState(TICKET, story.upTo(story.warned.globalPosition), moment(story.warned));
    expect(warned.sla?.clocks[0]).toMatchObject({ phase: 'running', warnings: 1, warnedAt: min(24), breachedAt: null });
    const breached = foldTicketState(TICKET, story.upTo(story.breached.globalPosition), moment(story.breached));
    expect(breached.sla?.clocks[0]).toMatchObject({ phase: 'running', breachedAt: min(30), metAt: null });
    expect(breached.routing).toMatchObject({ priority: 'high', queue: 'withdrawals', escalations: 0 });
    const escalated = foldTicketState(TICKET, story.upTo(story.escalated.globalPosition), moment(story.escalated));
    expect(escalated.routing).toMatchObject({ priority: 'emergency', queue: 'supervisors', escalations: 1 });
    const met = foldTicketState(TICKET, story.log, moment(story.lateMet));
    expect(met.sla?.clocks[0]).toMatchObject({ phase: 'met', breachedAt: min(30), metAt: min(45), metWithinTarget: false, elapsedSeconds: 2700 });
  });

  it('a pause has no due time; the resume brings a new one', () => {
    const r = recorder();
    r.record('ticket', opened(), min(0), customer);
    r.record(
      'sla',
      ev<SlaClockStarted>('SlaClockStarted', { ticketId: TICKET, target: 'resolution', duration: 'PT8H', calendar: '24/7', policyVersion: 1, rule: 'r', startedAt: min(0), dueAt: min(480), warnAt: [] }),
      min(0),
    );
    r.record('ticket', ev<TicketWaitingOnCustomer>('TicketWaitingOnCustomer', { ticketId: TICKET, by: AGENT, at: min(60) }), min(60), agent);
    const paused = r.record('sla', ev<SlaClockPaused>('SlaClockPaused', { ticketId: TICKET, target: 'resolution', pausedAt: min(60), elapsedSeconds: 3600 }), min(60));
    r.record('ticket', ev<CustomerMessagePosted>('CustomerMessagePosted', { ticketId: TICKET, messageId: 'm-1', customerId: CUSTOMER, body: 'done', postedAt: min(180) }), min(180), customer);
    const resumed = r.record('sla', ev<SlaClockResumed>('SlaClockResumed', { ticketId: TICKET, target: 'resolution', resumedAt: min(180), dueAt: min(600), warnAt: [] }), min(180));

    const atPause = foldTicketState(TICKET, r.upTo(paused.globalPosition), moment(paused));
    expect(atPause.intake?.status).toBe('waiting_on_customer');
    expect(atPause.sla).toMatchObject({ openedAt: null, policyVersion: null });
    expect(atPause.sla?.clocks).toEqual([expect.objectContaining({ target: 'resolution', phase: 'paused', pausedAt: min(60), dueAt: null, elapsedSeconds: 3600 })]);
    const atResume = foldTicketState(TICKET, r.upTo(resumed.globalPosition), moment(resumed));
    expect(atResume.sla?.clocks).toEqual([expect.objectContaining({ phase: 'running', pausedAt: null, dueAt: min(600), elapsedSeconds: 3600 })]);
    expect(atResume.intake).toMatchObject({ customerMessages: 1, lastCustomerMessageAt: min(180) });
  });
});

describe('foldTicketState: intake', () => {
  it('unassigning an assigned ticket puts it back to open; one in progress keeps its status', () => {
    const r = recorder();
    r.record('ticket', opened(), min(0), customer);
    const assigned = r.record('ticket', ev<TicketAssigned>('TicketAssigned', { ticketId: TICKET, assignee: AGENT, assignedAt: min(1) }), min(1));
    const unassigned = r.record('ticket', ev<TicketUnassigned>('TicketUnassigned', { ticketId: TICKET, previousAssignee: AGENT, reason: 'released', at: min(2) }), min(2));
    expect(foldTicketState(TICKET, r.upTo(assigned.globalPosition), moment(assigned)).intake).toMatchObject({ status: 'assigned', assignee: AGENT });
    expect(foldTicketState(TICKET, r.upTo(unassigned.globalPosition), moment(unassigned)).intake).toMatchObject({ status: 'open', assignee: null });
    r.record('ticket', ev<TicketAssigned>('TicketAssigned', { ticketId: TICKET, assignee: AGENT, assignedAt: min(3) }), min(3));
    r.record('ticket', ev<TicketProgressStarted>('TicketProgressStarted', { ticketId: TICKET, by: AGENT, at: min(4) }), min(4));
    const last = r.record('ticket', ev<TicketUnassigned>('TicketUnassigned', { ticketId: TICKET, previousAssignee: AGENT, reason: 'agent_unavailable', at: min(5) }), min(5));
    expect(foldTicketState(TICKET, r.log, moment(last)).intake).toMatchObject({ status: 'in_progress', assignee: null });
  });

  it('upcasts a version 1 TicketOpened before folding it', () => {
    const r = recorder();
    const v1: TicketOpenedV1 = {
      type: 'TicketOpened',
      schemaVersion: 1,
      data: { ticketId: TICKET, customerId: CUSTOMER, channel: 'email', subject: 'Old ticket', body: 'b', language: 'ko', openedAt: min(0) },
    };
    const stored = r.record('ticket', v1, min(0), customer);
    const state = foldTicketState(TICKET, r.log, moment(stored));
    expect(state.intake).toMatchObject({ status: 'open', channel: 'email', language: 'ko', subject: 'Old ticket', customerId: CUSTOMER, openedAt: min(0) });
    // Only version 2 brought links: the upcaster fills null, where a raw version 1 event has nothing.
    expect(state.intake?.linkedFromTicketId).toBeNull();
    expect(state.lastEvent?.type).toBe('TicketOpened');
  });
});

describe('foldTicketState: the wrong-network recovery', () => {
  it('requested, quoted, accepted, overrun', () => {
    const r = recorder();
    const system: Actor = { kind: 'system', id: 'recovery' };
    const deposit = { asset: 'USDT', amount: '1000', txHash: '0xabc12345', sentNetwork: 'BSC', expectedNetwork: 'TRON', address: 'TXYZ12345678', memo: null };
    const requested = r.record(
      'recovery',
      ev<RecoveryRequested>('RecoveryRequested', { ticketId: TICKET, customerId: CUSTOMER, deposit, rule: 'evm-to-tron', conditions: ['proof_of_ownership'], requestedBy: customer, requestedAt: min(0) }),
      min(0),
    );
    const quoted = r.record(
      'recovery',
      ev<RecoveryQuoted>('RecoveryQuoted', {
        ticketId: TICKET,
        quoteId: 'q-1',
        amount: '1000',
        asset: 'USDT',
        fee: '50',
        feeRate: '0.05',
        creditedOnSuccess: '950',
        etaWorkingDays: { min: 5, max: 10 },
        calendar: 'eu-business',
        quotedAt: min(0),
        validUntil: min(72 * 60),
        quotedBy: system,
      }),
      min(0),
    );
    r.record('recovery', ev<RecoveryQuoteAccepted>('RecoveryQuoteAccepted', { ticketId: TICKET, quoteId: 'q-1', acceptedBy: customer, acceptedAt: min(60), etaFrom: min(60), etaTo: min(20_000) }), min(60));
    const overrun = r.record('recovery', ev<RecoveryEtaOverrun>('RecoveryEtaOverrun', { ticketId: TICKET, etaTo: min(20_000), detectedAt: min(20_001) }), min(20_001));

    expect(foldTicketState(TICKET, r.upTo(requested.globalPosition), moment(requested)).recovery).toMatchObject({ status: 'requested', quote: null, deposit, rule: 'evm-to-tron' });
    expect(foldTicketState(TICKET, r.upTo(quoted.globalPosition), moment(quoted)).recovery?.quote).toEqual({
      quoteId: 'q-1',
      amount: '1000',
      asset: 'USDT',
      fee: '50',
      creditedOnSuccess: '950',
      etaWorkingDays: { min: 5, max: 10 },
      quotedAt: min(0),
      validUntil: min(72 * 60),
    });
    const state = foldTicketState(TICKET, r.log, moment(overrun));
    expect(state.recovery).toMatchObject({ status: 'accepted', acceptedAt: min(60), etaTo: min(20_000), overrunDetectedAt: min(20_001), outcome: null, proofs: 0 });
    expect(state.intake).toBeNull();
  });
});

describe('foldTicketState: what it does not fold', () => {
  it("ignores event types it does not know, but counts them as the ticket's events", () => {
    const { e, record, upTo } = disputeStory();
    const known = foldTicketState(TICKET, upTo(e.decided.globalPosition), moment(e.decided));
    // Types of a later release, recorded after the story: folded right after the decision.
    const unknownSla = record('sla', { type: 'SlaClockTeleported', schemaVersion: 1, data: { ticketId: TICKET, target: 'firstResponse' } }, min(26));
    const unknownIntake = record('ticket', { type: 'TicketHologramAttached', schemaVersion: 1, data: { ticketId: TICKET } }, min(26));
    const withUnknown = foldTicketState(TICKET, [...upTo(e.decided.globalPosition), unknownSla, unknownIntake], moment(unknownIntake));
    expect({ ...withUnknown, events: known.events, lastEvent: known.lastEvent, at: known.at }).toEqual(known);
    expect(withUnknown.events).toBe(known.events + 2);
    expect(withUnknown.lastEvent).toEqual({ position: unknownIntake.globalPosition, stream: `ticket-${TICKET}`, type: 'TicketHologramAttached', recordedAt: unknownIntake.recordedAt });
  });

  it("ignores events of other streams: another ticket's, an agent's", () => {
    const { e, upTo } = disputeStory();
    const known = foldTicketState(TICKET, upTo(e.decided.globalPosition), moment(e.decided));
    const other = recorder('t-other');
    const foreign = other.record('ticket', opened({ ticketId: 't-other', subject: 'Someone else' }), min(1));
    const agentEvent = other.record('agent', { type: 'AgentAvailabilityChanged', schemaVersion: 1, data: { agentId: AGENT, from: 'online', to: 'away', by: AGENT, changedAt: min(2) } }, min(2));
    const mixed = [...upTo(e.decided.globalPosition), foreign, agentEvent].sort((a, b) => a.globalPosition - b.globalPosition);
    expect(foldTicketState(TICKET, mixed, moment(e.decided))).toEqual(known);
  });

  it('does not cut by the moment itself: the caller does', () => {
    const { e, log } = disputeStory();
    const state = foldTicketState(TICKET, log, moment(e.opened));
    expect(state.events).toBe(log.length);
    expect(state.at.position).toBe(e.opened.globalPosition);
  });
});

describe('TicketStateFolder: the incremental form', () => {
  it('equals the one-shot fold at every cut, and a state read is not changed by later events', () => {
    const { log } = disputeStory();
    const at: StateMoment = { position: log[log.length - 1].globalPosition, time: min(26) };
    const folder = new TicketStateFolder(TICKET, at);
    const reads: TicketStateAt[] = [];
    for (const event of log) reads.push(JSON.parse(JSON.stringify(folder.apply(event).state())) as TicketStateAt);
    expect(folder.state()).toEqual(foldTicketState(TICKET, log, at));
    const firstRead = new TicketStateFolder(TICKET, at);
    const snapshots = log.map((event) => firstRead.apply(event).state());
    log.forEach((_event, index) => {
      expect(snapshots[index]).toEqual(reads[index]);
      expect(snapshots[index]).toEqual(foldTicketState(TICKET, log.slice(0, index + 1), at));
    });
  });

  it('folds 100,000 events from a generator, keeping counts rather than the events', () => {
    const r = recorder();
    const first = r.record('ticket', opened(), min(0), customer);
    function* history(): Generator<RecordedEvent> {
      yield first;
      for (let i = 1; i < 100_000; i++) {
        const event: RecordedEvent =
          i % 2 === 1
            ? { ...first, id: `c-${i}`, type: 'CustomerMessagePosted', schemaVersion: 1, data: { ticketId: TICKET, messageId: `m-${i}`, customerId: CUSTOMER, body: 'again', postedAt: min(i) }, globalPosition: first.globalPosition + i, streamRevision: i }
            : { ...first, id: `a-${i}`, type: 'AgentReplied', schemaVersion: 1, data: { ticketId: TICKET, messageId: `m-${i}`, agentId: AGENT, body: 'ok', postedAt: min(i) }, globalPosition: first.globalPosition + i, streamRevision: i };
        yield event;
      }
    }
    const state = foldTicketState(TICKET, history(), { position: first.globalPosition + 99_999, time: min(99_999) });
    expect(state.events).toBe(100_000);
    expect(state.intake).toMatchObject({ customerMessages: 50_000, agentReplies: 49_999, lastCustomerMessageAt: min(99_999), lastAgentReplyAt: min(99_998) });
    expect(JSON.stringify(state).length).toBeLessThan(4_000);
  });
});
