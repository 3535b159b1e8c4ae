export * from './decimal';
export * from './dispute/dispute.state';
export * from './dispute/dispute.decider';
export * from './dispute/deviation';
export * from './dispute/evidence-content';
export * from './recovery/recovery-rules';
export * from './recovery/recovery.decider';
