import type {
  Category,
  Channel,
  Priority,
  SlaBreached,
  SlaClockEvent,
  SlaClockMet,
  SlaClockPaused,
  SlaClockReopened,
  SlaClockResumed,
  SlaClockRetimed,
  SlaClockStarted,
  SlaClockStopped,
  SlaPolicyApplied,
  SlaPolicyDocument,
  SlaTarget,
  SlaTicketTracked,
  SlaWarningIssued,
} from '@ticketing/contracts';
import { foldEvents, IllegalStateError } from '@ticketing/kernel';
import { deciderSpec } from '@ticketing/testing';
import { slaClockDecider, viewClocks, type SlaClockCommand, type SlaEnvironment } from './sla-clock.decider';
import { compilePolicy, SlaPolicyHistory } from './sla-policy';

const spec = deciderSpec(slaClockDecider);
const TICKET = 't-1';
const MIN = 60;
const HOUR = 3600;
/** Monday 10:00 UTC: every offset below is counted from this opening. */
const OPENED = '2026-12-07T10:00:00.000Z';
const after = (seconds: number, from = OPENED): string => new Date(Date.parse(from) + seconds * 1000).toISOString();

const ENV: SlaEnvironment = { policies: new SlaPolicyHistory(), warningThresholds: [0.75, 0.9] };

/** An office that answers first responses within 8 working minutes, Mon–Fri 09:00–18:00 Berlin time. */
const OFFICE_POLICY: SlaPolicyDocument = {
  rules: [{ name: 'berlin-office', match: {}, targets: { firstResponse: 'PT8M' }, calendar: 'berlin-office' }],
  calendars: {
    'berlin-office': {
      timeZone: 'Europe/Berlin',
      workingHours: { mon: [['09:00', '18:00']], tue: [['09:00', '18:00']], wed: [['09:00', '18:00']], thu: [['09:00', '18:00']], fri: [['09:00', '18:00']] },
    },
  },
};
const OFFICE_ENV: SlaEnvironment = {
  policies: new SlaPolicyHistory().with(compilePolicy(1, '2026-01-01T00:00:00.000Z', OFFICE_POLICY)),
  warningThresholds: [0.75, 0.9],
};

// Commands: every fact carries its own time, so each builder takes one.
const base = (at: string, env: SlaEnvironment) => ({ ticketId: TICKET, at, env });
const track = (channel: Channel = 'chat', at = OPENED, env = ENV): SlaClockCommand => ({ type: 'TrackTicket', data: { ...base(at, env), channel, language: 'en' } });
const classify = (at: string, category: Category = 'security_incident', priority: Priority = 'emergency', because: 'classified' | 'recategorized' = 'classified', env = ENV): SlaClockCommand => ({
  type: 'ApplyClassification',
  data: { ...base(at, env), category, priority, because },
});
const firstResponse = (at: string, env = ENV): SlaClockCommand => ({ type: 'NoteFirstResponse', data: base(at, env) });
const agentReply = (at: string, env = ENV): SlaClockCommand => ({ type: 'NoteAgentReply', data: base(at, env) });
const customerMessage = (at: string, env = ENV): SlaClockCommand => ({ type: 'NoteCustomerMessage', data: base(at, env) });
const waiting = (at: string, env = ENV): SlaClockCommand => ({ type: 'NoteWaitingOnCustomer', data: base(at, env) });
const progress = (at: string, env = ENV): SlaClockCommand => ({ type: 'NoteProgressStarted', data: base(at, env) });
const resolve = (at: string, selfServed = false, env = ENV): SlaClockCommand => ({ type: 'NoteResolved', data: { ...base(at, env), selfServed } });
const reopen = (at: string, env = ENV): SlaClockCommand => ({ type: 'NoteReopened', data: base(at, env) });
const close = (at: string, reason: 'closed' | 'merged' = 'closed', env = ENV): SlaClockCommand => ({ type: 'NoteClosed', data: { ...base(at, env), reason } });
const check = (at: string, env = ENV): SlaClockCommand => ({ type: 'CheckDeadlines', data: base(at, env) });

/** The history the decider itself writes for these facts: clearer than spelling out every event of the setup. */
function historyOf(...commands: readonly SlaClockCommand[]): SlaClockEvent[] {
  const history: SlaClockEvent[] = [];
  for (const command of commands) {
    const decided = slaClockDecider.decide(command, foldEvents(slaClockDecider, history));
    history.push(...(Array.isArray(decided) ? decided : [decided as SlaClockEvent]));
  }
  return history;
}
const decided = (history: readonly SlaClockEvent[], command: SlaClockCommand): readonly SlaClockEvent[] =>
  slaClockDecider.decide(command, foldEvents(slaClockDecider, history)) as readonly SlaClockEvent[];
const viewAt = (history: readonly SlaClockEvent[], at: string, env = ENV) => viewClocks(foldEvents(slaClockDecider, history), env, at);
const viewOf = (history: readonly SlaClockEvent[], target: SlaTarget, at: string, env = ENV) => viewAt(history, at, env).find((view) => view.target === target);

// Expected events, written out so a changed field shows up as a failing spec.
const tracked = (channel: Channel = 'chat', openedAt = OPENED): SlaTicketTracked => ({
  type: 'SlaTicketTracked',
  schemaVersion: 1,
  data: { ticketId: TICKET, channel, language: 'en', openedAt },
});
const applied = (data: Omit<SlaPolicyApplied['data'], 'ticketId'>): SlaPolicyApplied => ({ type: 'SlaPolicyApplied', schemaVersion: 1, data: { ticketId: TICKET, ...data } });
const started = (data: Omit<SlaClockStarted['data'], 'ticketId' | 'calendar' | 'policyVersion'> & Partial<SlaClockStarted['data']>): SlaClockStarted => ({
  type: 'SlaClockStarted',
  schemaVersion: 1,
  data: { ticketId: TICKET, calendar: '24/7', policyVersion: 0, ...data },
});
const retimed = (data: Omit<SlaClockRetimed['data'], 'ticketId' | 'calendar' | 'policyVersion'>): SlaClockRetimed => ({
  type: 'SlaClockRetimed',
  schemaVersion: 1,
  data: { ticketId: TICKET, calendar: '24/7', policyVersion: 0, ...data },
});
const paused = (target: SlaTarget, pausedAt: string, elapsedSeconds: number): SlaClockPaused => ({
  type: 'SlaClockPaused',
  schemaVersion: 1,
  data: { ticketId: TICKET, target, pausedAt, elapsedSeconds },
});
const resumed = (target: SlaTarget, resumedAt: string, dueAt: string, warnAt: readonly string[]): SlaClockResumed => ({
  type: 'SlaClockResumed',
  schemaVersion: 1,
  data: { ticketId: TICKET, target, resumedAt, dueAt, warnAt },
});
const met = (target: SlaTarget, metAt: string, elapsedSeconds: number, withinTarget: boolean): SlaClockMet => ({
  type: 'SlaClockMet',
  schemaVersion: 1,
  data: { ticketId: TICKET, target, metAt, elapsedSeconds, withinTarget },
});
const stopped = (target: SlaTarget, reason: SlaClockStopped['data']['reason'], stoppedAt: string, elapsedSeconds: number): SlaClockStopped => ({
  type: 'SlaClockStopped',
  schemaVersion: 1,
  data: { ticketId: TICKET, target, reason, stoppedAt, elapsedSeconds },
});
const reopened = (reopenedAt: string, dueAt: string, warnAt: readonly string[]): SlaClockReopened => ({
  type: 'SlaClockReopened',
  schemaVersion: 1,
  data: { ticketId: TICKET, target: 'resolution', reopenedAt, dueAt, warnAt },
});
const warned = (target: SlaTarget, threshold: number, dueAt: string, remainingSeconds: number, warnedAt: string): SlaWarningIssued => ({
  type: 'SlaWarningIssued',
  schemaVersion: 1,
  data: { ticketId: TICKET, target, threshold, dueAt, remainingSeconds, warnedAt },
});
const breached = (data: Omit<SlaBreached['data'], 'ticketId' | 'policyVersion' | 'channel' | 'priority' | 'category'> & Partial<SlaBreached['data']>): SlaBreached => ({
  type: 'SlaBreached',
  schemaVersion: 1,
  data: { ticketId: TICKET, policyVersion: 0, channel: 'chat', priority: null, category: null, ...data },
});

/** The default policy's choice for a chat ticket nobody has classified yet. */
const CHAT_TARGETS = [
  { target: 'firstResponse', rule: 'live-chat', duration: 'PT5M', calendar: '24/7' },
  { target: 'nextResponse', rule: 'live-chat', duration: 'PT5M', calendar: '24/7' },
  { target: 'resolution', rule: 'all-channels', duration: 'PT72H', calendar: '24/7' },
] as const;
const chatFirstResponse = started({ target: 'firstResponse', duration: 'PT5M', rule: 'live-chat', startedAt: OPENED, dueAt: after(5 * MIN), warnAt: [after(3 * MIN + 45), after(4 * MIN + 30)] });
const chatResolution = started({ target: 'resolution', duration: 'PT72H', rule: 'all-channels', startedAt: OPENED, dueAt: after(72 * HOUR), warnAt: [after(54 * HOUR), after(64 * HOUR + 48 * MIN)] });

describe('SLA clock decider', () => {
  describe('an untracked ticket', () => {
    it('starts the first-response and resolution clocks of a chat ticket on its opening (5 min, warnings at 3:45 and 4:30)', () => {
      spec
        .given([])
        .when(track('chat'))
        .then([tracked(), applied({ policyVersion: 0, because: 'opened', priority: null, category: null, targets: CHAT_TARGETS, appliedAt: OPENED }), chatFirstResponse, chatResolution]);
    });

    it.each([
      ['email', 'PT8M', 'all-channels', 8 * MIN],
      ['web_form', 'PT8M', 'all-channels', 8 * MIN],
      ['social', 'PT1H', 'public-social-complaint', HOUR],
    ] as const)('gives a %s ticket a first response of %s (rule %s)', (channel, duration, rule, seconds) => {
      const clock = historyOf(track(channel)).find((event): event is SlaClockStarted => event.type === 'SlaClockStarted' && event.data.target === 'firstResponse');
      expect(clock?.data).toMatchObject({ duration, rule, dueAt: after(seconds) });
    });

    it('measures a business-calendar target in working time: opened Friday 17:58 Berlin on 8 working minutes is due Monday 09:06', () => {
      const fridayEvening = '2026-12-04T16:58:00.000Z'; // 17:58 CET
      spec
        .given([])
        .when(track('email', fridayEvening, OFFICE_ENV))
        .then([
          tracked('email', fridayEvening),
          applied({
            policyVersion: 1,
            because: 'opened',
            priority: null,
            category: null,
            targets: [{ target: 'firstResponse', rule: 'berlin-office', duration: 'PT8M', calendar: 'berlin-office' }],
            appliedAt: fridayEvening,
          }),
          started({
            target: 'firstResponse',
            duration: 'PT8M',
            rule: 'berlin-office',
            calendar: 'berlin-office',
            policyVersion: 1,
            startedAt: fridayEvening,
            // 2 working minutes on Friday, the remaining 6 on Monday from 09:00 CET (08:00 UTC).
            dueAt: '2026-12-07T08:06:00.000Z',
            warnAt: ['2026-12-07T08:04:00.000Z', '2026-12-07T08:05:12.000Z'],
          }),
        ]);
    });

    it('lets a weekend pass on a business calendar without warning, and counts Monday from 09:00', () => {
      const history = historyOf(track('email', '2026-12-04T16:58:00.000Z', OFFICE_ENV));
      spec.given(history).when(check('2026-12-06T12:00:00.000Z', OFFICE_ENV)).thenNothingHappens();
      expect(viewOf(history, 'firstResponse', '2026-12-06T12:00:00.000Z', OFFICE_ENV)).toMatchObject({ elapsedSeconds: 2 * MIN, remainingSeconds: 6 * MIN });
      expect(decided(history, check('2026-12-07T08:04:00.000Z', OFFICE_ENV))).toEqual([warned('firstResponse', 0.75, '2026-12-07T08:06:00.000Z', 2 * MIN, '2026-12-07T08:04:00.000Z')]);
    });

    it.each([
      ['ApplyClassification', classify(after(MIN))],
      ['NoteFirstResponse', firstResponse(after(MIN))],
      ['NoteCustomerMessage', customerMessage(after(MIN))],
      ['NoteWaitingOnCustomer', waiting(after(MIN))],
      ['NoteResolved', resolve(after(MIN))],
      ['NoteClosed', close(after(MIN))],
    ])('refuses %s until the opening has arrived (the bus delivers it again)', (_type, command) => {
      spec.given([]).when(command).thenThrows(IllegalStateError, (error) => expect(error.state).toBe('untracked'));
    });

    it('lets the timer pass over a ticket it does not track yet', () => {
      spec.given([]).when(check(after(HOUR))).thenNothingHappens();
    });

    it('ignores a redelivered opening', () => {
      spec.given(historyOf(track())).when(track('chat', after(MIN))).thenNothingHappens();
    });
  });

  describe('a tracked ticket before classification', () => {
    const history = historyOf(track());

    it('issues nothing before 75% of the first-response target', () => {
      spec.given(history).when(check(after(3 * MIN + 44))).thenNothingHappens();
    });

    it('warns once at 75%, with the time left', () => {
      spec
        .given(history)
        .when(check(after(3 * MIN + 45)))
        .then([warned('firstResponse', 0.75, after(5 * MIN), 75, after(3 * MIN + 45))]);
    });

    it('warns a second time at 90%, not again at 75%', () => {
      spec
        .given(historyOf(track(), check(after(3 * MIN + 45))))
        .when(check(after(4 * MIN + 30)))
        .then([warned('firstResponse', 0.9, after(5 * MIN), 30, after(4 * MIN + 30))]);
    });

    it('breaches at the due time and escalates a first response one priority up to the supervisors', () => {
      spec
        .given(historyOf(track(), check(after(3 * MIN + 45)), check(after(4 * MIN + 30))))
        .when(check(after(5 * MIN)))
        .then([breached({ target: 'firstResponse', rule: 'live-chat', duration: 'PT5M', dueAt: after(5 * MIN), breachedAt: after(5 * MIN), escalation: { toPriority: 'high', toQueue: 'supervisor' } })]);
    });

    it('breaches only once, however often the timer fires after the due time', () => {
      spec
        .given(historyOf(track(), check(after(5 * MIN))))
        .when(check(after(6 * MIN)))
        .thenNothingHappens();
    });

    it('breaches without the warnings a timer that was down has missed', () => {
      expect(decided(history, check(after(10 * MIN))).map((event) => event.type)).toEqual(['SlaBreached']);
    });

    it('meets a first response given in time', () => {
      spec
        .given(history)
        .when(firstResponse(after(2 * MIN)))
        .then([met('firstResponse', after(2 * MIN), 120, true)]);
    });

    it('breaches a first response given late while the timer was down, then meets it outside the target', () => {
      spec
        .given(history)
        .when(firstResponse(after(6 * MIN)))
        .then([
          breached({ target: 'firstResponse', rule: 'live-chat', duration: 'PT5M', dueAt: after(5 * MIN), breachedAt: after(6 * MIN), escalation: { toPriority: 'high', toQueue: 'supervisor' } }),
          met('firstResponse', after(6 * MIN), 360, false),
        ]);
    });

    it('does not breach a late first response a second time', () => {
      spec
        .given(historyOf(track(), check(after(5 * MIN))))
        .when(firstResponse(after(6 * MIN)))
        .then([met('firstResponse', after(6 * MIN), 360, false)]);
    });

    it('counts a reply at the very due time as missed once the timer has breached it', () => {
      spec
        .given(historyOf(track(), check(after(5 * MIN))))
        .when(firstResponse(after(5 * MIN)))
        .then([met('firstResponse', after(5 * MIN), 300, false)]);
    });

    it('ignores a redelivered first response', () => {
      spec
        .given(historyOf(track(), firstResponse(after(2 * MIN))))
        .when(firstResponse(after(2 * MIN)))
        .thenNothingHappens();
    });

    it('starts the emergency processing clock from the opening and retimes resolution to 24 h, keeping the time elapsed', () => {
      spec
        .given(history)
        .when(classify(after(MIN)))
        .then([
          applied({
            policyVersion: 0,
            because: 'classified',
            priority: 'emergency',
            category: 'security_incident',
            targets: [
              { target: 'firstResponse', rule: 'live-chat', duration: 'PT5M', calendar: '24/7' },
              { target: 'nextResponse', rule: 'live-chat', duration: 'PT5M', calendar: '24/7' },
              { target: 'processingStart', rule: 'asset-security-emergency', duration: 'PT2H', calendar: '24/7' },
              { target: 'resolution', rule: 'asset-security-emergency', duration: 'PT24H', calendar: '24/7' },
            ],
            appliedAt: after(MIN),
          }),
          started({ target: 'processingStart', duration: 'PT2H', rule: 'asset-security-emergency', startedAt: OPENED, dueAt: after(2 * HOUR), warnAt: [after(90 * MIN), after(108 * MIN)] }),
          // One minute already ran: the 24 hours still count from the opening.
          retimed({
            target: 'resolution',
            duration: 'PT24H',
            rule: 'asset-security-emergency',
            retimedAt: after(MIN),
            elapsedSeconds: 60,
            dueAt: after(24 * HOUR),
            warnAt: [after(18 * HOUR), after(21 * HOUR + 36 * MIN)],
          }),
        ]);
    });

    it('keeps the verdict of a clock met before the classification arrived, even if the new target would have been missed', () => {
      // A policy where an emergency's first response is due in 1 minute, so the late classification would turn a met 3 minutes into a miss.
      const strict: SlaEnvironment = {
        policies: new SlaPolicyHistory().with(
          compilePolicy(1, '2026-01-01T00:00:00.000Z', {
            rules: [
              { name: 'emergency-first-response', match: { priority: 'emergency' }, targets: { firstResponse: 'PT1M' } },
              { name: 'everyone', match: {}, targets: { firstResponse: 'PT8M', resolution: 'PT72H' } },
            ],
          }),
        ),
        warningThresholds: [0.75, 0.9],
      };
      const answered = historyOf(track('email', OPENED, strict), firstResponse(after(3 * MIN), strict));
      spec
        .given(answered)
        .when(classify(after(4 * MIN), 'security_incident', 'emergency', 'classified', strict))
        .then([
          applied({
            policyVersion: 1,
            because: 'classified',
            priority: 'emergency',
            category: 'security_incident',
            targets: [
              { target: 'firstResponse', rule: 'emergency-first-response', duration: 'PT1M', calendar: '24/7' },
              { target: 'resolution', rule: 'everyone', duration: 'PT72H', calendar: '24/7' },
            ],
            appliedAt: after(4 * MIN),
          }),
        ]);
      const classified = [...answered, ...decided(answered, classify(after(4 * MIN), 'security_incident', 'emergency', 'classified', strict))];
      expect(viewOf(classified, 'firstResponse', after(HOUR), strict)).toMatchObject({ state: 'met', duration: 'PT8M', elapsedSeconds: 180 });
    });

    it('meets an emergency processing clock a late classification adds when work had already started', () => {
      // Intake's progress arrived before routing's classification (another topic): the clock is met at the progress time.
      const started = historyOf(track('email'), progress(after(30 * MIN)));
      expect(started.map((event) => event.type)).toContain('SlaProgressNoted');
      const events = decided(started, classify(after(MIN)));
      const met = events.find((event): event is SlaClockMet => event.type === 'SlaClockMet');
      expect(met?.data).toMatchObject({ target: 'processingStart', metAt: after(30 * MIN), elapsedSeconds: 30 * MIN, withinTarget: true });
      expect(events.some((event) => event.type === 'SlaBreached')).toBe(false);
      const later = [...started, ...events];
      expect(decided(later, check(after(3 * HOUR))).filter((event) => event.type === 'SlaBreached' && event.data.target === 'processingStart')).toEqual([]);
    });

    it('starts a clock a late classification adds paused when the ticket is waiting on the customer', () => {
      const waitingTicket = historyOf(track('email'), firstResponse(after(2 * MIN)), waiting(after(10 * MIN)));
      const events = decided(waitingTicket, classify(after(20 * MIN)));
      const paused = events.find((event): event is SlaClockPaused => event.type === 'SlaClockPaused' && event.data.target === 'processingStart');
      expect(paused?.data).toMatchObject({ pausedAt: after(20 * MIN), elapsedSeconds: 20 * MIN });
      expect(decided([...waitingTicket, ...events], check(after(5 * HOUR))).filter((event) => event.type === 'SlaBreached')).toEqual([]);
    });

    it('retimes a running clock from its last resume when the classification arrives older than it', () => {
      // Paused at 10 min, resumed at 30 min; a classification made at 20 min arrives after the resume.
      const resumed = historyOf(track('email'), firstResponse(after(2 * MIN)), waiting(after(10 * MIN)), customerMessage(after(30 * MIN)));
      const retimed = decided(resumed, classify(after(20 * MIN))).find((event): event is SlaClockRetimed => event.type === 'SlaClockRetimed' && event.data.target === 'resolution');
      expect(retimed?.data).toMatchObject({ retimedAt: after(30 * MIN), elapsedSeconds: 10 * MIN, duration: 'PT24H', dueAt: after(30 * MIN + 24 * HOUR - 10 * MIN) });
    });
  });

  describe('a classified ticket', () => {
    const emergency = historyOf(track(), classify(after(MIN)));

    it('changes nothing on a second identical classification', () => {
      spec.given(emergency).when(classify(after(2 * MIN))).thenNothingHappens();
    });

    it('changes nothing on an older classification delivered after a newer recategorization', () => {
      const recategorized = historyOf(track(), classify(after(MIN)), classify(after(10 * MIN), 'trading_issue', 'normal', 'recategorized'));
      spec.given(recategorized).when(classify(after(MIN))).thenNothingHappens();
    });

    it('stops the processing clock and retimes resolution when an emergency is recategorized as normal', () => {
      spec
        .given(emergency)
        .when(classify(after(10 * MIN), 'trading_issue', 'normal', 'recategorized'))
        .then([
          applied({
            policyVersion: 0,
            because: 'recategorized',
            priority: 'normal',
            category: 'trading_issue',
            targets: [
              { target: 'firstResponse', rule: 'live-chat', duration: 'PT5M', calendar: '24/7' },
              { target: 'nextResponse', rule: 'live-chat', duration: 'PT5M', calendar: '24/7' },
              { target: 'resolution', rule: 'normal-priority', duration: 'PT72H', calendar: '24/7' },
            ],
            appliedAt: after(10 * MIN),
          }),
          stopped('processingStart', 'target_removed', after(10 * MIN), 600),
          retimed({
            target: 'resolution',
            duration: 'PT72H',
            rule: 'normal-priority',
            retimedAt: after(10 * MIN),
            elapsedSeconds: 600,
            dueAt: after(72 * HOUR),
            warnAt: [after(54 * HOUR), after(64 * HOUR + 48 * MIN)],
          }),
        ]);
    });

    it('escalates a missed processing start within the emergency priority', () => {
      const events = decided(historyOf(track(), classify(after(MIN)), firstResponse(after(2 * MIN))), check(after(2 * HOUR)));
      expect(events).toEqual([
        breached({
          target: 'processingStart',
          rule: 'asset-security-emergency',
          duration: 'PT2H',
          dueAt: after(2 * HOUR),
          breachedAt: after(2 * HOUR),
          priority: 'emergency',
          category: 'security_incident',
          escalation: { toPriority: 'emergency', toQueue: 'supervisor' },
        }),
      ]);
    });

    it('meets the processing clock when work starts', () => {
      spec
        .given(emergency)
        .when(progress(after(30 * MIN)))
        .then([met('processingStart', after(30 * MIN), 1800, true)]);
    });

    describe('next response', () => {
      const answered = historyOf(track(), classify(after(MIN)), firstResponse(after(2 * MIN)));

      it('starts on a customer message after the first response', () => {
        spec
          .given(answered)
          .when(customerMessage(after(10 * MIN)))
          .then([
            started({
              target: 'nextResponse',
              duration: 'PT5M',
              rule: 'live-chat',
              startedAt: after(10 * MIN),
              dueAt: after(15 * MIN),
              warnAt: [after(13 * MIN + 45), after(14 * MIN + 30)],
            }),
          ]);
      });

      it('does not start while the first response is still awaited', () => {
        spec.given(historyOf(track())).when(customerMessage(after(MIN))).thenNothingHappens();
      });

      it('is met by the next agent reply', () => {
        spec
          .given(historyOf(track(), classify(after(MIN)), firstResponse(after(2 * MIN)), customerMessage(after(10 * MIN))))
          .when(agentReply(after(12 * MIN)))
          .then([met('nextResponse', after(12 * MIN), 120, true)]);
      });

      it('is not met by an old agent reply delivered again', () => {
        spec
          .given(historyOf(track(), classify(after(MIN)), firstResponse(after(2 * MIN)), agentReply(after(2 * MIN)), customerMessage(after(10 * MIN))))
          .when(agentReply(after(2 * MIN)))
          .thenNothingHappens();
      });

      it('is not started again by the same customer message delivered after the reply', () => {
        spec
          .given(historyOf(track(), firstResponse(after(2 * MIN)), customerMessage(after(10 * MIN)), agentReply(after(12 * MIN))))
          .when(customerMessage(after(10 * MIN)))
          .thenNothingHappens();
      });

      it('starts a new clock on the next customer message', () => {
        const events = decided(historyOf(track(), firstResponse(after(2 * MIN)), customerMessage(after(10 * MIN)), agentReply(after(12 * MIN))), customerMessage(after(20 * MIN)));
        expect(events).toEqual([expect.objectContaining({ type: 'SlaClockStarted', data: expect.objectContaining({ target: 'nextResponse', startedAt: after(20 * MIN), dueAt: after(25 * MIN) }) })]);
      });
    });
  });

  describe('a ticket waiting on the customer', () => {
    const waitingSince2 = historyOf(track(), waiting(after(2 * MIN)));

    it('pauses every running clock', () => {
      spec
        .given(historyOf(track()))
        .when(waiting(after(2 * MIN)))
        .then([paused('firstResponse', after(2 * MIN), 120), paused('resolution', after(2 * MIN), 120)]);
    });

    it('issues nothing while paused, even long after the due time', () => {
      spec.given(waitingSince2).when(check(after(3 * HOUR))).thenNothingHappens();
    });

    it("resumes on the customer's reply with every due time shifted by the time paused", () => {
      spec
        .given(waitingSince2)
        .when(customerMessage(after(HOUR)))
        .then([
          resumed('firstResponse', after(HOUR), after(HOUR + 3 * MIN), [after(HOUR + MIN + 45), after(HOUR + 2 * MIN + 30)]),
          resumed('resolution', after(HOUR), after(HOUR + 72 * HOUR - 2 * MIN), [after(HOUR + 54 * HOUR - 2 * MIN), after(HOUR + 64 * HOUR + 46 * MIN)]),
        ]);
    });

    it('resumes when an agent starts working on it again', () => {
      expect(decided(waitingSince2, progress(after(HOUR))).map((event) => [event.type, (event.data as { target: SlaTarget }).target])).toEqual([
        // No processing clock measures it (not an emergency yet): remembered for a classification that may still add one.
        ['SlaProgressNoted', undefined],
        ['SlaClockResumed', 'firstResponse'],
        ['SlaClockResumed', 'resolution'],
      ]);
    });

    it('schedules only the warnings still ahead when it resumes a clock paused past 75%', () => {
      const events = decided(historyOf(track(), waiting(after(4 * MIN))), customerMessage(after(HOUR)));
      expect(events[0]).toEqual(resumed('firstResponse', after(HOUR), after(HOUR + MIN), [after(HOUR + 30)]));
    });

    it('ignores an old waiting-on-customer delivered again after the resume', () => {
      spec
        .given(historyOf(track(), waiting(after(2 * MIN)), customerMessage(after(HOUR))))
        .when(waiting(after(2 * MIN)))
        .thenNothingHappens();
    });

    it('ignores an old customer message delivered again during a later pause', () => {
      spec
        .given(historyOf(track(), waiting(after(2 * MIN)), customerMessage(after(HOUR)), waiting(after(HOUR + MIN))))
        .when(customerMessage(after(HOUR)))
        .thenNothingHappens();
    });

    it('warns and breaches after the resume as if the pause had not happened', () => {
      const resumedAtHour = historyOf(track(), waiting(after(2 * MIN)), customerMessage(after(HOUR)));
      spec.given(resumedAtHour).when(check(after(HOUR + MIN + 44))).thenNothingHappens();
      expect(decided(resumedAtHour, check(after(HOUR + 3 * MIN))).map((event) => event.type)).toEqual(['SlaBreached']);
    });
  });

  describe('a resolved ticket', () => {
    const answered = historyOf(track(), firstResponse(after(2 * MIN)), customerMessage(after(10 * MIN)));

    it('meets resolution and stops the response clocks as resolved', () => {
      spec
        .given(answered)
        .when(resolve(after(HOUR)))
        .then([met('resolution', after(HOUR), HOUR, true), stopped('nextResponse', 'resolved', after(HOUR), 50 * MIN)]);
    });

    it('stops them as self-served when the customer solved it with an article', () => {
      spec
        .given(historyOf(track()))
        .when(resolve(after(3 * MIN), true))
        .then([stopped('firstResponse', 'self_served', after(3 * MIN), 180), met('resolution', after(3 * MIN), 180, true)]);
    });

    it('meets an emergency processing clock nobody started before the resolution', () => {
      expect(decided(historyOf(track(), classify(after(MIN))), resolve(after(HOUR))).map((event) => [event.type, (event.data as { target: SlaTarget }).target])).toEqual([
        ['SlaClockStopped', 'firstResponse'],
        ['SlaClockMet', 'resolution'],
        ['SlaClockMet', 'processingStart'],
      ]);
    });

    it('runs resolution again on a reopen, not counting the time it was resolved', () => {
      const resolved = historyOf(track(), resolve(after(HOUR)));
      spec
        .given(resolved)
        .when(reopen(after(3 * HOUR)))
        .then([reopened(after(3 * HOUR), after(3 * HOUR + 71 * HOUR), [after(3 * HOUR + 53 * HOUR), after(3 * HOUR + 63 * HOUR + 48 * MIN)])]);
      const again = [...resolved, ...decided(resolved, reopen(after(3 * HOUR)))];
      expect(viewOf(again, 'resolution', after(4 * HOUR))).toMatchObject({ state: 'running', elapsedSeconds: 2 * HOUR, pausedSeconds: 2 * HOUR, remainingSeconds: 70 * HOUR });
    });

    it('ignores a reopen delivered again', () => {
      spec
        .given(historyOf(track(), resolve(after(HOUR)), reopen(after(3 * HOUR))))
        .when(reopen(after(3 * HOUR)))
        .thenNothingHappens();
    });

    it('ignores an old resolution delivered again after the reopen', () => {
      spec
        .given(historyOf(track(), resolve(after(HOUR)), reopen(after(3 * HOUR))))
        .when(resolve(after(HOUR)))
        .thenNothingHappens();
    });

    it('ignores an old reopen delivered again after the next resolution', () => {
      spec
        .given(historyOf(track(), resolve(after(HOUR)), reopen(after(3 * HOUR)), resolve(after(4 * HOUR))))
        .when(reopen(after(3 * HOUR)))
        .thenNothingHappens();
    });

    it('starts no clock for a classification that arrives after the resolution', () => {
      spec
        .given(historyOf(track(), resolve(after(HOUR))))
        .when(classify(after(2 * HOUR)))
        .then([
          applied({
            policyVersion: 0,
            because: 'classified',
            priority: 'emergency',
            category: 'security_incident',
            targets: [
              { target: 'firstResponse', rule: 'live-chat', duration: 'PT5M', calendar: '24/7' },
              { target: 'nextResponse', rule: 'live-chat', duration: 'PT5M', calendar: '24/7' },
              { target: 'processingStart', rule: 'asset-security-emergency', duration: 'PT2H', calendar: '24/7' },
              { target: 'resolution', rule: 'asset-security-emergency', duration: 'PT24H', calendar: '24/7' },
            ],
            appliedAt: after(2 * HOUR),
          }),
        ]);
    });
  });

  describe('a closed ticket', () => {
    it.each(['closed', 'merged'] as const)('stops every live clock when %s', (reason) => {
      spec
        .given(historyOf(track(), classify(after(MIN)), waiting(after(2 * MIN))))
        .when(close(after(HOUR), reason))
        .then([stopped('firstResponse', reason, after(HOUR), 120), stopped('resolution', reason, after(HOUR), 120), stopped('processingStart', reason, after(HOUR), 120)]);
    });

    it('leaves a met resolution alone when a resolved ticket is closed', () => {
      spec
        .given(historyOf(track(), firstResponse(after(MIN)), resolve(after(HOUR))))
        .when(close(after(2 * HOUR)))
        .thenNothingHappens();
    });

    it('warns and breaches nothing any more, not even for a clock closed past 75% without its warning', () => {
      spec
        .given(historyOf(track(), close(after(4 * MIN))))
        .when(check(after(100 * HOUR)))
        .thenNothingHappens();
    });

    it('starts no clock for a classification that arrives after the close', () => {
      const events = decided(historyOf(track(), close(after(MIN), 'merged')), classify(after(2 * MIN)));
      expect(events.map((event) => event.type)).toEqual(['SlaPolicyApplied']);
    });

    it('ignores an old close delivered again after the ticket was reopened', () => {
      spec
        .given(historyOf(track(), resolve(after(HOUR)), close(after(2 * HOUR)), reopen(after(3 * HOUR))))
        .when(close(after(2 * HOUR)))
        .thenNothingHappens();
    });
  });

  describe('viewClocks', () => {
    it('shows a running clock with the time elapsed and left', () => {
      expect(viewAt(historyOf(track()), after(MIN))).toEqual([
        expect.objectContaining({ target: 'firstResponse', state: 'running', dueAt: after(5 * MIN), elapsedSeconds: 60, pausedSeconds: 0, remainingSeconds: 240 }),
        expect.objectContaining({ target: 'resolution', state: 'running', elapsedSeconds: 60, pausedSeconds: 0, remainingSeconds: 72 * HOUR - 60 }),
      ]);
    });

    it('freezes elapsed time while paused and counts the pause', () => {
      const history = historyOf(track(), waiting(after(2 * MIN)));
      expect(viewOf(history, 'firstResponse', after(10 * MIN))).toMatchObject({ state: 'paused', dueAt: null, elapsedSeconds: 120, pausedSeconds: 480, remainingSeconds: 180 });
      const resumedAt10 = historyOf(track(), waiting(after(2 * MIN)), customerMessage(after(10 * MIN)));
      expect(viewOf(resumedAt10, 'firstResponse', after(11 * MIN))).toMatchObject({ state: 'running', elapsedSeconds: 180, pausedSeconds: 480, remainingSeconds: 120 });
    });

    it('shows a met clock with its elapsed time fixed at the meeting', () => {
      expect(viewOf(historyOf(track(), firstResponse(after(2 * MIN))), 'firstResponse', after(HOUR))).toMatchObject({ state: 'met', metAt: after(2 * MIN), elapsedSeconds: 120, remainingSeconds: 180 });
    });

    it('counts the pause up to the meeting of a clock met while paused', () => {
      const history = historyOf(track(), waiting(after(2 * MIN)), resolve(after(10 * MIN)));
      expect(viewOf(history, 'resolution', after(HOUR))).toMatchObject({ state: 'met', elapsedSeconds: 120, pausedSeconds: 480 });
    });

    it('shows a breached clock as breached, before and after it is met, with nothing left', () => {
      const history = historyOf(track(), check(after(3 * MIN + 45)), check(after(5 * MIN)));
      expect(viewOf(history, 'firstResponse', after(6 * MIN))).toMatchObject({ state: 'breached', breachedAt: after(5 * MIN), warnedAt: after(3 * MIN + 45), elapsedSeconds: 360, remainingSeconds: 0 });
      const answered = [...history, ...decided(history, firstResponse(after(7 * MIN)))];
      expect(viewOf(answered, 'firstResponse', after(HOUR))).toMatchObject({ state: 'breached', metAt: after(7 * MIN), elapsedSeconds: 420 });
    });

    it('shows a stopped clock as stopped', () => {
      expect(viewOf(historyOf(track(), close(after(MIN))), 'firstResponse', after(HOUR))).toMatchObject({ state: 'stopped', stoppedAt: after(MIN), elapsedSeconds: 60 });
    });

    it('counts only working time on a business calendar', () => {
      const history = historyOf(track('email', '2026-12-04T16:58:00.000Z', OFFICE_ENV));
      expect(viewOf(history, 'firstResponse', '2026-12-07T08:01:00.000Z', OFFICE_ENV)).toMatchObject({ state: 'running', elapsedSeconds: 3 * MIN, remainingSeconds: 5 * MIN });
    });
  });
});
