import { status } from '@grpc/grpc-js';
import fc from 'fast-check';
import { FuzzTarget } from './fuzz/fuzz-target';
import { seedFrom } from './fuzz/fuzz-run';
import { describeGrpcFailure, grpcFuzzCase, GrpcFuzzClient, grpcViolation, sendGrpcCase } from './fuzz/grpc-fuzz';

/** The generator of `npm run fuzz`, on a fixed seed; `FUZZ_SEED=random` (or a number) explores instead. */
const SEED = seedFrom(process.env.FUZZ_SEED, 20261207);
const RUNS = 500;

describe('fuzzing every unary TicketService method from the .proto (e2e over grpc-js)', () => {
  let target: FuzzTarget;
  let client: GrpcFuzzClient;

  beforeAll(async () => {
    if (process.env.FUZZ_SEED !== undefined) process.stderr.write(`gRPC fuzz seed ${SEED}\n`);
    target = await FuzzTarget.start();
    client = new GrpcFuzzClient(target.grpcAddress);
  });
  afterAll(async () => {
    client.close();
    await target.close();
  });

  it('answers no INTERNAL or UNKNOWN, a message with every error, and a failed write appends nothing', async () => {
    expect(client.methods.map((method) => method.name)).toEqual(expect.arrayContaining(['OpenTicket', 'PostMessage', 'MergeTicket', 'ListTickets']));
    const codes = new Set<number>();
    await fc.assert(
      fc.asyncProperty(grpcFuzzCase(client.methods, client.frames), async (fuzzCase) => {
        const outcome = await sendGrpcCase(target, client, fuzzCase);
        codes.add(outcome.code);
        const violation = grpcViolation(outcome);
        if (violation !== undefined) throw new Error(describeGrpcFailure(outcome, violation));
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    // The generator must reach both sides: accepted calls and each kind of refusal (checked on the fixed seed; an exploring seed may miss a rare one).
    if (process.env.FUZZ_SEED === undefined) {
      const expected = [status.OK, status.INVALID_ARGUMENT, status.NOT_FOUND, status.PERMISSION_DENIED, status.FAILED_PRECONDITION, status.UNAUTHENTICATED];
      expect(expected.filter((code) => codes.has(code))).toEqual(expected);
    }
  }, 60_000);
});
