export * from './queue-rules';
export * from './routing.state';
export * from './routing.decider';
