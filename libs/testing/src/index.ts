export * from './decider-spec';
export * from './container-engine';
export * from './api-lint.ruleset';
export * from './openapi-response.validator';
export * from './postgres-test-database';
