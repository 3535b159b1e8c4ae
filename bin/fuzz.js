#!/usr/bin/env node
require('./register-aliases').requireCompiled('apps/ticketing/src/fuzz/fuzz.main.js');
