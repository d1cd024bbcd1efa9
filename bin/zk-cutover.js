#!/usr/bin/env node
// In a checkout the command line runs from its TypeScript source, never from a dist/ that may be stale: each file
// goes through TypeScript's own transpiler, as the build compiles it, once, and is then read from a cache
// (ts-cache.js; type checks are `npm run typecheck`). An installed package runs its built JavaScript.
const fs = require("fs");
const path = require("path");
const root = path.join(__dirname, "..");
// Who started this command, noted before anything slow loads: the command ends when its starter goes away.
require("./end-with-starter").endWithStarter();
if (fs.existsSync(path.join(root, "tools", "cli.ts"))) {
    require("./ts-cache").register(root);
    require("../tools/cli").main(process.argv);
} else {
    require("../dist/tools/cli").main(process.argv);
}
