export * from './ticket.state';
export * from './ticket.errors';
export * from './ticket.decider';
export * from './resolve-language';
export * from './asset-context.validators';
export * from './display-subject';
