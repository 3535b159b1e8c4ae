import { credentials, loadPackageDefinition, Metadata, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoLoaderOptions } from '@ticketing/contracts';

type Unary = (request: unknown, metadata: Metadata, callback: (error: ServiceError | null, response: unknown) => void) => unknown;

/** A real grpc-js client of one context's service (`ticketing.sla.v1.SlaService`), loaded from the same .proto as the server. */
export class ContextGrpcClient {
  private readonly client: Client & Record<string, Unary>;

  constructor(protoFile: string, service: string, address: string) {
    let definition: unknown = loadPackageDefinition(loadSync(protoFile, protoLoaderOptions()));
    for (const part of service.split('.')) definition = (definition as Record<string, unknown>)[part];
    const Service = definition as new (address: string, creds: unknown) => ContextGrpcClient['client'];
    this.client = new Service(address, credentials.createInsecure());
  }

  call<T = Record<string, unknown>>(method: string, request: unknown, token?: string, idempotencyKey?: string): Promise<T> {
    const metadata = new Metadata();
    if (token) metadata.set('authorization', `Bearer ${token}`);
    if (idempotencyKey) metadata.set('idempotency-key', idempotencyKey);
    return new Promise((resolve, reject) => this.client[method].call(this.client, request, metadata, (error, response) => (error ? reject(error) : resolve(response as T))));
  }

  /** The error a call fails with; a call that succeeds fails the test. */
  error(method: string, request: unknown, token?: string): Promise<ServiceError> {
    return this.call(method, request, token).then(
      (response) => {
        throw new Error(`${method} succeeded: ${JSON.stringify(response)}`);
      },
      (error: ServiceError) => error,
    );
  }

  close(): void {
    this.client.close();
  }
}
