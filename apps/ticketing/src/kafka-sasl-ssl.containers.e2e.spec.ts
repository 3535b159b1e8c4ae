// `ticketing start` on a real broker that only speaks TLS with SCRAM authentication (Kafka in KRaft
// mode through testcontainers), configured the way production is: `kafkas://`, the CA file, the
// SASL mechanism, user and password file (README "Configuration"). Runs where a container engine
// answers; elsewhere every test is reported as skipped, with the reason printed — never as passed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaContainer, type StartedKafkaContainer } from '@testcontainers/kafka';
import { createKafkaClient } from '@ticketing/messaging';
import { loadConfig } from '@ticketing/platform';
import { describeWithContainerEngine, detectContainerEngine } from '@ticketing/testing';
import { TicketingHarness } from './test-support/ticketing.harness';

jest.setTimeout(240_000);

// KRaft with SASL needs Confluent Platform 7.5 or later.
const KAFKA_IMAGE = 'confluentinc/cp-kafka:7.6.1';
const SECURE_PORT = 9096;
const USER = { name: 'ticketing-intake', password: 'scram-test-password' };
const KEYSTORE_PASSPHRASE = 'keystore-test-passphrase';

/**
 * A CA, and a broker certificate it signed for the host the container engine publishes ports on,
 * packed as the PKCS12 keystore the broker reads; made with the openssl CLI.
 */
function brokerCertificates(dir: string, host: string): { caFile: string; keystore: Buffer } {
  const at = (file: string) => join(dir, file);
  const run = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  const subjectAltName = ['DNS:localhost', 'IP:127.0.0.1', isIP(host) ? `IP:${host}` : `DNS:${host}`];
  writeFileSync(at('san.ext'), `subjectAltName=${[...new Set(subjectAltName)].join(',')}\n`);
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=ticketing test CA', '-keyout', at('ca.key'), '-out', at('ca.crt'));
  run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${host}`, '-keyout', at('broker.key'), '-out', at('broker.csr'));
  run('x509', '-req', '-in', at('broker.csr'), '-CA', at('ca.crt'), '-CAkey', at('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', at('san.ext'), '-out', at('broker.crt'));
  run('pkcs12', '-export', '-in', at('broker.crt'), '-inkey', at('broker.key'), '-certfile', at('ca.crt'), '-name', 'broker', '-passout', `pass:${KEYSTORE_PASSPHRASE}`, '-out', at('broker.p12'));
  return { caFile: at('ca.crt'), keystore: readFileSync(at('broker.p12')) };
}

describeWithContainerEngine(`ticketing start on Kafka over TLS with SCRAM-SHA-512 (${KAFKA_IMAGE})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-sasl-ssl-'));
  let container: StartedKafkaContainer | undefined;
  let env: NodeJS.ProcessEnv = {};
  let harness: TicketingHarness | undefined;

  beforeAll(async () => {
    const engine = detectContainerEngine();
    const host = engine.available ? engine.host : 'localhost';
    const { caFile, keystore } = brokerCertificates(dir, host);
    container = await new KafkaContainer(KAFKA_IMAGE)
      .withKraft()
      .withSaslSslListener({
        port: SECURE_PORT,
        sasl: { mechanism: 'SCRAM-SHA-512', user: USER },
        keystore: { content: keystore, passphrase: KEYSTORE_PASSPHRASE },
      })
      .start();
    const passwordFile = join(dir, 'sasl-password');
    writeFileSync(passwordFile, `${USER.password}\n`);
    env = {
      TICKETING_BUS: `kafkas://${container.getHost()}:${container.getMappedPort(SECURE_PORT)}`,
      TICKETING_KAFKA_CA_FILE: caFile,
      TICKETING_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      TICKETING_KAFKA_SASL_USERNAME: USER.name,
      TICKETING_KAFKA_SASL_PASSWORD_FILE: passwordFile,
      TICKETING_KAFKA_TOPIC_PARTITIONS: '3',
      TICKETING_KAFKA_DLQ_PARTITIONS: '1',
      TICKETING_KAFKA_REPLICATION_FACTOR: '1',
    };
  });

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  afterAll(async () => {
    await container?.stop();
  });

  /** Whether a client built from this configuration gets through TLS and SASL to the broker. */
  const connects = async (overrides: NodeJS.ProcessEnv): Promise<true | string> => {
    const config = loadConfig({ TICKETING_DATA_DIR: dir, ...env, ...overrides });
    if (config.bus.kind !== 'kafka') throw new Error('expected a Kafka bus');
    const admin = createKafkaClient({ brokers: config.bus.brokers, clientId: 'sasl-ssl-spec', tls: config.bus.tls, sasl: config.bus.sasl }).admin({ retry: { retries: 0 } });
    try {
      await admin.connect();
      await admin.listTopics();
      return true;
    } catch (error) {
      return String((error as Error).message);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };

  it('creates its topics and queues every opened ticket through the broker', async () => {
    harness = await TicketingHarness.start({ env });
    const customer = await harness.token('customer', 'cust-sasl-ssl');
    const ids: string[] = [];
    for (let n = 0; n < 10; n++) {
      const opened = await harness.request('POST', '/v1/tickets', {
        token: customer,
        body: { channel: 'chat', body: `My USDT withdrawal ${n} has been pending for two hours`, chat: { sessionId: `sasl-${n}` } },
      });
      expect(opened.status).toBe(201);
      ids.push((opened.body as { id: string }).id);
    }
    for (const id of ids) await harness.ticketQueued(id);
    const ready = await harness.request('GET', '/health/ready');
    expect(ready.status).toBe(200);
  });

  it('gets through with the configured CA and credentials, and nowhere without them', async () => {
    expect(await connects({})).toBe(true);

    const wrongPassword = join(dir, 'wrong-password');
    writeFileSync(wrongPassword, 'not-the-password');
    expect(await connects({ TICKETING_KAFKA_SASL_PASSWORD_FILE: wrongPassword })).toMatch(/SASL|authentic/i);
    // Node's trusted CAs do not include the test CA: the broker's certificate is refused.
    expect(await connects({ TICKETING_KAFKA_CA_FILE: '' })).toMatch(/certificate/i);
    // Plaintext to the TLS listener never completes a Kafka request.
    const plaintext = env['TICKETING_BUS']!.replace(/^kafkas:/, 'kafka:');
    expect(await connects({ TICKETING_BUS: plaintext, TICKETING_KAFKA_CA_FILE: '' })).not.toBe(true);
  });
});
