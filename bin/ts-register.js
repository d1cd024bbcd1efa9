// `node -r ./bin/ts-register.js` (the npm scripts) and mocha's require (.mocharc.json): this checkout's TypeScript
// through the transpile cache (ts-cache.js), with stack traces that name the TypeScript lines.
process.setSourceMapsEnabled(true);
require("./ts-cache").register(require("path").join(__dirname, ".."));
