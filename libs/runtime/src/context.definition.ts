import type { INestApplication, Type } from '@nestjs/common';
import { assertDisjointContracts, CONTEXT_CONTRACTS, type ContextContract, type ContextName } from '@ticketing/contracts';
import type { GrpcSurface, TicketingConfig } from '@ticketing/platform';
import type { AnyProjectionDefinition } from '@ticketing/read-store';

/** A transport a context serves besides HTTP and the bus (gRPC…), once it listens. */
export type ConnectedTransport = Readonly<{ name: string; port(): number }>;

/**
 * Connects a transport to the app in `serve` mode, before the microservices start (e.g.
 * `connectIntakeGrpc(app, { port: config.grpcPort })`).
 */
export type ContextTransport = (app: INestApplication, config: TicketingConfig) => ConnectedTransport;

/**
 * The unit the product is assembled from: one per `libs/<context>/feature`. Composition derives
 * everything else from a list of these (which streams a process relays, which projections it
 * runs, which transports it serves, what runs on the consumer thread).
 */
export type ContextDefinition = Readonly<{
  name: ContextName;
  /** Its public side, from libs/contracts: stream prefixes it owns and event types it publishes. */
  contract: ContextContract<ContextName>;
  /** Its Nest module: controllers (HTTP, gRPC), `@EventPattern` consumers, providers. */
  module: Type<unknown>;
  /**
   * An `api` context's bus consumers, as a module of their own, so `ticketing start` can run them
   * on the consumer thread (their CPU away from HTTP requests) while `module` serves the API.
   * Processes without a consumer thread import both.
   */
  consumers: Type<unknown> | undefined;
  /** Its gRPC services: every composed context's are served on one port (`TICKETING_GRPC_PORT`). */
  grpc: GrpcSurface | undefined;
  /** Read models it needs kept up to date: all of them, `eventualProjections` included. */
  projections: readonly AnyProjectionDefinition[];
  /**
   * Those of `projections` its own API never waits for after a write (no read-your-writes): where
   * `ticketing start` runs a consumer thread, they run there, their writes away from HTTP requests.
   */
  eventualProjections: readonly AnyProjectionDefinition[];
  /**
   * `api`: serves HTTP (and its transports) to clients. `bus`: only consumes the bus, so
   * `ticketing start` may run it on the consumer thread, away from HTTP requests.
   */
  serves: 'api' | 'bus';
  /** Transports besides HTTP, the shared gRPC server and the bus. */
  transports: readonly ContextTransport[];
  /**
   * Consumer groups of its `consumers` whose outage (a broker down) must not make the process
   * unready: what they follow is a convenience to its API, not its job (intake showing routing's
   * assignee), so the API keeps taking writes; the group's lag still shows in /metrics.
   */
  auxiliaryConsumerGroups: readonly string[];
}>;

export type ContextDefinitionInput = Readonly<{
  contract: ContextContract<ContextName>;
  module: Type<unknown>;
  consumers?: Type<unknown>;
  grpc?: GrpcSurface;
  projections?: readonly AnyProjectionDefinition[];
  eventualProjections?: readonly AnyProjectionDefinition[];
  serves: 'api' | 'bus';
  transports?: readonly ContextTransport[];
  auxiliaryConsumerGroups?: readonly string[];
}>;

/** Declares a context; a definition that contradicts itself fails at import, not at boot. */
export function defineContext(input: ContextDefinitionInput): ContextDefinition {
  const eventualProjections = [...(input.eventualProjections ?? [])];
  const projections = [...(input.projections ?? []), ...eventualProjections];
  const transports = [...(input.transports ?? [])];
  const name = input.contract.name;
  const projectionNames = projections.map((projection) => projection.name);
  if (new Set(projectionNames).size !== projectionNames.length) {
    throw new Error(`Context ${name} lists a projection twice: ${projectionNames.join(', ')}`);
  }
  if (input.serves === 'bus' && (transports.length > 0 || input.grpc !== undefined)) {
    throw new Error(`Context ${name} serves only the bus but lists transports: a bus-only context may run where nothing listens`);
  }
  if (input.serves === 'bus' && input.consumers !== undefined) {
    throw new Error(`Context ${name} serves only the bus: its module is its consumers, it needs no separate consumers module`);
  }
  return Object.freeze({
    name,
    contract: input.contract,
    module: input.module,
    consumers: input.consumers,
    grpc: input.grpc,
    projections,
    eventualProjections,
    serves: input.serves,
    transports,
    auxiliaryConsumerGroups: [...(input.auxiliaryConsumerGroups ?? [])],
  });
}

/**
 * The projections of `context` a process runs: `consumer-thread` the eventual ones of an api
 * context (all of a bus context's), `beside-consumer-thread` the rest, `all` everywhere else.
 */
export function projectionsRunBy(context: ContextDefinition, part: 'consumer-thread' | 'beside-consumer-thread' | 'all'): readonly AnyProjectionDefinition[] {
  if (part === 'all') return context.projections;
  if (context.serves === 'bus') return part === 'consumer-thread' ? context.projections : [];
  const eventual = new Set(context.eventualProjections);
  return context.projections.filter((projection) => eventual.has(projection) === (part === 'consumer-thread'));
}

/**
 * Checks a list of contexts composed into one process: each at most once, and no projection name
 * shared by two (they would fight over one checkpoint). Throws naming both.
 */
export function assertComposable(contexts: readonly ContextDefinition[]): void {
  const problems: string[] = [];
  const projectionOwner = new Map<string, ContextName>();
  contexts.forEach((context, index) => {
    if (contexts.slice(0, index).some((earlier) => earlier.name === context.name)) problems.push(`context ${context.name} is listed twice`);
    for (const projection of context.projections) {
      const owner = projectionOwner.get(projection.name);
      if (owner !== undefined && owner !== context.name) problems.push(`projection ${projection.name} is defined by both ${owner} and ${context.name}`);
      projectionOwner.set(projection.name, context.name);
    }
  });
  for (const context of contexts) {
    // Topics and the stream → context map come from the contracts: a contract outside them would route nowhere.
    if (!CONTEXT_CONTRACTS.some((contract) => contract === context.contract)) {
      problems.push(`context ${context.name} does not use its contract from libs/contracts (CONTEXT_CONTRACTS)`);
    }
  }
  if (problems.length > 0) throw new Error(`Cannot compose these contexts: ${problems.join('; ')}`);
  assertDisjointContracts(contexts.map((context) => context.contract));
}
