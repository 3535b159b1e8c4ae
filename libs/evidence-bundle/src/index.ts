export * from './evidence-bundle';
export * from './bundle-verifier';
