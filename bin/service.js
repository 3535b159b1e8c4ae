#!/usr/bin/env node
// Runs one production deployable from the compiled build: `node bin/service.js <service>`.
const SERVICES = ['intake', 'routing', 'sla', 'disputes', 'audit'];

const service = process.argv[2];
if (!SERVICES.includes(service)) {
  process.stderr.write(`usage: node bin/service.js <${SERVICES.join('|')}>${service ? ` (got "${service}")` : ''}\n`);
  process.exit(2);
}
require('./register-aliases').requireCompiled(`apps/${service}/src/main.js`);
