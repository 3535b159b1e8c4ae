export * from './ticketing.runtime';
export * from './runtime.module';
export * from './runtime-bus';
export * from './bus.factory';
export * from './service.definition';
export * from './service.boot';
