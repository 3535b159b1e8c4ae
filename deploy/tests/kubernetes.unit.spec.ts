import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { TOPIC_CONTEXTS, topicOf } from '@ticketing/contracts';
import { deadLetterTopicOf } from '@ticketing/messaging';
import { SERVICE_NAMES, type ServiceDefinition } from '@ticketing/runtime';
import { AUDIT_SERVICE } from '../../apps/audit/src/audit.service';
import { DISPUTES_SERVICE } from '../../apps/disputes/src/disputes.service';
import { INTAKE_SERVICE } from '../../apps/intake/src/intake.service';
import { KB_SERVICE } from '../../apps/kb/src/kb.service';
import { ROUTING_SERVICE } from '../../apps/routing/src/routing.service';
import { SLA_SERVICE } from '../../apps/sla/src/sla.service';
import {
  DEPLOY_DIR,
  exists,
  filesUnder,
  get,
  KUBERNETES_DIR,
  list,
  readYaml,
  readYamlDocuments,
  record,
  REPO_ROOT,
  type YamlDocument,
} from './support/deploy-files';
import {
  checkManifests,
  exampleOf,
  expectedAcls,
  isNamespaced,
  NETWORK_INPUTS,
  serviceNeedsOf,
  type ExternalSecret,
} from './support/manifest.checks';

const BASE = join(KUBERNETES_DIR, 'base');
const PRODUCTION = join(KUBERNETES_DIR, 'overlays/production');
const REQUIRED_SECRETS = join(KUBERNETES_DIR, 'required-secrets.yaml');
const README = readFileSync(join(DEPLOY_DIR, 'README.md'), 'utf8');

const SERVICES: readonly ServiceDefinition[] = [INTAKE_SERVICE, ROUTING_SERVICE, SLA_SERVICE, DISPUTES_SERVICE, AUDIT_SERVICE, KB_SERVICE];
/** What each deployable needs (Kafka groups and topics, gRPC, signing), read from its code. */
const NEEDS = SERVICES.map(serviceNeedsOf);

type Generator = { name: string; behavior: string; envs: string[]; literals: string[] };
type Kustomization = { resources: string[]; patches: string[]; generators: Generator[] };

function readKustomization(dir: string): Kustomization {
  const body = record(readYaml(join(dir, 'kustomization.yaml')), `${dir}/kustomization.yaml`);
  return {
    resources: list(body.resources, 'resources').map(String),
    patches: list(body.patches, 'patches').map((patch) => String(record(patch, 'patch').path)),
    generators: list(body.configMapGenerator, 'configMapGenerator').map((entry: Breakable) => {
      const generator = record(entry, 'configMapGenerator entry');
      if (generator.files !== undefined) throw new Error(`${dir}: configMapGenerator files: are not read by these tests; use envs or literals`);
      return {
        name: String(generator.name),
        behavior: String(generator.behavior ?? 'create'),
        envs: list(generator.envs, 'envs').map(String),
        literals: list(generator.literals, 'literals').map(String),
      };
    }),
  };
}

/** KEY=value lines as kustomize reads an env file: comments and blank lines skipped, the value verbatim. */
function readEnvFile(file: string): Record<string, string> {
  const data: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const at = line.indexOf('=');
    if (at < 1) throw new Error(`${relative(REPO_ROOT, file)}: not KEY=value: ${line}`);
    const key = line.slice(0, at);
    if (key in data) throw new Error(`${relative(REPO_ROOT, file)}: ${key} twice`);
    data[key] = line.slice(at + 1);
  }
  return data;
}

/**
 * The documents a kustomization directory brings in through `resources` and `configMapGenerator`,
 * recursively (patches not applied; generated ConfigMaps keep their plain name, a `merge` merges).
 */
function resourcesOf(dir: string): YamlDocument[] {
  const { resources, generators } = readKustomization(dir);
  const documents = resources.flatMap((resource) => {
    const path = join(dir, resource);
    return exists(join(path, 'kustomization.yaml')) ? resourcesOf(path) : readYamlDocuments(path);
  });
  for (const generator of generators) {
    const data = Object.assign(
      {},
      ...generator.envs.map((file) => readEnvFile(join(dir, file))),
      ...generator.literals.map((literal) => ({ [literal.split('=')[0]]: literal.slice(literal.indexOf('=') + 1) })),
    ) as Record<string, string>;
    const index = documents.findIndex(({ value }) => get(value, 'kind') === 'ConfigMap' && get(value, 'metadata', 'name') === generator.name);
    if (generator.behavior === 'merge') {
      if (index < 0) throw new Error(`${relative(REPO_ROOT, dir)}: merges into ConfigMap ${generator.name}, which no resource generates`);
      const merged = structuredClone(documents[index].value) as { data: Record<string, string> };
      merged.data = { ...merged.data, ...data };
      documents[index] = { ...documents[index], value: merged };
    } else {
      documents.push({ file: relative(REPO_ROOT, join(dir, 'kustomization.yaml')), index: documents.length, value: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: generator.name }, data } });
    }
  }
  return documents;
}

function readExternalSecrets(): ExternalSecret[] {
  return list(record(readYaml(REQUIRED_SECRETS), 'required-secrets.yaml').secrets, 'secrets').map((entry: Breakable) => {
    const secret = record(entry, 'secret');
    return { name: String(secret.name), keys: record(secret.keys, `${String(secret.name)} keys`) as Record<string, string> };
  });
}

const ofKind = (documents: readonly YamlDocument[], kind: string) => documents.filter(({ value }) => get(value, 'kind') === kind).map(({ value }) => record(value, kind));
const byName = (documents: readonly YamlDocument[], kind: string, name: string) => ofKind(documents, kind).find((value) => get(value, 'metadata', 'name') === name);

/** A parsed document to break on purpose (JSON.parse's type: anything goes). */
type Breakable = ReturnType<typeof JSON.parse>;

/** A copy of the base with one document changed, for the checks that must fail. */
function mutated(change: (value: Breakable) => void): YamlDocument[] {
  return resourcesOf(BASE).map((doc) => {
    const value = structuredClone(doc.value);
    change(value);
    return { ...doc, value };
  });
}

const kubectlAvailable = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
if (!kubectlAvailable) process.stderr.write('\nSKIPPED: deploy/kubernetes rendered by kustomize: no `kubectl` on this machine\n');

describe('what the deployables need, read from their code', () => {
  it('covers every service, relays its own topic, and finds the consumer groups the bus will run', () => {
    expect(NEEDS.map((needs) => needs.name).sort()).toEqual([...SERVICE_NAMES].sort());
    for (const needs of NEEDS) expect(needs.relays).toEqual(TOPIC_CONTEXTS.includes(needs.name) ? [topicOf(needs.name)] : []);
    const routing = NEEDS.find((needs) => needs.name === 'routing')!;
    expect(Object.keys(routing.groups)).toEqual(['ticketing.routing', 'ticketing.routing-dispatch']);
    expect(routing.groups['ticketing.routing']).toEqual(expect.arrayContaining([topicOf('intake'), topicOf('disputes')]));
    expect(NEEDS.find((needs) => needs.name === 'audit')!.groups).toEqual({});
    expect(NEEDS.filter((needs) => needs.signs).map((needs) => needs.name).sort()).toEqual(['audit', 'disputes']);
  });

  it('deploy/README lists, for each deployable, exactly the consumer groups its code runs', () => {
    for (const needs of NEEDS) {
      const row = README.split('\n').find((line) => line.startsWith(`| \`${needs.name}\``));
      expect(row).toBeDefined();
      const consumes = row!.split(' | ')[3];
      const groups = [...new Set([...consumes.matchAll(/`(ticketing\.[a-z-]+)`/g)].map(([, name]) => name).filter((name) => !name.endsWith('.events')))].sort();
      expect({ service: needs.name, groups }).toEqual({ service: needs.name, groups: Object.keys(needs.groups).sort() });
    }
  });
});

describe('deploy/kubernetes', () => {
  const yamlFiles = filesUnder(KUBERNETES_DIR, ['.yaml', '.yml']);

  it('parses every file: valid YAML, no duplicate keys; every env file is KEY=value', () => {
    expect(yamlFiles.length).toBeGreaterThan(5);
    for (const file of yamlFiles) expect(() => readYamlDocuments(file)).not.toThrow();
    for (const file of filesUnder(KUBERNETES_DIR, ['.env'])) expect(() => readEnvFile(file)).not.toThrow();
  });

  it('lists every manifest and env file in its directory’s kustomization, and every listed file exists', () => {
    const unlisted: string[] = [];
    const missing: string[] = [];
    const files = [...yamlFiles, ...filesUnder(KUBERNETES_DIR, ['.env'])].filter((file) => file !== REQUIRED_SECRETS);
    for (const dir of new Set(files.map((file) => dirname(file)))) {
      if (!exists(join(dir, 'kustomization.yaml'))) {
        unlisted.push(`${relative(REPO_ROOT, dir)} has manifests but no kustomization.yaml`);
        continue;
      }
      const { resources, patches, generators } = readKustomization(dir);
      const listed = new Set([...resources, ...patches, ...generators.flatMap((generator) => generator.envs)].map((path) => join(dir, path)));
      for (const path of listed) if (!exists(path)) missing.push(relative(REPO_ROOT, path));
      for (const file of files.filter((f) => dirname(f) === dir && !f.endsWith('kustomization.yaml'))) {
        if (!listed.has(file)) unlisted.push(relative(REPO_ROOT, file));
      }
    }
    expect({ unlisted, missing }).toEqual({ unlisted: [], missing: [] });
  });

  it('keeps secret values out: no Secret manifest, and every required secret documents an example of each key', () => {
    const kinds = yamlFiles
      .filter((file) => file !== REQUIRED_SECRETS)
      .flatMap(readYamlDocuments)
      .map(({ value }) => get(value, 'kind'));
    expect(kinds).not.toContain('Secret');
    const secrets = readExternalSecrets();
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of secrets) for (const description of Object.values(secret.keys)) expect(exampleOf(description)).toBeDefined();
  });

  it('generates the ConfigMap (configMapGenerator): no hand-written ticketing-config to go stale', () => {
    const written = yamlFiles.flatMap(readYamlDocuments).filter(({ value }) => get(value, 'kind') === 'ConfigMap');
    expect(written).toEqual([]);
    expect(readKustomization(BASE).generators.map((generator) => generator.name)).toEqual(['ticketing-config']);
    expect(readKustomization(PRODUCTION).generators).toEqual([expect.objectContaining({ name: 'ticketing-config', behavior: 'merge' })]);
  });

  it('base: deployments, services, budgets, autoscalers, config, secrets, topics, users and network policies reference each other consistently', () => {
    expect(checkManifests(resourcesOf(BASE), readExternalSecrets(), { services: NEEDS })).toEqual([]);
  });

  it('the production overlay as the tests assemble it passes the same checks', () => {
    const documents = resourcesOf(PRODUCTION);
    expect(byName(documents, 'ConfigMap', 'ticketing-config')?.data).toEqual(expect.objectContaining({ TICKETING_PROTECT_OPS_ROUTES: 'true', TICKETING_BUS: expect.stringMatching(/^kafkas:\/\//) }));
    expect(checkManifests(documents, readExternalSecrets(), { services: NEEDS })).toEqual([]);
  });

  it('production overlay: every patch targets a resource of the base', () => {
    const idOf = ({ value }: YamlDocument) => `${String(get(value, 'kind'))}/${String(get(value, 'metadata', 'name'))}`;
    const base = resourcesOf(BASE).map(idOf);
    const targets = readKustomization(PRODUCTION).patches.flatMap((patch) => readYamlDocuments(join(PRODUCTION, patch)).map(idOf));
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.filter((target) => !base.includes(target))).toEqual([]);
  });

  it('Kafka users: one per deployable, each writing its own topic and no other context’s, reading exactly what its groups consume', () => {
    const documents = resourcesOf(BASE);
    for (const needs of NEEDS) {
      const user = byName(documents, 'KafkaUser', `ticketing-${needs.name}`);
      expect(user).toBeDefined();
      const rules = list(get(user, 'spec', 'authorization', 'acls'), 'acls');
      const allowed = (operation: string, topic: string) =>
        rules.some((rule: Breakable) => {
          const name = String(get(rule, 'resource', 'name'));
          const covers = get(rule, 'resource', 'patternType') === 'prefix' ? topic.startsWith(name) : name === topic;
          return get(rule, 'resource', 'type') === 'topic' && covers && list(get(rule, 'operations'), 'operations').includes(operation);
        });
      const consumed = new Set(Object.values(needs.groups).flat());
      for (const context of TOPIC_CONTEXTS) {
        const topic = topicOf(context);
        expect({ user: needs.name, topic, write: allowed('Write', topic) }).toEqual({ user: needs.name, topic, write: context === needs.name });
        expect({ user: needs.name, topic, read: allowed('Read', topic) }).toEqual({ user: needs.name, topic, read: consumed.has(topic) });
        expect({ user: needs.name, topic, describe: allowed('Describe', topic) }).toEqual({ user: needs.name, topic, describe: true });
        const dlq = deadLetterTopicOf(topic);
        expect({ user: needs.name, dlq, write: allowed('Write', dlq), read: allowed('Read', dlq) }).toEqual({ user: needs.name, dlq, write: consumed.has(topic), read: consumed.has(topic) });
      }
    }
    // audit relays access records and erasures to its own topic and consumes nothing.
    expect(expectedAcls(NEEDS.find((needs) => needs.name === 'audit')!)).toEqual(['topic literal ticketing.audit.events Describe', 'topic literal ticketing.audit.events Write', 'topic prefix ticketing. Describe']);
  });

  it('the checks catch a broken reference (they can fail)', () => {
    const documents = mutated((value) => {
      if (value.kind === 'Service' && value.metadata.name === 'routing') value.spec.selector = { 'app.kubernetes.io/name': 'router' };
      if (value.kind === 'HorizontalPodAutoscaler' && value.metadata.name === 'sla') value.spec.scaleTargetRef.name = 'slas';
      if (value.kind === 'Deployment' && value.metadata.name === 'audit') {
        const container = value.spec.template.spec.containers[0];
        container.readinessProbe.httpGet.path = '/health/live';
        container.env.push({ name: 'TICKETING_BUSS', value: 'embedded' });
        container.env.find((entry: Breakable) => entry.name === 'TICKETING_EVENT_STORE').valueFrom.secretKeyRef.name = 'ticketing-connection';
        container.env = container.env.filter((entry: Breakable) => entry.name !== 'TICKETING_SIGNING_KEY_FILE');
      }
      if (value.kind === 'KafkaTopic' && value.spec.topicName === 'ticketing.sla.events') value.spec.config['min.insync.replicas'] = 1;
      if (value.kind === 'KafkaTopic' && value.spec.topicName === 'ticketing.routing.events') value.spec.partitions = 6;
      if (value.kind === 'KafkaTopic' && value.spec.topicName === 'ticketing.intake.events.dlq') value.spec.partitions = 12;
      if (value.kind === 'KafkaTopic' && value.spec.topicName === 'ticketing.kb.events') value.apiVersion = 'kafka.strimzi.io/v1beta2';
      if (value.kind === 'ConfigMap' && value.metadata.name === 'ticketing-config') value.data.TICKETING_KAFKA_TOPICS = 'create';
      if (value.kind === 'Deployment' && value.metadata.name === 'kb') {
        value.spec.template.spec.containers[0].env = value.spec.template.spec.containers[0].env.filter((entry: Breakable) => entry.name !== 'TICKETING_KEY_STORE');
      }
    });
    const problems = checkManifests(documents, readExternalSecrets(), { services: NEEDS });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('Service routing: selects 0 Deployments'),
        expect.stringContaining('HorizontalPodAutoscaler sla: scales'),
        expect.stringContaining('Deployment audit: readinessProbe must GET /health/ready'),
        expect.stringContaining('Deployment audit: TICKETING_BUSS (value) is not a variable the platform reads'),
        expect.stringContaining('Deployment audit: TICKETING_EVENT_STORE reads Secret ticketing-connection'),
        expect.stringContaining('Deployment audit: signs (BUNDLE_SIGNER) but has no TICKETING_SIGNING_KEY_FILE'),
        expect.stringContaining('KafkaTopic ticketing.sla.events: min.insync.replicas must be 2'),
        expect.stringContaining('KafkaTopic ticketing.kb.events: apiVersion must be kafka.strimzi.io/v1'),
        "KafkaTopic ticketing.routing.events: partitions differ from ConfigMap ticketing-config's TICKETING_KAFKA_TOPIC_PARTITIONS 12",
        "KafkaTopic ticketing.intake.events.dlq: partitions differ from ConfigMap ticketing-config's TICKETING_KAFKA_DLQ_PARTITIONS 3",
        'ConfigMap ticketing-config: TICKETING_KAFKA_TOPICS must be check: the Strimzi Topic Operator owns the topics',
        'Deployment kb: TICKETING_KEY_STORE must be PostgreSQL, is sqlite',
      ]),
    );
  });

  it('the checks catch a Kafka user that may do too much or too little, or a service logged in as another', () => {
    const documents = mutated((value) => {
      if (value.kind === 'KafkaUser' && value.metadata.name === 'ticketing-sla') {
        value.spec.authorization.acls.push({ resource: { type: 'topic', name: 'ticketing.intake', patternType: 'prefix' }, operations: ['Write'] });
      }
      if (value.kind === 'KafkaUser' && value.metadata.name === 'ticketing-routing') {
        value.spec.authorization.acls = value.spec.authorization.acls.filter((rule: Breakable) => rule.resource.name !== 'ticketing.routing-dispatch');
      }
      if (value.kind === 'KafkaUser' && value.metadata.name === 'ticketing-kb') value.apiVersion = 'kafka.strimzi.io/v1beta2';
      if (value.kind === 'Deployment' && value.metadata.name === 'disputes') {
        value.spec.template.spec.containers[0].env.find((entry: Breakable) => entry.name === 'TICKETING_KAFKA_SASL_USERNAME').value = 'ticketing-audit';
      }
      if (value.kind === 'Deployment' && value.metadata.name === 'intake') {
        value.spec.template.spec.volumes.find((volume: Breakable) => volume.name === 'kafka-user').secret.secretName = 'ticketing-routing';
        value.spec.template.spec.containers[0].volumeMounts.find((mount: Breakable) => mount.name === 'kafka-ca').readOnly = false;
      }
      if (value.kind === 'ConfigMap') value.data.TICKETING_BUS = value.data.TICKETING_BUS.replace('kafkas://', 'kafka://');
    });
    const problems = checkManifests(documents, readExternalSecrets(), { services: NEEDS });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining("KafkaUser ticketing-sla: may write ticketing.intake.events, another context's topic"),
        expect.stringContaining('KafkaUser ticketing-sla: allows more than sla needs: topic prefix ticketing.intake Write'),
        expect.stringContaining('KafkaUser ticketing-routing: lacks group literal ticketing.routing-dispatch Read'),
        expect.stringContaining('KafkaUser ticketing-kb: apiVersion must be kafka.strimzi.io/v1'),
        expect.stringContaining('Deployment disputes: TICKETING_KAFKA_SASL_USERNAME is "ticketing-audit", not its KafkaUser ticketing-disputes'),
        expect.stringContaining('Deployment intake: TICKETING_KAFKA_SASL_PASSWORD_FILE must be key password of Secret ticketing-intake'),
        expect.stringContaining('Deployment intake: mounts Secret ticketing-kafka-cluster-ca-cert at /etc/ticketing/kafka-ca without readOnly: true'),
        expect.stringContaining('ConfigMap ticketing-config: TICKETING_BUS must be kafkas://'),
      ]),
    );
  });

  it('the checks catch a file the configuration reads that the pod would not have, and a value it refuses', () => {
    const documents = mutated((value) => {
      if (value.kind === 'ConfigMap') {
        value.data.TICKETING_KAFKA_CA_FILE = '/etc/ticketing/kafka/ca.crt';
        value.data.TICKETING_KAFKA_SASL_MECHANISM = 'scram-sha-1';
      }
      if (value.kind === 'Deployment' && value.metadata.name === 'sla') {
        value.spec.template.spec.volumes.find((volume: Breakable) => volume.name === 'kafka-user').secret.items[0].key = 'sasl.jaas';
      }
    });
    expect(checkManifests(documents, readExternalSecrets(), { services: NEEDS })).toEqual(
      expect.arrayContaining([
        expect.stringContaining('Deployment routing: TICKETING_KAFKA_CA_FILE /etc/ticketing/kafka/ca.crt is not a key of a Secret or ConfigMap mounted in the container'),
        expect.stringContaining('Deployment sla: volume Secret ticketing-sla has no key sasl.jaas'),
        // The configuration loader itself read the environment, mounted files included.
        expect.stringMatching(/^Deployment audit: its environment is not a valid configuration: [\s\S]*TICKETING_KAFKA_SASL_MECHANISM="scram-sha-1"/),
      ]),
    );
  });

  it('gRPC: every service with a gRPC API declares the port and a Service exposes it; the ConfigMap sets the connection age', () => {
    const documents = resourcesOf(BASE);
    const grpcServices = NEEDS.filter((needs) => needs.grpc).map((needs) => needs.name);
    expect(grpcServices).toEqual(expect.arrayContaining(['intake', 'routing', 'sla', 'disputes', 'audit']));
    for (const name of grpcServices) {
      const ports = list(get(byName(documents, 'Service', name), 'spec', 'ports'), 'ports');
      expect(ports).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'grpc', port: 50051, targetPort: 'grpc' })]));
    }
    expect(byName(documents, 'ConfigMap', 'ticketing-config')?.data).toEqual(
      expect.objectContaining({ TICKETING_GRPC_MAX_CONNECTION_AGE_MS: '300000', TICKETING_GRPC_MAX_CONNECTION_AGE_GRACE_MS: '30000' }),
    );
    const broken = mutated((value) => {
      if (value.kind === 'Service' && value.metadata.name === 'sla') value.spec.ports = value.spec.ports.filter((port: Breakable) => port.name !== 'grpc');
      if (value.kind === 'Deployment' && value.metadata.name === 'disputes') {
        value.spec.template.spec.containers[0].ports = value.spec.template.spec.containers[0].ports.filter((port: Breakable) => port.name !== 'grpc');
      }
    });
    expect(checkManifests(broken, readExternalSecrets(), { services: NEEDS })).toEqual(
      expect.arrayContaining([
        'Deployment sla: serves gRPC, but no Service exposes its grpc port',
        'Deployment disputes: serves gRPC, so container port grpc must be TICKETING_GRPC_PORT 50051',
      ]),
    );
  });

  it('network policies: a default deny, and only the flows the services need (intake’s gRPC from anywhere, the rest from the ingress controller and Prometheus)', () => {
    const documents = resourcesOf(BASE);
    const policies = ofKind(documents, 'NetworkPolicy');
    expect(policies.length).toBeGreaterThan(1);
    expect(policies.every((policy) => policy.apiVersion === 'networking.k8s.io/v1')).toBe(true);
    const broken = (change: (value: Breakable) => void) => checkManifests(mutated(change), readExternalSecrets(), { services: NEEDS });
    expect(broken((value) => value.metadata.name === 'default-deny-all' && (value.spec.podSelector = { matchLabels: { app: 'none' } }))).toEqual(
      expect.arrayContaining(['NetworkPolicy: none denies all ingress and egress to every pod of the namespace by default', 'NetworkPolicy default-deny-all: its podSelector selects no pod of the Deployments']),
    );
    expect(broken((value) => value.metadata.name === 'allow-intake-from-cluster' && (value.spec.ingress[0].ports = [{ port: 'http', protocol: 'TCP' }]))).toEqual(
      expect.arrayContaining(['NetworkPolicies: namespace some-other-namespace → pod intake 50051/TCP must be allowed']),
    );
    expect(broken((value) => value.metadata.name === 'allow-from-ingress-controller' && (value.spec.podSelector = {}))).toEqual([]);
    expect(broken((value) => value.metadata.name === 'allow-prometheus-scrape' && (value.spec.ingress[0].from = []))).toEqual(
      expect.arrayContaining(['NetworkPolicies: namespace some-other-namespace → pod routing 3000/TCP must be denied']),
    );
    expect(broken((value) => value.metadata.name === 'allow-service-dependencies' && delete value.spec.egress[0].to)).toEqual(
      expect.arrayContaining(['NetworkPolicies: pod sla → namespace some-other-namespace 9093/TCP must be denied']),
    );
    expect(broken((value) => value.metadata.name === 'allow-dns' && (value.spec.egress[0].ports = [{ port: 53, protocol: 'TCP' }]))).toEqual(
      expect.arrayContaining(['NetworkPolicies: pod kb → namespace kube-system 53/UDP must be allowed']),
    );
  });

  (kubectlAvailable ? describe : describe.skip)('rendered by kustomize (kubectl kustomize)', () => {
    const render = (dir: string): YamlDocument[] =>
      parseAllDocuments(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' })).map((document, index) => ({
        file: relative(REPO_ROOT, dir),
        index,
        value: document.toJS() as unknown,
      }));
    const configMapNames = (documents: readonly YamlDocument[]) => ofKind(documents, 'ConfigMap').map((map) => String(get(map, 'metadata', 'name')));
    const referencedConfigMaps = (documents: readonly YamlDocument[]) =>
      ofKind(documents, 'Deployment').flatMap((deployment) =>
        list(get(list(get(deployment, 'spec', 'template', 'spec', 'containers'), 'containers')[0], 'envFrom'), 'envFrom').map((source) => String(get(source, 'configMapRef', 'name'))),
      );

    it('the base renders and passes the same checks; the ConfigMap is named by its content and every Deployment follows it', () => {
      const rendered = render(BASE);
      expect(checkManifests(rendered, readExternalSecrets(), { services: NEEDS })).toEqual([]);
      const [name] = configMapNames(rendered);
      expect(name).toMatch(/^ticketing-config-[a-z0-9]{10}$/);
      expect(new Set(referencedConfigMaps(rendered))).toEqual(new Set([name]));
    });

    it('a changed configuration value renames the ConfigMap, so applying it rolls the pods', () => {
      const copy = mkdtempSync(join(tmpdir(), 'ticketing-kustomize-'));
      try {
        cpSync(KUBERNETES_DIR, copy, { recursive: true });
        const before = configMapNames(render(join(copy, 'base')))[0];
        appendFileSync(join(copy, 'base/config.env'), 'LOG_FORMAT=json\n');
        const after = render(join(copy, 'base'));
        expect(configMapNames(after)[0]).not.toBe(before);
        expect(new Set(referencedConfigMaps(after))).toEqual(new Set([configMapNames(after)[0]]));
      } finally {
        rmSync(copy, { recursive: true, force: true });
      }
    });

    it('the production overlay renders, passes the checks, puts everything in its namespace and pins the image by digest', () => {
      const rendered = render(PRODUCTION);
      expect(checkManifests(rendered, readExternalSecrets(), { services: NEEDS })).toEqual([]);
      const namespaces = rendered
        .filter(({ value }) => isNamespaced(String(get(value, 'kind'))))
        .map(({ value }) => `${String(get(value, 'kind'))}/${String(get(value, 'metadata', 'name'))}=${String(get(value, 'metadata', 'namespace'))}`);
      expect(namespaces.filter((entry: Breakable) => !entry.endsWith('=ticketing'))).toEqual([]);
      expect(rendered.map(({ value }) => get(value, 'kind'))).toContain('Namespace');
      expect(configMapNames(rendered)).toEqual([expect.stringMatching(/^ticketing-config-[a-z0-9]{10}$/)]);
      expect(get(byName(rendered, 'ConfigMap', configMapNames(rendered)[0]), 'data', 'TICKETING_JWKS_URL')).toMatch(/^https:\/\//);
      const images = ofKind(rendered, 'Deployment').map((deployment) => String(get(list(get(deployment, 'spec', 'template', 'spec', 'containers'), 'containers')[0], 'image')));
      expect(images).toHaveLength(SERVICE_NAMES.length);
      for (const image of images) expect(image).toMatch(/^[\w.-]+(\/[\w.-]+)+(:[\w.-]+)?@sha256:[0-9a-f]{64}$/);
    });
  });
});

describe('deploy/README.md: from an empty cluster to a working system', () => {
  /** The numbered steps of "Deploy to Kubernetes". */
  const steps = (() => {
    const section = README.split(/^## /m).find((part) => part.startsWith('Deploy to Kubernetes')) ?? '';
    const start = section.search(/^1\. /m);
    return start < 0 ? '' : section.slice(start);
  })();

  it('has numbered steps', () => {
    expect(steps.match(/^\d+\. /gm)?.length ?? 0).toBeGreaterThanOrEqual(6);
  });

  it('names every placeholder the production overlay ships, as an input the operator must set', () => {
    const shipped = filesUnder(PRODUCTION, ['.yaml', '.env'])
      .map((file) => readFileSync(file, 'utf8').replace(/^\s*#.*$/gm, ''))
      .join('\n');
    const placeholders = [...new Set([...shipped.matchAll(/[\w.-]*\bexample\.com\b|sha256:0{64}/g)].map(([match]) => match))];
    expect(placeholders).toEqual(expect.arrayContaining(['idp.example.com', 'registry.example.com']));
    for (const placeholder of placeholders) expect({ placeholder, inSteps: steps.includes(placeholder.replace(/^sha256:0+$/, 'sha256:000')) }).toEqual({ placeholder, inSteps: true });
    expect(steps).toMatch(/you must set/i);
  });

  it('names every secret and key the operator supplies, and the identity provider’s variables', () => {
    for (const secret of readExternalSecrets()) {
      expect({ secret: secret.name, inSteps: steps.includes(secret.name) }).toEqual({ secret: secret.name, inSteps: true });
      for (const key of Object.keys(secret.keys)) expect({ key, inSteps: steps.includes(key) }).toEqual({ key, inSteps: true });
    }
    for (const variable of ['TICKETING_JWKS_URL', 'TICKETING_JWT_ISSUER', 'TICKETING_JWT_AUDIENCE']) expect(steps).toContain(variable);
  });

  it('documents the cluster around it: Strimzi versions, watched namespace, network inputs, gRPC balancing, Compose v2', () => {
    expect(README).toMatch(/Strimzi 0\.49 (and|or) later/);
    expect(README).toContain('watchedNamespace');
    for (const input of [NETWORK_INPUTS.ingressControllerNamespace, NETWORK_INPUTS.monitoringNamespace, NETWORK_INPUTS.kafkaNamespace, NETWORK_INPUTS.dnsNamespace, ...NETWORK_INPUTS.egressPorts.map(String)]) {
      expect({ input, documented: README.includes(`\`${input}\``) }).toEqual({ input, documented: true });
    }
    expect(README).toMatch(/headless/i);
    expect(README).toMatch(/Compose v2/);
    expect(README).toContain('docker buildx imagetools inspect');
  });
});
