export {
  describeEachReadStore,
  readStoreTargets,
  TEST_DATABASE_PREFIX,
  TEST_POSTGRES_URL_VARIABLE,
  type DescribeEachReadStoreOptions,
  type ReadStoreLocation,
  type ReadStoreTarget,
} from './read-store-targets';
