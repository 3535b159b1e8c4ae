export * from './ticket.state';
export * from './ticket.decider';
