import { Inject, Injectable } from '@nestjs/common';
import microdiff from 'microdiff';
import { EVENT_STORE, STORED_EVENT_STORE, verifyChainAsync, type EventStore, type RecordedEvent } from '@ticketing/event-store';
import { PersonalDataProtection } from '@ticketing/privacy';
import { buildEvidenceBundle, readBundleStreams, type EvidenceBundle } from '@ticketing/evidence-bundle';
import { CLOCK, NotFoundError, ValidationError, type Actor, type Clock } from '@ticketing/kernel';
import { BUNDLE_SIGNER, type BundleSigner } from '@ticketing/platform';
import { AuditAccessLog } from './access/audit-access.log';
import { cursorAfter, decodeCursor, DecisionContext, encodeCursor, mergedHistory, ticketStreams, type AuditEntry, type HistoryCursor } from './history/ticket-history';
import { TicketStateFolder, type TicketStateAt } from './state/ticket-state.fold';

export type HistoryPage = Readonly<{ ticketId: string; events: readonly AuditEntry[]; nextCursor: string | null }>;

export type StreamVerification = Readonly<{ streamName: string; events: number; valid: boolean; lastHash: string | null }>;
export type TicketVerification = Readonly<{
  ticketId: string;
  valid: boolean;
  streams: readonly StreamVerification[];
  /** The first link that does not hold, exactly: which stream and revision, what was expected and what was found. */
  firstBroken: Readonly<{ streamName: string; revision: number; reason: string; expected: string; found: string }> | null;
}>;

export const MAX_PAGE = 1000;

type Moment = Readonly<{ time: string }> | Readonly<{ position: number }>;

/** Between two moments: the state's changed fields and the events that changed them. */
export type TicketStateDiff = Readonly<{
  ticketId: string;
  from: TicketStateAt['at'];
  to: TicketStateAt['at'];
  changes: readonly Readonly<{ path: string; before: unknown; after: unknown }>[];
  events: readonly Readonly<{ position: number; type: string; streamName: string; actor: Actor; causationId: string; occurredAt: string; reason?: string }>[];
}>;

const isAfter = (event: RecordedEvent, moment: Moment): boolean => ('time' in moment ? event.recordedAt > moment.time : event.globalPosition > moment.position);

/** The state without the moment it was taken at (that differs by definition). */
const stripMoment = ({ at: _at, ...state }: TicketStateAt): Record<string, unknown> => state;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** How a reader reaches the trail (recorded with each read). */
export type Via = 'api' | 'cli';

/**
 * The auditor's reads of one ticket across every context: history, state at a past moment, the
 * hash chains' verification and the signed export. Every read is recorded first (AuditAccessed).
 */
@Injectable()
export class AuditTrailService {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    /** As recorded, personal data sealed: what the hashes cover, so what verify and export read. */
    @Inject(STORED_EVENT_STORE) private readonly storedEvents: EventStore,
    /** Opens the evidence items of an export (their content is checked against its hash in clear). */
    private readonly privacy: PersonalDataProtection,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(BUNDLE_SIGNER) private readonly signer: BundleSigner,
    private readonly access: AuditAccessLog,
  ) {}

  async history(ticketId: string, query: Readonly<{ cursor?: string; limit?: string | number }>, who: Actor, via: Via = 'api'): Promise<HistoryPage> {
    const limit = query.limit === undefined ? 100 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new ValidationError(`limit is an integer from 1 to ${MAX_PAGE}`, [{ field: 'limit', message: `must be an integer from 1 to ${MAX_PAGE}` }]);
    let cursor: HistoryCursor = query.cursor === undefined ? {} : decodeCursor(query.cursor, ticketId);
    await this.assertExists(ticketId);
    await this.access.record(who, { operation: 'history', ticketId, ...(query.cursor !== undefined && { cursor: query.cursor }) }, via);
    const events: AuditEntry[] = [];
    const context = new DecisionContext();
    let more = false;
    for await (const recorded of mergedHistory(this.eventStore, ticketId, cursor)) {
      if (events.length === limit) {
        more = true;
        break;
      }
      events.push(context.entryOf(recorded));
      cursor = cursorAfter(cursor, recorded);
    }
    return { ticketId, events, nextCursor: more ? encodeCursor(cursor) : null };
  }

  /** The whole history, for a server stream: recorded once, then yielded event by event. */
  async *replay(ticketId: string, who: Actor): AsyncGenerator<AuditEntry> {
    await this.assertExists(ticketId);
    await this.access.record(who, { operation: 'history', ticketId });
    const context = new DecisionContext();
    for await (const recorded of mergedHistory(this.eventStore, ticketId)) yield context.entryOf(recorded);
  }

  /**
   * The ticket as every context saw it at `at`: an ISO time (events recorded up to it) or a global
   * position (events up to and including it). Before the ticket existed the state is empty.
   */
  async stateAt(ticketId: string, at: string | undefined, who: Actor, via: Via = 'api'): Promise<TicketStateAt> {
    const moment = await this.momentOf(at, 'at');
    await this.assertExists(ticketId);
    await this.access.record(who, { operation: 'state', ticketId, ...('time' in moment ? { at: moment.time } : { position: moment.position }) }, via);
    return this.foldAt(ticketId, moment);
  }

  /**
   * What changed between two moments: every field of the state that differs (before, after), and the
   * events in between — by whom, caused by what, and the reason where the event gives one.
   */
  async diff(ticketId: string, from: string | undefined, to: string | undefined, who: Actor, via: Via = 'api'): Promise<TicketStateDiff> {
    if (from === undefined || to === undefined) throw new ValidationError('from and to are both required', [{ field: from === undefined ? 'from' : 'to', message: 'is required: an ISO 8601 time or a global position' }]);
    const [start, end] = [await this.momentOf(from, 'from'), await this.momentOf(to, 'to')];
    await this.assertExists(ticketId);
    await this.access.record(who, { operation: 'diff', ticketId, at: `${from}..${to}` }, via);
    const [before, after] = [await this.foldAt(ticketId, start), await this.foldAt(ticketId, end)];
    const changes = microdiff(stripMoment(before), stripMoment(after)).map((change) => ({
      path: change.path.join('.'),
      before: change.type === 'CREATE' ? null : change.oldValue,
      after: change.type === 'REMOVE' ? null : change.value,
    }));
    const events: TicketStateDiff['events'][number][] = [];
    const context = new DecisionContext();
    for await (const recorded of mergedHistory(this.eventStore, ticketId)) {
      if (!isAfter(recorded, start)) continue;
      if (isAfter(recorded, end)) break;
      const entry = context.entryOf(recorded);
      const reason = entry.data['reason'];
      events.push({ position: entry.position, type: entry.type, streamName: entry.streamName, actor: entry.actor, causationId: entry.causationId, occurredAt: entry.occurredAt, ...(typeof reason === 'string' && { reason }) });
    }
    return { ticketId, from: before.at, to: after.at, changes, events };
  }

  private async foldAt(ticketId: string, moment: Moment): Promise<TicketStateAt> {
    // Folded as read: a ticket of any length in bounded memory.
    const folder = new TicketStateFolder(ticketId, 'time' in moment ? { time: moment.time, position: 0 } : { position: moment.position, time: '' });
    let last: RecordedEvent | undefined;
    for await (const recorded of mergedHistory(this.eventStore, ticketId)) {
      if (isAfter(recorded, moment)) break;
      folder.apply(recorded);
      last = recorded;
    }
    const state = folder.state();
    return { ...state, at: 'time' in moment ? { time: moment.time, position: last?.globalPosition ?? 0 } : { position: moment.position, time: last?.recordedAt ?? '' } };
  }

  async verify(ticketId: string, who: Actor, via: Via = 'api'): Promise<TicketVerification> {
    await this.assertExists(ticketId);
    await this.access.record(who, { operation: 'verify', ticketId }, via);
    const streams: StreamVerification[] = [];
    let firstBroken: TicketVerification['firstBroken'] = null;
    for (const streamName of ticketStreams(ticketId)) {
      let events = 0;
      const counted = async function* (source: AsyncIterable<RecordedEvent>) {
        for await (const event of source) {
          events++;
          yield event;
        }
      };
      const result = await verifyChainAsync(counted(this.storedEvents.readStream(streamName)));
      if (events === 0) continue;
      streams.push({ streamName, events, valid: result.valid, lastHash: result.valid ? result.lastHash : null });
      if (!result.valid && firstBroken === null) {
        firstBroken = { streamName, revision: result.brokenAtRevision, reason: result.reason, expected: result.expected, found: result.found };
      }
    }
    return { ticketId, valid: firstBroken === null, streams, firstBroken };
  }

  /** Every stream of the ticket with its hashes, as an evidence bundle (the disputes' format and key). */
  async export(ticketId: string, who: Actor, via: Via = 'api'): Promise<EvidenceBundle> {
    await this.assertExists(ticketId);
    await this.access.record(who, { operation: 'export', ticketId }, via);
    const streams = await readBundleStreams(this.storedEvents, ticketStreams(ticketId));
    return buildEvidenceBundle({ ticketId, exportedAt: this.clock.now().toISOString(), exportedBy: { kind: who.kind, id: who.id }, streams }, this.signer, {
      open: (event) => this.privacy.reveal(event),
    });
  }

  private async assertExists(ticketId: string): Promise<void> {
    for (const streamName of ticketStreams(ticketId)) {
      for await (const _event of this.eventStore.readStream(streamName, { max: 1 })) return;
    }
    throw new NotFoundError(`No ticket ${ticketId} in any context`, { ticketId });
  }

  private async momentOf(at: string | undefined, field: string): Promise<Moment> {
    const head = await this.eventStore.headPosition();
    if (at === undefined || at === '') return { position: head };
    if (/^\d{1,16}$/.test(at)) {
      const position = Number(at);
      if (position > head) throw new ValidationError(`${field} position ${position} is past the log's head (${head})`, [{ field, message: `must be at most ${head}, the log's head` }]);
      return { position };
    }
    const time = Date.parse(at);
    if (!ISO_INSTANT.test(at) || Number.isNaN(time)) {
      throw new ValidationError(`${field} is neither an ISO 8601 time nor a log position`, [{ field, message: 'must be an ISO 8601 date-time with a zone (2026-12-07T10:00:00Z) or a global position (an integer)' }]);
    }
    return { time: new Date(time).toISOString() };
  }
}
