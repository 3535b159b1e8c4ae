import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { FuzzTarget } from './fuzz-target';
import { drawBatch, FailureLog, inParallel, seedFrom, ServerErrorLog } from './fuzz-run';
import { grpcFuzzCase, grpcViolation, describeGrpcFailure, GrpcFuzzClient, sendGrpcCase } from './grpc-fuzz';
import { concreteRequest, describeHttpFailure, httpFuzzCase, httpViolation, sendHttpCase } from './http-fuzz';
import { writeOperations } from './openapi-body.arbitrary';

const BATCH = 500;
const positiveInteger = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) throw new InvalidArgumentError('a non-negative integer');
  return parsed;
};

type Options = { seed?: number; runs: number; grpcRuns: number; minutes?: number; parallel: number };

const program = new Command('fuzz')
  .description('Fuzzes every write route (REST from the OpenAPI document, gRPC from the .proto) of the app booted in-process')
  .option('--seed <n>', 'seed (default: a fresh one, printed first)', positiveInteger)
  .option('--runs <n>', 'REST request bodies', positiveInteger, 100_000)
  .option('--grpc-runs <n>', 'gRPC request messages', positiveInteger, 20_000)
  .option('--minutes <n>', 'time budget: stop sending after this long, whatever the runs', Number)
  .option('--parallel <n>', 'requests in flight', positiveInteger, 4);

/** `npm run fuzz [-- --seed N --runs N --grpc-runs N --minutes M]`: prints the seed, fuzzes, exits 1 with reproductions on any failure. */
async function main(): Promise<void> {
  const options = program.parse().opts<Options>();
  const seed = options.seed ?? seedFrom(undefined);
  process.stdout.write(`fuzz seed ${seed} (again: npm run fuzz -- --seed ${seed})\n`);
  const deadline = options.minutes === undefined ? Infinity : Date.now() + options.minutes * 60_000;
  const folder = join('tmp', 'fuzz', String(seed));
  mkdirSync(folder, { recursive: true });
  const errors = new ServerErrorLog(join(folder, 'server-errors.log'));
  const target = await FuzzTarget.start({ errorLog: errors.path });
  const failures = new FailureLog();
  const because = (signature: string, correlationId: string | undefined): string => {
    const cause = errors.causeOf(correlationId);
    return cause === undefined ? signature : `${signature} ← ${cause}`;
  };
  try {
    const operations = writeOperations(await target.openApi());
    process.stdout.write(`REST: ${operations.length} write operations from /docs-json\n`);
    const httpCases = httpFuzzCase(operations);
    const started = Date.now();
    let sent = 0;
    const statuses = new Map<number, number>();
    for (let batch = 0; sent < options.runs && Date.now() < deadline; batch += 1) {
      const cases = drawBatch(httpCases, seed, batch, Math.min(BATCH, options.runs - sent));
      await inParallel(cases, options.parallel, async (fuzzCase, index) => {
        const outcome = await sendHttpCase(target, concreteRequest(target, fuzzCase));
        statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
        const violation = httpViolation(outcome);
        if (violation !== undefined)
          failures.record(`${fuzzCase.operation.method} ${fuzzCase.operation.path}`, because(violation, outcome.correlationId), () => {
            const file = saveBody(seed, `rest-${batch}-${index}`, outcome.request.payload);
            return `${describeHttpFailure(fuzzCase, outcome, violation, file)}\ncase:      seed ${seed}, batch ${batch}, index ${index}`;
          });
      });
      sent += cases.length;
      progress('REST', sent, started, failures.size);
    }
    process.stdout.write(`\nREST: ${sent} requests in ${seconds(started)} s (${rate(sent, started)}/s); statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`);

    const client = new GrpcFuzzClient(target.grpcAddress);
    try {
      const grpcCases = grpcFuzzCase(client.methods, client.frames);
      const grpcStarted = Date.now();
      let grpcSent = 0;
      const codes = new Map<number, number>();
      for (let batch = 0; grpcSent < options.grpcRuns && Date.now() < deadline; batch += 1) {
        const cases = drawBatch(grpcCases, seed, 1_000_000 + batch, Math.min(BATCH, options.grpcRuns - grpcSent));
        await inParallel(cases, options.parallel, async (fuzzCase, index) => {
          const outcome = await sendGrpcCase(target, client, fuzzCase);
          codes.set(outcome.code, (codes.get(outcome.code) ?? 0) + 1);
          const violation = grpcViolation(outcome);
          if (violation !== undefined)
            failures.record(fuzzCase.malformed ? 'gRPC (any method)' : `gRPC ${fuzzCase.method.name}`, because(violation, outcome.correlationId), () => `${describeGrpcFailure(outcome, violation)}\ncase:      seed ${seed}, gRPC batch ${batch}, index ${index}`);
        });
        grpcSent += cases.length;
        progress('gRPC', grpcSent, grpcStarted, failures.size);
      }
      process.stdout.write(`\ngRPC: ${grpcSent} requests in ${seconds(grpcStarted)} s (${rate(grpcSent, grpcStarted)}/s); codes ${JSON.stringify(Object.fromEntries(codes))}\n`);
    } finally {
      client.close();
    }
  } finally {
    await target.close();
  }
  if (failures.size === 0) {
    process.stdout.write(`no failures (seed ${seed})\n`);
    return;
  }
  process.stdout.write(`\n${failures.size} failure class(es) (seed ${seed}; the app's error log: ${errors.path}):\n`);
  for (const failure of failures.all) process.stdout.write(`\n== ${failure.key} (${failure.count}×)\n${failure.first}\n`);
  process.exitCode = 1;
}

/** The exact body text of a failure, to replay it with `curl --data-binary @file`. */
function saveBody(seed: number, name: string, body: string | undefined): string | undefined {
  if (body === undefined) return undefined;
  const folder = join('tmp', 'fuzz', String(seed));
  const file = join(folder, `${name}.json`);
  writeFileSync(file, body);
  return file;
}

const seconds = (since: number): string => ((Date.now() - since) / 1000).toFixed(1);
const rate = (count: number, since: number): number => Math.round(count / Math.max((Date.now() - since) / 1000, 0.001));
const progress = (what: string, count: number, since: number, failureClasses: number): void => {
  if (process.stderr.isTTY) process.stderr.write(`\r${what}: ${count} sent, ${rate(count, since)}/s, ${failureClasses} failure class(es)   `);
  else if (count % 10_000 === 0) process.stderr.write(`${what}: ${count} sent, ${rate(count, since)}/s, ${failureClasses} failure class(es)\n`);
};

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(2);
});
