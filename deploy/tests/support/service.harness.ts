import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { RecordedEvent } from '@ticketing/event-store';
import { __resetOutOfContextForTests } from 'nestjs-pino/PinoLogger';
import { loadConfig, loadOrCreateDevSecret, mintDevToken, type Role } from '@ticketing/platform';
import type { KafkaClient } from '@ticketing/messaging';
import { composeContexts, type ComposedProcess, type ServiceDefinition } from '@ticketing/runtime';

export type HttpReply = Readonly<{ status: number; contentType: string | null; body: unknown }>;

export const newDataDir = (): Promise<string> => mkdtemp(join(tmpdir(), 'ticketing-deployable-'));

/** One deployable booted in-process, as `node bin/service.js <name>` would, on a free port. */
export class ServiceHarness {
  private constructor(
    readonly booted: ComposedProcess,
    readonly dataDir: string,
    readonly baseUrl: string,
    private readonly logLines: string[],
  ) {}

  static async start(
    service: ServiceDefinition,
    options: Readonly<{ dataDir?: string; env?: NodeJS.ProcessEnv; kafka?: KafkaClient }> = {},
  ): Promise<ServiceHarness> {
    const dataDir = options.dataDir ?? (await newDataDir());
    const config = loadConfig({
      TICKETING_DATA_DIR: dataDir,
      TICKETING_HTTP_PORT: '0',
      TICKETING_GRPC_PORT: '0',
      LOG_LEVEL: 'info',
      ...options.env,
    });
    const logLines: string[] = [];
    const logDestination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(...chunk.toString().split('\n').filter((line) => line.length > 0));
        done();
      },
    });
    // nestjs-pino keeps the first app's logger for logs outside a request, process-wide: one process
    // normally runs one app, a test file runs several, and each must read its own lines.
    __resetOutOfContextForTests();
    const booted = await composeContexts({ name: service.name, contexts: service.contexts, config, logDestination, kafka: options.kafka, mode: 'serve' });
    const address = booted.app.getHttpServer().address();
    if (address === null || typeof address === 'string') throw new Error('HTTP server has no port');
    return new ServiceHarness(booted, dataDir, `http://127.0.0.1:${address.port}`, logLines);
  }

  get runtime() {
    return this.booted.runtime;
  }

  /** Log messages (pino `msg`) written so far. */
  messages(): string[] {
    return this.logLines.map((line) => String((JSON.parse(line) as { msg?: unknown }).msg ?? ''));
  }

  async token(role: Role, sub: string): Promise<string> {
    return mintDevToken({ sub, roles: [role], secret: await loadOrCreateDevSecret(this.dataDir) });
  }

  async request(method: string, path: string, options: Readonly<{ token?: string; body?: unknown }> = {}): Promise<HttpReply> {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    const contentType = response.headers.get('content-type');
    return { status: response.status, contentType, body: text.length > 0 && contentType?.includes('json') ? JSON.parse(text) : text };
  }

  /** The API paths the service's OpenAPI document lists: every route it serves. */
  async apiPaths(): Promise<string[]> {
    const reply = await this.request('GET', '/docs-json');
    if (reply.status !== 200) throw new Error(`/docs-json answered ${reply.status}`);
    return Object.keys((reply.body as { paths: Record<string, unknown> }).paths).sort();
  }

  /** Resolves with the first event of `type` on `streamName` (that `matches`, if given), historic or yet to come. */
  async nextEvent(streamName: string, type: string, matches: (event: RecordedEvent) => boolean = () => true): Promise<RecordedEvent> {
    const subscription = this.runtime.eventStore.subscribe({ filter: { streamPrefixes: [streamName], eventTypes: [type] } });
    try {
      for await (const event of subscription) if (event.streamName === streamName && matches(event)) return event;
      throw new Error(`subscription ended before ${type} on ${streamName}`);
    } finally {
      await subscription.close();
    }
  }

  close(): Promise<void> {
    return this.booted.app.close();
  }
}
