#!/usr/bin/env node
// Runs the TypeScript command line through ts-node (transpile only: type checks are `npm run typecheck`).
const path = require("path");
require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "tsconfig.json") });
require("../tools/cli").main(process.argv);
