import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { createKafkaClient, kafkaConnectionOf } from './kafka-client';

const opensslAvailable = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
if (!opensslAvailable) process.stderr.write('\nSKIPPED: the Kafka client’s TLS handshake test — no `openssl` to make certificates\n');
const describeWithOpenssl = opensslAvailable ? describe : describe.skip;

/** A CA and a server certificate for `localhost` it signed, made with the openssl CLI. */
function certificates(dir: string, name: string): { ca: string; cert: string; key: string } {
  const at = (file: string) => join(dir, `${name}-${file}`);
  const run = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', `/CN=${name} test CA`, '-keyout', at('ca.key'), '-out', at('ca.crt'));
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=localhost', '-keyout', at('server.key'), '-out', at('server.csr'));
  run('x509', '-req', '-in', at('server.csr'), '-CA', at('ca.crt'), '-CAkey', at('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', '/dev/stdin', '-out', at('server.crt'));
  return { ca: readFileSync(at('ca.crt'), 'utf8'), cert: readFileSync(at('server.crt'), 'utf8'), key: readFileSync(at('server.key'), 'utf8') };
}

describe('kafkaConnectionOf', () => {
  it('maps TLS and SASL settings to kafkajs’s, always verifying the brokers', () => {
    expect(kafkaConnectionOf({})).toEqual({});
    expect(kafkaConnectionOf({ tls: {} })).toEqual({ ssl: { rejectUnauthorized: true } });
    expect(kafkaConnectionOf({ tls: { ca: 'CA', cert: 'C', key: 'K' }, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } })).toEqual({
      ssl: { rejectUnauthorized: true, ca: ['CA'], cert: 'C', key: 'K' },
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
    });
  });
});

describeWithOpenssl('the Kafka client over TLS (a TLS listener standing in for a broker)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-tls-'));
  let server: Server;
  let port = 0;
  let handshakes = 0;
  let refusals = 0;
  let trusted: ReturnType<typeof certificates>;
  let stranger: ReturnType<typeof certificates>;

  beforeAll(async () => {
    trusted = certificates(dir, 'trusted');
    stranger = certificates(dir, 'stranger');
    server = createServer({ cert: trusted.cert, key: trusted.key }, (socket: TLSSocket) => {
      handshakes++;
      // Not a broker: the handshake is what is tested; the Kafka request gets no answer.
      socket.destroy();
    });
    server.on('tlsClientError', () => refusals++);
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((closed) => server.close(() => closed())));

  const connect = async (ca: string): Promise<string> => {
    const admin = createKafkaClient({ brokers: [`localhost:${port}`], clientId: 'tls-test', tls: { ca } }).admin({ retry: { retries: 0 } });
    try {
      await admin.connect();
      return 'connected';
    } catch (error) {
      return String((error as Error).message);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };

  it('completes the TLS handshake with a broker whose certificate the given CA signed', async () => {
    const before = handshakes;
    await connect(trusted.ca);
    expect(handshakes).toBeGreaterThan(before);
  });

  it('refuses a broker whose certificate another CA signed', async () => {
    const before = { handshakes, refusals };
    const outcome = await connect(stranger.ca);
    expect(outcome).not.toBe('connected');
    expect(handshakes).toBe(before.handshakes);
    expect(refusals).toBeGreaterThan(before.refusals);
  });
});
