import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { loadSync, type MessageTypeDefinition, type PackageDefinition } from '@grpc/proto-loader';
import { INTAKE_GRPC_PACKAGE, INTAKE_PROTO_FILE, protoLoaderOptions } from '@ticketing/contracts';
import { newId } from '@ticketing/kernel';
import fc from 'fast-check';
import { FUZZ_CALLERS, type FuzzCaller, type FuzzTarget } from './fuzz-target';
import { EXISTING_ID } from './openapi-body.arbitrary';

/** A field of a message as proto-loader describes it (google.protobuf.FieldDescriptorProto, camelCase names). */
type FieldDescriptor = { name: string; number: number; type: string; typeName: string; label: string };
type MessageDescriptor = { field: FieldDescriptor[] };
type EnumDescriptor = { value: { name: string; number: number }[] };

/** A unary method of TicketService and the schema of its request. */
export type GrpcMethod = Readonly<{ name: string; path: string; request: MessageDescriptor; writes: boolean }>;

export type GrpcFuzzCase = Readonly<{
  method: GrpcMethod;
  caller: FuzzCaller;
  /** The request message as protobuf wire bytes; `malformed` ones are not valid protobuf at all. */
  frame: Uint8Array;
  malformed: boolean;
  idempotencyKey?: string;
  pick: number;
}>;

export type GrpcFuzzOutcome = Readonly<{ fuzzCase: GrpcFuzzCase; frame: Buffer; code: number; details: string; appended: number; correlationId: string }>;

const READS = new Set(['GetTicket', 'ListTickets', 'ListMessages', 'WatchTicket']);

/** Loads TicketService from the .proto: its unary methods and the descriptors their requests need. */
function loadService(): { methods: GrpcMethod[]; definition: PackageDefinition } {
  const definition = loadSync(INTAKE_PROTO_FILE, protoLoaderOptions());
  const service = definition[`${INTAKE_GRPC_PACKAGE}.TicketService`] as Record<string, { path: string; requestStream: boolean; responseStream: boolean; requestType: MessageTypeDefinition<unknown, unknown> }>;
  const methods = Object.entries(service)
    .filter(([, method]) => !method.requestStream && !method.responseStream)
    .map(([name, method]) => ({ name, path: method.path, request: method.requestType.type as unknown as MessageDescriptor, writes: !READS.has(name) }));
  return { methods, definition };
}

// ---- protobuf wire format, by hand: the fuzzer must send what no well-behaved encoder would ----

const varint = (input: bigint): number[] => {
  let value = BigInt.asUintN(64, input);
  const bytes: number[] = [];
  do {
    let byte = Number(value & 0x7fn);
    value >>= 7n;
    if (value > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (value > 0n);
  return bytes;
};
const tag = (number: number, wireType: number): number[] => varint(BigInt((number << 3) | wireType));
const lengthDelimited = (number: number, payload: Uint8Array): Uint8Array => Uint8Array.from([...tag(number, 2), ...varint(BigInt(payload.length)), ...payload]);
const varintField = (number: number, value: bigint): Uint8Array => Uint8Array.from([...tag(number, 0), ...varint(value)]);
const concat = (parts: readonly Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));
const utf8 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));

/** Byte sequences that are not UTF-8: a stray continuation byte, an overlong NUL, an encoded surrogate, a cut-off character, 0xFF. */
const INVALID_UTF8 = [[0xff], [0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x61, 0xf0, 0x9f, 0x98], [0xf8, 0x88, 0x80, 0x80, 0x80]].map((bytes) => Uint8Array.from(bytes));

const text = fc.oneof(
  { weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 30 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\u001b[31m', '\u202e', 'é', '😀', 'x@y.com', 'https://x.com/a/status/1', 'not-a-uuid') },
);
const awkwardBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.tuple(fc.string({ maxLength: 5 }), fc.constantFrom(...INVALID_UTF8), fc.string({ maxLength: 5 })).map(([before, bad, after]) => concat([utf8(before), bad, utf8(after)])),
  fc.constantFrom(201, 20_001, 100_000).map((length) => utf8('a'.repeat(length))),
  fc.integer({ min: 0, max: 0x1f }).map((code) => utf8(`a${String.fromCharCode(code)}b`)),
);
const EXTREME_INTEGERS = [-1n, 0n, 2n ** 31n - 1n, -(2n ** 31n), 2n ** 32n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n - 1n, 99n, 1_000_000_000n, 253402300800n];

const THIRTY_TWO_BIT = new Set(['TYPE_INT32', 'TYPE_UINT32', 'TYPE_SINT32', 'TYPE_ENUM']);

const camelCase = (value: string): string => value.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());

/** Generates request frames for the messages of `definition`. */
export class FrameGenerator {
  constructor(private readonly definition: PackageDefinition) {}

  private lookup(typeName: string): { type: unknown } {
    const name = typeName.replace(/^\./, '');
    const found = this.definition[name] ?? this.definition[`${INTAKE_GRPC_PACKAGE}.${name}`] ?? this.definition[`google.protobuf.${name}`];
    if (found === undefined) throw new Error(`type ${typeName} is not in the package definition`);
    return found as { type: unknown };
  }

  private enumNumbers(typeName: string): number[] {
    return (this.lookup(typeName).type as EnumDescriptor).value.map((value) => value.number);
  }

  private enumValues(typeName: string): { name: string; number: number }[] {
    return (this.lookup(typeName).type as EnumDescriptor).value;
  }

  /** A plausible value of `field`; ticket ids are existing tickets. */
  validField(field: FieldDescriptor, depth: number): fc.Arbitrary<Uint8Array> {
    switch (field.type) {
      case 'TYPE_STRING':
        return /ticketId$/i.test(field.name)
          ? fc.oneof({ weight: 5, arbitrary: fc.constant(EXISTING_ID) }, { weight: 1, arbitrary: fc.uuid() }).map((id) => lengthDelimited(field.number, utf8(id)))
          : text.map((value) => lengthDelimited(field.number, utf8(value)));
      case 'TYPE_ENUM':
        return fc.constantFrom(...this.enumNumbers(field.typeName).filter((number) => number !== 0)).map((number) => varintField(field.number, BigInt(number)));
      case 'TYPE_MESSAGE':
        return this.validMessage(this.lookup(field.typeName).type as MessageDescriptor, depth + 1).map((payload) => lengthDelimited(field.number, payload));
      case 'TYPE_BOOL':
        return fc.boolean().map((value) => varintField(field.number, value ? 1n : 0n));
      default:
        return fc.integer({ min: 0, max: 100 }).map((value) => varintField(field.number, BigInt(value)));
    }
  }

  /** A value of the right wire type but the wrong content: unknown enums, invalid UTF-8, out-of-range numbers. */
  nastyField(field: FieldDescriptor): fc.Arbitrary<Uint8Array> {
    // 32-bit fields get what a conforming encoder may write there (≤ 5 bytes, or 10 for a negative):
    // protobufjs cannot read the 6–9-byte varints no encoder produces, and grpc-js answers INTERNAL.
    const fits = THIRTY_TWO_BIT.has(field.type) ? EXTREME_INTEGERS.filter((value) => [1, 2, 3, 4, 5, 10].includes(varint(value).length)) : EXTREME_INTEGERS;
    const numbers = fc.constantFrom(...fits).map((value) => varintField(field.number, value));
    switch (field.type) {
      case 'TYPE_STRING':
        return awkwardBytes.map((bytes) => lengthDelimited(field.number, bytes));
      case 'TYPE_MESSAGE':
        return fc.oneof(
          fc.constant(lengthDelimited(field.number, new Uint8Array())),
          this.nastyMessage(this.lookup(field.typeName).type as MessageDescriptor).map((payload) => lengthDelimited(field.number, payload)),
        );
      default:
        return numbers;
    }
  }

  /**
   * A message with every field sometimes; a field named after a value of a sibling enum (`channel:
   * CHANNEL_WEB_FORM` → `webForm`) is that value's oneof member: sent with it and only with it.
   */
  validMessage(descriptor: MessageDescriptor, depth = 0): fc.Arbitrary<Uint8Array> {
    if (depth > 3) return fc.constant(new Uint8Array());
    const selector = descriptor.field.find((field) => field.type === 'TYPE_ENUM' && this.companionsOf(field, descriptor).size > 0);
    const companions = selector ? this.companionsOf(selector, descriptor) : new Map<number, string>();
    const choice = selector ? fc.constantFrom(...this.enumNumbers(selector.typeName).filter((number) => companions.has(number))) : fc.constant(undefined);
    return choice.chain((selected) => {
      const companionNames = new Set(companions.values());
      const fields = descriptor.field
        .filter((field) => !companionNames.has(field.name) || companions.get(selected ?? -1) === field.name)
        .map((field) => {
          if (field === selector) return fc.constant(varintField(field.number, BigInt(selected ?? 0)));
          const value = this.validField(field, depth);
          return companionNames.has(field.name) || /ticketId$/i.test(field.name) ? value : fc.option(value, { nil: new Uint8Array(), freq: 3 });
        });
      return fc.tuple(...fields).map(concat);
    });
  }

  private companionsOf(selector: FieldDescriptor, descriptor: MessageDescriptor): Map<number, string> {
    const prefix = selector.typeName.replace(/^.*\./, '').replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase() + '_';
    const names = new Set(descriptor.field.filter((field) => field.type === 'TYPE_MESSAGE').map((field) => field.name));
    return new Map(
      this.enumValues(selector.typeName)
        .map((value) => [value.number, camelCase(value.name.replace(prefix, '').toLowerCase())] as const)
        .filter(([, name]) => names.has(name)),
    );
  }

  /** A valid message with one thing wrong: a field nasty, missing, repeated with another value, or unknown. */
  nastyMessage(descriptor: MessageDescriptor): fc.Arbitrary<Uint8Array> {
    if (descriptor.field.length === 0) return fc.constant(new Uint8Array());
    const anyField = fc.constantFrom(...descriptor.field);
    return fc.oneof(
      fc.tuple(this.validMessage(descriptor), anyField.chain((field) => this.nastyField(field))).map(([valid, nasty]) => concat([valid, nasty])),
      fc.tuple(anyField.chain((field) => this.nastyField(field)), this.validMessage(descriptor)).map(([nasty, valid]) => concat([nasty, valid])),
      anyField.chain((missing) => this.validMessage({ field: descriptor.field.filter((field) => field !== missing) })),
      fc.tuple(this.validMessage(descriptor), fc.integer({ min: 100, max: 536_870_911 }), fc.uint8Array({ maxLength: 20 })).map(([valid, number, bytes]) => concat([valid, lengthDelimited(number, bytes)])),
      fc.tuple(this.validMessage(descriptor), this.validMessage(descriptor)).map(([first, second]) => concat([first, second])),
    );
  }

  /** Bytes that do not decode as the message at all: wrong wire types, truncation, noise. */
  malformed(descriptor: MessageDescriptor): fc.Arbitrary<Uint8Array> {
    return fc.oneof(
      fc.tuple(this.validMessage(descriptor), fc.nat()).map(([valid, cut]) => valid.slice(0, valid.length === 0 ? 0 : cut % valid.length)),
      fc.tuple(fc.constantFrom(...descriptor.field), fc.constantFrom(0, 1, 2, 5)).map(([field, wireType]) => Uint8Array.from([...tag(field.number, wireType), 0xff, 0xff])),
      fc.uint8Array({ minLength: 1, maxLength: 40 }),
    );
  }
}

/** A grpc-js client that sends raw frames to any method, so nothing is checked or coerced on the way. */
export class GrpcFuzzClient {
  readonly methods: readonly GrpcMethod[];
  /** Generates request frames from the same .proto. */
  readonly frames: FrameGenerator;
  private readonly client: Client;

  constructor(address: string) {
    const { methods, definition } = loadService();
    this.methods = methods;
    this.frames = new FrameGenerator(definition);
    this.client = new Client(address, credentials.createInsecure(), { 'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': -1 });
  }

  call(path: string, frame: Buffer, metadata: Metadata): Promise<{ code: number; details: string }> {
    return new Promise((resolve) => {
      this.client.makeUnaryRequest(
        path,
        (bytes: Buffer) => bytes,
        (bytes: Buffer) => bytes,
        frame,
        metadata,
        { deadline: Date.now() + 30_000 },
        (error: ServiceError | null) => resolve(error ? { code: error.code, details: error.details } : { code: status.OK, details: '' }),
      );
    });
  }

  close(): void {
    this.client.close();
  }
}

/** Requests to every unary TicketService method by every kind of caller: near-valid mostly, now and then not protobuf at all. */
export function grpcFuzzCase(methods: readonly GrpcMethod[], frames: FrameGenerator): fc.Arbitrary<GrpcFuzzCase> {
  return fc.constantFrom(...methods).chain((method) =>
    fc
      .record({
        caller: fc.constantFrom(...FUZZ_CALLERS),
        pick: fc.nat(),
        idempotencyKey: fc.option(fc.constantFrom('g-1', 'g-2', 'g-3'), { nil: undefined }),
        shape: fc.oneof(
          { weight: 3, arbitrary: frames.validMessage(method.request).map((frame) => ({ frame, malformed: false })) },
          { weight: 8, arbitrary: frames.nastyMessage(method.request).map((frame) => ({ frame, malformed: false })) },
          { weight: 1, arbitrary: frames.malformed(method.request).map((frame) => ({ frame, malformed: true })) },
        ),
      })
      .map(({ shape, ...rest }) => ({ method, ...rest, ...shape })),
  );
}

/** Sends it with a correlation id of its own, so what it appended can be told apart from what others did. */
export async function sendGrpcCase(target: FuzzTarget, client: GrpcFuzzClient, fuzzCase: GrpcFuzzCase): Promise<GrpcFuzzOutcome> {
  // The placeholder and a real id are both 36 bytes: swapping them keeps every length prefix right.
  const frame = Buffer.from(Buffer.from(fuzzCase.frame).toString('latin1').split(EXISTING_ID).join(target.ticket(fuzzCase.pick)), 'latin1');
  const correlationId = newId();
  const metadata = new Metadata();
  const token = target.token(fuzzCase.caller);
  if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
  if (fuzzCase.idempotencyKey !== undefined) metadata.set('idempotency-key', fuzzCase.idempotencyKey);
  metadata.set('x-correlation-id', correlationId);
  const position = await target.headPosition();
  const { code, details } = await client.call(fuzzCase.method.path, frame, metadata);
  const appended = fuzzCase.method.writes ? (await target.appendedBy(correlationId, position)).length : 0;
  return { fuzzCase, frame, code, details, appended, correlationId };
}

/**
 * What grpc-js (like grpc-go) answers a frame that is not protobuf at all, before any handler runs:
 * INTERNAL "Error deserializing request". Accepted for undecodable frames only.
 */
const UNDECODABLE = /^Error deserializing request/;

/** The oracle: no INTERNAL or UNKNOWN, a message with every error, and a failed write appends nothing. */
export function grpcViolation(outcome: GrpcFuzzOutcome): string | undefined {
  const { code, details, appended, fuzzCase } = outcome;
  const kind = fuzzCase.malformed ? ' (undecodable frame)' : '';
  const transportRefusal = fuzzCase.malformed && code === status.INTERNAL && UNDECODABLE.test(details);
  if ((code === status.INTERNAL || code === status.UNKNOWN) && !transportRefusal) return `${status[code]}${kind}: ${details.slice(0, 100)}`;
  if (code !== status.OK && details.trim() === '') return `${status[code]} without a message${kind}`;
  if (code !== status.OK && appended > 0) return `${status[code]} appended ${appended} event(s)${kind}`;
  return undefined;
}

export function describeGrpcFailure(outcome: GrpcFuzzOutcome, violation: string): string {
  const { fuzzCase, frame } = outcome;
  const hex = frame.length > 1000 ? `${frame.subarray(0, 1000).toString('hex')}… (${frame.length} bytes)` : frame.toString('hex');
  return [
    `violation: ${violation}`,
    `call:      ${fuzzCase.method.path} as ${fuzzCase.caller}${fuzzCase.idempotencyKey ? `, idempotency-key ${fuzzCase.idempotencyKey}` : ''}`,
    `frame:     ${hex} (protobuf wire bytes, hex)`,
    `reply:     ${status[outcome.code]} ${outcome.details.slice(0, 300)}`,
  ].join('\n');
}
