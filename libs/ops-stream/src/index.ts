export * from './ops-stream.module';
export * from './ticket-access.port';
export * from './event-stream.pump';
export * from './events-stream.request.dto';
