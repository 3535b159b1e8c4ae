// Test support for the bus specs (not exported from the lib).
import { Controller, Inject, Module, type DynamicModule, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { orderingKeyOf, TICKET_ENTITY } from '@ticketing/contracts';
import { newId } from '@ticketing/kernel';
import type { EventStore, NewEvent, RecordedEvent } from '@ticketing/event-store';
import { BusEventContext } from '../bus-event.context';
import { BusExceptionFilter } from '../bus-exception.filter';
import type { ConsumerStateStore } from '../consumer-state.port';
import { EmbeddedBusServer, type EmbeddedBusOptions } from './embedded-bus.server';

export type Delivery = Readonly<{
  handler: string;
  group: string;
  attempt: number;
  eventId: string;
  type: string;
  streamName: string;
  streamRevision: number;
  position: number;
  correlationId: string;
}>;

type Behaviour = (event: RecordedEvent, ctx: BusEventContext) => unknown;

/** Records every delivery and lets a test script each handler's behaviour. */
export class Probe {
  readonly deliveries: Delivery[] = [];
  private readonly behaviours = new Map<string, Behaviour>();

  /** `handler` is `<group>:<EventType>`, e.g. `routing:TicketOpened`. */
  on(handler: string, behaviour: Behaviour): void {
    this.behaviours.set(handler, behaviour);
  }

  of(handler: string): Delivery[] {
    return this.deliveries.filter((d) => d.handler === handler);
  }

  handle(handler: string, event: RecordedEvent, ctx: BusEventContext): unknown {
    if (!(ctx instanceof BusEventContext)) throw new Error('context is not a BusEventContext');
    this.deliveries.push({
      handler,
      group: ctx.getGroup(),
      attempt: ctx.getAttempt(),
      eventId: event.id,
      type: event.type,
      streamName: event.streamName,
      streamRevision: event.streamRevision,
      position: ctx.getPosition(),
      correlationId: ctx.getEnvelope().metadata.correlationId,
    });
    return this.behaviours.get(handler)?.(event, ctx);
  }
}

const PROBE = Symbol('Probe');

@Controller()
class RoutingConsumer {
  constructor(@Inject(PROBE) private readonly probe: Probe) {}

  @EventPattern('TicketOpened', { group: 'routing' })
  opened(@Payload() event: RecordedEvent, @Ctx() ctx: BusEventContext): unknown {
    return this.probe.handle('routing:TicketOpened', event, ctx);
  }

  @EventPattern('TicketClosed', { group: 'routing' })
  closed(@Payload() event: RecordedEvent, @Ctx() ctx: BusEventContext): unknown {
    return this.probe.handle('routing:TicketClosed', event, ctx);
  }
}

@Controller()
class SlaConsumer {
  constructor(@Inject(PROBE) private readonly probe: Probe) {}

  @EventPattern('TicketOpened', { group: 'sla' })
  opened(@Payload() event: RecordedEvent, @Ctx() ctx: BusEventContext): unknown {
    return this.probe.handle('sla:TicketOpened', event, ctx);
  }
}

@Controller()
class DefaultGroupConsumer {
  constructor(@Inject(PROBE) private readonly probe: Probe) {}

  @EventPattern('AgentJoined')
  joined(@Payload() event: RecordedEvent, @Ctx() ctx: BusEventContext): unknown {
    return this.probe.handle('default:AgentJoined', event, ctx);
  }
}

@Module({})
export class BusTestModule {
  static with(probe: Probe): DynamicModule {
    return {
      module: BusTestModule,
      controllers: [RoutingConsumer, SlaConsumer, DefaultGroupConsumer],
      providers: [{ provide: PROBE, useValue: probe }],
    };
  }
}

export type BootedBus = Readonly<{ app: INestMicroservice; server: EmbeddedBusServer }>;

/**
 * A Nest microservice on the embedded bus, as the standalone services run it. `listen: false`
 * initialises it (handlers registered) without consuming, as the CLI does.
 */
export async function bootBus(
  probe: Probe,
  options: EmbeddedBusOptions,
  { listen = true, filter = true }: { listen?: boolean; filter?: boolean } = {},
): Promise<BootedBus> {
  const server = new EmbeddedBusServer(options);
  const app = await NestFactory.createMicroservice(BusTestModule.with(probe), { strategy: server, logger: false });
  if (filter) app.useGlobalFilters(new BusExceptionFilter());
  if (listen) await app.listen();
  else await app.init();
  return { app, server };
}

let sequence = 0;

/** A new event; `ticketId: null` for an event of no ticket. */
export function newEvent(type: string, ticketId: string | null = 't-1', data: Record<string, unknown> = {}): NewEvent {
  sequence++;
  return {
    id: newId(),
    type,
    schemaVersion: 1,
    data: { ...(ticketId !== null && { ticketId }), ...data },
    metadata: {
      ...(ticketId !== null && { ticketId }),
      correlationId: `corr-${sequence}`,
      causationId: `cause-${sequence}`,
      actor: { kind: 'system', id: 'test' },
      occurredAt: '2026-01-01T00:00:00.000Z',
    },
  };
}

/** Append one event of `type` to `stream`, with the stream's ticket id if it is a ticket's; returns it as recorded. */
export async function appendOne(store: EventStore, stream: string, type: string): Promise<RecordedEvent> {
  const key = orderingKeyOf(stream);
  const event = newEvent(type, key.entity === TICKET_ENTITY ? key.id : null);
  const { lastGlobalPosition } = await store.append(stream, [event], { expectedRevision: 'any' });
  for await (const recorded of store.readAll({ fromPosition: lastGlobalPosition - 1, max: 1 })) return recorded;
  throw new Error('appended event not found');
}

/** Let the event loop run until `condition` holds; fails after `turns` turns instead of hanging. */
export async function settle(condition: () => boolean, what = 'condition', turns = 2_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

/** Let the event loop run a while: for asserting that something does NOT happen. */
export async function idle(turns = 50): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Wait until the group's checkpoint reaches `position`. */
export async function settleCheckpoint(state: ConsumerStateStore, group: string, position: number): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if ((await state.loadCheckpoint(group)) >= position) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`Timed out waiting for ${group} to reach ${position}`);
}

/** A promise a test resolves by hand: a handler blocked mid-flight. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
