import { ManualClock } from '@ticketing/kernel';
import { TICKET_OPENED_SCHEMA_VERSION, upcastIntakeEvent } from '@ticketing/contracts';
import type { RecordedEvent } from '@ticketing/event-store';
import { of, throwError } from 'rxjs';
import { BusEventContext } from './bus-event.context';
import type { BusHandler } from './bus-handler.registry';
import { deliverWithRetry } from './event-delivery';
import { resolveRetryPolicy } from './retry.policy';

const event = { id: 'e-1', type: 'TicketOpened', schemaVersion: 3, data: {}, globalPosition: 7, streamName: 'ticket-1' } as unknown as RecordedEvent;
const policy = resolveRetryPolicy({ maxAttempts: 3, initialBackoffMs: 10, multiplier: 2 });
const turns = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('deliverWithRetry', () => {
  it('hands every handler the event upcast to its current shape, once per delivery, and the stored one in the context', async () => {
    const stored = {
      ...event,
      schemaVersion: 1,
      data: { ticketId: '1', customerId: 'c-1', channel: 'chat', subject: 's', body: 'b', language: 'ko', openedAt: '2026-11-25T10:00:00.000Z' },
    } as RecordedEvent;
    const seen: Array<[unknown, unknown]> = [];
    const handler: BusHandler = async (payload, ctx) => void seen.push([payload, (ctx as BusEventContext).getEnvelope()]);
    await deliverWithRetry({ event: stored, group: 'g', handlers: [handler, handler], policy, clock: new ManualClock() });
    expect(seen).toHaveLength(2);
    expect(seen[0][0]).toEqual({ ...stored, ...upcastIntakeEvent(stored) });
    expect(seen[0][0]).toMatchObject({ schemaVersion: TICKET_OPENED_SCHEMA_VERSION, data: { languageGiven: 'ko', channelDetails: null, subjectDerived: false } });
    expect(seen[1][0]).toBe(seen[0][0]);
    expect(seen[0][1]).toBe(stored);
  });

  it('counts an event its contract cannot upcast as a failed delivery, so it is parked rather than stopping the group', async () => {
    const malformed = { ...event, schemaVersion: 1, data: undefined } as unknown as RecordedEvent;
    const handler: BusHandler = async () => undefined;
    const outcome = await deliverWithRetry({ event: malformed, group: 'g', handlers: [handler], policy: { ...policy, maxAttempts: 1 }, clock: new ManualClock() });
    expect(outcome).toMatchObject({ kind: 'exhausted', attempts: 1, error: expect.any(TypeError) });
  });

  it('retries only the handlers that failed, with the attempt number in the context', async () => {
    const clock = new ManualClock();
    const attempts: Array<[string, number]> = [];
    let bFailures = 1;
    const a: BusHandler = async (_e, ctx) => void attempts.push(['a', (ctx as BusEventContext).getAttempt()]);
    const b: BusHandler = async (_e, ctx) => {
      attempts.push(['b', (ctx as BusEventContext).getAttempt()]);
      if (bFailures-- > 0) throw new Error('b failed');
    };
    const delivering = deliverWithRetry({ event, group: 'g', handlers: [a, b], policy, clock });
    await turns();
    clock.advance(10);
    await expect(delivering).resolves.toEqual({ kind: 'delivered', attempts: 2 });
    expect(attempts).toEqual([
      ['a', 1],
      ['b', 1],
      ['b', 2],
    ]);
  });

  it('awaits observables and treats an erroring observable as a failure', async () => {
    const clock = new ManualClock();
    const ok: BusHandler = async () => of(1, 2, 3);
    const failing: BusHandler = async () => throwError(() => new Error('stream failed'));
    await expect(deliverWithRetry({ event, group: 'g', handlers: [ok], policy, clock })).resolves.toEqual({
      kind: 'delivered',
      attempts: 1,
    });
    const delivering = deliverWithRetry({ event, group: 'g', handlers: [failing], policy, clock });
    await turns();
    clock.advance(10);
    await turns();
    clock.advance(20);
    const outcome = await delivering;
    expect(outcome).toMatchObject({ kind: 'exhausted', attempts: 3 });
    expect((outcome as { error: Error }).error.message).toBe('stream failed');
  });

  it('stops at a pending backoff when aborted, reporting the attempts made', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const onRetry = jest.fn();
    const failing: BusHandler = async () => {
      throw new Error('nope');
    };
    const delivering = deliverWithRetry({ event, group: 'g', handlers: [failing], policy, clock, signal: controller.signal, onRetry });
    await turns();
    expect(onRetry).toHaveBeenCalledWith({ attempt: 1, delayMs: 10, error: expect.any(Error) });
    controller.abort();
    await expect(delivering).resolves.toEqual({ kind: 'aborted', attempts: 1 });
  });

  it('continues the attempt count from firstAttempt (replays)', async () => {
    const seen: number[] = [];
    const handler: BusHandler = async (_e, ctx) => void seen.push((ctx as BusEventContext).getAttempt());
    await deliverWithRetry({ event, group: 'g', handlers: [handler], policy, clock: new ManualClock(), firstAttempt: 6 });
    expect(seen).toEqual([6]);
  });
});
