// The gRPC API from another language's stack: Python's grpcio, with stubs protoc generates from
// libs/contracts/proto alone (nothing of the server's code). Needs python3 with grpcio and protobuf,
// protoc and grpc_python_plugin (Debian: python3-grpcio python3-protobuf protobuf-compiler
// protobuf-compiler-grpc; .ci/run installs them); elsewhere the test is reported as skipped.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TicketingHarness } from './test-support/ticketing.harness';

const PROTO_DIR = join(__dirname, '../../../libs/contracts/proto');
const CLIENT = join(__dirname, 'test-support/grpc-python-client.py');

/** The first python3 that imports grpcio and protobuf (Debian's packages land in /usr/bin's). */
const python = ['python3', '/usr/bin/python3'].find(
  (candidate) => spawnSync(candidate, ['-c', 'import grpc, google.protobuf'], { stdio: 'ignore' }).status === 0,
);
const pluginPath = spawnSync('sh', ['-c', 'command -v grpc_python_plugin'], { encoding: 'utf8' }).stdout.trim();
const protocWorks = spawnSync('protoc', ['--version'], { stdio: 'ignore' }).status === 0;
const missing = [!python && 'python3 with grpcio and protobuf', !protocWorks && 'protoc', !pluginPath && 'grpc_python_plugin'].filter(Boolean);
const TITLE = 'the gRPC API from a Python grpcio client generated from the .proto files';
if (missing.length > 0) process.stderr.write(`\nSKIPPED: ${TITLE} — missing ${missing.join(', ')}\n`);
const describeWithPythonGrpc = missing.length === 0 ? describe : describe.skip;

function protoFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? protoFiles(join(dir, entry.name)) : entry.name.endsWith('.proto') ? [join(dir, entry.name)] : [],
  );
}

describeWithPythonGrpc(TITLE, () => {
  let harness: TicketingHarness;
  let stubs: string;

  beforeAll(async () => {
    stubs = mkdtempSync(join(tmpdir(), 'ticketing-python-stubs-'));
    await promisify(execFile)('protoc', [`-I${PROTO_DIR}`, `--python_out=${stubs}`, `--grpc_out=${stubs}`, `--plugin=protoc-gen-grpc=${pluginPath}`, ...protoFiles(PROTO_DIR)]);
    harness = await TicketingHarness.start();
  });

  afterAll(() => harness?.close());

  it('opens, replays by idempotency key, reads, lists, watches, classifies and routes; maps bad input, forged tokens and other customers’ tickets to their status codes', async () => {
    const tokens = await Promise.all([harness.token('customer', 'py-customer'), harness.token('agent', 'py-agent'), harness.token('customer', 'py-stranger')]);
    // Async: the server runs in this process, so a synchronous child would block it.
    const { stdout } = await promisify(execFile)(python!, [CLIENT, stubs, harness.grpcAddress, ...tokens], { timeout: 60_000 }).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`the Python client failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    });
    expect(stdout).toContain('ok WatchTicket streams TicketOpened');
    expect(stdout).toMatch(/all 12 checks passed/);
  }, 90_000);
});
