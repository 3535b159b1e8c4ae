export * from './routing.module';
export * from './ticket-opened.consumer';
