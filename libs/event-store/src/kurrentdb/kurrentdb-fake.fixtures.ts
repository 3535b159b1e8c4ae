import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import { Empty as GoogleEmpty } from 'google-protobuf/google/protobuf/empty_pb';
import { SupportedMethod, SupportedMethods } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_pb';
import { ServerFeaturesService } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_grpc_pb';
import {
  AllStreamPosition,
  Empty,
  StreamIdentifier,
  UUID,
  WrongExpectedVersion as SharedWrongExpectedVersion,
} from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/shared_pb';
import { Status } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/status_pb';
import { StreamsService } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_grpc_pb';
import {
  AppendReq,
  AppendResp,
  BatchAppendReq,
  BatchAppendResp,
  ReadReq,
  ReadResp,
} from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_pb';

/*
 * A protocol-level fake of the few EventStoreDB/KurrentDB gRPC calls the adapter makes (Streams.Read
 * for stream and $all reads and $all subscriptions, Streams.Append, Streams.BatchAppend,
 * ServerFeatures.GetSupportedMethods), served with @grpc/grpc-js from the message classes and
 * service definitions the client itself ships. The real client talks to it over a real socket: its
 * JS side for appends and subscriptions, its native Rust bridge for reads.
 *
 * What it models, from the server's source and documentation: positions as sparse byte offsets
 * with commit = prepare for each event, the server's own `$` events interleaved in $all, forward
 * $all reads inclusive of their start and backward reads exclusive, subscriptions exclusive of their
 * start, stream-name and event-type filters, expected-revision checks with the server's idempotency
 * rules, wrong-expected-version answers in both append protocols, and faults on demand.
 * What it cannot stand for: the real server's storage, its exact error details for invalid
 * positions, its scavenging, clustering and leader election, its timing, and every behaviour this
 * model gets wrong. The contract suite against a real server (kurrentdb-event-store.containers.int
 * .spec.ts) is what proves the adapter against the real thing.
 */

export type FakeRecord = Readonly<{
  stream: string;
  revision: number;
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  metadata: Uint8Array;
  commit: bigint;
  prepare: bigint;
  created: bigint;
}>;

/** A fault the fake answers the next matching call with. */
export type Fault =
  /** Fail with this status; with `afterWrite` an append is written first and only its answer is lost. */
  | Readonly<{ status: grpc.status; details?: string; afterWrite?: boolean }>
  /** Never answer (until the fake stops). */
  | Readonly<{ hang: true }>
  /** Let something else happen first (another writer's append), then serve the call normally. */
  | Readonly<{ before: () => Promise<unknown> }>;

export type FaultTarget = 'append' | 'read' | 'subscribe';

export type FakeKurrentDbOptions = Readonly<{
  /** Advertise and serve BatchAppend, as every server since 21.10 does; false: only Append (20.x). */
  batchAppend?: boolean;
  /** Answer stream reads without $all positions, as servers before 22.6 do. */
  legacyStreamReadPositions?: boolean;
  /** Write one of the server's own `$` events after every this many appends; default 3. */
  systemEventEvery?: number;
  /**
   * Deliver the event at a subscription's start position too. Real servers start after it; this
   * models a server (or version) that does not, which the adapter must survive without duplicates.
   */
  subscriptionStartInclusive?: boolean;
}>;

type Expected = Readonly<{ kind: 'revision'; revision: number } | { kind: 'no_stream' | 'any' | 'stream_exists' }>;

type Proposed = Readonly<{ id: string; type: string; contentType: string; data: Uint8Array; metadata: Uint8Array }>;

type WriteOutcome =
  | Readonly<{ ok: true; currentRevision: number; commit: bigint }>
  | Readonly<{ ok: false; currentRevision: number; expected: Expected }>;

type Subscriber = {
  call: grpc.ServerWritableStream<ReadReq, ReadResp>;
  next: number;
  matches: (record: FakeRecord) => boolean;
  waitingForDrain: boolean;
};

const NO_POSITION = '18446744073709551615';
const TICKS_PER_MS = 10_000n;

/** Ends a call with an error status (what a server does when a request fails). */
const fail = (
  call: { emit(event: 'error', error: Partial<grpc.StatusObject>): unknown },
  code: grpc.status,
  details: string,
): void => {
  call.emit('error', { code, details });
};

const end = (call: { end(): unknown }): void => {
  call.end();
};

const text = (bytes: Uint8Array | string): string => (typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));

export class FakeKurrentDb {
  readonly log: FakeRecord[] = [];
  /** Every subscription request's start: 'start', 'end', or the position it asked to start after. */
  readonly subscriptionStarts: Array<'start' | 'end' | Readonly<{ commit: bigint; prepare: bigint }>> = [];
  readonly calls: Record<'append' | 'batchAppend' | 'read' | 'subscribe', number> = {
    append: 0,
    batchAppend: 0,
    read: 0,
    subscribe: 0,
  };
  private readonly streams = new Map<string, FakeRecord[]>();
  private readonly subscribers = new Set<Subscriber>();
  private readonly faults: Record<FaultTarget, Fault[]> = { append: [], read: [], subscribe: [] };
  private readonly hanging = new Set<() => void>();
  private nextPosition = 0n;
  private appends = 0;

  private constructor(
    private readonly server: grpc.Server,
    readonly port: number,
    private readonly options: FakeKurrentDbOptions,
  ) {}

  static async start(options: FakeKurrentDbOptions = {}): Promise<FakeKurrentDb> {
    const server = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    const fake = new FakeKurrentDb(server, port, options);
    fake.register();
    // What a fresh server's log starts with: its epoch and settings, never ours to read.
    fake.writeSystemEvent('$epochs', '$epoch');
    fake.writeSystemEvent('$settings', '$settings');
    return fake;
  }

  /** With a short discovery interval: the client's native bridge waits that long before it first connects. */
  get connectionString(): string {
    return `kurrentdb://127.0.0.1:${this.port}?tls=false&discoveryInterval=10`;
  }

  /** Answer the next `times` calls of this kind with the fault instead of serving them. */
  failNext(target: FaultTarget, fault: Fault, times = 1): void {
    for (let i = 0; i < times; i++) this.faults[target].push(fault);
  }

  /** Break every open subscription with this status, as a dropped connection or a restarting node does. */
  dropSubscriptions(status: grpc.status = grpc.status.UNAVAILABLE): number {
    const dropped = [...this.subscribers];
    this.subscribers.clear();
    for (const subscriber of dropped) fail(subscriber.call, status, 'subscription dropped by the fake');
    return dropped.length;
  }

  get openSubscriptions(): number {
    return this.subscribers.size;
  }

  /** Writes an event as another application (or an old client) would, bypassing the adapter. */
  writeRaw(
    record: Readonly<{ stream: string; type: string; data?: unknown; metadata?: unknown; commitAfterPrepare?: bigint }>,
  ): FakeRecord {
    const events = this.streams.get(record.stream) ?? [];
    const data = Buffer.from(JSON.stringify(record.data ?? {}));
    const metadata = Buffer.from(record.metadata === undefined ? '' : JSON.stringify(record.metadata));
    const prepare = this.allocate(data.length + metadata.length);
    return this.store({
      stream: record.stream,
      revision: events.length,
      id: randomUUID(),
      type: record.type,
      contentType: 'application/json',
      data,
      metadata,
      prepare,
      commit: prepare + (record.commitAfterPrepare ?? 0n),
      created: BigInt(Date.now()) * TICKS_PER_MS,
    });
  }

  async stop(): Promise<void> {
    for (const release of this.hanging) release();
    this.hanging.clear();
    this.dropSubscriptions(grpc.status.UNAVAILABLE);
    this.server.forceShutdown();
  }

  // ---------------------------------------------------------------- services

  private register(): void {
    this.server.addService(StreamsService, {
      read: (call: grpc.ServerWritableStream<ReadReq, ReadResp>) => this.read(call),
      append: (call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>) =>
        this.append(call, callback),
      batchAppend: (call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>) => this.batchAppend(call),
      delete: (_call: unknown, callback: grpc.sendUnaryData<never>) => callback({ code: grpc.status.UNIMPLEMENTED }),
      tombstone: (_call: unknown, callback: grpc.sendUnaryData<never>) => callback({ code: grpc.status.UNIMPLEMENTED }),
    });
    if (this.options.batchAppend ?? true) {
      this.server.addService(ServerFeaturesService, {
        getSupportedMethods: (_call: unknown, callback: grpc.sendUnaryData<SupportedMethods>) => {
          const supported = new SupportedMethods();
          supported.setEventStoreServerVersion('24.10.0');
          for (const name of ['Read', 'Append', 'BatchAppend']) {
            const method = new SupportedMethod();
            method.setServiceName('event_store.client.streams.Streams');
            method.setMethodName(name);
            supported.addMethods(method);
          }
          callback(null, supported);
        },
      });
    }
  }

  /** The next fault for this kind of call, if any; a hanging call never answers until stop(). */
  private takeFault(target: FaultTarget): Fault | undefined {
    return this.faults[target].shift();
  }

  private hang(release: () => void): void {
    this.hanging.add(release);
  }

  private read(call: grpc.ServerWritableStream<ReadReq, ReadResp>): void {
    const options = call.request.getOptions();
    if (!options) return fail(call, grpc.status.INVALID_ARGUMENT, 'no options');
    const subscribing = options.hasSubscription();
    this.calls[subscribing ? 'subscribe' : 'read']++;
    const fault = this.takeFault(subscribing ? 'subscribe' : 'read');
    if (fault && 'hang' in fault) return this.hang(() => call.end());
    if (fault && 'status' in fault) return fail(call, fault.status, fault.details ?? 'fault injected by the fake');
    if (fault) {
      void fault.before().then(() => this.serveRead(call, options));
      return;
    }
    this.serveRead(call, options);
  }

  private serveRead(call: grpc.ServerWritableStream<ReadReq, ReadResp>, options: ReadReq.Options): void {
    if (options.hasStream()) return this.readStream(call, options);
    const subscribing = options.hasSubscription();
    if (subscribing) return this.subscribe(call, options);
    return this.readAll(call, options);
  }

  private readStream(call: grpc.ServerWritableStream<ReadReq, ReadResp>, options: ReadReq.Options): void {
    const streamOptions = options.getStream()!;
    const name = text(streamOptions.getStreamIdentifier()!.getStreamName());
    const events = this.streams.get(name);
    if (!events) {
      const notFound = new ReadResp.StreamNotFound();
      notFound.setStreamIdentifier(streamOptions.getStreamIdentifier());
      const response = new ReadResp();
      response.setStreamNotFound(notFound);
      call.write(response);
      return end(call);
    }
    const count = Number(options.getCount());
    const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
    const start = streamOptions.hasRevision()
      ? Number(streamOptions.getRevision())
      : streamOptions.hasEnd() || backwards
        ? events.length - 1
        : 0;
    const selected = backwards
      ? events.filter((event) => event.revision <= start).reverse()
      : events.filter((event) => event.revision >= start);
    for (const record of selected.slice(0, count)) call.write(this.readResponse(record, { stream: true }));
    call.end();
  }

  private readAll(call: grpc.ServerWritableStream<ReadReq, ReadResp>, options: ReadReq.Options): void {
    const all = options.getAll()!;
    const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
    const matches = this.filterOf(options);
    let from: bigint;
    if (all.hasPosition()) {
      from = BigInt(all.getPosition()!.getCommitPosition());
      if (!this.isRecordBoundary(from)) {
        // The real server cannot read from the middle of a record either; its exact error differs.
        return fail(call, grpc.status.INVALID_ARGUMENT, `Invalid position ${from}`);
      }
    } else {
      from = all.hasEnd() ? this.nextPosition : 0n;
    }
    if (all.hasEnd() && !backwards) return end(call);
    const candidates = backwards
      ? this.log.filter((record) => record.commit < from).reverse()
      : this.log.filter((record) => record.commit >= from);
    const count = Number(options.getCount());
    for (const record of candidates.filter(matches).slice(0, count)) call.write(this.readResponse(record, { stream: false }));
    call.end();
  }

  private subscribe(call: grpc.ServerWritableStream<ReadReq, ReadResp>, options: ReadReq.Options): void {
    const all = options.getAll();
    if (!all) return fail(call, grpc.status.UNIMPLEMENTED, 'only $all subscriptions are faked');
    let next: number;
    if (all.hasPosition()) {
      const after = BigInt(all.getPosition()!.getCommitPosition());
      const prepare = BigInt(all.getPosition()!.getPreparePosition());
      this.subscriptionStarts.push({ commit: after, prepare });
      if (!this.isRecordBoundary(after)) {
        return fail(call, grpc.status.INVALID_ARGUMENT, `Invalid position ${after}`);
      }
      next = this.log.findIndex((record) =>
        this.options.subscriptionStartInclusive ? record.commit >= after : record.commit > after,
      );
      if (next === -1) next = this.log.length;
    } else {
      this.subscriptionStarts.push(all.hasEnd() ? 'end' : 'start');
      next = all.hasEnd() ? this.log.length : 0;
    }
    const confirmation = new ReadResp.SubscriptionConfirmation();
    confirmation.setSubscriptionId(randomUUID());
    const confirmed = new ReadResp();
    confirmed.setConfirmation(confirmation);
    call.write(confirmed);
    const subscriber: Subscriber = { call, next, matches: this.filterOf(options), waitingForDrain: false };
    this.subscribers.add(subscriber);
    call.on('cancelled', () => this.subscribers.delete(subscriber));
    call.on('close', () => this.subscribers.delete(subscriber));
    this.pump(subscriber);
  }

  /** Sends a subscriber what it has not seen yet, as fast as the client's flow control lets it. */
  private pump(subscriber: Subscriber): void {
    if (subscriber.waitingForDrain || !this.subscribers.has(subscriber)) return;
    while (subscriber.next < this.log.length) {
      const record = this.log[subscriber.next++];
      if (!subscriber.matches(record)) continue;
      if (!subscriber.call.write(this.readResponse(record, { stream: false }))) {
        subscriber.waitingForDrain = true;
        subscriber.call.once('drain', () => {
          subscriber.waitingForDrain = false;
          this.pump(subscriber);
        });
        return;
      }
    }
  }

  private append(call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>): void {
    this.calls.append++;
    let options: AppendReq.Options | undefined;
    const proposed: Proposed[] = [];
    call.on('data', (request: AppendReq) => {
      if (request.hasOptions()) options = request.getOptions();
      else proposed.push(this.proposedOf(request.getProposedMessage()!));
    });
    call.on('end', async () => {
      const fault = this.takeFault('append');
      if (fault && 'hang' in fault) return this.hang(() => callback({ code: grpc.status.UNAVAILABLE, details: 'fake stopped' }));
      if (fault && 'before' in fault) await fault.before();
      const lost = fault && 'status' in fault ? fault : undefined;
      if (lost && !lost.afterWrite) return callback({ code: lost.status, details: lost.details ?? 'fault injected by the fake' });
      if (!options) return callback({ code: grpc.status.INVALID_ARGUMENT, details: 'no options' });
      const stream = text(options.getStreamIdentifier()!.getStreamName());
      const expected: Expected = options.hasRevision()
        ? { kind: 'revision', revision: Number(options.getRevision()) }
        : options.hasNoStream()
          ? { kind: 'no_stream' }
          : options.hasStreamExists()
            ? { kind: 'stream_exists' }
            : { kind: 'any' };
      const outcome = this.write(stream, expected, proposed);
      if (lost) return callback({ code: lost.status, details: lost.details ?? 'answer lost by the fake' });
      const response = new AppendResp();
      if (outcome.ok) {
        const success = new AppendResp.Success();
        success.setCurrentRevision(String(outcome.currentRevision));
        const position = new AppendResp.Position();
        position.setCommitPosition(String(outcome.commit));
        position.setPreparePosition(String(outcome.commit));
        success.setPosition(position);
        response.setSuccess(success);
      } else {
        const wrong = new AppendResp.WrongExpectedVersion();
        if (outcome.currentRevision === -1) wrong.setCurrentNoStream(new Empty());
        else wrong.setCurrentRevision(String(outcome.currentRevision));
        switch (outcome.expected.kind) {
          case 'revision':
            wrong.setExpectedRevision(String(outcome.expected.revision));
            break;
          case 'no_stream':
            wrong.setExpectedNoStream(new Empty());
            break;
          case 'stream_exists':
            wrong.setExpectedStreamExists(new Empty());
            break;
          case 'any':
            wrong.setExpectedAny(new Empty());
            break;
        }
        response.setWrongExpectedVersion(wrong);
      }
      callback(null, response);
    });
  }

  private batchAppend(call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>): void {
    const pending = new Map<string, { options?: BatchAppendReq.Options; proposed: Proposed[] }>();
    call.on('data', async (request: BatchAppendReq) => {
      const correlation = request.getCorrelationId()!;
      const key = correlation.getString();
      const batch = pending.get(key) ?? { proposed: [] };
      pending.set(key, batch);
      if (request.hasOptions()) batch.options = request.getOptions();
      for (const message of request.getProposedMessagesList()) {
        batch.proposed.push(this.proposedOf(message));
      }
      if (!request.getIsFinal()) return;
      pending.delete(key);
      this.calls.batchAppend++;
      const fault = this.takeFault('append');
      if (fault && 'hang' in fault) return this.hang(() => undefined);
      if (fault && 'before' in fault) await fault.before();
      // A transport fault ends the whole bidirectional stream, failing every append waiting on it.
      const lost = fault && 'status' in fault ? fault : undefined;
      if (lost && !lost.afterWrite) return fail(call, lost.status, lost.details ?? 'fault injected by the fake');
      const options = batch.options!;
      const identifier = options.getStreamIdentifier()!;
      const expected: Expected =
        options.getExpectedStreamPositionCase() === BatchAppendReq.Options.ExpectedStreamPositionCase.STREAM_POSITION
          ? { kind: 'revision', revision: Number(options.getStreamPosition()) }
          : options.hasNoStream()
            ? { kind: 'no_stream' }
            : options.hasStreamExists()
              ? { kind: 'stream_exists' }
              : { kind: 'any' };
      const outcome = this.write(text(identifier.getStreamName()), expected, batch.proposed);
      if (lost) return fail(call, lost.status, lost.details ?? 'answer lost by the fake');
      const response = new BatchAppendResp();
      response.setCorrelationId(correlation);
      response.setStreamIdentifier(identifier);
      if (outcome.ok) {
        const success = new BatchAppendResp.Success();
        success.setCurrentRevision(String(outcome.currentRevision));
        const position = new AllStreamPosition();
        position.setCommitPosition(String(outcome.commit));
        position.setPreparePosition(String(outcome.commit));
        success.setPosition(position);
        response.setSuccess(success);
      } else {
        const wrong = new SharedWrongExpectedVersion();
        if (outcome.currentRevision === -1) wrong.setCurrentNoStream(new GoogleEmpty());
        else wrong.setCurrentStreamRevision(String(outcome.currentRevision));
        switch (outcome.expected.kind) {
          case 'revision':
            wrong.setExpectedStreamPosition(String(outcome.expected.revision));
            break;
          case 'no_stream':
            wrong.setExpectedNoStream(new GoogleEmpty());
            break;
          case 'stream_exists':
            wrong.setExpectedStreamExists(new GoogleEmpty());
            break;
          case 'any':
            wrong.setExpectedAny(new GoogleEmpty());
            break;
        }
        const details = new Any();
        details.pack(wrong.serializeBinary(), 'event_store.client.WrongExpectedVersion');
        const status = new Status();
        status.setCode(9); // FAILED_PRECONDITION
        status.setMessage('Wrong expected version');
        status.setDetails(details);
        response.setError(status);
      }
      call.write(response);
    });
    call.on('end', () => call.end());
  }

  // ---------------------------------------------------------------- the model

  /** The server's expected-version and idempotency rules (its CommitCheck), then the write. */
  private write(stream: string, expected: Expected, proposed: readonly Proposed[]): WriteOutcome {
    const events = this.streams.get(stream) ?? [];
    const current = events.length - 1;
    const idsAt = (from: number) => proposed.every((event, i) => events[from + i]?.id === event.id);
    const alreadyWritten = (from: number): WriteOutcome => ({
      ok: true,
      currentRevision: from + proposed.length - 1,
      commit: events[from + proposed.length - 1].commit,
    });
    if (expected.kind === 'revision' || expected.kind === 'no_stream') {
      const expectedRevision = expected.kind === 'revision' ? expected.revision : -1;
      if (current > expectedRevision && idsAt(expectedRevision + 1)) return alreadyWritten(expectedRevision + 1);
      if (current !== expectedRevision) return { ok: false, currentRevision: current, expected };
    } else {
      if (expected.kind === 'stream_exists' && current === -1) return { ok: false, currentRevision: current, expected };
      // "Any": the server recognises a repeat of a recent write by its event ids.
      const first = events.findIndex((event) => event.id === proposed[0].id);
      if (first !== -1 && idsAt(first)) return alreadyWritten(first);
    }
    let commit = 0n;
    proposed.forEach((event, i) => {
      const position = this.allocate(event.data.length + event.metadata.length);
      commit = position;
      const created = BigInt(Date.now()) * TICKS_PER_MS;
      this.store({ ...event, stream, revision: current + 1 + i, commit: position, prepare: position, created });
    });
    if (++this.appends % (this.options.systemEventEvery ?? 3) === 0) {
      this.writeSystemEvent('$stats-127.0.0.1:2113', '$statsCollected');
    }
    return { ok: true, currentRevision: current + proposed.length, commit };
  }

  private writeSystemEvent(stream: string, type: string): void {
    const events = this.streams.get(stream) ?? [];
    const position = this.allocate(40);
    this.store({
      stream,
      revision: events.length,
      id: randomUUID(),
      type,
      contentType: 'application/json',
      data: Buffer.from('{}'),
      metadata: new Uint8Array(),
      commit: position,
      prepare: position,
      created: BigInt(Date.now()) * TICKS_PER_MS,
    });
  }

  /** Positions are byte offsets: each record moves the next one on by its (irregular) size. */
  private allocate(payloadBytes: number): bigint {
    const position = this.nextPosition + (this.nextPosition === 0n ? 128n : 0n);
    this.nextPosition = position + 97n + BigInt(payloadBytes);
    return position;
  }

  private store(record: FakeRecord): FakeRecord {
    const events = this.streams.get(record.stream) ?? [];
    events.push(record);
    this.streams.set(record.stream, events);
    this.log.push(record);
    for (const subscriber of this.subscribers) this.pump(subscriber);
    return record;
  }

  private isRecordBoundary(position: bigint): boolean {
    return position >= this.nextPosition || this.log.some((record) => record.prepare === position);
  }

  private filterOf(options: ReadReq.Options): (record: FakeRecord) => boolean {
    if (!options.hasFilter()) return () => true;
    const filter = options.getFilter()!;
    const expression = filter.hasStreamIdentifier() ? filter.getStreamIdentifier()! : filter.getEventType()!;
    const field = (record: FakeRecord) => (filter.hasStreamIdentifier() ? record.stream : record.type);
    const prefixes = expression.getPrefixList();
    if (prefixes.length > 0) return (record) => prefixes.some((prefix) => field(record).startsWith(prefix));
    const regex = new RegExp(expression.getRegex());
    return (record) => regex.test(field(record));
  }

  private proposedOf(message: AppendReq.ProposedMessage | BatchAppendReq.ProposedMessage): Proposed {
    const metadata = message.getMetadataMap();
    return {
      id: message.getId()!.getString(),
      type: metadata.get('type') ?? '',
      contentType: metadata.get('content-type') ?? 'application/octet-stream',
      data: Buffer.from(message.getData_asU8()),
      metadata: Buffer.from(message.getCustomMetadata_asU8()),
    };
  }

  private readResponse(record: FakeRecord, options: { stream: boolean }): ReadResp {
    const event = new ReadResp.ReadEvent.RecordedEvent();
    const id = new UUID();
    id.setString(record.id);
    event.setId(id);
    const identifier = new StreamIdentifier();
    identifier.setStreamName(Buffer.from(record.stream));
    event.setStreamIdentifier(identifier);
    event.setStreamRevision(String(record.revision));
    const legacy = options.stream && this.options.legacyStreamReadPositions;
    event.setCommitPosition(legacy ? NO_POSITION : String(record.commit));
    event.setPreparePosition(legacy ? NO_POSITION : String(record.prepare));
    event.getMetadataMap().set('type', record.type);
    event.getMetadataMap().set('content-type', record.contentType);
    event.getMetadataMap().set('created', String(record.created));
    event.setCustomMetadata(record.metadata);
    event.setData(record.data);
    const read = new ReadResp.ReadEvent();
    read.setEvent(event);
    if (options.stream) read.setNoPosition(new Empty());
    else read.setCommitPosition(String(record.commit));
    const response = new ReadResp();
    response.setEvent(read);
    return response;
  }
}
