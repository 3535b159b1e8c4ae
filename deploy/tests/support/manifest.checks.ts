import 'reflect-metadata';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MODULE_METADATA } from '@nestjs/common/constants';
import { PATTERN_EXTRAS_METADATA, PATTERN_HANDLER_METADATA, PATTERN_METADATA } from '@nestjs/microservices/constants';
import { PatternHandler } from '@nestjs/microservices/enums/pattern-handler.enum';
import { TOPIC_CONTEXTS, topicOf } from '@ticketing/contracts';
import { deadLetterTopicOf, groupOf, KafkaTopology } from '@ticketing/messaging';
import { BUNDLE_SIGNER, ConfigError, loadConfig } from '@ticketing/platform';
import { EVENT_CONTEXTS, KAFKA_GROUP_ID_PREFIX, SERVICE_NAMES, type ServiceDefinition, type ServiceName } from '@ticketing/runtime';
import { expectedTopics, get, isRecord, knownConfigVariables, list, record, type YamlDocument } from './deploy-files';

/** A secret the manifests may reference without defining it, with its keys and an example value of each. */
export type ExternalSecret = Readonly<{ name: string; keys: Readonly<Record<string, string>> }>;

export type Manifest = Readonly<{ file: string; kind: string; name: string; body: Record<string, unknown> }>;

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * The cluster around the `ticketing` namespace, as the network policies assume it (deploy/README
 * documents each as an input to adjust): where the ingress controller, Prometheus, Strimzi's Kafka
 * and the cluster DNS run, and the deployables reachable from any namespace.
 */
export const NETWORK_INPUTS = {
  namespace: 'ticketing',
  ingressControllerNamespace: 'ingress-nginx',
  monitoringNamespace: 'monitoring',
  kafkaNamespace: 'kafka',
  dnsNamespace: 'kube-system',
  /** Ports the services reach anywhere: KurrentDB, PostgreSQL, HTTPS (the identity provider's JWKS, S3). */
  egressPorts: [2113, 5432, 443],
  publicServices: ['intake'],
} as const;

/** Consumer groups the Kafka dead-letter log joins to read the `.dlq` topics (libs/messaging kafka-dead-letter.log.ts). */
export const DEAD_LETTER_READER_GROUP_PREFIX = `${KAFKA_GROUP_ID_PREFIX}.dead-letter-reader.`;

/** Keys of the Secret Strimzi's User Operator writes for a SCRAM-SHA-512 KafkaUser (named like the user). */
const KAFKA_USER_SECRET_KEYS = ['password', 'sasl.jaas.config'];

/** What a deployable needs from the cluster, derived from its code. */
export type ServiceNeeds = Readonly<{
  name: ServiceName;
  /** Topics its relay publishes to: its own contexts'. */
  relays: readonly string[];
  /** Kafka consumer group id → the topics it reads. */
  groups: Readonly<Record<string, readonly string[]>>;
  /** Serves gRPC (a context with a `grpc` surface). */
  grpc: boolean;
  /** Provides BUNDLE_SIGNER (evidence bundles, audit exports): every replica needs the one shared key. */
  signs: boolean;
}>;

/**
 * A service's needs read from its Nest modules the way Nest and the bus read them: every
 * `@EventPattern(type, { group })` on a controller of its contexts' modules (imports followed) is a
 * handler of Kafka group `ticketing.<group>`, reading the topics of the contexts that publish those
 * types; a `BUNDLE_SIGNER` provider means it signs.
 */
export function serviceNeedsOf(service: ServiceDefinition): ServiceNeeds {
  const typesByGroup = new Map<string, Set<string>>();
  let signs = false;
  const seen = new Set<unknown>();
  const visit = (entry: unknown): void => {
    if (entry === undefined || entry === null || seen.has(entry)) return;
    seen.add(entry);
    if (isRecord(entry) && typeof entry.forwardRef === 'function') return visit((entry.forwardRef as () => unknown)());
    const dynamic = isRecord(entry) && 'module' in entry ? entry : undefined;
    const type = dynamic ? dynamic.module : entry;
    if (typeof type !== 'function') return;
    const metadata = (key: string): unknown[] => [...((Reflect.getMetadata(key, type) as unknown[] | undefined) ?? []), ...((dynamic?.[key] as unknown[] | undefined) ?? [])];
    for (const controller of metadata(MODULE_METADATA.CONTROLLERS)) {
      for (let proto = (controller as { prototype?: object }).prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object) {
        for (const key of Object.getOwnPropertyNames(proto)) {
          const handler: unknown = Object.getOwnPropertyDescriptor(proto, key)?.value;
          if (typeof handler !== 'function' || Reflect.getMetadata(PATTERN_HANDLER_METADATA, handler) !== PatternHandler.EVENT) continue;
          const group = groupOf(Reflect.getMetadata(PATTERN_EXTRAS_METADATA, handler) as Record<string, unknown> | undefined);
          const types = typesByGroup.get(group) ?? new Set<string>();
          for (const pattern of (Reflect.getMetadata(PATTERN_METADATA, handler) as unknown[] | undefined) ?? []) types.add(String(pattern));
          typesByGroup.set(group, types);
        }
      }
    }
    for (const provider of metadata(MODULE_METADATA.PROVIDERS)) if (isRecord(provider) && provider.provide === BUNDLE_SIGNER) signs = true;
    for (const imported of metadata(MODULE_METADATA.IMPORTS)) visit(imported);
  };
  for (const context of service.contexts) {
    visit(context.module);
    visit(context.consumers);
  }
  const topology = new KafkaTopology({ eventContexts: EVENT_CONTEXTS });
  const groups = Object.fromEntries(
    [...typesByGroup].sort(([a], [b]) => a.localeCompare(b)).map(([group, types]) => [`${KAFKA_GROUP_ID_PREFIX}.${group}`, topology.topicsForEventTypes(group, [...types])]),
  );
  return {
    name: service.name,
    relays: service.contexts.filter((context) => TOPIC_CONTEXTS.includes(context.name)).map((context) => topicOf(context.name)),
    groups,
    grpc: service.contexts.some((context) => context.grpc !== undefined),
    signs,
  };
}

/** One allowed operation of a KafkaUser ACL, `<type> <patternType> <name> <operation>`. */
const acl = (type: string, patternType: string, name: string, operation: string) => `${type} ${patternType} ${name} ${operation}`;

/**
 * The ACLs a deployable's Kafka user needs, and no more: its relay writes its own topic; each of its
 * consumer groups reads its topics, parks messages in (and replays from) their `.dlq` topics and
 * commits in its group; its dead-letter listings join throwaway reader groups (and delete them); and
 * it describes every ticketing topic, since the topic check (TICKETING_KAFKA_TOPICS=check) lists all
 * of them and Kafka hides a topic from a user that may not describe it.
 */
export function expectedAcls(needs: ServiceNeeds): string[] {
  const acls = new Set<string>();
  const add = (type: string, patternType: string, name: string, ...operations: string[]) => operations.forEach((operation) => acls.add(acl(type, patternType, name, operation)));
  add('topic', 'prefix', `${KAFKA_GROUP_ID_PREFIX}.`, 'Describe');
  for (const topic of needs.relays) add('topic', 'literal', topic, 'Write', 'Describe');
  for (const topic of new Set(Object.values(needs.groups).flat())) {
    add('topic', 'literal', topic, 'Read', 'Describe');
    add('topic', 'literal', deadLetterTopicOf(topic), 'Read', 'Write', 'Describe');
  }
  for (const group of Object.keys(needs.groups)) add('group', 'literal', group, 'Read');
  if (Object.keys(needs.groups).length > 0) add('group', 'prefix', DEAD_LETTER_READER_GROUP_PREFIX, 'Read', 'Delete');
  return [...acls].sort();
}

/** A KafkaUser's ACLs as `expectedAcls` writes them; a rule it cannot express (deny, a host) is a problem. */
function aclsOf(user: Manifest, problems: string[]): string[] {
  const acls = new Set<string>();
  for (const rule of list(get(user.body, 'spec', 'authorization', 'acls'), `KafkaUser ${user.name} acls`)) {
    const type = str(get(rule, 'resource', 'type')) ?? '(no type)';
    const name = str(get(rule, 'resource', 'name')) ?? '*';
    const patternType = str(get(rule, 'resource', 'patternType')) ?? 'literal';
    if ((get(rule, 'type') ?? 'allow') !== 'allow' || (get(rule, 'host') ?? '*') !== '*') {
      problems.push(`KafkaUser ${user.name}: only allow rules from any host are expected, found ${JSON.stringify(rule)}`);
    }
    if (get(rule, 'operation') !== undefined) problems.push(`KafkaUser ${user.name}: kafka.strimzi.io/v1 has no acls[].operation, only operations`);
    const operations = list(get(rule, 'operations'), `KafkaUser ${user.name} operations`);
    if (operations.length === 0) problems.push(`KafkaUser ${user.name}: an ACL rule on ${type} ${name} has no operations`);
    for (const operation of operations) acls.add(acl(type, patternType, name, String(operation)));
  }
  return [...acls].sort();
}

/** Whether a label selector (matchLabels and matchExpressions) selects these labels; `{}` selects everything. */
export function selects(selector: unknown, labels: unknown): boolean {
  if (!isRecord(selector)) return false;
  const have = isRecord(labels) ? labels : {};
  const matchLabels = isRecord(selector.matchLabels) ? selector.matchLabels : {};
  if (!Object.entries(matchLabels).every(([key, value]) => have[key] === value)) return false;
  return list(selector.matchExpressions, 'matchExpressions').every((expression) => {
    const key = String(get(expression, 'key'));
    const values = list(get(expression, 'values'), 'values').map(String);
    switch (get(expression, 'operator')) {
      case 'In':
        return key in have && values.includes(String(have[key]));
      case 'NotIn':
        return !(key in have) || !values.includes(String(have[key]));
      case 'Exists':
        return key in have;
      case 'DoesNotExist':
        return !(key in have);
      default:
        return false;
    }
  });
}

function labelsMatch(selector: unknown, labels: unknown): boolean {
  if (!isRecord(selector) || Object.keys(selector).length === 0 || !isRecord(labels)) return false;
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** The example value in a required-secrets description (after its last "e.g. "). */
export const exampleOf = (description: string): string | undefined => {
  const at = description.lastIndexOf('e.g. ');
  const example = at < 0 ? '' : description.slice(at + 'e.g. '.length).trim();
  return example.length > 0 ? example : undefined;
};

/** A pod as a network policy sees it: its namespace's labels, its own labels and its named container ports. */
export type PolicyPeer = Readonly<{ namespace: string; labels: Readonly<Record<string, string>>; ports?: ReadonlyMap<string, number> }>;

const namespaceLabels = (namespace: string) => ({ 'kubernetes.io/metadata.name': namespace });

/**
 * Whether the network policies let `from` open a connection to `to` on `port`/`protocol`, as the
 * Kubernetes NetworkPolicy semantics say: a pod selected by no policy of a direction is open in
 * that direction; a selected one allows only what some rule of a selecting policy allows, and a
 * connection needs both the sender's egress and the receiver's ingress.
 */
export function policiesAllow(policies: readonly Manifest[], from: PolicyPeer, to: PolicyPeer, port: number, protocol: 'TCP' | 'UDP' = 'TCP'): boolean {
  const side = (direction: 'Ingress' | 'Egress', local: PolicyPeer, remote: PolicyPeer): boolean => {
    const selecting = policies.filter((policy) => {
      const namespace = str(get(policy.body, 'metadata', 'namespace')) ?? NETWORK_INPUTS.namespace;
      const types = list(get(policy.body, 'spec', 'policyTypes'), 'policyTypes').map(String);
      // Without policyTypes a policy is an ingress policy, and an egress one too when it has egress rules.
      const appliesTo = types.length > 0 ? types : ['Ingress', ...(get(policy.body, 'spec', 'egress') !== undefined ? ['Egress'] : [])];
      return namespace === local.namespace && appliesTo.includes(direction) && selects(get(policy.body, 'spec', 'podSelector'), local.labels);
    });
    if (selecting.length === 0) return true;
    return selecting.some((policy) => {
      const namespace = str(get(policy.body, 'metadata', 'namespace')) ?? NETWORK_INPUTS.namespace;
      const rules = list(get(policy.body, 'spec', direction === 'Ingress' ? 'ingress' : 'egress'), 'rules');
      return rules.some((rule) => {
        const peers = list(get(rule, direction === 'Ingress' ? 'from' : 'to'), 'peers');
        const peerOk =
          peers.length === 0 ||
          peers.some((peer) => {
            if (get(peer, 'ipBlock') !== undefined) return false;
            const namespaceSelector = get(peer, 'namespaceSelector');
            const podSelector = get(peer, 'podSelector');
            const inNamespace = namespaceSelector === undefined ? remote.namespace === namespace : selects(namespaceSelector, namespaceLabels(remote.namespace));
            return inNamespace && (podSelector === undefined || selects(podSelector, remote.labels));
          });
        const ports = list(get(rule, 'ports'), 'ports');
        const portOk =
          ports.length === 0 ||
          ports.some((entry) => {
            if ((get(entry, 'protocol') ?? 'TCP') !== protocol) return false;
            const value = get(entry, 'port');
            if (value === undefined) return true;
            // A named port is the receiving pod's container port of that name.
            const number = typeof value === 'string' ? (direction === 'Ingress' ? local : remote).ports?.get(value) : Number(value);
            const end = Number(get(entry, 'endPort') ?? number);
            return number !== undefined && port >= number && port <= end;
          });
        return peerOk && portOk;
      });
    });
  };
  return side('Egress', from, to) && side('Ingress', to, from);
}

export type CheckOptions = Readonly<{
  /** What each deployable needs, from its code (serviceNeedsOf): checks the Kafka users, gRPC ports, signing key. */
  services?: readonly ServiceNeeds[];
}>;

/**
 * Checks a set of Kubernetes manifests (the base, or an overlay rendered by kustomize) for the
 * references between them and the platform's contracts. Returns every problem found, one line each.
 */
export function checkManifests(documents: readonly YamlDocument[], externalSecrets: readonly ExternalSecret[], options: CheckOptions = {}): string[] {
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
  const kafkaUsers = ofKind('KafkaUser');
  const configMaps = new Map(ofKind('ConfigMap').map((map) => [map.name, record(get(map.body, 'data') ?? {}, `ConfigMap ${map.name} data`)]));
  const secrets = new Map<string, ReadonlySet<string>>([
    ...ofKind('Secret').map((secret): [string, ReadonlySet<string>] => [
      secret.name,
      new Set([...Object.keys(record(get(secret.body, 'data') ?? {}, 'data')), ...Object.keys(record(get(secret.body, 'stringData') ?? {}, 'stringData'))]),
    ]),
    ...externalSecrets.map((secret): [string, ReadonlySet<string>] => [secret.name, new Set(Object.keys(secret.keys))]),
    // Strimzi's User Operator writes a Secret named like each SCRAM KafkaUser, beside it.
    ...kafkaUsers
      .filter((user) => get(user.body, 'spec', 'authentication', 'type') === 'scram-sha-512')
      .map((user): [string, ReadonlySet<string>] => [user.name, new Set(KAFKA_USER_SECRET_KEYS)]),
  ]);
  /** An example of a secret's value, to hand the configuration a file or a value it accepts. */
  const exampleValue = (secretName: string, key: string): string =>
    exampleOf(externalSecrets.find((secret) => secret.name === secretName)?.keys[key] ?? '') ?? (key === 'password' ? 'generated-by-the-user-operator' : 'x');
  const known = knownConfigVariables();
  const needsOf = new Map<string, ServiceNeeds>((options.services ?? []).map((needs) => [needs.name, needs]));

  const deploymentNames = deployments.map((deployment) => deployment.name).sort();
  if (JSON.stringify(deploymentNames) !== JSON.stringify([...SERVICE_NAMES].sort())) {
    problems.push(`Deployments ${deploymentNames.join(', ')} are not one per service (${SERVICE_NAMES.join(', ')})`);
  }

  const podLabels = new Map<string, unknown>();
  const containerPorts = new Map<string, { names: Map<string, number>; numbers: Set<number> }>();
  const environments = new Map<string, Record<string, string>>();
  const scratch = mkdtempSync(join(tmpdir(), 'ticketing-manifest-files-'));
  try {
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
      const ports = { names: new Map<string, number>(), numbers: new Set<number>() };
      for (const port of list(get(container, 'ports'), `${where} ports`)) {
        const number = get(port, 'containerPort');
        const portName = str(get(port, 'name'));
        if (typeof number === 'number') {
          ports.numbers.add(number);
          if (portName) ports.names.set(portName, number);
        }
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
          for (const variable of keys ?? []) setVariable(variable, exampleValue(secretName, variable), `Secret ${secretName}`);
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
          setVariable(variable, exampleValue(secretName, key), `Secret ${secretName}`);
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
      environments.set(deployment.name, env);

      // Volumes: what they mount must exist; Secrets mount read-only.
      const volumes = new Map(list(get(template, 'spec', 'volumes'), `${where} volumes`).map((volume) => [str(get(volume, 'name')) ?? '', volume]));
      for (const volume of volumes.values()) {
        const mapName = str(get(volume, 'configMap', 'name'));
        const secretName = str(get(volume, 'secret', 'secretName'));
        if (mapName !== undefined && !configMaps.has(mapName)) problems.push(`${where}: volume ConfigMap ${mapName} does not exist`);
        if (secretName !== undefined && !secrets.has(secretName)) problems.push(`${where}: volume Secret ${secretName} is unknown`);
        for (const item of list(get(volume, 'secret', 'items'), 'items')) {
          const key = String(get(item, 'key'));
          if (secretName !== undefined && secrets.has(secretName) && !secrets.get(secretName)!.has(key)) problems.push(`${where}: volume Secret ${secretName} has no key ${key}`);
        }
      }
      const mounts = list(get(container, 'volumeMounts'), `${where} volumeMounts`);
      for (const mount of mounts) {
        const volume = volumes.get(str(get(mount, 'name')) ?? '');
        if (!volume) problems.push(`${where}: mounts volume ${String(get(mount, 'name'))}, which it does not have`);
        else if (get(volume, 'secret') !== undefined && get(mount, 'readOnly') !== true) {
          problems.push(`${where}: mounts Secret ${String(get(volume, 'secret', 'secretName'))} at ${String(get(mount, 'mountPath'))} without readOnly: true`);
        }
      }
      // A *_FILE variable names a file the pod has: a key of a Secret (or ConfigMap) mounted there.
      // Its example goes into a scratch file so the configuration can read it as the pod would.
      const configEnv = { ...env };
      for (const [variable, path] of Object.entries(env)) {
        if (!variable.endsWith('_FILE')) continue;
        const mount = mounts.find((candidate) => path.startsWith(`${String(get(candidate, 'mountPath')).replace(/\/$/, '')}/`));
        const volume = mount && volumes.get(str(get(mount, 'name')) ?? '');
        const relativePath = mount ? path.slice(String(get(mount, 'mountPath')).replace(/\/$/, '').length + 1) : '';
        const secretName = str(get(volume, 'secret', 'secretName'));
        const mapName = str(get(volume, 'configMap', 'name'));
        const items = list(get(volume, secretName !== undefined ? 'secret' : 'configMap', 'items'), 'items');
        const key = items.length > 0 ? str(get(items.find((item) => get(item, 'path') === relativePath), 'key')) : relativePath;
        let content: string | undefined;
        if (secretName !== undefined && key !== undefined && secrets.get(secretName)?.has(key)) content = exampleValue(secretName, key);
        else if (mapName !== undefined && key !== undefined && key in (configMaps.get(mapName) ?? {})) content = String(configMaps.get(mapName)![key]);
        if (content === undefined) {
          problems.push(`${where}: ${variable} ${path} is not a key of a Secret or ConfigMap mounted in the container`);
          continue;
        }
        const file = join(scratch, deployment.name, variable, relativePath);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, `${content}\n`);
        configEnv[variable] = file;
      }
      try {
        // The production shape: nothing may fall back to the embedded default of a missing variable.
        const config = loadConfig(configEnv);
        if (config.eventStore.kind !== 'kurrentdb') problems.push(`${where}: TICKETING_EVENT_STORE must be KurrentDB, is ${config.eventStore.kind}`);
        if (config.readStore.kind !== 'postgres') problems.push(`${where}: TICKETING_READ_STORE must be PostgreSQL, is ${config.readStore.kind}`);
        if (config.keyStore.kind !== 'postgres') problems.push(`${where}: TICKETING_KEY_STORE must be PostgreSQL, is ${config.keyStore.kind}`);
        if (config.bus.kind !== 'kafka') problems.push(`${where}: TICKETING_BUS must be Kafka, is ${config.bus.kind}`);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        problems.push(`${where}: its environment is not a valid configuration: ${error.message}`);
      }

      // What its code needs: a gRPC port where it serves gRPC, the shared signing key where it signs.
      const needs = needsOf.get(deployment.name);
      if (needs) {
        const httpPort = Number(env['TICKETING_HTTP_PORT'] ?? 3000);
        const grpcPort = Number(env['TICKETING_GRPC_PORT'] ?? 50051);
        if (ports.names.get('http') !== httpPort) problems.push(`${where}: container port http must be TICKETING_HTTP_PORT ${httpPort}`);
        if (needs.grpc && ports.names.get('grpc') !== grpcPort) problems.push(`${where}: serves gRPC, so container port grpc must be TICKETING_GRPC_PORT ${grpcPort}`);
        if (!needs.grpc && ports.names.has('grpc')) problems.push(`${where}: declares a grpc port but serves no gRPC`);
        if (needs.signs && env['TICKETING_SIGNING_KEY_FILE'] === undefined) {
          problems.push(`${where}: signs (BUNDLE_SIGNER) but has no TICKETING_SIGNING_KEY_FILE: each replica would sign with a key of its own`);
        }
        if (!needs.signs && env['TICKETING_SIGNING_KEY_FILE'] !== undefined) problems.push(`${where}: mounts the signing key but never signs`);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  const selected = (selector: unknown) => deployments.filter((deployment) => labelsMatch(selector, podLabels.get(deployment.name)));
  const servicePorts = new Map<string, Set<string>>();
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
      const exposed = servicePorts.get(targets[0].name) ?? new Set<string>();
      exposed.add(String(target));
      servicePorts.set(targets[0].name, exposed);
    }
  }
  for (const needs of options.services ?? []) {
    if (needs.grpc && !servicePorts.get(needs.name)?.has('grpc')) problems.push(`Deployment ${needs.name}: serves gRPC, but no Service exposes its grpc port`);
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
  const clusters = new Set([...topics, ...kafkaUsers].map((resource) => str(get(resource.body, 'metadata', 'labels', 'strimzi.io/cluster'))));
  for (const topic of topics) {
    const where = `KafkaTopic ${topic.name}`;
    if (get(topic.body, 'apiVersion') !== 'kafka.strimzi.io/v1') problems.push(`${where}: apiVersion must be kafka.strimzi.io/v1 (Strimzi 0.49+; 1.0 serves only v1)`);
    if (get(topic.body, 'spec', 'replicas') !== 3) problems.push(`${where}: replicas must be 3`);
    if (get(topic.body, 'spec', 'config', 'min.insync.replicas') !== 2) problems.push(`${where}: min.insync.replicas must be 2`);
    if (get(topic.body, 'spec', 'config', 'unclean.leader.election.enable') !== false) {
      problems.push(`${where}: unclean leader election would lose acknowledged events`);
    }
    const count = get(topic.body, 'spec', 'partitions');
    if (typeof count !== 'number' || count < 1) problems.push(`${where}: partitions must be a positive number`);
  }
  if (topics.length > 0 && clusters.size !== 1) problems.push(`KafkaTopics and KafkaUsers name ${clusters.size} strimzi.io/cluster labels, expected one`);
  const cluster = [...clusters][0];

  // One Kafka user per deployable, with exactly the ACLs its code needs, and the deployable logs in as it.
  const busConfigs = [...configMaps].filter(([, data]) => str(data['TICKETING_BUS']) !== undefined);
  if (topics.length > 0 || kafkaUsers.length > 0) {
    const userNames = kafkaUsers.map((user) => user.name).sort();
    const wanted = deployments.map((deployment) => `ticketing-${deployment.name}`).sort();
    if (JSON.stringify(userNames) !== JSON.stringify(wanted)) problems.push(`KafkaUsers ${userNames.join(', ')} are not one per deployable (${wanted.join(', ')})`);
  }
  for (const user of kafkaUsers) {
    const where = `KafkaUser ${user.name}`;
    if (get(user.body, 'apiVersion') !== 'kafka.strimzi.io/v1') problems.push(`${where}: apiVersion must be kafka.strimzi.io/v1`);
    if (get(user.body, 'spec', 'authentication', 'type') !== 'scram-sha-512') problems.push(`${where}: authentication.type must be scram-sha-512`);
    if (get(user.body, 'spec', 'authorization', 'type') !== 'simple') problems.push(`${where}: authorization.type must be simple (ACLs)`);
    const actual = aclsOf(user, problems);
    const deployment = user.name.replace(/^ticketing-/, '');
    const env = environments.get(deployment);
    if (env && env['TICKETING_KAFKA_SASL_USERNAME'] !== user.name) {
      problems.push(`Deployment ${deployment}: TICKETING_KAFKA_SASL_USERNAME is ${JSON.stringify(env['TICKETING_KAFKA_SASL_USERNAME'])}, not its KafkaUser ${user.name}`);
    }
    const mechanism = env?.['TICKETING_KAFKA_SASL_MECHANISM'];
    if (env && mechanism !== get(user.body, 'spec', 'authentication', 'type')) problems.push(`Deployment ${deployment}: TICKETING_KAFKA_SASL_MECHANISM ${String(mechanism)} is not ${where}'s authentication`);
    const passwordVolume = deployments.find((d) => d.name === deployment) && passwordSecretOf(deployments.find((d) => d.name === deployment)!, env?.['TICKETING_KAFKA_SASL_PASSWORD_FILE']);
    if (env && passwordVolume !== user.name) problems.push(`Deployment ${deployment}: TICKETING_KAFKA_SASL_PASSWORD_FILE must be key password of Secret ${user.name} (its KafkaUser's), is from ${String(passwordVolume)}`);
    // Whatever else it may do, no user writes another context's topic.
    const needs = needsOf.get(deployment);
    for (const topic of events) {
      if (needs?.relays.includes(topic)) continue;
      const writes = actual.filter((entry) => {
        const [type, patternType, name, operation] = entry.split(' ');
        const covers = patternType === 'prefix' ? topic.startsWith(name) : name === topic || name === '*';
        return type === 'topic' && covers && (operation === 'Write' || operation === 'All');
      });
      if (writes.length > 0) problems.push(`${where}: may write ${topic}, another context's topic (${writes.join('; ')})`);
    }
    if (needs) {
      const expected = expectedAcls(needs);
      const missing = expected.filter((entry) => !actual.includes(entry));
      const extra = actual.filter((entry) => !expected.includes(entry));
      if (missing.length > 0) problems.push(`${where}: lacks ${missing.join('; ')}`);
      if (extra.length > 0) problems.push(`${where}: allows more than ${deployment} needs: ${extra.join('; ')}`);
    }
  }

  // The services check the topics Strimzi creates (TICKETING_KAFKA_TOPICS=check) with the same
  // partitions and replicas the ConfigMap says, so a service and the operator never disagree.
  const TOPIC_VARIABLES = ['TICKETING_KAFKA_TOPICS', 'TICKETING_KAFKA_TOPIC_PARTITIONS', 'TICKETING_KAFKA_DLQ_PARTITIONS', 'TICKETING_KAFKA_REPLICATION_FACTOR'];
  for (const [mapName, data] of busConfigs) {
    if (topics.length === 0) continue;
    let kafkaTopics;
    try {
      ({ kafkaTopics } = loadConfig(Object.fromEntries(Object.entries(data).filter(([key]) => TOPIC_VARIABLES.includes(key)).map(([key, value]) => [key, String(value)]))));
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
  const busPorts = new Set<number>();
  for (const [mapName, data] of busConfigs) {
    const bus = String(data['TICKETING_BUS']);
    if (!bus.startsWith('kafkas://')) problems.push(`ConfigMap ${mapName}: TICKETING_BUS must be kafkas://… (TLS): the SCRAM exchange and the events cross the network`);
    const brokers = bus.replace(/^kafkas?:\/\//, '').split(',');
    for (const broker of brokers) busPorts.add(Number(/:(\d+)$/.exec(broker)?.[1]));
    if (cluster === undefined) continue;
    const hosts = brokers.map((broker) => broker.replace(/:\d+$/, ''));
    if (!hosts.every((host) => host.startsWith(`${cluster}-kafka-bootstrap`))) {
      problems.push(`ConfigMap ${mapName}: TICKETING_BUS ${bus} is not the bootstrap Service of the topics' cluster ${cluster}`);
    }
  }

  problems.push(...checkNetworkPolicies(ofKind('NetworkPolicy'), deployments, podLabels, containerPorts, needsOf, { cluster, busPorts: [...busPorts] }));
  return problems;
}

/** The Secret the password file of a Deployment's container is mounted from (key `password`), if it is. */
function passwordSecretOf(deployment: Manifest, path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  const template = get(deployment.body, 'spec', 'template');
  const container = list(get(template, 'spec', 'containers'), 'containers')[0];
  const mount = list(get(container, 'volumeMounts'), 'volumeMounts').find((candidate) => path.startsWith(`${String(get(candidate, 'mountPath')).replace(/\/$/, '')}/`));
  const volume = list(get(template, 'spec', 'volumes'), 'volumes').find((candidate) => get(candidate, 'name') === get(mount, 'name'));
  const relativePath = path.slice(String(get(mount, 'mountPath')).replace(/\/$/, '').length + 1);
  const items = list(get(volume, 'secret', 'items'), 'items');
  const key = items.length > 0 ? get(items.find((item) => get(item, 'path') === relativePath), 'key') : relativePath;
  return key === 'password' ? str(get(volume, 'secret', 'secretName')) : undefined;
}

/**
 * The network policies: each well-formed and selecting pods that exist; a default deny; and the
 * connections the deployables need, and only those, allowed (NETWORK_INPUTS says where the rest of
 * the cluster is).
 */
function checkNetworkPolicies(
  policies: readonly Manifest[],
  deployments: readonly Manifest[],
  podLabels: ReadonlyMap<string, unknown>,
  containerPorts: ReadonlyMap<string, { names: ReadonlyMap<string, number> }>,
  needsOf: ReadonlyMap<string, ServiceNeeds>,
  kafka: Readonly<{ cluster: string | undefined; busPorts: readonly number[] }>,
): string[] {
  const problems: string[] = [];
  if (policies.length === 0 && deployments.length > 0) return ['no NetworkPolicy: every pod may reach and be reached by anything'];
  const pods = deployments.map(
    (deployment): PolicyPeer & { name: string } => ({
      name: deployment.name,
      namespace: NETWORK_INPUTS.namespace,
      labels: (isRecord(podLabels.get(deployment.name)) ? podLabels.get(deployment.name) : {}) as Record<string, string>,
      ports: containerPorts.get(deployment.name)?.names ?? new Map(),
    }),
  );
  for (const policy of policies) {
    const where = `NetworkPolicy ${policy.name}`;
    if (get(policy.body, 'apiVersion') !== 'networking.k8s.io/v1') problems.push(`${where}: apiVersion must be networking.k8s.io/v1`);
    const podSelector = get(policy.body, 'spec', 'podSelector');
    const chosen = pods.filter((pod) => selects(podSelector, pod.labels));
    if (!isRecord(podSelector) || chosen.length === 0) problems.push(`${where}: its podSelector selects no pod of the Deployments`);
    const types = list(get(policy.body, 'spec', 'policyTypes'), 'policyTypes').map(String);
    if (types.length === 0 || types.some((type) => type !== 'Ingress' && type !== 'Egress')) problems.push(`${where}: policyTypes must say Ingress and/or Egress`);
    for (const [direction, key] of [
      ['ingress', 'from'],
      ['egress', 'to'],
    ] as const) {
      for (const rule of list(get(policy.body, 'spec', direction), direction)) {
        for (const entry of list(get(rule, 'ports'), 'ports')) {
          const port = get(entry, 'port');
          if (typeof port !== 'string') continue;
          if (direction === 'egress') problems.push(`${where}: egress port ${port} is named: name the number, the receiving pods are not ours`);
          else for (const pod of chosen) if (!pod.ports?.has(port)) problems.push(`${where}: allows port ${port}, which pod ${pod.name} does not declare`);
        }
        if (!Array.isArray(get(rule, key)) && get(rule, key) !== undefined) problems.push(`${where}: ${direction}.${key} must be a list`);
      }
    }
  }
  const defaultDeny = policies.some((policy) => {
    const types = list(get(policy.body, 'spec', 'policyTypes'), 'policyTypes');
    return (
      isRecord(get(policy.body, 'spec', 'podSelector')) &&
      Object.keys(record(get(policy.body, 'spec', 'podSelector'), 'podSelector')).length === 0 &&
      types.includes('Ingress') &&
      types.includes('Egress') &&
      list(get(policy.body, 'spec', 'ingress'), 'ingress').length === 0 &&
      list(get(policy.body, 'spec', 'egress'), 'egress').length === 0
    );
  });
  if (!defaultDeny) problems.push('NetworkPolicy: none denies all ingress and egress to every pod of the namespace by default');

  const elsewhere = (namespace: string, labels: Record<string, string> = {}): PolicyPeer => ({ namespace, labels });
  const allow = (from: PolicyPeer, to: PolicyPeer, port: number, protocol: 'TCP' | 'UDP' = 'TCP') => policiesAllow(policies, from, to, port, protocol);
  const describe = (peer: PolicyPeer) => ('name' in peer ? `pod ${String((peer as { name: string }).name)}` : `namespace ${peer.namespace}`);
  const want = (wanted: boolean, from: PolicyPeer, to: PolicyPeer, port: number, protocol: 'TCP' | 'UDP' = 'TCP') => {
    if (allow(from, to, port, protocol) !== wanted) problems.push(`NetworkPolicies: ${describe(from)} → ${describe(to)} ${port}/${protocol} must be ${wanted ? 'allowed' : 'denied'}`);
  };
  const stranger = elsewhere('some-other-namespace');
  for (const pod of pods) {
    const http = pod.ports?.get('http');
    const grpc = pod.ports?.get('grpc');
    const isPublic = (NETWORK_INPUTS.publicServices as readonly string[]).includes(pod.name);
    if (http !== undefined) {
      want(true, elsewhere(NETWORK_INPUTS.monitoringNamespace), pod, http);
      want(true, elsewhere(NETWORK_INPUTS.ingressControllerNamespace), pod, http);
      want(isPublic, stranger, pod, http);
    }
    if (grpc !== undefined) {
      want(true, elsewhere(NETWORK_INPUTS.ingressControllerNamespace), pod, grpc);
      want(isPublic, stranger, pod, grpc);
    }
    if (needsOf.get(pod.name)?.grpc && grpc === undefined) problems.push(`NetworkPolicies: pod ${pod.name} serves gRPC on no named port`);
    want(false, elsewhere(NETWORK_INPUTS.monitoringNamespace), pod, 9999);
    // Out: DNS, the Kafka brokers (only there), the stores and HTTPS anywhere; nothing else.
    const dns = elsewhere(NETWORK_INPUTS.dnsNamespace, { 'k8s-app': 'kube-dns' });
    want(true, pod, dns, 53, 'UDP');
    want(true, pod, dns, 53, 'TCP');
    const broker = elsewhere(NETWORK_INPUTS.kafkaNamespace, kafka.cluster ? { 'strimzi.io/cluster': kafka.cluster } : {});
    for (const port of kafka.busPorts) {
      want(true, pod, broker, port);
      want(false, pod, stranger, port);
    }
    for (const port of NETWORK_INPUTS.egressPorts) want(true, pod, elsewhere('databases'), port);
    want(false, pod, stranger, 8080);
    if (!kafka.busPorts.includes(9092)) want(false, pod, broker, 9092);
  }
  return problems;
}

/** The kinds a rendered manifest set may contain that are namespaced (everything here but Namespace). */
export const isNamespaced = (kind: string): boolean => kind !== 'Namespace';
