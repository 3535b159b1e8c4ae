import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openEventStore } from '@ticketing/event-store';
import { newId, type Event } from '@ticketing/kernel';
import { buildCompiledCli, runCli } from './test-support/compiled-cli';
import { newDataDir } from './test-support/ticketing.harness';

const T0 = Date.parse('2021-05-19T12:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const profile = { displayName: 'Ana', languages: ['en'], skills: ['general_inquiry'], clearances: [], capacity: { chat: 1 }, timeZone: null, shifts: [] };

/** A recorded crash minute: 4 chat questions at once, one agent, each answered 10 minutes late (first-response target 5 min). */
async function seedHistory(dataDir: string): Promise<void> {
  const store = await openEventStore(`sqlite:${join(dataDir, 'events.db')}`);
  const append = async (stream: string, ...events: Event[]) => {
    const metadata = { correlationId: 'c', causationId: 'c', actor: { kind: 'system', id: 'seed' }, occurredAt: at(0) } as const;
    await store.append(stream, events.map((event) => ({ id: newId(), type: event.type, schemaVersion: event.schemaVersion, data: event.data as never, metadata })), { expectedRevision: 'any' });
  };
  try {
    await append('agent-ana', { type: 'AgentProfileSaved', schemaVersion: 1, data: { agentId: 'ana', profile, savedBy: 'sup', savedAt: at(-60) } });
    for (let index = 0; index < 4; index++) {
      const ticketId = newId();
      await append(`ticket-${ticketId}`, {
        type: 'TicketOpened',
        schemaVersion: 1,
        data: { ticketId, customerId: `c-${index}`, channel: 'chat', subject: 's', body: 'how do referrals work', language: 'en', openedAt: at(0) },
      });
      await append(
        `routing-${ticketId}`,
        { type: 'TicketClassified', schemaVersion: 1, data: { ticketId, channel: 'chat', language: 'en', category: 'general_inquiry', priority: 'normal', confidence: 0.9, modelVersion: 'm', signals: [], classifiedAt: at(0) } },
        { type: 'TicketQueued', schemaVersion: 1, data: { ticketId, queue: 'general-en', rule: 'category-by-language', queuedAt: at(0) } },
        { type: 'TicketAssignedToAgent', schemaVersion: 1, data: { ticketId, agentId: 'ana', queue: 'general-en', rule: 'auto', reason: 'r', by: 'routing', assignedAt: at(10) } },
      );
      await append(`sla-${ticketId}`, { type: 'SlaClockStarted', schemaVersion: 1, data: { ticketId, target: 'firstResponse', duration: 'PT5M', calendar: '24/7', policyVersion: 0, rule: 'live-chat', startedAt: at(0), dueAt: at(5), warnAt: [] } });
      await append(`ticket-${ticketId}`, { type: 'FirstResponseGiven', schemaVersion: 1, data: { ticketId, agentId: 'ana', channel: 'chat', openedAt: at(0), respondedAt: at(11), elapsedSeconds: 660 } });
      await append(`sla-${ticketId}`, {
        type: 'SlaBreached',
        schemaVersion: 1,
        data: { ticketId, target: 'firstResponse', policyVersion: 0, rule: 'live-chat', duration: 'PT5M', dueAt: at(5), breachedAt: at(5), channel: 'chat', priority: 'normal', category: 'general_inquiry', escalation: null },
      });
    }
  } finally {
    await store.close();
  }
}

describe('ticketing routing rehearse (e2e, compiled CLI)', () => {
  let dataDir: string;

  beforeAll(async () => {
    await buildCompiledCli();
    dataDir = await newDataDir();
    await seedHistory(dataDir);
  }, 240_000);

  const rehearse = (...args: string[]) => runCli(['routing', 'rehearse', '--from', '2021-05-19T00:00:00Z', '--to', '2021-05-20T00:00:00Z', ...args], { TICKETING_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });

  it('replays the stretch with today’s agents beside what happened, writing nothing', async () => {
    const result = await rehearse();
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ tickets: 4, agents: 1, staffing: 'today’s agents' });
    expect(report.recorded).toMatchObject({ queueWaitSeconds: { count: 4, max: 600 }, firstResponseBreaches: 4 });
    // One agent, one chat at a time, no resolution in history: 15 minutes' default handling each.
    expect(report.rehearsed.queueWaitSeconds).toMatchObject({ count: 4, p50: 900, max: 2700 });
  }, 60_000);

  it('replays it against a staffing file: four agents answer every ticket within the target', async () => {
    const file = join(dataDir, 'crash-day-staffing.json');
    await writeFile(file, JSON.stringify(['a', 'b', 'c', 'd'].map((agentId) => ({ agentId, ...profile, displayName: agentId }))));
    const report = JSON.parse((await rehearse('--agents', file)).stdout);
    expect(report.rehearsed).toMatchObject({ queueWaitSeconds: { max: 0 }, firstResponseBreaches: 0, neverAssigned: 0 });
    expect(report.recorded.firstResponseBreaches).toBe(4);
  }, 60_000);

  it('refuses a bad staffing file or window with a message naming the problem', async () => {
    const file = join(dataDir, 'bad-staffing.json');
    await writeFile(file, JSON.stringify([{ agentId: 'x', ...profile, capacity: { chat: 0 } }]));
    const bad = await rehearse('--agents', file);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('agent 1: capacity.chat must be a whole number from 1 to 100');
    const backwards = await runCli(['routing', 'rehearse', '--from', '2021-05-20T00:00:00Z', '--to', '2021-05-19T00:00:00Z'], { TICKETING_DATA_DIR: dataDir });
    expect([backwards.code, backwards.stderr]).toEqual([2, '--from must be before --to\n']);
    const garbled = await runCli(['routing', 'rehearse', '--from', 'yesterday', '--to', '2021-05-19T00:00:00Z'], { TICKETING_DATA_DIR: dataDir });
    expect(garbled.code).not.toBe(0);
    expect(garbled.stderr).toContain('--from must be an ISO 8601 date');
  }, 60_000);
});
