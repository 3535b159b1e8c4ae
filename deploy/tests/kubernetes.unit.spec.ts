import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
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
import { checkManifests, exampleOf, isNamespaced, type ExternalSecret } from './support/manifest.checks';
import { SERVICE_NAMES } from '@ticketing/runtime';

const BASE = join(KUBERNETES_DIR, 'base');
const PRODUCTION = join(KUBERNETES_DIR, 'overlays/production');
const REQUIRED_SECRETS = join(KUBERNETES_DIR, 'required-secrets.yaml');

type Kustomization = { resources: string[]; patches: string[] };

function readKustomization(dir: string): Kustomization {
  const body = record(readYaml(join(dir, 'kustomization.yaml')), `${dir}/kustomization.yaml`);
  return {
    resources: list(body.resources, 'resources').map(String),
    patches: list(body.patches, 'patches').map((patch) => String(record(patch, 'patch').path)),
  };
}

/** The documents a kustomization directory brings in through `resources`, recursively (patches not applied). */
function resourcesOf(dir: string): YamlDocument[] {
  return readKustomization(dir).resources.flatMap((resource) => {
    const path = join(dir, resource);
    return exists(join(path, 'kustomization.yaml')) ? resourcesOf(path) : readYamlDocuments(path);
  });
}

function readExternalSecrets(): ExternalSecret[] {
  return list(record(readYaml(REQUIRED_SECRETS), 'required-secrets.yaml').secrets, 'secrets').map((entry) => {
    const secret = record(entry, 'secret');
    return { name: String(secret.name), keys: record(secret.keys, `${String(secret.name)} keys`) as Record<string, string> };
  });
}

const kubectlAvailable = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
if (!kubectlAvailable) process.stderr.write('\nSKIPPED: deploy/kubernetes rendered by kustomize: no `kubectl` on this machine\n');

describe('deploy/kubernetes', () => {
  const yamlFiles = filesUnder(KUBERNETES_DIR, ['.yaml', '.yml']);

  it('parses every file: valid YAML, no duplicate keys', () => {
    expect(yamlFiles.length).toBeGreaterThan(5);
    for (const file of yamlFiles) expect(() => readYamlDocuments(file)).not.toThrow();
  });

  it('lists every manifest in its directory’s kustomization, and every listed file exists', () => {
    const unlisted: string[] = [];
    const missing: string[] = [];
    const manifestDirs = new Set(yamlFiles.filter((file) => file !== REQUIRED_SECRETS).map((file) => dirname(file)));
    for (const dir of manifestDirs) {
      if (!exists(join(dir, 'kustomization.yaml'))) {
        unlisted.push(`${relative(REPO_ROOT, dir)} has manifests but no kustomization.yaml`);
        continue;
      }
      const { resources, patches } = readKustomization(dir);
      const listed = new Set([...resources, ...patches].map((path) => join(dir, path)));
      for (const path of listed) if (!exists(path)) missing.push(relative(REPO_ROOT, path));
      for (const file of yamlFiles.filter((f) => dirname(f) === dir && !f.endsWith('kustomization.yaml'))) {
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

  it('base: deployments, services, budgets, autoscalers, config, secrets and topics reference each other consistently', () => {
    expect(checkManifests(resourcesOf(BASE), readExternalSecrets())).toEqual([]);
  });

  it('production overlay: every patch targets a resource of the base', () => {
    const idOf = ({ value }: YamlDocument) => `${String(get(value, 'kind'))}/${String(get(value, 'metadata', 'name'))}`;
    const base = resourcesOf(BASE).map(idOf);
    const targets = readKustomization(PRODUCTION).patches.flatMap((patch) => readYamlDocuments(join(PRODUCTION, patch)).map(idOf));
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.filter((target) => !base.includes(target))).toEqual([]);
  });

  it('the checks catch a broken reference (they can fail)', () => {
    const documents = resourcesOf(BASE).map((doc) => {
      const value = JSON.parse(JSON.stringify(doc.value));
      if (value.kind === 'Service' && value.metadata.name === 'routing') value.spec.selector = { 'app.kubernetes.io/name': 'router' };
      if (value.kind === 'HorizontalPodAutoscaler' && value.metadata.name === 'sla') value.spec.scaleTargetRef.name = 'slas';
      if (value.kind === 'Deployment' && value.metadata.name === 'audit') {
        value.spec.template.spec.containers[0].readinessProbe.httpGet.path = '/health/live';
        value.spec.template.spec.containers[0].env.push({ name: 'TICKETING_BUSS', value: 'embedded' });
        value.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name = 'ticketing-connection';
      }
      if (value.kind === 'KafkaTopic' && value.spec.topicName === 'ticketing.sla.events') value.spec.config['min.insync.replicas'] = 1;
      if (value.kind === 'KafkaTopic' && value.spec.topicName === 'ticketing.routing.events') value.spec.partitions = 6;
      if (value.kind === 'KafkaTopic' && value.spec.topicName === 'ticketing.intake.events.dlq') value.spec.partitions = 12;
      if (value.kind === 'ConfigMap' && value.metadata.name === 'ticketing-config') value.data.TICKETING_KAFKA_TOPICS = 'create';
      return { ...doc, value };
    });
    const problems = checkManifests(documents, readExternalSecrets());
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('Service routing: selects 0 Deployments'),
        expect.stringContaining('HorizontalPodAutoscaler sla: scales'),
        expect.stringContaining('Deployment audit: readinessProbe must GET /health/ready'),
        expect.stringContaining('Deployment audit: TICKETING_BUSS (value) is not a variable the platform reads'),
        expect.stringContaining('Deployment audit: TICKETING_EVENT_STORE reads Secret ticketing-connection'),
        expect.stringContaining('KafkaTopic ticketing.sla.events: min.insync.replicas must be 2'),
        "KafkaTopic ticketing.routing.events: partitions differ from ConfigMap ticketing-config's TICKETING_KAFKA_TOPIC_PARTITIONS 12",
        "KafkaTopic ticketing.intake.events.dlq: partitions differ from ConfigMap ticketing-config's TICKETING_KAFKA_DLQ_PARTITIONS 3",
        'ConfigMap ticketing-config: TICKETING_KAFKA_TOPICS must be check: the Strimzi Topic Operator owns the topics',
      ]),
    );
  });

  (kubectlAvailable ? describe : describe.skip)('rendered by kustomize (kubectl kustomize)', () => {
    const render = (dir: string): YamlDocument[] =>
      parseAllDocuments(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' })).map((document, index) => ({
        file: relative(REPO_ROOT, dir),
        index,
        value: document.toJS() as unknown,
      }));

    it('the base renders and passes the same checks', () => {
      expect(checkManifests(render(BASE), readExternalSecrets())).toEqual([]);
    });

    it('the production overlay renders, passes the checks, puts everything in its namespace and pins the image', () => {
      const rendered = render(PRODUCTION);
      expect(checkManifests(rendered, readExternalSecrets())).toEqual([]);
      const namespaces = rendered
        .filter(({ value }) => isNamespaced(String(get(value, 'kind'))))
        .map(({ value }) => `${String(get(value, 'kind'))}/${String(get(value, 'metadata', 'name'))}=${String(get(value, 'metadata', 'namespace'))}`);
      expect(namespaces.filter((entry) => !entry.endsWith('=ticketing'))).toEqual([]);
      expect(rendered.map(({ value }) => get(value, 'kind'))).toContain('Namespace');
      const images = rendered
        .filter(({ value }) => get(value, 'kind') === 'Deployment')
        .map(({ value }) => String(get(list(get(value, 'spec', 'template', 'spec', 'containers'), 'containers')[0], 'image')));
      expect(images).toHaveLength(SERVICE_NAMES.length);
      for (const image of images) expect(image).toMatch(/^[\w.-]+(\/[\w.-]+)+:(?!latest$)[\w.-]+$/);
    });
  });
});
