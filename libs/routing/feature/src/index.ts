export * from './routing.context';
export * from './routing.module';
export * from './routing-rules.config';
export * from './ticket-opened.consumer';
export * from './classifier/shipped-data';
export * from './classifier/training-data';
export * from './classifier/ticket-classifier';
export * from './classifier/classifier-evaluation';
