import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { SERVICE_NAMES } from '@ticketing/runtime';
import { exists, filesUnder, knownConfigVariables, REPO_ROOT } from './support/deploy-files';
import { DOCKERFILE, ignored, ignorePatterns, parseDockerfile, type Stage } from './support/dockerfile';

/** Bare module specifiers the compiled code loads at run time (type-only imports are erased). */
function runtimeImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const specifiers = [
    ...source.matchAll(/^\s*import\s+(?!type\s)(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm),
    ...source.matchAll(/^\s*export\s+(?!type\s)[^'";]*?\s+from\s+['"]([^'"]+)['"]/gm),
    ...source.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((match) => match[1]);
  return specifiers.filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('@ticketing/'));
}

const packageOf = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

describe('deploy/Dockerfile', () => {
  const { stages } = parseDockerfile(readFileSync(DOCKERFILE, 'utf8'));
  const runtime = stages.at(-1)!;
  const instructions = (keyword: string, stage: Stage = runtime) => stage.instructions.filter((i) => i.keyword === keyword);

  it('is multi-stage on Node.js 22 LTS (node:22-bookworm-slim): builds in one stage, runs from a clean one', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const tagOf = (image: string) => image.replace(/@sha256:.*$/, '');
    expect(stages.map((stage) => tagOf(stage.from))).toEqual(expect.arrayContaining(['node:22-bookworm-slim']));
    expect(tagOf(runtime.from)).toBe('node:22-bookworm-slim');
    const build = stages.find((stage) => stage.instructions.some((i) => i.keyword === 'RUN' && i.args.includes('tsc -b tsconfig.build.json')));
    expect(build).toBeDefined();
    expect(instructions('RUN', build).some((i) => /npm ci\b/.test(i.args))).toBe(true);
    expect(instructions('RUN').some((i) => /npm|tsc/.test(i.args))).toBe(false);
  });

  it('pins every base image by digest (name:tag@sha256:<64 hex>), so a rebuild builds the same bytes', () => {
    const names = new Set(stages.map((stage) => stage.name).filter(Boolean));
    const bases = stages.map((stage) => stage.from).filter((from) => !names.has(from));
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect(base).toMatch(/^[\w.-]+(\/[\w.-]+)*:[\w.-]+@sha256:[0-9a-f]{64}$/);
    if (bases.some((base) => /@sha256:0{64}$/.test(base))) {
      process.stderr.write('\nNOTE: deploy/Dockerfile pins a PLACEHOLDER digest: set the real one (deploy/README, "The image")\n');
    }
  });

  it('leaves the build’s leftovers out of the runtime stage: no benchmarks, no .tsbuildinfo, no native-module sources, source maps or type declarations (its clean-up run on a fixture)', () => {
    const stageNamed = (name: string) => stages.find((stage) => stage.name === name);
    const copiedFrom = (path: string) => /--from=(\S+)/.exec(instructions('COPY').find((i) => i.args.includes(path))?.args ?? '')?.[1];
    /** The stage and the stages it is built FROM, oldest first. */
    const chain = (name: string | undefined): Stage[] => {
      const stage = name === undefined ? undefined : stageNamed(name);
      return stage ? [...chain(stage.from), stage] : [];
    };
    const fixture = mkdtempSync(join(tmpdir(), 'ticketing-dockerfile-'));
    try {
      const file = (path: string, content = 'x') => {
        mkdirSync(dirname(join(fixture, path)), { recursive: true });
        writeFileSync(join(fixture, path), content);
      };
      // npm, npx, node and apt-get do nothing here: the build's own tools are not what is under test.
      const stubs = join(fixture, '.stubs');
      for (const tool of ['npm', 'npx', 'node', 'apt-get']) {
        file(`.stubs/${tool}`, '#!/bin/sh\nexit 0\n');
        chmodSync(join(stubs, tool), 0o755);
      }
      const app = join(fixture, 'app');
      for (const path of [
        'dist/.tsbuildinfo',
        'dist/apps/intake/src/main.js',
        'dist/libs/kernel/src/ids.js',
        'dist/libs/kernel/tsconfig.lib.tsbuildinfo',
        'dist/bench/main.js',
        'node_modules/kafkajs/index.js',
        'node_modules/some-lib/dist/tsconfig.tsbuildinfo',
        'node_modules/some-lib/include/api.h',
        'node_modules/some-lib/index.js',
        'node_modules/some-lib/index.js.map',
        'node_modules/some-lib/index.d.ts',
        'node_modules/some-lib/esm/index.d.mts',
        'node_modules/some-lib/cjs/index.d.cts',
        'node_modules/better-sqlite3/package.json',
        'node_modules/better-sqlite3/binding.gyp',
        'node_modules/better-sqlite3/lib/index.js',
        'node_modules/better-sqlite3/src/better_sqlite3.cpp',
        'node_modules/better-sqlite3/deps/sqlite3/sqlite3.c',
        'node_modules/better-sqlite3/build/Makefile',
        'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
        'node_modules/better-sqlite3/build/Release/test_extension.node',
        'node_modules/better-sqlite3/build/Release/sqlite3.a',
        'node_modules/better-sqlite3/build/Release/obj.target/better_sqlite3/src/better_sqlite3.o',
        'node_modules/better-sqlite3/build/Release/.deps/Release/better_sqlite3.node.d',
      ]) {
        file(`app/${path}`);
      }
      // The RUN steps of the stages that dist/ and node_modules/ come from, in the build's order;
      // those naming absolute paths (apt's lists) touch the image's system only and are not run here.
      const runs = [...new Set([...chain(copiedFrom('/app/dist')), ...chain(copiedFrom('/app/node_modules'))])]
        .flatMap((stage) => instructions('RUN', stage))
        .map((i) => i.args)
        .filter((command) => !/(^|[\s'"=])\/(?!\/)/.test(command));
      expect(runs.some((command) => command.includes('tsbuildinfo'))).toBe(true);
      for (const command of runs) {
        const result = spawnSync('sh', ['-c', command], { cwd: app, encoding: 'utf8', env: { ...process.env, PATH: `${stubs}:${process.env.PATH}` } });
        expect({ command, status: result.status, stderr: result.stderr }).toEqual({ command, status: 0, stderr: '' });
      }
      const left = filesUnder(app, ['']).map((path) => relative(app, path));
      expect(left.sort()).toEqual(
        [
          'dist/apps/intake/src/main.js',
          'dist/libs/kernel/src/ids.js',
          'node_modules/better-sqlite3/binding.gyp',
          'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
          'node_modules/better-sqlite3/lib/index.js',
          'node_modules/better-sqlite3/package.json',
          'node_modules/kafkajs/index.js',
          'node_modules/some-lib/index.js',
        ].sort(),
      );
    } finally {
      rmSync(fixture, { recursive: true, force: true });
    }
  });

  it('runs as a non-root user, with a health check on /health and a default service command', () => {
    const user = instructions('USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(instructions('HEALTHCHECK').at(-1)?.args).toMatch(/\/health\/(ready|live)/);
    const command = JSON.parse(instructions('CMD').at(-1)!.args) as string[];
    expect(command.slice(0, 2)).toEqual(['node', 'bin/service.js']);
    expect(SERVICE_NAMES).toContain(command[2]);
  });

  it('ships what `node bin/service.js` needs: dist, production node_modules, bin, tsconfig.base.json, package.json, the .proto files, the shipped data', () => {
    const copies = instructions('COPY').map((i) => i.args);
    const protoDirs = filesUnder(join(REPO_ROOT, 'libs'), ['.proto']).map((file) => relative(REPO_ROOT, file).replace(/\/proto\/.*$/, '/proto'));
    expect(protoDirs.length).toBeGreaterThan(0);
    for (const dir of new Set(protoDirs)) expect(copies).toContain(`${dir} ./${dir}`);
    for (const needed of [/--from=\S+ \/app\/dist /, /--from=\S+ \/app\/node_modules /, /--from=\S+ \/app\/data /, /\bbin /, /\btsconfig\.base\.json\b/, /\bpackage\.json\b/]) {
      expect(copies.some((copy) => needed.test(copy))).toBe(true);
    }
    const deps = stages.find((stage) => stage.instructions.some((i) => /npm prune --omit=dev/.test(i.args)));
    expect(copies.find((copy) => copy.includes('/app/node_modules'))).toContain(`--from=${deps?.name}`);
  });

  it('runs node with the flags `npm start` uses', () => {
    const start = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['start'];
    const flags = start.split(/\s+/).filter((word) => word.startsWith('--'));
    expect(flags.length).toBeGreaterThan(0);
    const nodeOptions = instructions('ENV').flatMap((i) => [...i.args.matchAll(/NODE_OPTIONS=(\S+)/g)].map(([, value]) => value));
    expect(nodeOptions.join(' ').split(' ')).toEqual(flags);
  });

  it('sets only environment variables the platform reads (besides NODE_ENV and NODE_OPTIONS), and exposes the HTTP port it sets', () => {
    const known = knownConfigVariables();
    const env = instructions('ENV').flatMap((i) => [...i.args.matchAll(/(\w+)=(\S+)/g)].map(([, name, value]) => [name, value] as const));
    for (const [name] of env) expect(name === 'NODE_ENV' || name === 'NODE_OPTIONS' || known.has(name)).toBe(true);
    const exposed = instructions('EXPOSE').flatMap((i) => i.args.split(/\s+/));
    for (const variable of ['TICKETING_HTTP_PORT', 'TICKETING_GRPC_PORT']) expect(exposed).toContain(env.find(([name]) => name === variable)?.[1]);
  });

  it('copies only files that exist and that the build context keeps', () => {
    const patterns = ignorePatterns();
    const sources = stages
      .flatMap((stage) => instructions('COPY', stage))
      .filter((i) => !i.args.startsWith('--from'))
      .flatMap((i) => i.args.replace(/--\S+\s+/g, '').split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(3);
    expect(sources.filter((source) => !exists(join(REPO_ROOT, source)))).toEqual([]);
    expect(sources.filter((source) => ignored(source, patterns))).toEqual([]);
    // The context drops what the image must not carry.
    for (const path of ['node_modules', 'dist', '.git', 'libs/kernel/src/ids.unit.spec.ts', 'bench/main.ts', 'libs/kernel/tsconfig.tsbuildinfo', '.env']) {
      expect({ path, ignored: ignored(path, patterns) }).toEqual({ path, ignored: true });
    }
  });

  it('needs no devDependency at run time: every package the compiled code imports is a production dependency', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    const built = [...filesUnder(join(REPO_ROOT, 'apps'), ['.ts']), ...filesUnder(join(REPO_ROOT, 'libs'), ['.ts'])].filter((file) => {
      const path = relative(REPO_ROOT, file);
      // What tsconfig.build.json leaves out of dist/, and the fuzzer: a dev tool (`npm run fuzz`, with
      // devDependencies installed) that no service loads.
      return !/\.spec\.ts$|\.contract\.ts$|\.fixtures\.ts$|\/src\/testing\/|\/test-support\/|^libs\/testing\/|^apps\/ticketing\/src\/fuzz\//.test(path);
    });
    // The scanner sees value imports and skips type-only ones (erased from dist/).
    const sample = runtimeImports(join(REPO_ROOT, 'libs/runtime/src/compose-contexts.ts'));
    expect(sample).toContain('@nestjs/common');
    expect(sample).not.toContain('pino');
    const missing = new Set<string>();
    for (const file of built) {
      for (const specifier of runtimeImports(file)) {
        const name = packageOf(specifier);
        if (!builtins.has(specifier) && !builtins.has(name) && !(name in pkg.dependencies)) missing.add(`${name} (${relative(REPO_ROOT, file)})`);
      }
    }
    expect([...missing]).toEqual([]);
  });
});
