import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SERVICE_NAMES } from '@ticketing/runtime';
import { REPO_ROOT } from './support/deploy-files';

type Probe = Readonly<{ file: string; imports: string }>;
type Verdict = Readonly<{ file: string; imports: string; boundaryErrors: string[] }>;

/**
 * Lints one-line files that exist only in memory, each importing one alias from inside a project,
 * with the repository's ESLint config (the Nx module-boundary rule) in a child process: the rule
 * decides by the file's project (its path) and the imported project's tags.
 */
async function lintProbes(probes: readonly Probe[]): Promise<Verdict[]> {
  const script = `
    const { ESLint } = require('eslint');
    const probes = JSON.parse(process.argv[1]);
    (async () => {
      const eslint = new ESLint({ cwd: process.cwd() });
      const verdicts = [];
      for (const { file, imports } of probes) {
        const code = "import * as probe from '" + imports + "';\\nexport const used = probe;\\n";
        const [result] = await eslint.lintText(code, { filePath: require('node:path').join(process.cwd(), file) });
        verdicts.push({ file, imports, boundaryErrors: result.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message) });
      }
      process.stdout.write(JSON.stringify(verdicts));
    })().catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, JSON.stringify(probes)], {
    cwd: REPO_ROOT,
    env: { ...process.env, NX_DAEMON: 'false' },
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Verdict[];
}

const NX = join(REPO_ROOT, 'node_modules/nx/dist/bin/nx.js');

describe('module boundaries of the deployables', () => {
  // Without a cached project graph the rule skips itself with a warning (as `npm run lint` knows): make one.
  beforeAll(() => promisify(execFile)(process.execPath, [NX, 'show', 'projects'], { cwd: REPO_ROOT, env: { ...process.env, NX_DAEMON: 'false' } }), 120_000);

  it.each(SERVICE_NAMES)('apps/%s is an app of its own scope', (service) => {
    const project = JSON.parse(readFileSync(join(REPO_ROOT, `apps/${service}/project.json`), 'utf8')) as { name: string; tags: string[]; projectType: string };
    expect(project).toMatchObject({ name: service, projectType: 'application' });
    expect([...project.tags].sort()).toEqual(['scope:' + service, 'type:app'].sort());
  });

  it('lets an app import only its own context’s feature lib and shared infra: lint fails on anything else', async () => {
    const allowed: Probe[] = [
      { file: 'apps/intake/src/probe.ts', imports: '@ticketing/intake-feature' },
      { file: 'apps/routing/src/probe.ts', imports: '@ticketing/routing-feature' },
      ...SERVICE_NAMES.map((service) => ({ file: `apps/${service}/src/probe.ts`, imports: '@ticketing/runtime' })),
      { file: 'apps/sla/src/probe.ts', imports: '@ticketing/contracts' },
    ];
    const refused: Probe[] = [
      { file: 'apps/routing/src/probe.ts', imports: '@ticketing/intake-feature' },
      { file: 'apps/intake/src/probe.ts', imports: '@ticketing/routing-feature' },
      { file: 'apps/sla/src/probe.ts', imports: '@ticketing/intake-domain' },
      { file: 'apps/disputes/src/probe.ts', imports: '@ticketing/routing-domain' },
      { file: 'apps/audit/src/probe.ts', imports: '@ticketing/intake-feature' },
    ];
    // Shared infra composes whatever it is given; it never reaches into a context itself. (Feature libs
    // define their context with the runtime's defineContext, so the rule may name the cycle first.)
    const cyclic: Probe = { file: 'libs/runtime/src/probe.ts', imports: '@ticketing/intake-feature' };
    const verdicts = await lintProbes([...allowed, ...refused, cyclic]);
    const failing = (probe: Probe) => verdicts.find((v) => v.file === probe.file && v.imports === probe.imports)!.boundaryErrors;
    expect(allowed.map((probe) => ({ ...probe, errors: failing(probe) }))).toEqual(allowed.map((probe) => ({ ...probe, errors: [] })));
    for (const probe of refused) expect({ ...probe, errors: failing(probe) }).toEqual({ ...probe, errors: [expect.stringContaining('can only depend on libs tagged with')] });
    expect(failing(cyclic)).toEqual([expect.stringMatching(/can only depend on libs tagged with|Circular dependency between "runtime" and "intake-feature"/)]);
  }, 120_000);
});
