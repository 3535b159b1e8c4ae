import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadConfig, loadOrCreateDevSecret, mintDevToken, type Role } from '@ticketing/platform';
import type { RecordedEvent } from '@ticketing/event-store';
import pino from 'pino';
import { bootTicketing, type BootedTicketing } from '../boot';
import type { OpenApiDocument } from './openapi-body.arbitrary';

/**
 * The one place that configures the app under fuzz. Whatever protection would answer before
 * validation does (rate limits) is switched off: the fuzzer measures validation, not limits.
 */
export const FUZZ_APP_ENV: Readonly<Record<string, string>> = {
  LOG_LEVEL: 'silent',
  TICKETING_HTTP_PORT: '0',
  TICKETING_GRPC_PORT: '0',
  // The fuzzer measures validation, not limits.
  TICKETING_RATE_LIMITS: 'off',
};

/** Callers the fuzzer speaks as: each role, two customers, no token, and a token that is not one. */
export const FUZZ_CALLERS = ['customer', 'other-customer', 'agent', 'supervisor', 'auditor', 'ops', 'service', 'admin', 'none', 'forged'] as const;
export type FuzzCaller = (typeof FUZZ_CALLERS)[number];


const POOL_SIZE = 64;

export type FuzzTransport = 'inject' | 'http';
export type FuzzReply = Readonly<{ statusCode: number; header: (name: string) => string | undefined; body: string }>;

/** The app booted in-process on the embedded default in a temporary data folder, with tokens and real tickets. */
export class FuzzTarget {
  /** Ids of tickets that exist: seeded ones and any the fuzzer opened since, newest last. */
  readonly tickets: string[] = [];

  private constructor(
    readonly booted: BootedTicketing,
    readonly dataDir: string,
    private readonly tokens: ReadonlyMap<FuzzCaller, string>,
    private readonly transport: FuzzTransport,
  ) {}

  /** `inject` (default): Fastify's in-process injection, the whole HTTP pipeline without sockets; `http`: real requests to the listening port. */
  static async start(options: Readonly<{ transport?: FuzzTransport; errorLog?: string }> = {}): Promise<FuzzTarget> {
    const dataDir = await mkdtemp(join(tmpdir(), 'ticketing-fuzz-'));
    // Errors only, and only when asked: a 500's stack, found by the correlation id in its problem body.
    const logging = options.errorLog === undefined ? {} : { LOG_LEVEL: 'error' };
    const config = loadConfig({ ...FUZZ_APP_ENV, ...logging, TICKETING_DATA_DIR: dataDir });
    const logDestination = pino.destination({ dest: options.errorLog ?? '/dev/null', sync: true });
    const booted = await bootTicketing({ config, mode: 'serve', logDestination });
    const secret = await loadOrCreateDevSecret(dataDir);
    const mint = (role: Role, sub: string) => mintDevToken({ sub, roles: [role], secret, ttlSeconds: 24 * 3600 });
    const tokens = new Map<FuzzCaller, string>([
      ['customer', await mint('customer', 'fuzz-customer')],
      ['other-customer', await mint('customer', 'fuzz-other-customer')],
      ['forged', `${(await mint('admin', 'fuzz-admin')).slice(0, -4)}AAAA`],
    ]);
    for (const role of ['agent', 'supervisor', 'auditor', 'ops', 'service', 'admin'] as const) tokens.set(role, await mint(role, `fuzz-${role}`));
    const target = new FuzzTarget(booted, dataDir, tokens, options.transport ?? 'inject');
    for (const caller of ['customer', 'other-customer', 'customer', 'other-customer'] as const) {
      const reply = await target.inject({
        method: 'POST',
        url: '/v1/tickets',
        headers: { ...target.authorization(caller), 'content-type': 'application/json' },
        payload: JSON.stringify({ channel: 'chat', subject: 'Withdrawal pending', body: 'Pending since 9:00', chat: { sessionId: 's-1' } }),
      });
      if (reply.statusCode !== 201) throw new Error(`seeding a ticket failed: ${reply.statusCode} ${reply.body}`);
      target.remember((JSON.parse(reply.body) as { id: string }).id);
    }
    return target;
  }

  get grpcAddress(): string {
    return `127.0.0.1:${this.booted.ports.grpc}`;
  }

  authorization(caller: FuzzCaller): Record<string, string> {
    const token = this.tokens.get(caller);
    return token === undefined ? {} : { authorization: `Bearer ${token}` };
  }

  token(caller: FuzzCaller): string | undefined {
    return this.tokens.get(caller);
  }

  /** A known ticket id, by a generated index. */
  ticket(pick: number): string {
    return this.tickets[pick % this.tickets.length];
  }

  remember(ticketId: string): void {
    if (this.tickets.includes(ticketId)) return;
    this.tickets.push(ticketId);
    if (this.tickets.length > POOL_SIZE) this.tickets.splice(4, 1);
  }

  async inject(request: Readonly<{ method: string; url: string; headers: Record<string, string>; payload?: string }>): Promise<FuzzReply> {
    if (this.transport === 'inject') {
      const reply = await this.booted.app
        .getHttpAdapter()
        .getInstance()
        .inject({ method: request.method as 'POST', url: request.url, headers: request.headers, payload: request.payload });
      const header = (name: string) => (reply.headers[name] === undefined ? undefined : String(reply.headers[name]));
      return { statusCode: reply.statusCode, header, body: reply.body };
    }
    const address = this.booted.app.getHttpServer().address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${address.port}${request.url}`, { method: request.method, headers: request.headers, body: request.payload });
    const body = await response.text();
    return { statusCode: response.status, header: (name) => response.headers.get(name) ?? undefined, body };
  }

  /** The OpenAPI document the app serves. */
  async openApi(): Promise<OpenApiDocument> {
    const reply = await this.inject({ method: 'GET', url: '/docs-json', headers: {} });
    if (reply.statusCode !== 200) throw new Error(`/docs-json answered ${reply.statusCode}`);
    return JSON.parse(reply.body) as OpenApiDocument;
  }

  headPosition(): Promise<number> {
    return this.booted.runtime.eventStore.headPosition();
  }

  /** Intake events after `position` stamped with `correlationId` (what one request wrote, others running alongside); all of them without one. */
  async appendedBy(correlationId: string | undefined, position: number): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for await (const event of this.booted.runtime.eventStore.readAll({ fromPosition: position, filter: { streamPrefixes: ['ticket-'] } })) {
      if (correlationId === undefined || event.metadata.correlationId === correlationId) events.push(event);
    }
    return events;
  }

  async close(): Promise<void> {
    await this.booted.app.close();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
