export * from './ticketing.runtime';
export * from './runtime.module';
