// Preloaded by the benchmark: on exit, writes the process's peak resident set size (KiB) to $BENCH_RSS_FILE.
const fs = require("fs");
process.on("exit", () => fs.writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));
