#!/usr/bin/env node
console.error("tessera: the command line is not built yet.");
process.exitCode = 1;
