export * from './intake/intake.events';
export * from './routing/routing.events';
export * from './streams';
export * from './proto-path';
export * from './context-events';
