import { readFileSync } from 'node:fs';
import type { ConfigProblem } from './config.error';

/** SASL mechanisms the Kafka client is configured for; PLAIN only over TLS. */
export const KAFKA_SASL_MECHANISMS = ['scram-sha-256', 'scram-sha-512', 'plain'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/** TLS to the brokers (`kafkas://`): the CA bundle to trust (default Node's) and an optional client certificate, as PEM text. */
export type KafkaTlsConfig = Readonly<{ ca?: string; cert?: string; key?: string }>;

/** SASL credentials; the password is read from a file (a mounted Secret), never from the environment. */
export type KafkaSaslConfig = Readonly<{ mechanism: KafkaSaslMechanism; username: string; password: string }>;

export type KafkaSecurityConfig = Readonly<{ tls?: KafkaTlsConfig; sasl?: KafkaSaslConfig }>;

const PEM = /-----BEGIN [A-Z0-9 ]+-----/;
const VARIABLES = [
  'TICKETING_KAFKA_CA_FILE',
  'TICKETING_KAFKA_CERT_FILE',
  'TICKETING_KAFKA_KEY_FILE',
  'TICKETING_KAFKA_SASL_MECHANISM',
  'TICKETING_KAFKA_SASL_USERNAME',
  'TICKETING_KAFKA_SASL_PASSWORD_FILE',
] as const;

/**
 * The Kafka client's TLS and SASL settings from TICKETING_KAFKA_*, for a bus that is `kafka://`
 * (plaintext) or `kafkas://` (TLS). Every problem is pushed to `problems`, naming the variable:
 * a file that is missing, unreadable or not PEM, a certificate without its key, an unknown
 * mechanism, credentials without a mechanism (or the reverse), PLAIN without TLS, and any of these
 * variables without a Kafka bus at all.
 */
export function kafkaSecurityFrom(env: NodeJS.ProcessEnv, bus: Readonly<{ kind: string; tls?: boolean }>, problems: ConfigProblem[]): KafkaSecurityConfig {
  const given = (variable: (typeof VARIABLES)[number]): string | undefined => (env[variable] === undefined || env[variable] === '' ? undefined : env[variable]);
  if (bus.kind !== 'kafka') {
    for (const variable of VARIABLES) {
      const value = given(variable);
      if (value !== undefined) problems.push({ variable, value, allowed: 'to be unset unless TICKETING_BUS is kafka://… or kafkas://…' });
    }
    return {};
  }
  const file = (variable: (typeof VARIABLES)[number], what: string, pem: boolean): string | undefined => {
    const path = given(variable);
    if (path === undefined) return undefined;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      problems.push({ variable, value: path, allowed: `a readable file holding ${what} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})` });
      return undefined;
    }
    if (pem ? !PEM.test(text) : text.trim() === '') {
      problems.push({ variable, value: path, allowed: `a file holding ${what}${pem ? ' (PEM: -----BEGIN …-----)' : ' (it is empty)'}` });
      return undefined;
    }
    return pem ? text : text.replace(/\r?\n$/, '');
  };

  let tls: KafkaTlsConfig | undefined;
  const ca = file('TICKETING_KAFKA_CA_FILE', 'the CA certificates that sign the brokers’ certificates', true);
  const cert = file('TICKETING_KAFKA_CERT_FILE', 'the client certificate', true);
  const key = file('TICKETING_KAFKA_KEY_FILE', 'the client certificate’s private key', true);
  if (bus.tls) {
    if ((given('TICKETING_KAFKA_CERT_FILE') === undefined) !== (given('TICKETING_KAFKA_KEY_FILE') === undefined)) {
      const [variable, other] = given('TICKETING_KAFKA_CERT_FILE') === undefined ? ['TICKETING_KAFKA_KEY_FILE', 'TICKETING_KAFKA_CERT_FILE'] : ['TICKETING_KAFKA_CERT_FILE', 'TICKETING_KAFKA_KEY_FILE'];
      problems.push({ variable, value: given(variable as (typeof VARIABLES)[number]) ?? '', allowed: `to come with ${other} (a client certificate needs its key)` });
    }
    tls = { ...(ca !== undefined && { ca }), ...(cert !== undefined && key !== undefined && { cert, key }) };
  } else {
    for (const variable of ['TICKETING_KAFKA_CA_FILE', 'TICKETING_KAFKA_CERT_FILE', 'TICKETING_KAFKA_KEY_FILE'] as const) {
      const value = given(variable);
      if (value !== undefined) problems.push({ variable, value, allowed: 'to be unset with a plaintext kafka:// bus: use kafkas://… for TLS' });
    }
  }

  const mechanismText = given('TICKETING_KAFKA_SASL_MECHANISM');
  const username = given('TICKETING_KAFKA_SASL_USERNAME');
  const passwordFile = given('TICKETING_KAFKA_SASL_PASSWORD_FILE');
  if (mechanismText === undefined) {
    if (username !== undefined) problems.push({ variable: 'TICKETING_KAFKA_SASL_USERNAME', value: username, allowed: 'to come with TICKETING_KAFKA_SASL_MECHANISM' });
    if (passwordFile !== undefined) problems.push({ variable: 'TICKETING_KAFKA_SASL_PASSWORD_FILE', value: passwordFile, allowed: 'to come with TICKETING_KAFKA_SASL_MECHANISM' });
    return { ...(tls !== undefined && { tls }) };
  }
  const mechanism = KAFKA_SASL_MECHANISMS.find((candidate) => candidate === mechanismText);
  if (mechanism === undefined) problems.push({ variable: 'TICKETING_KAFKA_SASL_MECHANISM', value: mechanismText, allowed: `one of ${KAFKA_SASL_MECHANISMS.join(', ')}` });
  if (mechanism === 'plain' && !bus.tls) {
    problems.push({ variable: 'TICKETING_KAFKA_SASL_MECHANISM', value: mechanismText, allowed: 'scram-sha-256 or scram-sha-512 over kafka://: PLAIN sends the password in clear, so only over kafkas://' });
  }
  if (username === undefined) problems.push({ variable: 'TICKETING_KAFKA_SASL_USERNAME', value: '', allowed: `the user to authenticate as (required with TICKETING_KAFKA_SASL_MECHANISM)` });
  if (passwordFile === undefined) problems.push({ variable: 'TICKETING_KAFKA_SASL_PASSWORD_FILE', value: '', allowed: 'the path of a file holding the password (required with TICKETING_KAFKA_SASL_MECHANISM)' });
  const password = file('TICKETING_KAFKA_SASL_PASSWORD_FILE', 'the SASL password', false);
  if (mechanism === undefined || username === undefined || password === undefined) return { ...(tls !== undefined && { tls }) };
  return { ...(tls !== undefined && { tls }), sasl: { mechanism, username, password } };
}
