#!/usr/bin/env node
const { requireCompiled } = require('./register-aliases');
// Before the app loads `pg`: its queries become spans.
requireCompiled('libs/platform/src/tracing/instrumentations.js').instrumentLibraries();
requireCompiled('apps/ticketing/src/main.js');
