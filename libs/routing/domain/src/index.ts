export * from './routing-rules';
export * from './routing.state';
export * from './routing.decider';
