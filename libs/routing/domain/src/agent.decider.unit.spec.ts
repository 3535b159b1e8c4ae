import type { AgentAvailability, AgentEvent, AgentProfile, Channel } from '@ticketing/contracts';
import { ConflictError, IllegalStateError, NotFoundError, ValidationError } from '@ticketing/kernel';
import { deciderSpec } from '@ticketing/testing';
import { agentDecider, agentProfileProblems, DEFAULT_AGENT_CAPACITY, MAX_AGENT_CAPACITY, type AgentCommand, type TakeTicket } from './agent.decider';
import { loadOn } from './agent.state';

const spec = deciderSpec(agentDecider);
const NOW = '2026-11-25T10:00:00.000Z';
const LATER = '2026-11-25T10:30:00.000Z';
const AGENT = 'a-1';

const PROFILE: AgentProfile = {
  displayName: 'Mina Park',
  languages: ['en', 'ko'],
  skills: ['trading_issue', 'account_access'],
  clearances: [],
  capacity: { chat: 2 },
  timeZone: 'Asia/Seoul',
  shifts: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00' }],
};

const saved = (profile: AgentProfile = PROFILE, at = NOW): AgentEvent => ({
  type: 'AgentProfileSaved',
  schemaVersion: 1,
  data: { agentId: AGENT, profile, savedBy: 'sup-1', savedAt: at },
});
const availability = (from: AgentAvailability, to: AgentAvailability, at = NOW): AgentEvent => ({
  type: 'AgentAvailabilityChanged',
  schemaVersion: 1,
  data: { agentId: AGENT, from, to, by: AGENT, changedAt: at },
});
const retired = (): AgentEvent => ({ type: 'AgentRetired', schemaVersion: 1, data: { agentId: AGENT, by: 'sup-1', retiredAt: NOW } });
const taken = (ticketId: string, channel: Channel = 'chat', at = NOW): AgentEvent => ({
  type: 'AgentTicketTaken',
  schemaVersion: 1,
  data: { agentId: AGENT, ticketId, channel, takenAt: at },
});
const dropped = (ticketId: string, channel: Channel = 'chat', reason = 'released', at = LATER): AgentEvent => ({
  type: 'AgentTicketDropped',
  schemaVersion: 1,
  data: { agentId: AGENT, ticketId, channel, reason, droppedAt: at },
});

const save = (profile: unknown): AgentCommand => ({ type: 'SaveAgentProfile', data: { agentId: AGENT, profile: profile as AgentProfile, by: 'sup-1', now: NOW } });
const changeTo = (to: AgentAvailability): AgentCommand => ({ type: 'ChangeAgentAvailability', data: { agentId: AGENT, to, by: AGENT, now: LATER } });
const retire = (): AgentCommand => ({ type: 'RetireAgent', data: { agentId: AGENT, by: 'sup-1', now: NOW } });
const take = (ticketId: string, channel: Channel = 'chat', overrides: Partial<TakeTicket['data']> = {}): AgentCommand => ({
  type: 'TakeTicket',
  data: { agentId: AGENT, ticketId, channel, capacityDefaults: DEFAULT_AGENT_CAPACITY, requireOnline: true, now: LATER, ...overrides },
});
const drop = (ticketId: string, reason = 'released'): AgentCommand => ({ type: 'DropTicket', data: { agentId: AGENT, ticketId, reason, now: LATER } });

const ONLINE = [saved(), availability('offline', 'online')];
const AWAY = [...ONLINE, availability('online', 'away')];
const OFFLINE = [saved()];
/** Two chats, the profile's chat limit. */
const FULL = [...ONLINE, taken('t-1'), taken('t-2')];
const RETIRED = [...ONLINE, taken('t-1'), retired()];

/** The fields a ValidationError names. */
const fieldsOf = (error: ValidationError): string[] => error.errors.map((problem) => problem.field);
const refusedNaming = (history: readonly AgentEvent[], profile: unknown, field: string) =>
  spec
    .given(history)
    .when(save(profile))
    .thenThrows(ValidationError, (error) => {
      expect(fieldsOf(error)).toContain(field);
      expect(error.message).toContain(field);
    });

describe('agent decider', () => {
  describe('no agent yet', () => {
    it('saves a valid profile', () => {
      spec.given([]).when(save(PROFILE)).then([saved()]);
    });

    it('accepts a minimal profile: no clearances, no capacity (the defaults), no time zone (UTC), no shifts (always on)', () => {
      const minimal: AgentProfile = { displayName: 'X', languages: ['en'], skills: ['general_inquiry'], clearances: [], capacity: {}, timeZone: null, shifts: [] };
      expect(agentProfileProblems(minimal)).toEqual([]);
      spec.given([]).when(save(minimal)).then([saved(minimal)]);
    });

    it.each<[string, Partial<Record<keyof AgentProfile, unknown>>, string]>([
      ['no languages', { languages: [] }, 'languages'],
      ['an unknown language', { languages: ['fr'] }, 'languages'],
      ['a language twice', { languages: ['en', 'en'] }, 'languages'],
      ['no skills', { skills: [] }, 'skills'],
      ['an unknown category', { skills: ['billing'] }, 'skills'],
      ['a skill twice', { skills: ['trading_issue', 'trading_issue'] }, 'skills'],
      ['an unknown clearance', { clearances: ['root'] }, 'clearances'],
      ['a clearance twice', { clearances: ['security', 'security'] }, 'clearances'],
      ['capacity 0', { capacity: { chat: 0 } }, 'capacity.chat'],
      ['a negative capacity', { capacity: { email: -1 } }, 'capacity.email'],
      [`capacity ${MAX_AGENT_CAPACITY + 1}`, { capacity: { api: MAX_AGENT_CAPACITY + 1 } }, 'capacity.api'],
      ['a fractional capacity', { capacity: { chat: 1.5 } }, 'capacity.chat'],
      ['an unknown channel', { capacity: { fax: 2 } }, 'capacity.fax'],
      ['capacity as a list', { capacity: [2] }, 'capacity'],
      ['a bad time zone', { timeZone: 'Mars/Olympus' }, 'timeZone'],
      ['a blank name', { displayName: '  ' }, 'displayName'],
      ['a shift starting at 25:00', { shifts: [{ days: ['mon'], start: '25:00', end: '18:00' }] }, 'shifts[0].start'],
      ['a shift starting at 24:00', { shifts: [{ days: ['mon'], start: '24:00', end: '06:00' }] }, 'shifts[0].start'],
      ['a shift ending at 9:00 (no leading zero)', { shifts: [{ days: ['mon'], start: '08:00', end: '9:00' }] }, 'shifts[0].end'],
      ['a shift of no length', { shifts: [{ days: ['mon'], start: '09:00', end: '09:00' }] }, 'shifts[0]'],
      ['a shift on no day', { shifts: [{ days: [], start: '09:00', end: '18:00' }] }, 'shifts[0].days'],
      ['a shift on an unknown day', { shifts: [{ days: ['monday'], start: '09:00', end: '18:00' }] }, 'shifts[0].days'],
    ])('refuses %s with a ValidationError naming the field', (_case, change, field) => {
      refusedNaming([], { ...PROFILE, ...change }, field);
    });

    it('names every problem at once', () => {
      spec
        .given([])
        .when(save({ ...PROFILE, languages: [], skills: [], capacity: { chat: 0 } }))
        .thenThrows(ValidationError, (error) => expect(fieldsOf(error)).toEqual(['languages', 'skills', 'capacity.chat']));
    });

    it('refuses what is not a profile at all', () => {
      spec.given([]).when(save(null)).thenThrows(ValidationError, (error) => expect(fieldsOf(error)).toEqual(['profile']));
    });

    it('accepts an overnight shift and one ending at midnight', () => {
      expect(agentProfileProblems({ ...PROFILE, shifts: [{ days: ['fri'], start: '22:00', end: '06:00' }, { days: ['sat'], start: '18:00', end: '24:00' }] })).toEqual([]);
    });

    it.each([
      ['change its availability', changeTo('online')],
      ['retire it', retire()],
      ['take a ticket', take('t-1')],
    ])('cannot %s: not found', (_case, command) => {
      spec.given([]).when(command).thenThrows(NotFoundError);
    });

    it('drops nothing', () => {
      spec.given([]).when(drop('t-1')).thenNothingHappens();
    });
  });

  describe('an active agent, online', () => {
    it('decides nothing for the same profile saved again', () => {
      spec.given(ONLINE).when(save(PROFILE)).thenNothingHappens();
    });

    it('saves an edited profile', () => {
      const edited = { ...PROFILE, capacity: { chat: 3 } };
      spec.given(ONLINE).when(save(edited)).then([saved(edited)]);
    });

    it('refuses an invalid edit, naming the field', () => {
      refusedNaming(ONLINE, { ...PROFILE, languages: [] }, 'languages');
    });

    it.each(['away', 'offline'] as const)('goes %s', (to) => {
      spec.given(ONLINE).when(changeTo(to)).then([availability('online', to, LATER)]);
    });

    it('decides nothing when it is online already', () => {
      spec.given(ONLINE).when(changeTo('online')).thenNothingHappens();
    });

    it('takes a ticket on the channel it names', () => {
      spec.given(ONLINE).when(take('t-1', 'chat')).then([taken('t-1', 'chat', LATER)]);
    });

    it('decides nothing for a ticket it holds already (a redelivered assignment)', () => {
      spec.given([...ONLINE, taken('t-1')]).when(take('t-1')).thenNothingHappens();
    });

    it('counts capacity per channel: a full chat limit leaves email free', () => {
      spec.given([...ONLINE, taken('t-1', 'chat')]).when(take('t-2', 'chat')).then([taken('t-2', 'chat', LATER)]);
      spec.given(FULL).when(take('t-3', 'email')).then([taken('t-3', 'email', LATER)]);
    });

    it('uses the default capacity of a channel its profile does not name', () => {
      const emails = Array.from({ length: DEFAULT_AGENT_CAPACITY.email }, (_, index) => taken(`e-${index}`, 'email'));
      spec
        .given([...ONLINE, ...emails])
        .when(take('e-next', 'email'))
        .thenThrows(ConflictError, (error) => expect(error.message).toContain(`its limit is ${DEFAULT_AGENT_CAPACITY.email}`));
      spec.given([...ONLINE, ...emails.slice(1)]).when(take('e-next', 'email')).then([taken('e-next', 'email', LATER)]);
    });

    it('takes the defaults it is given: a smaller default fills sooner', () => {
      spec
        .given([...ONLINE, taken('s-1', 'social')])
        .when(take('s-2', 'social', { capacityDefaults: { ...DEFAULT_AGENT_CAPACITY, social: 1 } }))
        .thenThrows(ConflictError);
    });

    it('drops a ticket it holds, on the channel it was taken on', () => {
      spec.given([...ONLINE, taken('t-1', 'email')]).when(drop('t-1', 'transferred')).then([dropped('t-1', 'email', 'transferred')]);
    });

    it('decides nothing when dropping a ticket it does not hold (a redelivered release)', () => {
      spec.given(ONLINE).when(drop('t-1')).thenNothingHappens();
      spec.given([...ONLINE, taken('t-1'), dropped('t-1')]).when(drop('t-1')).thenNothingHappens();
    });

    it('retires', () => {
      spec.given(ONLINE).when(retire()).then([retired()]);
    });
  });

  describe('an active agent, away', () => {
    it('comes back online', () => {
      spec.given(AWAY).when(changeTo('online')).then([availability('away', 'online', LATER)]);
    });

    it('is refused a dispatched ticket (requireOnline), with a 409 naming its availability', () => {
      spec
        .given(AWAY)
        .when(take('t-1'))
        .thenThrows(ConflictError, (error) => expect(error.message).toContain('away'));
    });

    it('may still be handed one by a person (a transfer does not require online)', () => {
      spec.given(AWAY).when(take('t-1', 'chat', { requireOnline: false })).then([taken('t-1', 'chat', LATER)]);
    });
  });

  describe('an active agent, offline', () => {
    it('is offline from the start: a new agent is not dispatched to until it comes online', () => {
      spec
        .given(OFFLINE)
        .when(take('t-1'))
        .thenThrows(ConflictError, (error) => expect(error.details).toMatchObject({ availability: 'offline' }));
    });

    it('comes online', () => {
      spec.given(OFFLINE).when(changeTo('online')).then([availability('offline', 'online', LATER)]);
    });

    it('decides nothing when going offline again', () => {
      spec.given(OFFLINE).when(changeTo('offline')).thenNothingHappens();
    });

    it('takes a ticket without requireOnline, within its capacity', () => {
      spec.given(OFFLINE).when(take('t-1', 'chat', { requireOnline: false })).then([taken('t-1', 'chat', LATER)]);
    });

    it('keeps what it held when it went offline, and can give it back', () => {
      spec.given([...ONLINE, taken('t-1'), availability('online', 'offline')]).when(drop('t-1')).then([dropped('t-1')]);
    });
  });

  describe('a full agent', () => {
    it('refuses one more ticket on the full channel with a 409 naming the limit', () => {
      spec
        .given(FULL)
        .when(take('t-3'))
        .thenThrows(ConflictError, (error) => {
          expect(error.message).toBe('Agent a-1 holds 2 chat tickets, its limit is 2');
          expect(error.details).toEqual({ agentId: AGENT, channel: 'chat', load: 2, capacity: 2 });
        });
    });

    it('refuses it also without requireOnline: capacity holds for people too', () => {
      spec.given(FULL).when(take('t-3', 'chat', { requireOnline: false })).thenThrows(ConflictError);
    });

    it('decides nothing for a ticket it already holds, full or not', () => {
      spec.given(FULL).when(take('t-2')).thenNothingHappens();
    });

    it('has room again once a ticket is dropped', () => {
      spec.given([...FULL, dropped('t-1')]).when(take('t-3')).then([taken('t-3', 'chat', LATER)]);
    });

    it('has room again after its limit is raised', () => {
      spec.given([...FULL, saved({ ...PROFILE, capacity: { chat: 3 } })]).when(take('t-3')).then([taken('t-3', 'chat', LATER)]);
    });

    it('stays over a lowered limit without losing a ticket, and takes none until below it', () => {
      const lowered = [...FULL, saved({ ...PROFILE, capacity: { chat: 1 } })];
      const state = lowered.reduce(agentDecider.evolve, agentDecider.initialState());
      expect(loadOn(state, 'chat')).toBe(2);
      spec
        .given(lowered)
        .when(take('t-3'))
        .thenThrows(ConflictError, (error) => expect(error.message).toContain('holds 2 chat tickets, its limit is 1'));
      spec.given([...lowered, dropped('t-1')]).when(take('t-3')).thenThrows(ConflictError);
    });
  });

  describe('a retired agent', () => {
    it('takes no ticket, online or not: 409', () => {
      spec
        .given(RETIRED)
        .when(take('t-2', 'chat', { requireOnline: false }))
        .thenThrows(ConflictError, (error) => expect(error.message).toContain('retired'));
    });

    it('is offline', () => {
      const state = RETIRED.reduce(agentDecider.evolve, agentDecider.initialState());
      expect(state).toMatchObject({ retired: true, availability: 'offline', held: { 't-1': 'chat' } });
    });

    it('still gives back what it held', () => {
      spec.given(RETIRED).when(drop('t-1', 'agent_retired')).then([dropped('t-1', 'chat', 'agent_retired')]);
    });

    it('decides nothing when retired again', () => {
      spec.given(RETIRED).when(retire()).thenNothingHappens();
    });

    it('cannot change availability or be edited', () => {
      spec.given(RETIRED).when(changeTo('online')).thenThrows(IllegalStateError);
      spec.given(RETIRED).when(save({ ...PROFILE, displayName: 'Back again' })).thenThrows(IllegalStateError);
    });

    it('still gets a ValidationError first for an invalid profile', () => {
      refusedNaming(RETIRED, { ...PROFILE, skills: [] }, 'skills');
    });
  });
});
