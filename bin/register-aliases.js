// Points the workspace's path aliases (@ticketing/*) at the compiled libs in dist/.
const path = require('node:path');
const { register } = require('tsconfig-paths');
const { compilerOptions } = require('../tsconfig.base.json');

const dist = path.resolve(__dirname, '..', 'dist');
const paths = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, targets]) => [alias, targets.map((target) => target.replace(/\.ts$/, '.js'))]),
);
register({ baseUrl: dist, paths, addMatchAll: false });

/** Requires a compiled entry point, with a clear message when the build has not run. */
exports.requireCompiled = (entry) => {
  const main = path.join(dist, entry);
  try {
    require.resolve(main);
  } catch {
    process.stderr.write(`ticketing is not built (dist/${entry} is missing): run "npm run build" first.\n`);
    process.exit(1);
  }
  return require(main);
};
