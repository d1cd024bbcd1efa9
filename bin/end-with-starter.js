// A command ends with whoever started it. When its parent, or an ancestor in its session, goes away (a closed
// terminal's shell; npx: npm passes SIGHUP on to nothing, and SIGTERM only to its shell, which does not pass it on)
// it hangs itself up, as a closing terminal would; when its output is closed (EPIPE: the reader of a pipe went away)
// it exits. A long-running command (rehearse) stops what it started on either, as on SIGINT, SIGTERM and SIGHUP.
// Loaded by the command line's first lines, before anything slow, so a starter that goes while the command is still
// starting is noticed too.
"use strict";
const fs = require("fs");

/** A live process's parent, session and start time (which tells a reused PID apart); Linux only, else undefined. */
function processStat(pid) {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return fields[0] === "Z" ? undefined : { ppid: Number(fields[1]), session: Number(fields[3]), start: fields[19] };
    } catch {
        return undefined;
    }
}

/** The parent and, within the session, the parent's ancestors up to the session leader (npx runs a command through `sh -c`, which outlives npm). */
function starters(own) {
    const chain = [];
    for (let pid = process.ppid; pid > 1; ) {
        const p = processStat(pid);
        if (!p) {
            break;
        }
        chain.push({ pid, start: p.start });
        if (!own || p.session !== own.session || pid === own.session) {
            break;
        }
        pid = p.ppid;
    }
    return chain;
}

function endWithStarter() {
    const parent = process.ppid;
    const own = processStat(process.pid);
    const chain = starters(own);
    // Orphaned in a session whose leader is gone: the starter went before this process could note it. A session whose
    // leader is out of sight (0: outside this PID namespace, as in containers) or gone long ago (a daemon's session)
    // does not count while this process's parent stays in it.
    const leaderGone = () => {
        if (own === undefined || own.session === process.pid || own.session === 0 || processStat(own.session) !== undefined) {
            return false;
        }
        const parentNow = processStat(process.ppid);
        return parentNow !== undefined && parentNow.session !== own.session;
    };
    const watch = setInterval(() => {
        if (process.ppid !== parent || leaderGone() || chain.some((a) => processStat(a.pid)?.start !== a.start)) {
            clearInterval(watch);
            process.kill(process.pid, "SIGHUP");
        }
    }, 500);
    watch.unref();
    for (const stream of [process.stdout, process.stderr]) {
        stream.on("error", (err) => {
            if (err.code !== "EPIPE") {
                throw err;
            }
            process.exit(128 + 13);
        });
    }
}

module.exports = { endWithStarter };
