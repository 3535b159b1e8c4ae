import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

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
const contexts = ['intake', 'routing', 'sla', 'disputes', 'audit'].map((context) => ({
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
    files: ['**/*.spec.ts', 'libs/testing/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
