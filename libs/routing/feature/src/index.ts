export * from './routing.module';
export * from './ticket-opened.consumer';
export * from './routing.context';
