export * from './routing-rules';
export * from './routing.state';
export * from './routing.decider';
export * from './agent.state';
export * from './agent.decider';
export * from './dispatch-rules';
