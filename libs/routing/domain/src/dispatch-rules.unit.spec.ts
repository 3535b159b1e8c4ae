import type { AgentProfile, AgentShift, Channel } from '@ticketing/contracts';
import {
  DEFAULT_DISPATCH_RULES,
  dispatchOrder,
  ineligibility,
  isOnShift,
  planAssignments,
  rankAgents,
  unassignedReason,
  type AgentCandidate,
  type DispatchRules,
  type WaitingTicket,
} from './dispatch-rules';

const AT = new Date('2026-11-25T10:00:00.000Z'); // a Wednesday
const RULES: DispatchRules = DEFAULT_DISPATCH_RULES;

const PROFILE: AgentProfile = {
  displayName: 'Agent',
  languages: ['en'],
  skills: ['trading_issue', 'api_support'],
  clearances: [],
  capacity: { chat: 2 },
  timeZone: null,
  shifts: [],
};

const profile = (overrides: Partial<AgentProfile> = {}): AgentProfile => ({ ...PROFILE, ...overrides });
const shifted = (shifts: AgentShift[], timeZone: string | null = null): AgentProfile => profile({ shifts, timeZone });

const agent = (agentId: string, overrides: Partial<AgentCandidate> = {}, profileOverrides: Partial<AgentProfile> = {}): AgentCandidate => ({
  agentId,
  profile: profile(profileOverrides),
  availability: 'online',
  retired: false,
  held: {},
  lastTakenAt: null,
  ...overrides,
});
const holding = (count: number, channel: Channel = 'chat'): Record<string, Channel> => Object.fromEntries(Array.from({ length: count }, (_, index) => [`held-${channel}-${index}`, channel]));

const ticket = (ticketId: string, overrides: Partial<WaitingTicket> = {}): WaitingTicket => ({
  ticketId,
  queue: 'trading-en',
  channel: 'chat',
  language: 'en',
  category: 'trading_issue',
  priority: 'normal',
  slaDueAt: null,
  queuedAt: '2026-11-25T09:00:00.000Z',
  ...overrides,
});

describe('dispatch rules', () => {
  describe('isOnShift', () => {
    const weekdays: AgentShift = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00' };

    it('is always on shift without shifts', () => {
      expect(isOnShift(profile(), new Date('2026-11-28T03:00:00.000Z'))).toBe(true);
      expect(isOnShift(profile({ timeZone: 'Asia/Seoul' }), new Date('2026-11-29T23:59:00.000Z'))).toBe(true);
    });

    it.each([
      ['09:30 Wednesday in Seoul', '2026-11-25T00:30:00.000Z', true],
      ['08:59 Wednesday in Seoul', '2026-11-24T23:59:00.000Z', false],
      ['18:00 Wednesday in Seoul (the end is not in it)', '2026-11-25T09:00:00.000Z', false],
      ['17:59 Wednesday in Seoul', '2026-11-25T08:59:00.000Z', true],
      ['10:00 Saturday in Seoul (Friday in UTC)', '2026-11-28T01:00:00.000Z', false],
      ['09:30 Monday in Seoul (Sunday in UTC)', '2026-11-30T00:30:00.000Z', true],
    ])('reads the shift in the agent’s time zone: %s → %s', (_case, at, on) => {
      expect(isOnShift(shifted([weekdays], 'Asia/Seoul'), new Date(at))).toBe(on);
    });

    it('reads a shift without a time zone in UTC', () => {
      expect(isOnShift(shifted([weekdays]), new Date('2026-11-25T00:30:00.000Z'))).toBe(false);
      expect(isOnShift(shifted([weekdays]), new Date('2026-11-25T09:30:00.000Z'))).toBe(true);
    });

    it('follows daylight saving time: 09:00 in New York is 13:00 UTC in July, 14:00 UTC in November', () => {
      const newYork = shifted([weekdays], 'America/New_York');
      expect(isOnShift(newYork, new Date('2026-07-01T13:30:00.000Z'))).toBe(true);
      expect(isOnShift(newYork, new Date('2026-11-25T13:30:00.000Z'))).toBe(false);
      expect(isOnShift(newYork, new Date('2026-11-25T14:30:00.000Z'))).toBe(true);
    });

    describe('an overnight shift, Friday 22:00–06:00', () => {
      const night = shifted([{ days: ['fri'], start: '22:00', end: '06:00' }]);
      it.each([
        ['Friday 21:59', '2026-11-27T21:59:00.000Z', false],
        ['Friday 22:00', '2026-11-27T22:00:00.000Z', true],
        ['Friday 23:59', '2026-11-27T23:59:00.000Z', true],
        ['Saturday 00:00, across midnight', '2026-11-28T00:00:00.000Z', true],
        ['Saturday 05:59', '2026-11-28T05:59:00.000Z', true],
        ['Saturday 06:00', '2026-11-28T06:00:00.000Z', false],
        ['Saturday 22:00 (Saturday is not a shift day)', '2026-11-28T22:00:00.000Z', false],
        ['Friday 02:00 (the night from Thursday is not a shift)', '2026-11-27T02:00:00.000Z', false],
      ])('%s → %s', (_case, at, on) => {
        expect(isOnShift(night, new Date(at))).toBe(on);
      });

      it('runs past midnight in the agent’s own zone', () => {
        const seoulNight = shifted([{ days: ['fri'], start: '22:00', end: '06:00' }], 'Asia/Seoul');
        expect(isOnShift(seoulNight, new Date('2026-11-27T18:00:00.000Z'))).toBe(true); // Saturday 03:00 in Seoul
        expect(isOnShift(seoulNight, new Date('2026-11-27T23:00:00.000Z'))).toBe(false); // Saturday 08:00 in Seoul
      });
    });

    it('runs a shift ending at 24:00 to midnight', () => {
      const evening = shifted([{ days: ['sun'], start: '18:00', end: '24:00' }]);
      expect(isOnShift(evening, new Date('2026-11-29T23:59:00.000Z'))).toBe(true);
      expect(isOnShift(evening, new Date('2026-11-30T00:00:00.000Z'))).toBe(false);
    });

    it('is on shift when any of its shifts holds', () => {
      const split = shifted([
        { days: ['wed'], start: '06:00', end: '09:00' },
        { days: ['wed'], start: '14:00', end: '18:00' },
      ]);
      expect(isOnShift(split, new Date('2026-11-25T07:00:00.000Z'))).toBe(true);
      expect(isOnShift(split, new Date('2026-11-25T10:00:00.000Z'))).toBe(false);
      expect(isOnShift(split, new Date('2026-11-25T15:00:00.000Z'))).toBe(true);
    });
  });

  describe('dispatchOrder', () => {
    const sorted = (tickets: WaitingTicket[]) => [...tickets].sort(dispatchOrder).map((waiting) => waiting.ticketId);

    it('takes the highest priority first (none counts as normal)', () => {
      expect(
        sorted([
          ticket('low', { priority: 'low' }),
          ticket('none', { priority: null, queuedAt: '2026-11-25T08:00:00.000Z' }),
          ticket('emergency', { priority: 'emergency' }),
          ticket('normal', { priority: 'normal' }),
          ticket('high', { priority: 'high' }),
        ]),
      ).toEqual(['emergency', 'high', 'none', 'normal', 'low']);
    });

    it('then the earliest SLA due time, tickets without one last', () => {
      expect(
        sorted([
          ticket('no-sla', { queuedAt: '2026-11-25T07:00:00.000Z' }),
          ticket('due-later', { slaDueAt: '2026-11-25T12:00:00.000Z' }),
          ticket('due-soon', { slaDueAt: '2026-11-25T10:30:00.000Z' }),
        ]),
      ).toEqual(['due-soon', 'due-later', 'no-sla']);
    });

    it('then the oldest, then by id for a stable order', () => {
      expect(
        sorted([
          ticket('b', { queuedAt: '2026-11-25T09:00:00.000Z' }),
          ticket('young', { queuedAt: '2026-11-25T09:30:00.000Z' }),
          ticket('a', { queuedAt: '2026-11-25T09:00:00.000Z' }),
          ticket('old', { queuedAt: '2026-11-25T08:00:00.000Z' }),
        ]),
      ).toEqual(['old', 'a', 'b', 'young']);
    });

    it('puts priority before the SLA due time', () => {
      expect(sorted([ticket('normal-due-now', { slaDueAt: '2026-11-25T10:00:00.000Z' }), ticket('high-no-sla', { priority: 'high' })])).toEqual(['high-no-sla', 'normal-due-now']);
    });
  });

  describe('ineligibility', () => {
    it('is null for an agent who may take the ticket', () => {
      expect(ineligibility(ticket('t-1'), agent('a-1'), RULES, AT)).toBeNull();
    });

    it.each<[string, Partial<AgentCandidate>, Partial<AgentProfile>, Partial<WaitingTicket>, string]>([
      ['retired (before anything else)', { retired: true, availability: 'offline' }, {}, {}, 'retired'],
      ['away', { availability: 'away' }, {}, {}, 'away'],
      ['offline', { availability: 'offline' }, {}, {}, 'offline'],
      ['off shift', {}, { shifts: [{ days: ['sat'], start: '09:00', end: '17:00' }] }, {}, 'off shift'],
      ['without the language', {}, {}, { language: 'ko' }, 'no ko'],
      ['without the queue’s clearance', {}, { skills: ['security_incident'] }, { queue: 'security-emergency', category: 'security_incident' }, 'no security clearance'],
      ['without the category skill', {}, {}, { category: 'kyc_verification' }, 'no kyc_verification skill'],
      ['full on the ticket’s channel', { held: holding(2, 'chat') }, {}, {}, 'full (2 chat)'],
      ['full on a default capacity', { held: holding(10, 'email') }, {}, { channel: 'email' }, 'full (10 email)'],
    ])('says why an agent may not take it: %s', (_case, agentOverrides, profileOverrides, ticketOverrides, reason) => {
      expect(ineligibility(ticket('t-1', ticketOverrides), agent('a-1', agentOverrides, profileOverrides), RULES, AT)).toBe(reason);
    });

    it('names every missing clearance', () => {
      const rules: DispatchRules = { ...RULES, queueClearances: { vault: ['security', 'disputes'] } };
      expect(ineligibility(ticket('t-1', { queue: 'vault' }), agent('a-1'), rules, AT)).toBe('no security, disputes clearance');
    });

    it('needs no skill in a queue worked by clearance alone, nor for a ticket without a category', () => {
      const supervisor = agent('s-1', {}, { clearances: ['supervisor'], skills: ['general_inquiry'] });
      expect(ineligibility(ticket('t-1', { queue: 'supervisor', category: 'withdrawal_issue' }), supervisor, RULES, AT)).toBeNull();
      expect(ineligibility(ticket('t-1', { queue: 'chat-en', category: null }), agent('a-1', {}, { skills: ['general_inquiry'] }), RULES, AT)).toBeNull();
    });

    it('counts capacity per channel: full on chat, free on email', () => {
      expect(ineligibility(ticket('t-1', { channel: 'email' }), agent('a-1', { held: holding(2, 'chat') }), RULES, AT)).toBeNull();
    });
  });

  describe('rankAgents', () => {
    const ids = (agents: AgentCandidate[]) => agents.map((candidate) => candidate.agentId);

    it('puts the least loaded share of its capacity first, not the fewest tickets', () => {
      // a-1: 1 of 2 chats (50%); a-2: 2 of 5 chats (40%)
      const agents = [agent('a-1', { held: holding(1) }), agent('a-2', { held: holding(2) }, { capacity: { chat: 5 } })];
      expect(ids(rankAgents(ticket('t-1'), agents, RULES, AT))).toEqual(['a-2', 'a-1']);
    });

    it('then the longest idle (never took one first), then by id', () => {
      const agents = [
        agent('a-3', { lastTakenAt: '2026-11-25T09:00:00.000Z' }),
        agent('a-4', { lastTakenAt: '2026-11-25T08:00:00.000Z' }),
        agent('a-2'),
        agent('a-1'),
      ];
      expect(ids(rankAgents(ticket('t-1'), agents, RULES, AT))).toEqual(['a-1', 'a-2', 'a-4', 'a-3']);
    });

    it('leaves out agents who may not take it', () => {
      const agents = [agent('a-1', { availability: 'away' }), agent('a-2', { held: holding(2) }), agent('a-3', {}, { languages: ['ko'] }), agent('a-4')];
      expect(ids(rankAgents(ticket('t-1'), agents, RULES, AT))).toEqual(['a-4']);
    });
  });

  describe('unassignedReason', () => {
    it('says there are no agents', () => {
      expect(unassignedReason(ticket('t-1'), [], RULES, AT)).toBe('no agents');
    });

    it('counts the reasons, most common first', () => {
      const agents = [agent('a-1', { held: holding(2) }), agent('a-2', { availability: 'offline' }), agent('a-3', { availability: 'offline' }), agent('a-4', { availability: 'away' })];
      expect(unassignedReason(ticket('t-1'), agents, RULES, AT)).toBe('2 offline, 1 full (2 chat), 1 away');
    });

    it('calls an eligible agent passed over kept for emergencies (a surge)', () => {
      expect(unassignedReason(ticket('t-1'), [agent('sec-1', {}, { clearances: ['security'] })], RULES, AT)).toBe('1 kept for emergencies (surge)');
    });
  });

  describe('planAssignments', () => {
    it('assigns greedily in dispatch order to the best ranked agent, saying why', () => {
      const plan = planAssignments([ticket('normal'), ticket('emergency', { priority: 'emergency', queue: 'trading-en' })], [agent('a-1'), agent('a-2', { held: holding(1) })], RULES, AT, false);
      expect(plan).toEqual([
        { ticketId: 'emergency', agentId: 'a-1', reason: 'least loaded eligible agent (0% of its chat capacity)' },
        { ticketId: 'normal', agentId: 'a-2', reason: 'least loaded eligible agent (50% of its chat capacity)' },
      ]);
    });

    it('counts each planned assignment against the agent’s capacity', () => {
      const plan = planAssignments([ticket('t-1'), ticket('t-2'), ticket('t-3')], [agent('a-1')], RULES, AT, false);
      expect(plan.map((planned) => planned.ticketId)).toEqual(['t-1', 't-2']);
      expect(plan.every((planned) => planned.agentId === 'a-1')).toBe(true);
    });

    it('spreads tickets across agents by load, and the one who just took one counts as less idle', () => {
      const plan = planAssignments([ticket('t-1'), ticket('t-2'), ticket('t-3')], [agent('a-1'), agent('a-2')], RULES, AT, false);
      expect(plan.map(({ ticketId, agentId }) => [ticketId, agentId])).toEqual([
        ['t-1', 'a-1'],
        ['t-2', 'a-2'],
        ['t-3', 'a-1'],
      ]);
    });

    it('fills another channel when one is full', () => {
      const plan = planAssignments([ticket('c-1'), ticket('e-1', { channel: 'email' })], [agent('a-1', { held: holding(2) })], RULES, AT, false);
      expect(plan.map((planned) => planned.ticketId)).toEqual(['e-1']);
    });

    it('stops when no agent has room left', () => {
      const tickets = Array.from({ length: 50 }, (_, index) => ticket(`t-${String(index).padStart(2, '0')}`));
      const narrow: DispatchRules = { ...RULES, capacityDefaults: { chat: 1, email: 1, web_form: 1, social: 1, api: 1 } };
      const plan = planAssignments(tickets, [agent('a-1', {}, { capacity: {} }), agent('a-2', {}, { capacity: {} })], narrow, AT, false);
      expect(plan.map((planned) => planned.ticketId)).toEqual(['t-00', 't-01']);
    });

    it('plans nothing with nobody available, on shift and with room', () => {
      const agents = [
        agent('a-1', { availability: 'offline' }),
        agent('a-2', { retired: true }),
        agent('a-3', {}, { shifts: [{ days: ['sat'], start: '09:00', end: '17:00' }] }),
        agent('a-4', { held: { ...holding(2, 'chat'), ...holding(10, 'email'), ...holding(10, 'web_form'), ...holding(5, 'social'), ...holding(10, 'api') } }),
      ];
      expect(planAssignments([ticket('t-1')], agents, RULES, AT, false)).toEqual([]);
    });

    it('skips a ticket nobody may take and goes on with the next', () => {
      const plan = planAssignments([ticket('ko', { language: 'ko', priority: 'high' }), ticket('en')], [agent('a-1')], RULES, AT, false);
      expect(plan.map((planned) => planned.ticketId)).toEqual(['en']);
    });

    describe('in peak mode (an inflow surge)', () => {
      const security = agent('sec-1', {}, { clearances: ['security'], skills: ['trading_issue', 'security_incident'] });

      it('keeps agents cleared for security for emergencies', () => {
        expect(planAssignments([ticket('normal')], [security], RULES, AT, true)).toEqual([]);
        const plan = planAssignments([ticket('normal'), ticket('emergency', { priority: 'emergency', queue: 'security-emergency', category: 'security_incident' })], [security], RULES, AT, true);
        expect(plan.map((planned) => planned.ticketId)).toEqual(['emergency']);
      });

      it('gives the rest to the others', () => {
        const plan = planAssignments([ticket('t-1'), ticket('t-2')], [security, agent('a-1')], RULES, AT, true);
        expect(plan.map((planned) => planned.agentId)).toEqual(['a-1', 'a-1']);
      });

      it('uses security agents for anything outside a surge', () => {
        expect(planAssignments([ticket('normal')], [security], RULES, AT, false).map((planned) => planned.agentId)).toEqual(['sec-1']);
      });
    });
  });
});
