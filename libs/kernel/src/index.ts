export * from './event';
export * from './errors';
export * from './clock';
export * from './ids';
