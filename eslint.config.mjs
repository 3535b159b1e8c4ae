import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

/** Every `scope:<context>` tag of the projects under apps/ and libs/: a new context's projects bring theirs. */
function contextScopes() {
  const scopes = new Set();
  const visit = (dir, depth) => {
    const project = join(dir, 'project.json');
    if (existsSync(project)) {
      for (const tag of JSON.parse(readFileSync(project, 'utf8')).tags ?? []) if (tag.startsWith('scope:')) scopes.add(tag.slice('scope:'.length));
    }
    if (depth === 0) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && !['node_modules', 'dist', 'src'].includes(entry.name)) visit(join(dir, entry.name), depth - 1);
    }
  };
  for (const root of ['apps', 'libs']) visit(join(import.meta.dirname, root), 2);
  return [...scopes].filter((scope) => scope !== 'shared' && scope !== 'all').sort();
}

const layering = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:feature', 'type:infra', 'type:contracts', 'type:util', 'type:domain'] },
  { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:domain', 'type:infra', 'type:contracts', 'type:util'] },
  { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:infra', 'type:contracts', 'type:util'] },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:contracts', 'type:util'] },
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:util'] },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:feature', 'type:infra', 'type:contracts', 'type:util', 'type:domain'] },
];

// A context reaches another only through contracts and the bus.
const contexts = contextScopes().map((context) => ({
  sourceTag: `scope:${context}`,
  onlyDependOnLibsWithTags: [`scope:${context}`, 'scope:shared'],
}));

// Domain code is pure: no framework, no driver, no I/O.
const impureForDomain = [
  '@nestjs/*', 'better-sqlite3', 'kysely', 'kafkajs', '@kurrent/*', '@grpc/*', 'fastify', 'pino', 'nestjs-pino',
  'jose', 'prom-client', 'node:fs', 'fs', 'node:net', 'net', 'node:http', 'http', 'testcontainers',
];

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '**/data/**', '**/tmp/**', '.nx/**', 'eslint.config.mjs', 'jest.config.js', 'bin/**'] },
  ...nx.configs['flat/base'],
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          banTransitiveDependencies: false,
          depConstraints: [
            ...layering,
            ...contexts,
            // Only the composition roots (apps running every context in one process) see all scopes.
            { sourceTag: 'scope:all', onlyDependOnLibsWithTags: ['*'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'type:domain', bannedExternalImports: impureForDomain },
            { sourceTag: 'type:util', bannedExternalImports: impureForDomain },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.spec.ts', 'libs/testing/**/*.ts', '**/test-support/**/*.ts', '**/src/testing/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
