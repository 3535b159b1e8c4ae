import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config.error';
import { loadConfig } from './config.loader';

const dir = mkdtempSync(join(tmpdir(), 'kafka-security-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const PEM_CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const ca = file('ca.crt', PEM_CERT);
const cert = file('client.crt', PEM_CERT);
const key = file('client.key', PEM_KEY);
const password = file('password', 's3cret\n');

const problemsOf = (env: NodeJS.ProcessEnv) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map(({ variable, allowed }) => `${variable}: ${allowed}`);
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('Kafka TLS and SASL configuration', () => {
  it('kafka:// is plaintext; kafkas:// is TLS with Node’s trusted CAs, or the CA bundle given', () => {
    expect(loadConfig({ TICKETING_BUS: 'kafka://k1:9092' }).bus).toEqual({ kind: 'kafka', brokers: ['k1:9092'] });
    expect(loadConfig({ TICKETING_BUS: 'kafkas://k1:9093,k2:9093' }).bus).toEqual({ kind: 'kafka', brokers: ['k1:9093', 'k2:9093'], tls: {} });
    expect(loadConfig({ TICKETING_BUS: 'kafkas://k1:9093', TICKETING_KAFKA_CA_FILE: ca }).bus).toEqual({ kind: 'kafka', brokers: ['k1:9093'], tls: { ca: PEM_CERT } });
    expect(loadConfig({ TICKETING_BUS: 'kafkas://k1:9093', TICKETING_KAFKA_CERT_FILE: cert, TICKETING_KAFKA_KEY_FILE: key }).bus).toMatchObject({ tls: { cert: PEM_CERT, key: PEM_KEY } });
  });

  it('SASL SCRAM over either, PLAIN only over TLS; the password from its file, without the newline', () => {
    const scram = { TICKETING_KAFKA_SASL_MECHANISM: 'scram-sha-512', TICKETING_KAFKA_SASL_USERNAME: 'ticketing-intake', TICKETING_KAFKA_SASL_PASSWORD_FILE: password };
    expect(loadConfig({ TICKETING_BUS: 'kafka://k1:9092', ...scram }).bus).toEqual({ kind: 'kafka', brokers: ['k1:9092'], sasl: { mechanism: 'scram-sha-512', username: 'ticketing-intake', password: 's3cret' } });
    expect(loadConfig({ TICKETING_BUS: 'kafkas://k1:9093', ...scram, TICKETING_KAFKA_SASL_MECHANISM: 'plain' }).bus).toMatchObject({ tls: {}, sasl: { mechanism: 'plain' } });
    expect(problemsOf({ TICKETING_BUS: 'kafka://k1:9092', ...scram, TICKETING_KAFKA_SASL_MECHANISM: 'plain' })).toEqual([expect.stringMatching(/^TICKETING_KAFKA_SASL_MECHANISM: .*only over kafkas/)]);
  });

  it.each([
    ['a mechanism that does not exist', { TICKETING_BUS: 'kafkas://k:9093', TICKETING_KAFKA_SASL_MECHANISM: 'gssapi', TICKETING_KAFKA_SASL_USERNAME: 'u', TICKETING_KAFKA_SASL_PASSWORD_FILE: password }, /^TICKETING_KAFKA_SASL_MECHANISM: one of scram-sha-256, scram-sha-512, plain$/],
    ['a missing secret file', { TICKETING_BUS: 'kafkas://k:9093', TICKETING_KAFKA_SASL_MECHANISM: 'scram-sha-256', TICKETING_KAFKA_SASL_USERNAME: 'u', TICKETING_KAFKA_SASL_PASSWORD_FILE: join(dir, 'nope') }, /^TICKETING_KAFKA_SASL_PASSWORD_FILE: a readable file .*ENOENT/],
    ['an empty password file', { TICKETING_BUS: 'kafkas://k:9093', TICKETING_KAFKA_SASL_MECHANISM: 'scram-sha-256', TICKETING_KAFKA_SASL_USERNAME: 'u', TICKETING_KAFKA_SASL_PASSWORD_FILE: file('empty', '\n') }, /^TICKETING_KAFKA_SASL_PASSWORD_FILE: .*empty/],
    ['a mechanism without its user and password', { TICKETING_BUS: 'kafkas://k:9093', TICKETING_KAFKA_SASL_MECHANISM: 'scram-sha-256' }, /^TICKETING_KAFKA_SASL_USERNAME: /],
    ['credentials without a mechanism', { TICKETING_BUS: 'kafkas://k:9093', TICKETING_KAFKA_SASL_USERNAME: 'u' }, /^TICKETING_KAFKA_SASL_USERNAME: to come with TICKETING_KAFKA_SASL_MECHANISM/],
    ['a CA file that is not PEM', { TICKETING_BUS: 'kafkas://k:9093', TICKETING_KAFKA_CA_FILE: file('ca.der', 'binary junk') }, /^TICKETING_KAFKA_CA_FILE: a file holding .*PEM/],
    ['a certificate without its key', { TICKETING_BUS: 'kafkas://k:9093', TICKETING_KAFKA_CERT_FILE: cert }, /^TICKETING_KAFKA_CERT_FILE: to come with TICKETING_KAFKA_KEY_FILE/],
    ['a CA for a plaintext bus', { TICKETING_BUS: 'kafka://k:9092', TICKETING_KAFKA_CA_FILE: ca }, /^TICKETING_KAFKA_CA_FILE: to be unset with a plaintext kafka:\/\/ bus/],
    ['Kafka settings without Kafka', { TICKETING_KAFKA_SASL_MECHANISM: 'scram-sha-512' }, /^TICKETING_KAFKA_SASL_MECHANISM: to be unset unless TICKETING_BUS is kafka/],
    ['a scheme that is neither', { TICKETING_BUS: 'kafka+ssl://k:9093' }, /^TICKETING_BUS: "embedded", "kafka:\/\/.*"kafkas:\/\//],
  ])('stops at start-up on %s, naming the variable', (_what, env, problem) => {
    expect(problemsOf(env)).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });

  it('a path that cannot be read as a file is named too', () => {
    expect(problemsOf({ TICKETING_BUS: 'kafkas://k:9093', TICKETING_KAFKA_SASL_MECHANISM: 'scram-sha-256', TICKETING_KAFKA_SASL_USERNAME: 'u', TICKETING_KAFKA_SASL_PASSWORD_FILE: dir })).toEqual([
      expect.stringMatching(/^TICKETING_KAFKA_SASL_PASSWORD_FILE: a readable file .*EISDIR/),
    ]);
  });

  it('never echoes a password in the error', () => {
    const message = (() => {
      try {
        loadConfig({ TICKETING_BUS: 'kafka://k:9092', TICKETING_KAFKA_SASL_MECHANISM: 'plain', TICKETING_KAFKA_SASL_USERNAME: 'u', TICKETING_KAFKA_SASL_PASSWORD_FILE: password });
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(message).toContain('TICKETING_KAFKA_SASL_MECHANISM');
    expect(message).not.toContain('s3cret');
  });
});
