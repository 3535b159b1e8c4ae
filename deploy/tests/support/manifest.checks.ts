import { ConfigError, loadConfig } from '@ticketing/platform';
import { SERVICE_NAMES } from '@ticketing/runtime';
import { expectedTopics, get, isRecord, knownConfigVariables, list, record, type YamlDocument } from './deploy-files';

/** A secret the manifests may reference without defining it, with its keys and an example value of each. */
export type ExternalSecret = Readonly<{ name: string; keys: Readonly<Record<string, string>> }>;

type Manifest = Readonly<{ file: string; kind: string; name: string; body: Record<string, unknown> }>;

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function labelsMatch(selector: unknown, labels: unknown): boolean {
  if (!isRecord(selector) || Object.keys(selector).length === 0 || !isRecord(labels)) return false;
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** The example value in a required-secrets description ("…, e.g. <value>"). */
export const exampleOf = (description: string): string | undefined => /e\.g\. (\S+)$/.exec(description)?.[1];

/**
 * Checks a set of Kubernetes manifests (the base, or an overlay rendered by kustomize) for the
 * references between them and the platform's contracts. Returns every problem found, one line each.
 */
export function checkManifests(documents: readonly YamlDocument[], externalSecrets: readonly ExternalSecret[]): string[] {
  const problems: string[] = [];
  const manifests: Manifest[] = [];
  for (const { file, index, value } of documents) {
    const kind = str(get(value, 'kind'));
    const name = str(get(value, 'metadata', 'name'));
    if (!kind || !name || !str(get(value, 'apiVersion'))) {
      problems.push(`${file}#${index}: needs apiVersion, kind and metadata.name`);
      continue;
    }
    manifests.push({ file, kind, name, body: record(value, `${file}#${index}`) });
  }
  const seen = new Set<string>();
  for (const { kind, name, file } of manifests) {
    const key = `${kind}/${name}`;
    if (seen.has(key)) problems.push(`${file}: ${key} is defined twice`);
    seen.add(key);
  }
  const ofKind = (kind: string) => manifests.filter((manifest) => manifest.kind === kind);
  const deployments = ofKind('Deployment');
  const configMaps = new Map(ofKind('ConfigMap').map((map) => [map.name, record(get(map.body, 'data') ?? {}, `ConfigMap ${map.name} data`)]));
  const secrets = new Map<string, ReadonlySet<string>>([
    ...ofKind('Secret').map((secret): [string, ReadonlySet<string>] => [
      secret.name,
      new Set([...Object.keys(record(get(secret.body, 'data') ?? {}, 'data')), ...Object.keys(record(get(secret.body, 'stringData') ?? {}, 'stringData'))]),
    ]),
    ...externalSecrets.map((secret): [string, ReadonlySet<string>] => [secret.name, new Set(Object.keys(secret.keys))]),
  ]);
  const known = knownConfigVariables();

  const deploymentNames = deployments.map((deployment) => deployment.name).sort();
  if (JSON.stringify(deploymentNames) !== JSON.stringify([...SERVICE_NAMES].sort())) {
    problems.push(`Deployments ${deploymentNames.join(', ')} are not one per service (${SERVICE_NAMES.join(', ')})`);
  }

  const podLabels = new Map<string, unknown>();
  const containerPorts = new Map<string, { names: Set<string>; numbers: Set<number> }>();
  for (const deployment of deployments) {
    const where = `Deployment ${deployment.name}`;
    const template = get(deployment.body, 'spec', 'template');
    const labels = get(template, 'metadata', 'labels');
    podLabels.set(deployment.name, labels);
    if (!labelsMatch(get(deployment.body, 'spec', 'selector', 'matchLabels'), labels)) {
      problems.push(`${where}: its selector does not match its pod template's labels`);
    }
    if (get(deployment.body, 'spec', 'replicas') !== undefined) {
      problems.push(`${where}: sets spec.replicas, which fights its HorizontalPodAutoscaler on every apply`);
    }
    if (get(template, 'spec', 'securityContext', 'runAsNonRoot') !== true) problems.push(`${where}: pods must run as non-root`);
    const containers = list(get(template, 'spec', 'containers'), `${where} containers`);
    if (containers.length !== 1) problems.push(`${where}: expected one container, found ${containers.length}`);
    const container = containers[0];
    const args = list(get(container, 'args'), `${where} args`);
    if (JSON.stringify(args) !== JSON.stringify(['node', 'bin/service.js', deployment.name])) {
      problems.push(`${where}: runs ${JSON.stringify(args)}, not its own service (node bin/service.js ${deployment.name})`);
    }
    const ports = { names: new Set<string>(), numbers: new Set<number>() };
    for (const port of list(get(container, 'ports'), `${where} ports`)) {
      const portName = str(get(port, 'name'));
      if (portName) ports.names.add(portName);
      const number = get(port, 'containerPort');
      if (typeof number === 'number') ports.numbers.add(number);
    }
    containerPorts.set(deployment.name, ports);
    const portIsOurs = (port: unknown) => (typeof port === 'string' ? ports.names.has(port) : typeof port === 'number' && ports.numbers.has(port));
    for (const [probe, path] of [
      ['readinessProbe', '/health/ready'],
      ['livenessProbe', '/health/live'],
    ] as const) {
      const httpGet = get(container, probe, 'httpGet');
      if (get(httpGet, 'path') !== path) problems.push(`${where}: ${probe} must GET ${path}, has ${JSON.stringify(get(httpGet, 'path'))}`);
      if (!portIsOurs(get(httpGet, 'port'))) problems.push(`${where}: ${probe} port ${JSON.stringify(get(httpGet, 'port'))} is not a container port`);
    }
    const startup = get(container, 'startupProbe', 'httpGet');
    if (startup !== undefined && !portIsOurs(get(startup, 'port'))) problems.push(`${where}: startupProbe port is not a container port`);

    // The environment the container gets, with an example for each secret value, must be a valid configuration.
    const env: Record<string, string> = {};
    const setVariable = (variable: string, value: string, from: string) => {
      if (!known.has(variable)) problems.push(`${where}: ${variable} (${from}) is not a variable the platform reads`);
      if (variable in env) problems.push(`${where}: ${variable} is set twice`);
      env[variable] = value;
    };
    for (const source of list(get(container, 'envFrom'), `${where} envFrom`)) {
      const mapName = str(get(source, 'configMapRef', 'name'));
      const secretName = str(get(source, 'secretRef', 'name'));
      if (mapName !== undefined) {
        const data = configMaps.get(mapName);
        if (!data) problems.push(`${where}: envFrom ConfigMap ${mapName} does not exist`);
        for (const [variable, value] of Object.entries(data ?? {})) setVariable(variable, String(value), `ConfigMap ${mapName}`);
      } else if (secretName !== undefined) {
        const keys = secrets.get(secretName);
        if (!keys) problems.push(`${where}: envFrom Secret ${secretName} is neither defined nor a required secret`);
        const external = externalSecrets.find((secret) => secret.name === secretName);
        for (const variable of keys ?? []) setVariable(variable, exampleOf(external?.keys[variable] ?? '') ?? 'x', `Secret ${secretName}`);
      } else {
        problems.push(`${where}: envFrom entry ${JSON.stringify(source)} names no ConfigMap or Secret`);
      }
    }
    for (const entry of list(get(container, 'env'), `${where} env`)) {
      const variable = str(get(entry, 'name')) ?? '(unnamed)';
      const value = get(entry, 'value');
      const secretRef = get(entry, 'valueFrom', 'secretKeyRef');
      const mapRef = get(entry, 'valueFrom', 'configMapKeyRef');
      if (typeof value === 'string') setVariable(variable, value, 'value');
      else if (secretRef !== undefined) {
        const secretName = str(get(secretRef, 'name')) ?? '';
        const key = str(get(secretRef, 'key')) ?? '';
        const keys = secrets.get(secretName);
        if (!keys) problems.push(`${where}: ${variable} reads Secret ${secretName}, neither defined nor a required secret`);
        else if (!keys.has(key)) problems.push(`${where}: ${variable} reads key ${key} that Secret ${secretName} does not have`);
        const external = externalSecrets.find((secret) => secret.name === secretName);
        setVariable(variable, exampleOf(external?.keys[key] ?? '') ?? 'x', `Secret ${secretName}`);
      } else if (mapRef !== undefined) {
        const mapName = str(get(mapRef, 'name')) ?? '';
        const key = str(get(mapRef, 'key')) ?? '';
        const data = configMaps.get(mapName);
        if (!data || !(key in data)) problems.push(`${where}: ${variable} reads ${key} of ConfigMap ${mapName}, which does not exist`);
        setVariable(variable, String(data?.[key] ?? ''), `ConfigMap ${mapName}`);
      } else {
        problems.push(`${where}: ${variable} has no value or valueFrom`);
      }
    }
    try {
      loadConfig(env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(`${where}: its environment is not a valid configuration: ${error.message}`);
    }
    for (const volume of list(get(template, 'spec', 'volumes'), `${where} volumes`)) {
      const mapName = str(get(volume, 'configMap', 'name'));
      const secretName = str(get(volume, 'secret', 'secretName'));
      if (mapName !== undefined && !configMaps.has(mapName)) problems.push(`${where}: volume ConfigMap ${mapName} does not exist`);
      if (secretName !== undefined && !secrets.has(secretName)) problems.push(`${where}: volume Secret ${secretName} is unknown`);
    }
  }

  const selected = (selector: unknown) => deployments.filter((deployment) => labelsMatch(selector, podLabels.get(deployment.name)));
  for (const service of ofKind('Service')) {
    const targets = selected(get(service.body, 'spec', 'selector'));
    if (targets.length !== 1) {
      problems.push(`Service ${service.name}: selects ${targets.length} Deployments (${targets.map((d) => d.name).join(', ')}), expected one`);
      continue;
    }
    const ports = containerPorts.get(targets[0].name)!;
    for (const port of list(get(service.body, 'spec', 'ports'), `Service ${service.name} ports`)) {
      const target = get(port, 'targetPort');
      const ok = typeof target === 'string' ? ports.names.has(target) : typeof target === 'number' && ports.numbers.has(target);
      if (!ok) problems.push(`Service ${service.name}: targetPort ${JSON.stringify(target)} is not a port of Deployment ${targets[0].name}`);
    }
  }
  const budgets = new Map<string, number>();
  for (const budget of ofKind('PodDisruptionBudget')) {
    const targets = selected(get(budget.body, 'spec', 'selector', 'matchLabels'));
    if (targets.length !== 1) problems.push(`PodDisruptionBudget ${budget.name}: selects ${targets.length} Deployments, expected one`);
    for (const target of targets) budgets.set(target.name, (budgets.get(target.name) ?? 0) + 1);
  }
  const partitions = ofKind('KafkaTopic')
    .filter((topic) => !String(get(topic.body, 'spec', 'topicName')).endsWith('.dlq'))
    .map((topic) => Number(get(topic.body, 'spec', 'partitions')));
  const autoscalers = new Map<string, number>();
  for (const autoscaler of ofKind('HorizontalPodAutoscaler')) {
    const where = `HorizontalPodAutoscaler ${autoscaler.name}`;
    const target = get(autoscaler.body, 'spec', 'scaleTargetRef');
    const name = str(get(target, 'name')) ?? '';
    if (get(target, 'kind') !== 'Deployment' || get(target, 'apiVersion') !== 'apps/v1' || !deployments.some((d) => d.name === name)) {
      problems.push(`${where}: scales ${JSON.stringify(target)}, not an existing apps/v1 Deployment`);
    }
    autoscalers.set(name, (autoscalers.get(name) ?? 0) + 1);
    const min = Number(get(autoscaler.body, 'spec', 'minReplicas') ?? 1);
    const max = Number(get(autoscaler.body, 'spec', 'maxReplicas'));
    // With one replica, a voluntary eviction (node drain) allowed by the budget takes the service down.
    if (min < 2) problems.push(`${where}: minReplicas ${min} < 2 leaves a drain with no replica serving`);
    if (!(max >= min)) problems.push(`${where}: maxReplicas ${max} < minReplicas ${min}`);
    if (partitions.length > 0 && max > Math.min(...partitions)) {
      problems.push(`${where}: maxReplicas ${max} exceeds the ${Math.min(...partitions)} partitions a consumer group can spread over`);
    }
  }
  for (const deployment of deployments) {
    if (budgets.get(deployment.name) !== 1) problems.push(`Deployment ${deployment.name}: has ${budgets.get(deployment.name) ?? 0} PodDisruptionBudgets, expected one`);
    if (autoscalers.get(deployment.name) !== 1) problems.push(`Deployment ${deployment.name}: has ${autoscalers.get(deployment.name) ?? 0} HorizontalPodAutoscalers, expected one`);
  }

  const topics = ofKind('KafkaTopic');
  const { events, deadLetters } = expectedTopics();
  const topicNames = topics.map((topic) => str(get(topic.body, 'spec', 'topicName')) ?? `(no topicName in ${topic.name})`).sort();
  if (JSON.stringify(topicNames) !== JSON.stringify([...events, ...deadLetters].sort())) {
    problems.push(`KafkaTopics ${topicNames.join(', ')} are not each context's topic and dead-letter topic (${[...events, ...deadLetters].join(', ')})`);
  }
  const clusters = new Set(topics.map((topic) => str(get(topic.body, 'metadata', 'labels', 'strimzi.io/cluster'))));
  for (const topic of topics) {
    const where = `KafkaTopic ${topic.name}`;
    if (get(topic.body, 'apiVersion') !== 'kafka.strimzi.io/v1beta2') problems.push(`${where}: apiVersion must be kafka.strimzi.io/v1beta2`);
    if (get(topic.body, 'spec', 'replicas') !== 3) problems.push(`${where}: replicas must be 3`);
    if (get(topic.body, 'spec', 'config', 'min.insync.replicas') !== 2) problems.push(`${where}: min.insync.replicas must be 2`);
    if (get(topic.body, 'spec', 'config', 'unclean.leader.election.enable') !== false) {
      problems.push(`${where}: unclean leader election would lose acknowledged events`);
    }
    const count = get(topic.body, 'spec', 'partitions');
    if (typeof count !== 'number' || count < 1) problems.push(`${where}: partitions must be a positive number`);
  }
  if (topics.length > 0 && clusters.size !== 1) problems.push(`KafkaTopics name ${clusters.size} strimzi.io/cluster labels, expected one`);
  // The services check the topics Strimzi creates (TICKETING_KAFKA_TOPICS=check) with the same
  // partitions and replicas the ConfigMap says, so a service and the operator never disagree.
  for (const [mapName, data] of configMaps) {
    if (str(data['TICKETING_BUS']) === undefined || topics.length === 0) continue;
    let kafkaTopics;
    try {
      ({ kafkaTopics } = loadConfig(Object.fromEntries(Object.entries(data).map(([key, value]) => [key, String(value)]))));
    } catch (error) {
      if (error instanceof ConfigError) continue;
      throw error;
    }
    const where = `ConfigMap ${mapName}`;
    if (kafkaTopics.mode !== 'check') problems.push(`${where}: TICKETING_KAFKA_TOPICS must be check: the Strimzi Topic Operator owns the topics`);
    for (const topic of topics) {
      const deadLetter = String(get(topic.body, 'spec', 'topicName')).endsWith('.dlq');
      const expected = deadLetter ? kafkaTopics.deadLetterPartitions : kafkaTopics.partitions;
      const variable = deadLetter ? 'TICKETING_KAFKA_DLQ_PARTITIONS' : 'TICKETING_KAFKA_TOPIC_PARTITIONS';
      if (get(topic.body, 'spec', 'partitions') !== expected) problems.push(`KafkaTopic ${topic.name}: partitions differ from ${where}'s ${variable} ${expected}`);
      if (get(topic.body, 'spec', 'replicas') !== kafkaTopics.replicationFactor) {
        problems.push(`KafkaTopic ${topic.name}: replicas differ from ${where}'s TICKETING_KAFKA_REPLICATION_FACTOR ${kafkaTopics.replicationFactor ?? '(unset)'}`);
      }
    }
  }
  const cluster = [...clusters][0];
  for (const [mapName, data] of configMaps) {
    const bus = str(data['TICKETING_BUS']);
    if (bus === undefined || cluster === undefined) continue;
    const hosts = bus.replace(/^kafka:\/\//, '').split(',').map((broker) => broker.replace(/:\d+$/, ''));
    if (!hosts.every((host) => host.startsWith(`${cluster}-kafka-bootstrap`))) {
      problems.push(`ConfigMap ${mapName}: TICKETING_BUS ${bus} is not the bootstrap Service of the topics' cluster ${cluster}`);
    }
  }
  return problems;
}

/** The kinds a rendered manifest set may contain that are namespaced (everything here but Namespace). */
export const isNamespaced = (kind: string): boolean => kind !== 'Namespace';
