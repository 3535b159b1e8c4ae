export * from './audit.context';
export * from './audit.module';
export * from './audit-trail.service';
export * from './access/audit-access.log';
export * from './history/ticket-history';
export * from './state/ticket-state.fold';
export * from './privacy/customer-erasure.service';
