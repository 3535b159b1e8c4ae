import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@ticketing/platform';
import { SERVICE_NAMES } from '@ticketing/runtime';
import { parse } from 'yaml';
import { exists, expectedTopics, get, isRecord, knownConfigVariables, list, readYaml, record, REPO_ROOT } from './support/deploy-files';

const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');
const INFRASTRUCTURE = ['kafka', 'kafka-topics', 'kurrentdb', 'postgres'];

type Services = Record<string, Record<string, unknown>>;

const servicesOf = (compose: unknown): Services =>
  Object.fromEntries(Object.entries(record(get(compose, 'services'), 'services')).map(([name, body]) => [name, record(body, name)]));

/** `environment` as a map, whether written as a mapping or as a list of NAME=value. */
function environmentOf(service: Record<string, unknown>): Record<string, string> {
  const environment = service.environment;
  if (Array.isArray(environment)) {
    return Object.fromEntries(environment.map((entry) => String(entry).split(/=(.*)/s).slice(0, 2) as [string, string]));
  }
  return Object.fromEntries(Object.entries(isRecord(environment) ? environment : {}).map(([key, value]) => [key, String(value)]));
}

/** The `<topic>:<partitions>` pairs the one-shot topics service creates. */
function createdTopics(services: Services): Map<string, number> {
  const entries = environmentOf(services['kafka-topics']).TOPICS?.trim().split(/\s+/) ?? [];
  return new Map(entries.map((entry) => [entry.split(':')[0], Number(entry.split(':')[1])]));
}

/** Every problem in a compose model (the file as parsed, anchors and merge keys resolved). */
function checkCompose(compose: unknown): string[] {
  const problems: string[] = [];
  const services = servicesOf(compose);
  const names = Object.keys(services);
  for (const expected of [...INFRASTRUCTURE, ...SERVICE_NAMES]) if (!names.includes(expected)) problems.push(`no service ${expected}`);
  if (names.some((name) => /zookeeper/i.test(name))) problems.push('Kafka must run in KRaft mode, without ZooKeeper');
  const kafkaRoles = environmentOf(services.kafka ?? {}).KAFKA_PROCESS_ROLES ?? '';
  if (!kafkaRoles.split(',').includes('controller')) problems.push('kafka: KAFKA_PROCESS_ROLES must include controller (KRaft)');

  const known = knownConfigVariables();
  for (const [name, service] of Object.entries(services)) {
    if (!service.image && !service.build) problems.push(`${name}: neither image nor build`);
    const oneShot = service.restart === 'no';
    if (!oneShot && !get(service, 'healthcheck', 'test')) problems.push(`${name}: no healthcheck`);
    for (const [dependency, condition] of Object.entries(record(service.depends_on ?? {}, `${name} depends_on`))) {
      if (!services[dependency]) {
        problems.push(`${name}: depends on ${dependency}, which is not a service`);
        continue;
      }
      const wanted = services[dependency].restart === 'no' ? 'service_completed_successfully' : 'service_healthy';
      if (get(condition, 'condition') !== wanted) problems.push(`${name}: depends on ${dependency} with ${JSON.stringify(get(condition, 'condition'))}, expected ${wanted}`);
    }
  }

  const kafkaConfigs = new Map<string, ReturnType<typeof loadConfig>['kafkaTopics']>();
  for (const name of SERVICE_NAMES) {
    const service = services[name];
    if (!service) continue;
    const dockerfile = String(get(service, 'build', 'dockerfile'));
    if (get(service, 'build', 'context') !== '.' || dockerfile !== 'deploy/Dockerfile' || !exists(join(REPO_ROOT, dockerfile))) {
      problems.push(`${name}: must build from deploy/Dockerfile with the repository as context`);
    }
    if (JSON.stringify(service.command) !== JSON.stringify(['node', 'bin/service.js', name])) {
      problems.push(`${name}: runs ${JSON.stringify(service.command)}, not its own service`);
    }
    const healthcheck = list(get(service, 'healthcheck', 'test'), `${name} healthcheck`).join(' ');
    if (!healthcheck.includes('/health/ready')) problems.push(`${name}: its healthcheck must probe /health/ready`);
    for (const dependency of ['kafka-topics', 'kurrentdb', 'postgres']) {
      if (!Object.keys(record(service.depends_on ?? {}, 'depends_on')).includes(dependency)) problems.push(`${name}: must wait for ${dependency}`);
    }
    const env = environmentOf(service);
    for (const variable of Object.keys(env)) if (!known.has(variable)) problems.push(`${name}: ${variable} is not a variable the platform reads`);
    let config: ReturnType<typeof loadConfig> | undefined;
    try {
      config = loadConfig(env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(`${name}: not a valid configuration: ${error.message}`);
    }
    if (!config) continue;
    if (config.bus.kind === 'kafka') kafkaConfigs.set(name, config.kafkaTopics);
    // The production shape, and pointing at the services of this file.
    if (config.bus.kind !== 'kafka') problems.push(`${name}: TICKETING_BUS must be kafka://…`);
    else {
      for (const broker of config.bus.brokers) {
        const [host, port] = broker.split(':');
        const listeners = environmentOf(services[host] ?? {}).KAFKA_ADVERTISED_LISTENERS ?? '';
        if (!listeners.split(',').some((listener) => listener.endsWith(`//${host}:${port}`))) {
          problems.push(`${name}: broker ${broker} is not an advertised listener of a Kafka service`);
        }
      }
    }
    if (config.eventStore.kind !== 'kurrentdb') problems.push(`${name}: TICKETING_EVENT_STORE must be KurrentDB`);
    else {
      const url = new URL(config.eventStore.connectionString);
      if (!services[url.hostname] || !/kurrentdb|eventstore/.test(String(services[url.hostname].image))) {
        problems.push(`${name}: event store host ${url.hostname} is not the KurrentDB service`);
      }
      if (url.searchParams.get('tls') !== 'false' || environmentOf(services[url.hostname] ?? {}).KURRENTDB_INSECURE !== 'true') {
        problems.push(`${name}: tls=false must go with an insecure KurrentDB node (and TLS with a secure one)`);
      }
    }
    if (config.readStore.kind !== 'postgres') problems.push(`${name}: TICKETING_READ_STORE must be PostgreSQL`);
    else {
      const url = new URL(config.readStore.connectionString);
      const postgres = environmentOf(services[url.hostname] ?? {});
      const matches =
        postgres.POSTGRES_USER === decodeURIComponent(url.username) &&
        postgres.POSTGRES_PASSWORD === decodeURIComponent(url.password) &&
        postgres.POSTGRES_DB === url.pathname.slice(1);
      if (!matches) problems.push(`${name}: read store URL does not match the postgres service's user, password and database`);
    }
  }

  const { events, deadLetters } = expectedTopics();
  const topics = createdTopics(services);
  const topicNames = [...topics.keys()].sort();
  if (JSON.stringify(topicNames) !== JSON.stringify([...events, ...deadLetters].sort())) {
    problems.push(`kafka-topics creates ${topicNames.join(', ')}, expected ${[...events, ...deadLetters].join(', ')}`);
  }
  for (const [topic, partitions] of topics) if (!Number.isInteger(partitions) || partitions < 1) problems.push(`topic ${topic}: bad partition count`);
  for (const topic of events) if ((topics.get(topic) ?? 0) < 12) problems.push(`topic ${topic}: fewer than 12 partitions`);
  // The services check what kafka-topics created (TICKETING_KAFKA_TOPICS=check), with the same settings.
  for (const [name, kafkaTopics] of kafkaConfigs) {
    if (kafkaTopics.mode !== 'check') problems.push(`${name}: TICKETING_KAFKA_TOPICS must be check: kafka-topics provisions the topics`);
    for (const topic of events) {
      if (topics.has(topic) && topics.get(topic) !== kafkaTopics.partitions) {
        problems.push(`${name}: TICKETING_KAFKA_TOPIC_PARTITIONS ${kafkaTopics.partitions} differs from ${topic}'s ${topics.get(topic)}`);
      }
    }
    for (const topic of deadLetters) {
      if (topics.has(topic) && topics.get(topic) !== kafkaTopics.deadLetterPartitions) {
        problems.push(`${name}: TICKETING_KAFKA_DLQ_PARTITIONS ${kafkaTopics.deadLetterPartitions} differs from ${topic}'s ${topics.get(topic)}`);
      }
    }
    if (kafkaTopics.replicationFactor !== 1) problems.push(`${name}: TICKETING_KAFKA_REPLICATION_FACTOR must be 1 on the one broker`);
  }
  if (environmentOf(services.kafka ?? {}).KAFKA_AUTO_CREATE_TOPICS_ENABLE !== 'false') {
    problems.push('kafka: topics must be provisioned, not auto-created (KAFKA_AUTO_CREATE_TOPICS_ENABLE=false)');
  }
  return problems;
}

const composeAvailable = spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0;
if (!composeAvailable) process.stderr.write('\nSKIPPED: docker-compose.yml `docker compose config` check: no `docker compose` on this machine\n');

describe('docker-compose.yml', () => {
  it('runs the production shape: KRaft Kafka with provisioned topics, KurrentDB, PostgreSQL and the five services, wired to each other', () => {
    expect(checkCompose(readYaml(COMPOSE_FILE))).toEqual([]);
  });

  it('the checks catch a broken file (they can fail)', () => {
    const compose = readYaml(COMPOSE_FILE) as { services: Services };
    const broken = structuredClone(compose);
    broken.services.routing = { ...broken.services.routing, command: ['node', 'bin/service.js', 'intake'] };
    broken.services.sla = { ...broken.services.sla, depends_on: { kafka: { condition: 'service_started' }, redis: { condition: 'service_healthy' } } };
    broken.services.audit = { ...broken.services.audit, environment: { ...environmentOf(broken.services.audit), TICKETING_BUS: 'kafka://broker:9092' } };
    broken.services['kafka-topics'] = {
      ...broken.services['kafka-topics'],
      environment: { ...environmentOf(broken.services['kafka-topics']), TOPICS: 'ticketing.intake.events:12' },
    };
    broken.services.disputes = {
      ...broken.services.disputes,
      environment: { ...environmentOf(broken.services.disputes), TICKETING_KAFKA_TOPIC_PARTITIONS: '6', TICKETING_KAFKA_TOPICS: 'create' },
    };
    expect(checkCompose(broken)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('routing: runs ["node","bin/service.js","intake"]'),
        expect.stringContaining('sla: depends on redis, which is not a service'),
        expect.stringContaining('sla: depends on kafka with "service_started"'),
        expect.stringContaining('audit: broker broker:9092 is not an advertised listener'),
        expect.stringContaining('kafka-topics creates ticketing.intake.events, expected'),
        "disputes: TICKETING_KAFKA_TOPIC_PARTITIONS 6 differs from ticketing.intake.events's 12",
        'disputes: TICKETING_KAFKA_TOPICS must be check: kafka-topics provisions the topics',
      ]),
    );
  });

  (composeAvailable ? it : it.skip)('is accepted by `docker compose config` (the Compose specification, interpolation, merges)', () => {
    const result = spawnSync('docker', ['compose', '-f', COMPOSE_FILE, 'config', '--format', 'yaml'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    // What Compose resolved must pass the same checks as the file itself.
    expect(checkCompose(parse(result.stdout, { merge: true }))).toEqual([]);
  });
});
