#!/usr/bin/env node
require('./register-aliases').requireCompiled('bench/main.js');
