#!/usr/bin/env node
// Runs the compiled CLI with the workspace's path aliases (@ticketing/*) pointed at dist/.
const fs = require('node:fs');
const path = require('node:path');
const { register } = require('tsconfig-paths');
const { compilerOptions } = require('../tsconfig.base.json');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
const entry = process.env.TICKETING_ENTRY ?? 'apps/ticketing/src/main.js';
const main = path.join(dist, entry);
if (!fs.existsSync(main)) {
  process.stderr.write(`ticketing is not built (${path.relative(root, main)} is missing): run "npm run build" first.\n`);
  process.exit(1);
}
const paths = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, targets]) => [alias, targets.map((target) => target.replace(/\.ts$/, '.js'))]),
);
register({ baseUrl: dist, paths, addMatchAll: false });
require(main);
