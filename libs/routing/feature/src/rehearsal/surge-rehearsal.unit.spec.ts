import type { AgentProfile } from '@ticketing/contracts';
import { DEFAULT_DISPATCH_RULES } from '@ticketing/routing-domain';
import { recordedFigures, rehearse, type RecordedTicket, type RehearsalAgent } from './surge-rehearsal';

const T0 = Date.parse('2021-05-19T12:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const MIN = 60_000;

/** A chat ticket queued at `minute`, assigned 10 minutes later in history, answered 1 minute after that, resolved 5 after. */
function recorded(index: number, minute: number, overrides: Partial<RecordedTicket> = {}): RecordedTicket {
  return {
    ticketId: `t-${String(index).padStart(3, '0')}`,
    channel: 'chat',
    language: 'en',
    category: 'general_inquiry',
    priority: 'normal',
    queue: 'general-en',
    openedAt: at(minute),
    queuedAt: at(minute),
    assignedAt: at(minute + 10),
    firstResponseAt: at(minute + 11),
    resolvedAt: at(minute + 15),
    firstResponseTargetMs: 5 * MIN,
    firstResponseBreached: true,
    ...overrides,
  };
}

const agent = (agentId: string, chat: number, overrides: Partial<AgentProfile> = {}): RehearsalAgent => ({
  agentId,
  profile: { displayName: agentId, languages: ['en'], skills: ['general_inquiry'], clearances: [], capacity: { chat }, timeZone: null, shifts: [], ...overrides },
});

const options = { rules: DEFAULT_DISPATCH_RULES, defaultResponseMs: 2 * MIN, defaultHandleMs: 15 * MIN };

describe('surge rehearsal', () => {
  const crash = Array.from({ length: 6 }, (_, index) => recorded(index, 0));

  it('reports what happened from the recorded times', () => {
    expect(recordedFigures(crash)).toEqual({
      queueWaitSeconds: { count: 6, p50: 600, p90: 600, p99: 600, max: 600 },
      firstResponseSeconds: { count: 6, p50: 660, p90: 660, p99: 660, max: 660 },
      firstResponseBreaches: 6,
      neverAssigned: 0,
      peakWaiting: 6,
    });
  });

  it('with enough agents nobody waits, and the first replies (1 minute after assignment, as in history) meet the 5-minute target', () => {
    const report = rehearse(crash, [agent('a', 3), agent('b', 3)], options);
    expect(report.rehearsed).toMatchObject({ queueWaitSeconds: { count: 6, max: 0 }, firstResponseSeconds: { max: 60 }, firstResponseBreaches: 0, neverAssigned: 0 });
    expect(report.recorded.firstResponseBreaches).toBe(6);
  });

  it('with one agent taking one chat at a time, each ticket waits for the one before (5 minutes of handling each)', () => {
    const report = rehearse(crash, [agent('solo', 1)], options);
    expect(report.rehearsed.queueWaitSeconds).toEqual({ count: 6, p50: 600, p90: 1500, p99: 1500, max: 1500 });
    // Answered within 5 minutes only while the wait is under 4: the first (0) and the second (5 + 1 = 6 minutes: late).
    expect(report.rehearsed.firstResponseBreaches).toBe(5);
    expect(report.rehearsed.peakWaiting).toBe(6);
  });

  it('takes emergencies first and leaves a ticket no agent can take unassigned (a breach where it had a target)', () => {
    const mixed = [
      recorded(1, 0),
      recorded(2, 0, { priority: 'emergency', category: 'security_incident', queue: 'security-emergency' }),
      recorded(3, 0, { language: 'ko' }),
    ];
    const cleared = agent('sec', 1, { skills: ['general_inquiry', 'security_incident'], clearances: ['security'] });
    const report = rehearse(mixed, [cleared], options);
    expect(report.rehearsed.neverAssigned).toBe(1);
    expect(report.rehearsed.queueWaitSeconds.count).toBe(2);
    // The emergency went first (no wait); the question waited for its 5 minutes of handling.
    expect(report.rehearsed.queueWaitSeconds).toMatchObject({ p50: 0, max: 300 });
    expect(report.rehearsed.firstResponseBreaches).toBe(2);
  });

  it('uses the default times where history has none (a ticket never assigned in history)', () => {
    const unassigned = [recorded(1, 0, { assignedAt: null, firstResponseAt: null, resolvedAt: null, firstResponseBreached: true })];
    const report = rehearse(unassigned, [agent('a', 1)], options);
    expect(report.rehearsed.firstResponseSeconds).toMatchObject({ max: 120 });
    expect(report.recorded).toMatchObject({ neverAssigned: 1, queueWaitSeconds: { count: 0 } });
  });
});
