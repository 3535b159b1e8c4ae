export * from './decider-spec';
export * from './container-engine';
