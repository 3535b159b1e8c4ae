import { dirname, join } from 'node:path';
import { credentials, loadPackageDefinition, status, type Client, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoDir } from '@ticketing/contracts';
import { ManualClock, newId } from '@ticketing/kernel';
import { GRPC_HEALTH_POLL_MS, ReadinessRegistry } from '@ticketing/platform';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { Root } from 'protobufjs';
import { FileDescriptorProto } from 'protobufjs/ext/descriptor';
import { buildCompiledCli, killCliServers, startCliServer } from './test-support/compiled-cli';
import { TicketGrpcClient } from './test-support/ticket-grpc.client';
import { newDataDir, TicketingHarness } from './test-support/ticketing.harness';

// Stock clients: the .proto files grpc-js's own reflection and health packages ship, nothing of ours.
const STOCK_OPTIONS = { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true };
const REFLECTION_PROTO_DIR = join(dirname(require.resolve('@grpc/reflection')), '..', 'proto');
const HEALTH_PROTO_DIR = join(dirname(healthProtoPath), '..', '..');

type Constructor = new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => Client & Record<string, never>;
const serviceAt = (file: string, includeDir: string, name: string): Constructor => {
  const definition = loadPackageDefinition(loadSync(file, { ...STOCK_OPTIONS, includeDirs: [includeDir] })) as Record<string, unknown>;
  return name.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], definition) as Constructor;
};

// A client decodes error details from googleapis' files (here the copies in libs/contracts/proto).
const googleRpc = new Root();
googleRpc.resolvePath = (_origin, target) => join(protoDir(), target);
googleRpc.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto']);

type ErrorDetails = { errorInfo?: { reason: string; domain: string; metadata: Record<string, string> }; badRequest?: { fieldViolations: { field: string; description: string }[] } };
function errorDetailsOf(error: ServiceError): ErrorDetails & { code: number; message: string } {
  const [bin] = error.metadata.get('grpc-status-details-bin') as Buffer[];
  if (bin === undefined) throw new Error(`no grpc-status-details-bin trailer on ${error.code} ${error.details}`);
  const statusType = googleRpc.lookupType('google.rpc.Status');
  const decoded = statusType.toObject(statusType.decode(bin)) as { code: number; message: string; details: { type_url: string; value: Uint8Array }[] };
  const detail = (name: string) => {
    const found = decoded.details.find((any) => any.type_url === `type.googleapis.com/google.rpc.${name}`);
    const type = googleRpc.lookupType(`google.rpc.${name}`);
    return found && type.toObject(type.decode(found.value));
  };
  return { code: decoded.code, message: decoded.message, errorInfo: detail('ErrorInfo') as ErrorDetails['errorInfo'], badRequest: detail('BadRequest') as ErrorDetails['badRequest'] };
}

/** One ServerReflectionInfo call: writes `requests`, resolves with the responses. */
function reflectAt(address: string, version: 'v1' | 'v1alpha', requests: readonly Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
  const Reflection = serviceAt(`grpc/reflection/${version}/reflection.proto`, REFLECTION_PROTO_DIR, `grpc.reflection.${version}.ServerReflection`);
  const client = new Reflection(address, credentials.createInsecure());
  const call = (client as unknown as { serverReflectionInfo(): ClientDuplexStream<unknown, Record<string, unknown>> }).serverReflectionInfo();
  const responses: Record<string, unknown>[] = [];
  return new Promise<Record<string, unknown>[]>((resolve, reject) => {
    call.on('data', (response) => responses.push(response));
    call.on('error', reject);
    call.on('end', () => {
      client.close();
      resolve(responses);
    });
    for (const request of requests) call.write(request);
    call.end();
  });
}

describe('gRPC as tooling expects: reflection, health, error details (e2e, stock clients)', () => {
  const clock = new ManualClock(new Date());
  let harness: TicketingHarness;
  let grpc: TicketGrpcClient;
  let customer: string;
  let agent: string;
  let dependencyDown = false;

  beforeAll(async () => {
    harness = await TicketingHarness.start({ clock });
    // A dependency the tests can take down, as /health/ready sees it.
    harness.booted.app.get(ReadinessRegistry).register({
      name: 'test-dependency',
      check: async () => {
        if (dependencyDown) throw new Error('down for the test');
      },
    });
    grpc = new TicketGrpcClient(harness.grpcAddress);
    customer = await harness.token('customer', 'cust-tooling');
    agent = await harness.token('agent', 'agent-tooling');
  });
  afterEach(() => (dependencyDown = false));
  afterAll(async () => {
    grpc.close();
    await harness.close();
  });

  describe('server reflection', () => {
    const reflect = (version: 'v1' | 'v1alpha', requests: readonly Record<string, unknown>[]) => reflectAt(harness.grpcAddress, version, requests);

    it.each(['v1', 'v1alpha'] as const)('%s lists TicketService, Health and reflection itself', async (version) => {
      const [response] = await reflect(version, [{ listServices: '*' }]);
      const names = (response.listServicesResponse as { service: { name: string }[] }).service.map((service) => service.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'ticketing.intake.v1.TicketService',
          'grpc.health.v1.Health',
          'grpc.reflection.v1.ServerReflection',
          'grpc.reflection.v1alpha.ServerReflection',
        ]),
      );
    });

    it('resolves the file declaring TicketService, with its methods, and the files it imports', async () => {
      const [bySymbol] = await reflect('v1', [{ fileContainingSymbol: 'ticketing.intake.v1.TicketService' }]);
      const files = (bySymbol.fileDescriptorResponse as { fileDescriptorProto: Buffer[] }).fileDescriptorProto.map((bytes) =>
        FileDescriptorProto.decode(bytes),
      ) as unknown as {
        name: string;
        dependency: string[];
        service: { name: string; method: { name: string; inputType: string; serverStreaming?: boolean }[] }[];
        messageType: { name: string; field: { name: string; proto3Optional?: boolean }[] }[];
      }[];
      const declaring = files.find((file) => file.service.some((service) => service.name === 'TicketService'))!;
      const ticketService = declaring.service.find((service) => service.name === 'TicketService')!;
      expect(ticketService.method).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'OpenTicket', inputType: '.ticketing.intake.v1.OpenTicketRequest' }),
          expect.objectContaining({ name: 'WatchTicket', serverStreaming: true }),
        ]),
      );
      // Every import is served too, so a client can build the full descriptor set.
      const served = new Set(files.map((file) => file.name));
      for (const dependency of declaring.dependency) {
        if (served.has(dependency)) continue;
        const [byName] = await reflect('v1', [{ fileByFilename: dependency }]);
        expect(byName.errorResponse).toBeUndefined();
      }
      expect(declaring.dependency.length).toBeGreaterThan(0);
      expect(files.map((file) => file.name)).toEqual(expect.arrayContaining(declaring.dependency));
      // Proto field names and proto3 `optional` as written, so clients build the right requests.
      const email = declaring.messageType.find((message) => message.name === 'EmailDetails')!;
      expect(email.field).toEqual([
        expect.objectContaining({ name: 'from_address' }),
        expect.objectContaining({ name: 'message_id' }),
        expect.objectContaining({ name: 'in_reply_to', proto3Optional: true }),
      ]);
    });

    it('resolves google.rpc.BadRequest, the error details a client decodes', async () => {
      const [response] = await reflect('v1', [{ fileContainingSymbol: 'google.rpc.BadRequest' }]);
      expect(response.errorResponse).toBeUndefined();
    });
  });

  describe('grpc.health.v1.Health', () => {
    const Health = serviceAt('health/v1/health.proto', HEALTH_PROTO_DIR, 'grpc.health.v1.Health');
    let health: Client & Record<string, never>;
    beforeAll(() => (health = new Health(harness.grpcAddress, credentials.createInsecure())));
    afterAll(() => health.close());

    const check = (service: string) =>
      new Promise<{ status: string }>((resolve, reject) =>
        (health as unknown as { check(request: unknown, callback: (error: ServiceError | null, response: { status: string }) => void): void }).check(
          { service },
          (error, response) => (error ? reject(error) : resolve(response)),
        ),
      );

    it('answers SERVING for the server and TicketService while ready, NOT_SERVING when a readiness check fails', async () => {
      expect(await check('')).toEqual({ status: 'SERVING' });
      expect(await check('ticketing.intake.v1.TicketService')).toEqual({ status: 'SERVING' });
      dependencyDown = true;
      expect(await check('')).toEqual({ status: 'NOT_SERVING' });
      expect(await check('ticketing.intake.v1.TicketService')).toEqual({ status: 'NOT_SERVING' });
      expect((await harness.request('GET', '/health/ready')).status).toBe(503);
      dependencyDown = false;
      expect(await check('')).toEqual({ status: 'SERVING' });
    });

    it('answers NOT_FOUND for a service it does not serve', async () => {
      expect(((await check('no.such.Service').catch((error: ServiceError) => error)) as ServiceError).code).toBe(status.NOT_FOUND);
    });

    it('Watch streams the current status, then each change as the periodic check sees it', async () => {
      const watch = (health as unknown as { watch(request: unknown): NodeJS.ReadableStream & { cancel(): void } }).watch({ service: '' });
      const statuses: string[] = [];
      let seen: () => void = () => undefined;
      watch.on('data', (response: { status: string }) => {
        statuses.push(response.status);
        seen();
      });
      watch.on('error', () => undefined);
      const next = async (count: number) => {
        // Moves the injected clock past the poll interval until the poller has run: no wall-clock waiting.
        for (let polls = 0; statuses.length < count; polls++) {
          if (polls > 50) throw new Error(`no health status change after ${polls} poll intervals: ${statuses.join(', ')}`);
          const arrived = new Promise<void>((resolve) => (seen = resolve));
          clock.advance(GRPC_HEALTH_POLL_MS);
          await Promise.race([arrived, new Promise((resolve) => setImmediate(resolve))]);
        }
      };
      try {
        await next(1);
        expect(statuses).toEqual(['SERVING']);
        dependencyDown = true;
        await next(2);
        dependencyDown = false;
        await next(3);
        expect(statuses).toEqual(['SERVING', 'NOT_SERVING', 'SERVING']);
      } finally {
        watch.cancel();
      }
    });
  });

  describe('error details: google.rpc.Status in grpc-status-details-bin', () => {
    it('sends a validation error as BadRequest with proto field names, the message kept as the status message', async () => {
      const head = await harness.runtime.eventStore.headPosition();
      const error = await grpc.callError(
        'OpenTicket',
        {
          channel: 'CHANNEL_SOCIAL',
          subject: 'Scam account',
          body: 'Someone impersonates your support',
          social: { platform: 'SOCIAL_PLATFORM_X', handle: '@victim', postUrl: 'not a url' },
        },
        { token: customer, correlationId: 'corr-bad-request' },
      );
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details).toMatch(/postUrl/);
      const details = errorDetailsOf(error);
      expect({ code: details.code, message: details.message }).toEqual({ code: status.INVALID_ARGUMENT, message: error.details });
      expect(details.badRequest?.fieldViolations.length).toBeGreaterThan(0);
      expect(details.badRequest?.fieldViolations).toEqual(details.badRequest?.fieldViolations.map(() => ({ field: 'social.post_url', description: expect.any(String) })));
      expect(details.errorInfo).toMatchObject({
        reason: 'VALIDATION',
        domain: 'ticketing.dev',
        metadata: { type: 'https://ticketing.dev/problems/validation', correlationId: 'corr-bad-request' },
      });
      expect(await harness.runtime.eventStore.headPosition()).toBe(head);
    });

    it('sends NOT_FOUND with ErrorInfo naming the problem type and the correlation id', async () => {
      const error = await grpc.callError('GetTicket', { ticketId: newId() }, { token: agent, correlationId: 'corr-404' });
      expect(error.code).toBe(status.NOT_FOUND);
      expect(errorDetailsOf(error).errorInfo).toEqual({
        reason: 'NOT_FOUND',
        domain: 'ticketing.dev',
        metadata: expect.objectContaining({ type: 'https://ticketing.dev/problems/not-found', title: 'Not found', httpStatus: '404', correlationId: 'corr-404' }),
      });
      expect(error.metadata.get('x-correlation-id')).toEqual(['corr-404']);
    });

    it('names a correlation id the server chose when the client sent none, also for errors from the guards', async () => {
      for (const error of [await grpc.callError('GetTicket', { ticketId: newId() }, { token: agent }), await grpc.callError('GetTicket', { ticketId: newId() })]) {
        const { errorInfo } = errorDetailsOf(error);
        expect(errorInfo?.metadata.correlationId).toEqual(expect.any(String));
        expect(error.metadata.get('x-correlation-id')).toEqual([errorInfo?.metadata.correlationId]);
      }
      const unauthenticated = await grpc.callError('GetTicket', { ticketId: newId() }, { correlationId: 'corr-401' });
      expect(errorDetailsOf(unauthenticated).errorInfo).toMatchObject({ reason: 'UNAUTHORIZED', metadata: { correlationId: 'corr-401' } });
    });
  });
});

describe('reflection and health from the compiled CLI (the tooling protos found from dist/)', () => {
  beforeAll(() => buildCompiledCli(), 180_000);
  afterAll(() => killCliServers());

  it('lists the services and answers Health.Check', async () => {
    const server = await startCliServer({ TICKETING_DATA_DIR: await newDataDir(), LOG_LEVEL: 'info' });
    const Health = serviceAt('health/v1/health.proto', HEALTH_PROTO_DIR, 'grpc.health.v1.Health');
    const health = new Health(server.grpcAddress!, credentials.createInsecure()) as unknown as Client & {
      check(request: unknown, callback: (error: ServiceError | null, response: { status: string }) => void): void;
    };
    try {
      const [listed] = await reflectAt(server.grpcAddress!, 'v1', [{ listServices: '*' }]);
      expect((listed.listServicesResponse as { service: { name: string }[] }).service.map((service) => service.name)).toContain('ticketing.intake.v1.TicketService');
      const checked = await new Promise((resolve, reject) => health.check({ service: '' }, (error, response) => (error ? reject(error) : resolve(response))));
      expect(checked).toEqual({ status: 'SERVING' });
    } finally {
      health.close();
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 60_000);
});

describe('gRPC connection age (TICKETING_GRPC_MAX_CONNECTION_AGE_MS): clients reconnect, so they spread over replicas', () => {
  const Health = serviceAt('health/v1/health.proto', HEALTH_PROTO_DIR, 'grpc.health.v1.Health');
  let harness: TicketingHarness;
  beforeAll(async () => {
    harness = await TicketingHarness.start({ env: { TICKETING_GRPC_MAX_CONNECTION_AGE_MS: '300', TICKETING_GRPC_MAX_CONNECTION_AGE_GRACE_MS: '100' } });
  });
  afterAll(() => harness?.close());

  it('the server ends a connection once it is older than the age; the next call opens a new one', async () => {
    const health = new Health(harness.grpcAddress, credentials.createInsecure());
    const check = () =>
      new Promise<{ status: string }>((resolve, reject) =>
        (health as unknown as { check(request: unknown, callback: (error: ServiceError | null, response: { status: string }) => void): void }).check({ service: '' }, (error, response) =>
          error ? reject(error) : resolve(response),
        ),
      );
    try {
      expect(await check()).toMatchObject({ status: 'SERVING' });
      const channel = health.getChannel();
      const READY = 2; // grpc.connectivityState.READY
      expect(channel.getConnectivityState(false)).toBe(READY);
      // The server's GOAWAY moves the channel off READY: waited for as an event, with a deadline.
      const changed = await new Promise<boolean>((resolve) => channel.watchConnectivityState(READY, Date.now() + 10_000, (error) => resolve(error === undefined)));
      expect(changed).toBe(true);
      expect(channel.getConnectivityState(false)).not.toBe(READY);
      expect(await check()).toMatchObject({ status: 'SERVING' });
    } finally {
      health.close();
    }
  });
});
