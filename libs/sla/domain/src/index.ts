export * from './calendar/sla-calendar';
export * from './sla-policy';
export * from './sla-policy.decider';
export * from './sla-clock.state';
export * from './sla-clock.decider';
export * from './sla-facts';
export * from './surge/inflow-baseline';
export * from './surge/surge.decider';
