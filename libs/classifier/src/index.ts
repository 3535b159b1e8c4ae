export * from './text-features';
export * from './linear-model';
export * from './train-linear-model';
export * from './classification-metrics';
