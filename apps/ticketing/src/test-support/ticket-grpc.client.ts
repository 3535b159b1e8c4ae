import { credentials, loadPackageDefinition, Metadata, type Client, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { INTAKE_PROTO_FILE, protoLoaderOptions } from '@ticketing/contracts';

export type CallOptions = Readonly<{ token?: string; idempotencyKey?: string; correlationId?: string; traceparent?: string }>;

type UnaryMethod = (request: unknown, metadata: Metadata, callback: (error: ServiceError | null, response: unknown) => void) => unknown;
type StreamMethod = (request: unknown, metadata: Metadata) => ClientReadableStream<unknown>;

function metadataOf(options: CallOptions): Metadata {
  const metadata = new Metadata();
  if (options.token) metadata.set('authorization', `Bearer ${options.token}`);
  if (options.idempotencyKey) metadata.set('idempotency-key', options.idempotencyKey);
  if (options.correlationId) metadata.set('x-correlation-id', options.correlationId);
  if (options.traceparent) metadata.set('traceparent', options.traceparent);
  return metadata;
}

/** A real @grpc/grpc-js client of ticketing.intake.v1.TicketService, loaded from the same .proto as the server. */
export class TicketGrpcClient {
  private readonly client: Client & Record<string, UnaryMethod | StreamMethod>;

  constructor(address: string) {
    const definition = loadPackageDefinition(loadSync(INTAKE_PROTO_FILE, protoLoaderOptions()));
    const service = (definition.ticketing as never)['intake']['v1']['TicketService'] as new (
      address: string,
      creds: ReturnType<typeof credentials.createInsecure>,
    ) => TicketGrpcClient['client'];
    this.client = new service(address, credentials.createInsecure());
  }

  /** Resolves with the response; rejects with the ServiceError (code, details). */
  call<T = Record<string, unknown>>(method: string, request: unknown, options: CallOptions = {}): Promise<T> {
    const unary = this.client[method] as UnaryMethod;
    return new Promise((resolve, reject) => {
      unary.call(this.client, request, metadataOf(options), (error, response) => (error ? reject(error) : resolve(response as T)));
    });
  }

  /** The ServiceError a call fails with; fails the test if it succeeds. */
  async callError(method: string, request: unknown, options: CallOptions = {}): Promise<ServiceError> {
    try {
      const response = await this.call(method, request, options);
      throw new Error(`${method} succeeded: ${JSON.stringify(response)}`);
    } catch (error) {
      if ((error as Partial<ServiceError>).code === undefined) throw error;
      return error as ServiceError;
    }
  }

  stream(method: string, request: unknown, options: CallOptions = {}): ClientReadableStream<unknown> {
    return (this.client[method] as StreamMethod).call(this.client, request, metadataOf(options));
  }

  close(): void {
    this.client.close();
  }
}

/**
 * Reads a server stream until `until` accepts a message; resolves with every message so far and
 * cancels the call. Rejects with the stream's error (e.g. NOT_FOUND).
 */
export function collectUntil<T>(stream: ClientReadableStream<unknown>, until: (message: T, all: readonly T[]) => boolean): Promise<T[]> {
  const messages: T[] = [];
  return new Promise((resolve, reject) => {
    stream.on('data', (message: T) => {
      messages.push(message);
      if (until(message, messages)) {
        stream.cancel();
        resolve(messages);
      }
    });
    stream.on('error', (error: ServiceError) => {
      // Our own cancel() after resolving ends the call with CANCELLED: not a failure.
      if (error.code !== 1) reject(error);
    });
    stream.on('end', () => reject(new Error(`stream ended after ${messages.length} messages without the expected one`)));
  });
}
