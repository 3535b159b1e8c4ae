import { ROOT_CONTEXT, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Clock, Event } from '@ticketing/kernel';
import { upcastPublicEvent, type PublicEvent, type Upcast } from '@ticketing/contracts';
import { inSpan, traceContextOf, type RecordedEvent } from '@ticketing/event-store';
import { isObservable, lastValueFrom } from 'rxjs';
import { BusEventContext } from './bus-event.context';
import type { BusHandler } from './bus-handler.registry';
import { backoffDelayMs, type RetryPolicy } from './retry.policy';

/** How one event's delivery to one group ended. */
export type DeliveryOutcome =
  | Readonly<{ kind: 'delivered'; attempts: number }>
  /** Every attempt failed: the caller parks the event. `error` is the last attempt's. */
  | Readonly<{ kind: 'exhausted'; attempts: number; error: unknown }>
  /** The transport is stopping: neither acknowledge nor park; the event is delivered again later. */
  | Readonly<{ kind: 'aborted'; attempts: number }>;

/**
 * What an `@EventPattern` handler gets as `@Payload()`, on every transport: the recorded event
 * (id, metadata, stream, global position) with the event upcast to its current shape by its
 * context's contract, e.g. `@Payload() event: BusEvent<TicketOpened>`. `@Ctx()` keeps the event
 * as stored (`getEnvelope()`).
 */
export type BusEvent<E extends Event = PublicEvent> = Upcast<RecordedEvent, E>;

/** Calls one handler; a transport wraps it to add logging context, hooks, tracing. */
export type InvokeBusHandler = (handler: BusHandler, event: BusEvent, context: BusEventContext) => Promise<void>;

/**
 * Run a Nest event handler to completion: it may return a value, a promise or an observable
 * (which must complete). Rejects with what the handler threw or its observable errored with.
 */
export const invokeBusHandler: InvokeBusHandler = async (handler, event, context) => {
  const result: unknown = await handler(event, context);
  if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
};

export type DeliverWithRetryInput = Readonly<{
  event: RecordedEvent;
  group: string;
  /** The group's handlers for the event's type; all must succeed for the event to count as delivered. */
  handlers: readonly BusHandler[];
  policy: RetryPolicy;
  clock: Clock;
  /** Aborting cancels a pending backoff; a running handler is never interrupted. */
  signal?: AbortSignal;
  /** Attempt number of the first delivery here (a replay continues the count). Default 1. */
  firstAttempt?: number;
  invoke?: InvokeBusHandler;
  /** Opens what travelled sealed (personal data) before upcasting; default none. */
  reveal?: (event: RecordedEvent) => RecordedEvent | Promise<RecordedEvent>;
  onRetry?: (failure: Readonly<{ attempt: number; delayMs: number; error: unknown }>) => void;
}>;

/**
 * Deliver an event to a group's handlers, retrying failed handlers with exponential backoff on
 * the injected clock. Handlers that already succeeded are not called again by a retry.
 * Transport-neutral: the embedded bus and a Kafka transport share it.
 */
export async function deliverWithRetry(input: DeliverWithRetryInput): Promise<DeliveryOutcome> {
  // The event's traceparent (set where it was appended) makes this delivery part of that trace.
  const attributes = {
    'messaging.consumer.group.name': input.group,
    'messaging.message.id': input.event.id,
    'ticketing.stream': input.event.streamName,
    'ticketing.position': input.event.globalPosition,
    'ticketing.correlation_id': input.event.metadata?.correlationId ?? '',
  };
  return inSpan(
    `${input.group} process ${input.event.type}`,
    { kind: SpanKind.CONSUMER, attributes },
    async (span) => {
      const outcome = await deliverWithRetryInSpan(input);
      span.setAttribute('ticketing.attempts', outcome.attempts);
      if (outcome.kind === 'exhausted') span.setStatus({ code: SpanStatusCode.ERROR, message: describeFailure(outcome.error) });
      return outcome;
    },
    traceContextOf(input.event.metadata, ROOT_CONTEXT),
  );
}

const describeFailure = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function deliverWithRetryInSpan(input: DeliverWithRetryInput): Promise<DeliveryOutcome> {
  const { event, group, policy, clock, signal } = input;
  const invoke = input.invoke ?? invokeBusHandler;
  const firstAttempt = input.firstAttempt ?? 1;
  let pending = [...input.handlers];
  // Upcast once per delivery, before any handler sees it; an event that cannot be upcast fails
  // like a handler would, so it is retried and then parked rather than stopping the group.
  let payload: BusEvent | undefined;
  for (let tries = 1; ; tries++) {
    if (signal?.aborted) return { kind: 'aborted', attempts: tries - 1 };
    const context = new BusEventContext(event, group, firstAttempt + tries - 1);
    const failed: BusHandler[] = [];
    let lastError: unknown;
    for (const handler of pending) {
      try {
        payload ??= upcastPublicEvent(input.reveal ? await input.reveal(event) : event);
        await invoke(handler, payload, context);
      } catch (error) {
        failed.push(handler);
        lastError ??= error;
      }
    }
    if (failed.length === 0) return { kind: 'delivered', attempts: tries };
    if (tries >= policy.maxAttempts) return { kind: 'exhausted', attempts: tries, error: lastError };
    pending = failed;
    const delayMs = backoffDelayMs(policy, tries);
    input.onRetry?.({ attempt: firstAttempt + tries - 1, delayMs, error: lastError });
    try {
      await clock.sleep(delayMs, signal);
    } catch (error) {
      if (signal?.aborted) return { kind: 'aborted', attempts: tries };
      throw error;
    }
  }
}
