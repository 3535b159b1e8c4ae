import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '@ticketing/kernel';
import { loadConfig, loadOrCreateDevSecret, mintDevToken, openApiDocument, type Role } from '@ticketing/platform';
import { OpenApiResponseValidator } from '@ticketing/testing';
import type { RecordedEvent } from '@ticketing/event-store';
import type { KafkaClient, RetryPolicy } from '@ticketing/messaging';
import pino from 'pino';
import { bootTicketing, type BootedTicketing } from '../boot';

export type HttpReply = Readonly<{ status: number; contentType: string | null; body: unknown; headers: Headers }>;

export type RequestOptions = Readonly<{
  token?: string;
  /** Serialized as JSON unless `rawBody` is given. */
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}>;

// The document is the same for every boot of the app: built once per test file.
let responseValidator: OpenApiResponseValidator | undefined;

export const newDataDir = (): Promise<string> => mkdtemp(join(tmpdir(), 'ticketing-e2e-'));

/** `ticketing start` booted in-process on the embedded default in a data folder, on a free port. */
export class TicketingHarness {
  private constructor(
    readonly booted: BootedTicketing,
    readonly dataDir: string,
    readonly baseUrl: string,
    readonly clock?: Clock,
  ) {}

  /** `127.0.0.1:<port>` of the gRPC server, for a grpc-js client. */
  get grpcAddress(): string {
    const port = this.booted.ports.grpc;
    if (port === undefined) throw new Error('gRPC is not listening');
    return `127.0.0.1:${port}`;
  }

  static async start(
    options: Readonly<{ dataDir?: string; env?: NodeJS.ProcessEnv; busRetry?: Partial<RetryPolicy>; clock?: Clock; kafka?: KafkaClient }> = {},
  ): Promise<TicketingHarness> {
    const dataDir = options.dataDir ?? (await newDataDir());
    const config = loadConfig({ TICKETING_DATA_DIR: dataDir, TICKETING_HTTP_PORT: '0', TICKETING_GRPC_PORT: '0', LOG_LEVEL: 'silent', TICKETING_KB_STARTER: 'off', ...options.env });
    const booted = await bootTicketing({
      config,
      mode: 'serve',
      clock: options.clock,
      busRetry: options.busRetry,
      kafka: options.kafka,
      logDestination: pino.destination('/dev/null'),
    });
    const address = booted.app.getHttpServer().address();
    if (address === null || typeof address === 'string') throw new Error('HTTP server has no port');
    return new TicketingHarness(booted, dataDir, `http://127.0.0.1:${address.port}`, options.clock);
  }

  get runtime() {
    return this.booted.runtime;
  }

  async token(role: Role | readonly Role[], sub: string): Promise<string> {
    return mintDevToken({
      sub,
      roles: typeof role === 'string' ? [role] : role,
      secret: await loadOrCreateDevSecret(this.dataDir),
      now: this.clock?.now(),
    });
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<HttpReply> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (body === undefined && options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    const contentType = response.headers.get('content-type');
    const parsed = text.length > 0 && contentType?.includes('json') ? JSON.parse(text) : text;
    const reply = { status: response.status, contentType, body: parsed, headers: response.headers };
    this.checkAgainstOpenApi(method, path, reply);
    return reply;
  }

  /** Every response must be one the OpenAPI document describes: status, media type, body schema, required headers. */
  private checkAgainstOpenApi(method: string, url: string, reply: HttpReply): void {
    responseValidator ??= new OpenApiResponseValidator(JSON.parse(JSON.stringify(openApiDocument(this.booted.app))));
    const problems = responseValidator.problems({ method, url, ...reply });
    if (problems.length > 0) throw new Error(`The response is not what the OpenAPI document says:\n${problems.join('\n')}`);
  }

  /** Resolves with the first event of `type` on `streamName`, historic or yet to come. */
  async nextEvent(streamName: string, type: string): Promise<RecordedEvent> {
    const subscription = this.runtime.eventStore.subscribe({ filter: { streamPrefixes: [streamName], eventTypes: [type] } });
    try {
      for await (const event of subscription) if (event.streamName === streamName) return event;
      throw new Error(`subscription ended before ${type} on ${streamName}`);
    } finally {
      await subscription.close();
    }
  }

  /** Waits until routing queued the ticket and the projections have applied it. */
  async ticketQueued(ticketId: string): Promise<RecordedEvent> {
    const queued = await this.nextEvent(`routing-${ticketId}`, 'TicketQueued');
    await this.runtime.projections.waitFor(queued.globalPosition);
    return queued;
  }

  async close(): Promise<void> {
    await this.booted.app.close();
  }
}
