#!/usr/bin/env node
// In a checkout the command line runs from its TypeScript source (through ts-node, transpile only;
// type checks are `npm run typecheck`); an installed package runs its built JavaScript.
const fs = require("fs");
const path = require("path");
const root = path.join(__dirname, "..");
// Who started this command, noted before anything slow loads: the command ends when its starter goes away.
require("./end-with-starter").endWithStarter();
if (fs.existsSync(path.join(root, "tools", "cli.ts"))) {
    require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
    require("../tools/cli").main(process.argv);
} else {
    require("../dist/tools/cli").main(process.argv);
}
