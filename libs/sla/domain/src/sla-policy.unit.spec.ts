import type { SlaPolicyChanged, SlaPolicyDocument, SlaRule, SlaTicketFacts } from '@ticketing/contracts';
import { ValidationError } from '@ticketing/kernel';
import { deciderSpec } from '@ticketing/testing';
import { compilePolicy, DEFAULT_COMPILED_POLICY, DEFAULT_SLA_POLICY, policyProblems, SlaPolicyHistory, type CompiledPolicy } from './sla-policy';
import { slaPolicyDecider, type ChangeSlaPolicy } from './sla-policy.decider';

const OFFICE = { timeZone: 'Europe/Berlin', workingHours: { mon: [['09:00', '18:00']], fri: [['09:00', '18:00']] } } as const;
const policyOf = (...rules: readonly SlaRule[]): SlaPolicyDocument => ({ rules });
const facts = (overrides: Partial<SlaTicketFacts> = {}): SlaTicketFacts => ({ channel: 'email', language: 'en', priority: null, category: null, tier: null, ...overrides });
/** Per target, the rule that set it and its duration: what an SLA report shows. */
const chosen = (policy: CompiledPolicy, overrides: Partial<SlaTicketFacts> = {}) =>
  Object.fromEntries(policy.targetsFor(facts(overrides)).map(({ target, rule, duration }) => [target, `${duration} by ${rule}`]));

describe('policyProblems', () => {
  it('finds nothing wrong with the default policy or a policy using a calendar it defines', () => {
    expect(policyProblems(DEFAULT_SLA_POLICY)).toEqual([]);
    expect(policyProblems({ rules: [{ name: 'office', match: {}, targets: { firstResponse: 'PT8M' }, calendar: 'office' }], calendars: { office: OFFICE } })).toEqual([]);
  });

  it.each([
    ['negative', '-PT5M', 'rule "chat": targets.firstResponse "-PT5M" must be longer than zero'],
    ['zero', 'PT0S', 'rule "chat": targets.firstResponse "PT0S" must be longer than zero'],
    ['shorter than a second', 'PT0.5S', 'rule "chat": targets.firstResponse "PT0.5S" is shorter than a second'],
    ['absurd', 'P400D', 'rule "chat": targets.firstResponse "P400D" is longer than 366 days'],
    ['in months', 'P1M', 'rule "chat": targets.firstResponse "P1M" uses months or years, which have no fixed length: use days (P30D)'],
    ['in years', 'P1Y', 'rule "chat": targets.firstResponse "P1Y" uses months or years, which have no fixed length: use days (P30D)'],
    ['not a duration', 'five minutes', 'rule "chat": targets.firstResponse "five minutes" is not an ISO 8601 duration such as PT5M'],
  ])('refuses a %s target, naming the rule', (_kind, duration, message) => {
    expect(policyProblems(policyOf({ name: 'chat', match: { channel: 'chat' }, targets: { firstResponse: duration } }))).toEqual([message]);
  });

  it('refuses a duration that is not a string', () => {
    expect(policyProblems({ rules: [{ name: 'chat', match: {}, targets: { firstResponse: 300 } }] })).toEqual(['rule "chat": targets.firstResponse is not an ISO 8601 duration such as PT5M']);
  });

  it('refuses an unknown target', () => {
    expect(policyProblems({ rules: [{ name: 'chat', match: {}, targets: { firstReply: 'PT5M' } }] })).toEqual([
      'rule "chat" has an unknown target "firstReply" (known: firstResponse, nextResponse, processingStart, resolution)',
    ]);
  });

  it('refuses a rule without targets', () => {
    expect(policyProblems({ rules: [{ name: 'chat', match: {}, targets: {} }] })).toEqual([
      'rule "chat" needs "targets" with at least one of firstResponse, nextResponse, processingStart, resolution',
    ]);
  });

  it('refuses an unknown match field', () => {
    expect(policyProblems({ rules: [{ name: 'vip', match: { region: 'eu' }, targets: { firstResponse: 'PT5M' } }] })).toEqual([
      'rule "vip" matches on unknown field "region" (known: channel, priority, category, language, tier)',
    ]);
  });

  it.each([
    ['channel', 'fax', 'chat, email, web_form, social, api'],
    ['priority', 'urgent', 'low, normal, high, emergency'],
    ['language', 'de', 'en, zh, ru, es, tr, vi, ko, ja'],
  ])('refuses an unknown %s value, also inside a list', (field, value, known) => {
    expect(policyProblems({ rules: [{ name: 'odd', match: { [field]: [value] }, targets: { firstResponse: 'PT5M' } }] })).toEqual([`rule "odd": match.${field} "${value}" is not one of ${known}`]);
  });

  it('accepts any tier name: tiers are the operator’s own', () => {
    expect(policyProblems(policyOf({ name: 'vip', match: { tier: ['gold', 'diamond'] }, targets: { firstResponse: 'PT2M' } }))).toEqual([]);
  });

  it('refuses a calendar the policy does not define', () => {
    expect(policyProblems(policyOf({ name: 'office-email', match: { channel: 'email' }, targets: { firstResponse: 'PT8M' }, calendar: 'office' }))).toEqual([
      'rule "office-email" uses calendar "office", which the policy does not define (defined: 24/7)',
    ]);
  });

  it('refuses an invalid calendar: an unknown time zone, no working hours', () => {
    const problems = policyProblems({
      rules: [{ name: 'office-email', match: {}, targets: { firstResponse: 'PT8M' }, calendar: 'office' }],
      calendars: { office: { timeZone: 'Europe/Atlantis', workingHours: {} } },
    });
    expect(problems).toEqual([expect.stringMatching(/^Calendar "office" has an unknown time zone "Europe\/Atlantis"/), expect.stringMatching(/^Calendar "office" has no working hours at all/)]);
  });

  it('refuses to redefine the built-in 24/7 calendar', () => {
    expect(policyProblems({ rules: [{ name: 'all', match: {}, targets: { firstResponse: 'PT8M' } }], calendars: { '24/7': OFFICE } })).toEqual([
      'calendar "24/7" is built in and cannot be redefined',
    ]);
  });

  it('refuses two rules of one name', () => {
    expect(
      policyProblems(policyOf({ name: 'chat', match: { channel: 'chat' }, targets: { firstResponse: 'PT5M' } }, { name: 'chat', match: { channel: 'social' }, targets: { firstResponse: 'PT1H' } })),
    ).toEqual(['rule "chat" is named twice']);
  });

  it('refuses a rule that can never apply: an earlier, broader rule sets all its targets', () => {
    expect(
      policyProblems(
        policyOf(
          { name: 'all-channels', match: {}, targets: { firstResponse: 'PT8M', resolution: 'PT72H' } },
          { name: 'live-chat', match: { channel: 'chat' }, targets: { firstResponse: 'PT5M' } },
        ),
      ),
    ).toEqual(['rule "live-chat" can never apply: "all-channels" before it match all its tickets and set all its targets']);
  });

  it('refuses a rule shadowed by a list that covers every value it matches', () => {
    expect(
      policyProblems(
        policyOf(
          { name: 'fast-channels', match: { channel: ['chat', 'social'] }, targets: { firstResponse: 'PT5M' } },
          { name: 'social', match: { channel: 'social', language: 'ko' }, targets: { firstResponse: 'PT1H' } },
        ),
      ),
    ).toEqual(['rule "social" can never apply: "fast-channels" before it match all its tickets and set all its targets']);
  });

  it('accepts a later rule that still sets a target the earlier ones leave open, or matches tickets they do not', () => {
    expect(
      policyProblems(
        policyOf(
          { name: 'live-chat', match: { channel: 'chat' }, targets: { firstResponse: 'PT5M' } },
          { name: 'chat-resolution', match: { channel: 'chat' }, targets: { firstResponse: 'PT6M', resolution: 'PT24H' } },
          { name: 'all-channels', match: {}, targets: { firstResponse: 'PT8M' } },
        ),
      ),
    ).toEqual([]);
  });

  it('lists every problem at once', () => {
    expect(
      policyProblems(
        policyOf(
          { name: 'a', match: { channel: 'fax' as never }, targets: { firstResponse: 'PT0S' } },
          { name: 'b', match: {}, targets: { resolution: 'P1M' } },
        ),
      ),
    ).toHaveLength(3);
  });

  it('refuses a document without rules', () => {
    expect(policyProblems({ rules: [] })).toEqual(['"rules" must be a non-empty list']);
    expect(policyProblems(null)).toEqual(['the policy must be an object with "rules"']);
  });
});

describe('targetsFor', () => {
  const policy = compilePolicy(1, '2026-01-01T00:00:00.000Z', {
    rules: [
      { name: 'fast-channels', match: { channel: ['chat', 'social'] }, targets: { firstResponse: 'PT2M' } },
      { name: 'urgent', match: { priority: ['high', 'emergency'] }, targets: { resolution: 'PT12H', processingStart: 'PT1H' } },
      { name: 'everyone', match: {}, targets: { firstResponse: 'PT10M', resolution: 'PT48H' } },
    ],
  });

  it('takes each target from the first matching rule that sets it', () => {
    expect(chosen(policy, { channel: 'chat', priority: 'high' })).toEqual({ firstResponse: 'PT2M by fast-channels', processingStart: 'PT1H by urgent', resolution: 'PT12H by urgent' });
    expect(chosen(policy, { channel: 'email', priority: 'normal' })).toEqual({ firstResponse: 'PT10M by everyone', resolution: 'PT48H by everyone' });
  });

  it('matches a list on any of its values', () => {
    expect(chosen(policy, { channel: 'social' }).firstResponse).toBe('PT2M by fast-channels');
    expect(chosen(policy, { channel: 'web_form' }).firstResponse).toBe('PT10M by everyone');
    expect(chosen(policy, { priority: 'emergency' }).resolution).toBe('PT12H by urgent');
  });

  it('does not match a rule on a fact not known yet (no priority before classification)', () => {
    expect(chosen(policy, { priority: null }).resolution).toBe('PT48H by everyone');
  });

  it('gives targets in a fixed order with the duration in milliseconds and the calendar', () => {
    expect(policy.targetsFor(facts({ channel: 'chat', priority: 'emergency' }))).toEqual([
      { target: 'firstResponse', rule: 'fast-channels', duration: 'PT2M', durationMs: 120_000, calendar: '24/7' },
      { target: 'processingStart', rule: 'urgent', duration: 'PT1H', durationMs: 3_600_000, calendar: '24/7' },
      { target: 'resolution', rule: 'urgent', duration: 'PT12H', durationMs: 43_200_000, calendar: '24/7' },
    ]);
  });

  describe('the default policy', () => {
    it.each([
      ['chat', 'PT5M by live-chat'],
      ['email', 'PT8M by all-channels'],
      ['web_form', 'PT8M by all-channels'],
      ['api', 'PT8M by all-channels'],
      ['social', 'PT1H by public-social-complaint'],
    ] as const)('answers a %s ticket first within %s', (channel, firstResponse) => {
      expect(chosen(DEFAULT_COMPILED_POLICY, { channel }).firstResponse).toBe(firstResponse);
    });

    it('starts processing an emergency within 2 hours and resolves it within 24', () => {
      expect(chosen(DEFAULT_COMPILED_POLICY, { channel: 'email', priority: 'emergency', category: 'security_incident' })).toMatchObject({
        processingStart: 'PT2H by asset-security-emergency',
        resolution: 'PT24H by asset-security-emergency',
      });
    });

    it.each([
      ['high', 'PT48H by high-priority'],
      ['normal', 'PT72H by normal-priority'],
      ['low', 'PT168H by low-priority'],
      [null, 'PT72H by all-channels'],
    ] as const)('resolves a %s priority ticket within %s', (priority, resolution) => {
      expect(chosen(DEFAULT_COMPILED_POLICY, { priority })).toMatchObject({ resolution });
      expect(chosen(DEFAULT_COMPILED_POLICY, { priority }).processingStart).toBeUndefined();
    });

    it('is version 0, in force since the epoch', () => {
      expect(DEFAULT_COMPILED_POLICY).toMatchObject({ version: 0, effectiveFrom: '1970-01-01T00:00:00.000Z' });
    });
  });

  it('refuses to compile an invalid document, naming the rule', () => {
    expect(() => compilePolicy(1, '2026-01-01T00:00:00.000Z', policyOf({ name: 'chat', match: {}, targets: { firstResponse: 'PT0S' } }))).toThrow(
      new ValidationError('Invalid SLA policy: rule "chat": targets.firstResponse "PT0S" must be longer than zero'),
    );
  });

  it('gives the calendars a policy defines and refuses others', () => {
    const office = compilePolicy(1, '2026-01-01T00:00:00.000Z', { rules: [{ name: 'office', match: {}, targets: { firstResponse: 'PT8M' }, calendar: 'office' }], calendars: { office: OFFICE } });
    expect(office.calendar('office').name).toBe('office');
    expect(office.calendar('24/7').name).toBe('24/7');
    expect(() => office.calendar('night-shift')).toThrow(ValidationError);
  });
});

describe('SlaPolicyHistory', () => {
  const rules = (minutes: number) => policyOf({ name: 'all', match: {}, targets: { firstResponse: `PT${minutes}M` } });
  const history = new SlaPolicyHistory()
    .with(compilePolicy(1, '2026-06-01T00:00:00.000Z', rules(6)))
    .with(compilePolicy(2, '2026-09-01T00:00:00.000Z', rules(4)))
    .with(compilePolicy(3, '2026-09-01T00:00:00.000Z', rules(3)));

  it.each([
    ['2026-05-31T23:59:59.999Z', 0],
    ['2026-06-01T00:00:00.000Z', 1],
    ['2026-08-31T23:59:59.999Z', 1],
    // Two versions effective at one instant: the later one was decided last and wins.
    ['2026-09-01T00:00:00.000Z', 3],
    ['2027-01-01T00:00:00.000Z', 3],
  ])('is at %s in version %i', (at, version) => {
    expect(history.at(at).version).toBe(version);
  });

  it('knows its current version and starts from the default', () => {
    expect(history.current.version).toBe(3);
    expect(new SlaPolicyHistory().current).toBe(DEFAULT_COMPILED_POLICY);
    expect(() => new SlaPolicyHistory([])).toThrow('at least the default version');
  });
});

describe('SLA policy decider', () => {
  const spec = deciderSpec(slaPolicyDecider);
  const NOW = '2026-12-07T10:00:00.000Z';
  const document = policyOf({ name: 'all', match: {}, targets: { firstResponse: 'PT6M' } });
  const change = (effectiveFrom: string | null, overrides: Partial<ChangeSlaPolicy['data']> = {}): ChangeSlaPolicy => ({
    type: 'ChangeSlaPolicy',
    data: { document, effectiveFrom, by: 'admin-1', now: NOW, ...overrides },
  });
  const changed = (version: number, effectiveFrom: string, changedAt = NOW): SlaPolicyChanged => ({
    type: 'SlaPolicyChanged',
    schemaVersion: 1,
    data: { version, effectiveFrom, rules: document.rules, calendars: {}, changedBy: 'admin-1', changedAt },
  });

  it('makes the first change version 1, effective now when no time is given', () => {
    spec.given([]).when(change(null)).then([changed(1, NOW)]);
  });

  it('numbers each later change one up', () => {
    spec
      .given([changed(1, NOW), changed(2, '2026-12-08T00:00:00.000Z')])
      .when(change('2026-12-09T00:00:00.000Z'))
      .then([changed(3, '2026-12-09T00:00:00.000Z')]);
  });

  it('stores the effective time in UTC', () => {
    spec.given([]).when(change('2026-12-08T10:00:00+01:00')).then([changed(1, '2026-12-08T09:00:00.000Z')]);
  });

  it('tolerates a minute of clock skew in the caller’s effective time', () => {
    spec.given([]).when(change('2026-12-07T09:59:00.000Z')).then([changed(1, '2026-12-07T09:59:00.000Z')]);
  });

  it('refuses an effective time further in the past: history is not rewritten', () => {
    spec
      .given([])
      .when(change('2026-12-07T09:58:59.999Z'))
      .thenThrows(ValidationError, (error) => expect(error.message).toContain('effectiveFrom 2026-12-07T09:58:59.999Z is in the past'));
  });

  it('refuses an effective time before the last version’s: versions take effect in order', () => {
    spec
      .given([changed(1, '2026-12-10T00:00:00.000Z')])
      .when(change('2026-12-09T00:00:00.000Z'))
      .thenThrows(ValidationError, (error) => expect(error.message).toContain("before version 1's (2026-12-10T00:00:00.000Z)"));
  });

  it.each(['next monday', '12/08/2026 10:00', '2026-12-08'])('refuses an effective time that is not an ISO date-time: %s', (effectiveFrom) => {
    spec
      .given([])
      .when(change(effectiveFrom))
      .thenThrows(ValidationError, (error) => expect(error.message).toContain(`effectiveFrom "${effectiveFrom}" is not an ISO 8601 date-time`));
  });

  it('refuses an invalid document with a message naming the rule', () => {
    spec
      .given([])
      .when(change(null, { document: policyOf({ name: 'weekend-chat', match: { channel: 'chat' }, targets: { firstResponse: 'P1M' } }) }))
      .thenThrows(ValidationError, (error) => {
        expect(error.message).toContain('rule "weekend-chat": targets.firstResponse "P1M" uses months or years');
        expect(error.errors).toEqual([{ field: 'policy', message: expect.stringContaining('rule "weekend-chat"') }]);
      });
  });
});
