#!/usr/bin/env node
require('./register-aliases').requireCompiled('apps/ticketing/src/main.js');
