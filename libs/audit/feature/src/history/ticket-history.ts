import { ticketStreamNamesOf, upcastPublicEvent } from '@ticketing/contracts';
import type { EventStore, RecordedEvent } from '@ticketing/event-store';
import { ValidationError } from '@ticketing/kernel';

/** Where each of a ticket's streams continues: the next revision to read, by stream name. */
export type HistoryCursor = Readonly<Record<string, number>>;

/** One event of a ticket's history as auditors read it. */
export type AuditEntry = Readonly<{
  position: number;
  streamName: string;
  revision: number;
  id: string;
  type: string;
  schemaVersion: number;
  data: Readonly<Record<string, unknown>>;
  actor: RecordedEvent['metadata']['actor'];
  correlationId: string;
  /** The event or request that caused it. */
  causationId: string;
  occurredAt: string;
  recordedAt: string;
  prevHash: string;
  hash: string;
  /** The classifier model or SLA policy version it was decided under, where it was decided under one. */
  decidedUnder: Readonly<{ modelVersion?: string; policyVersion?: number }>;
}>;

/** The streams a ticket may have in every context (`ticket-`, `routing-`, `sla-`, `dispute-`, `recovery-` + id). */
export const ticketStreams = (ticketId: string): string[] => ticketStreamNamesOf(ticketId);

/**
 * Every event of every context's stream of the ticket, merged in global order, from `cursor` on.
 * Each stream is read page by page and only its next event is held, so a ticket of any length
 * streams in bounded memory.
 */
export async function* mergedHistory(eventStore: EventStore, ticketId: string, cursor: HistoryCursor = {}): AsyncGenerator<RecordedEvent> {
  const readers = ticketStreams(ticketId).map((name) => eventStore.readStream(name, { from: cursor[name] ?? 0 })[Symbol.asyncIterator]());
  const heads = await Promise.all(readers.map((reader) => reader.next()));
  try {
    for (;;) {
      let next = -1;
      for (let index = 0; index < heads.length; index++) {
        const head = heads[index];
        if (head.done) continue;
        if (next === -1 || head.value.globalPosition < (heads[next].value as RecordedEvent).globalPosition) next = index;
      }
      if (next === -1) return;
      yield heads[next].value as RecordedEvent;
      heads[next] = await readers[next].next();
    }
  } finally {
    await Promise.all(readers.map((reader) => reader.return?.()));
  }
}

/** The next cursor after `event`: its stream continues at the following revision. */
export const cursorAfter = (cursor: HistoryCursor, event: RecordedEvent): HistoryCursor => ({ ...cursor, [event.streamName]: event.streamRevision + 1 });

export function encodeCursor(cursor: HistoryCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

/** A cursor given back by a client: only this ticket's streams, whole revisions. */
export function decodeCursor(text: string, ticketId: string): HistoryCursor {
  const streams = new Set(ticketStreams(ticketId));
  const invalid = () => new ValidationError('cursor is not one this API gave for this ticket', [{ field: 'cursor', message: 'must be the nextCursor of a previous page of this ticket’s history' }]);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid();
  for (const [stream, revision] of Object.entries(value)) {
    if (!streams.has(stream) || !Number.isSafeInteger(revision) || (revision as number) < 0) throw invalid();
  }
  return value as HistoryCursor;
}

/** Follows a merged history to say what each event was decided under (an SLA clock under the policy applied last). */
export class DecisionContext {
  private policyVersion: number | undefined;

  entryOf(recorded: RecordedEvent): AuditEntry {
    const event = upcastPublicEvent(recorded);
    const data = event.data as Record<string, unknown>;
    const { modelVersion, policyVersion } = data;
    if (typeof policyVersion === 'number') this.policyVersion = policyVersion;
    const decidedUnder = {
      ...(typeof modelVersion === 'string' && { modelVersion }),
      ...((typeof policyVersion === 'number' || recorded.type.startsWith('Sla')) && this.policyVersion !== undefined && { policyVersion: this.policyVersion }),
    };
    return {
      position: recorded.globalPosition,
      streamName: recorded.streamName,
      revision: recorded.streamRevision,
      id: recorded.id,
      type: event.type,
      schemaVersion: event.schemaVersion,
      data,
      actor: recorded.metadata.actor,
      correlationId: recorded.metadata.correlationId,
      causationId: recorded.metadata.causationId,
      occurredAt: recorded.metadata.occurredAt,
      recordedAt: recorded.recordedAt,
      prevHash: recorded.prevHash,
      hash: recorded.hash,
      decidedUnder,
    };
  }
}
