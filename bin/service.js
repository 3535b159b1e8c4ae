#!/usr/bin/env node
// Runs one production deployable from the compiled build: `node bin/service.js <service>`.
// The services are the contexts of libs/contracts, one deployable each.
const { requireCompiled } = require('./register-aliases');
const SERVICES = requireCompiled('libs/contracts/src/index.js').CONTEXT_NAMES;

const service = process.argv[2];
if (!SERVICES.includes(service)) {
  process.stderr.write(`usage: node bin/service.js <${SERVICES.join('|')}>${service ? ` (got "${service}"; known services: ${SERVICES.join(', ')})` : ''}\n`);
  process.exit(2);
}
// Before the app loads `pg`: its queries become spans.
requireCompiled('libs/platform/src/tracing/instrumentations.js').instrumentLibraries();
requireCompiled(`apps/${service}/src/main.js`);
