export {
  describeEachReadStore,
  readStoreTargets,
  type DescribeEachReadStoreOptions,
  type ReadStoreLocation,
  type ReadStoreTarget,
} from './read-store-targets';
