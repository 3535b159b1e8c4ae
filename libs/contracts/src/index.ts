export * from './intake/intake.events';
export * from './routing/routing.events';
export * from './sla/sla.events';
export * from './disputes/disputes.events';
export * from './audit/audit.events';
export * from './context-contract';
export * from './streams';
export * from './proto-path';
