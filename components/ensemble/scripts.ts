/**
 * The member scripts a pod runs: start.sh (myid, the data directory's owner,
 * the wait for its own name, whether it may create the ensemble), ready.sh and
 * live.sh (the probes). Pure: the rehearsal runs these same scripts.
 */
import { memberPeerAddress, PORTS } from "../shared/zookeeper";
import { POD_PATHS } from "./paths";
import { EnsembleSettings } from "./settings";

/**
 * start.sh: the member's entry point. Its myid is its pod ordinal (the
 * StatefulSet's ordinals start at the first member id), passed in through the
 * downward API; it refuses to start when that id is not a member or when the
 * data directory already belongs to another member. On 3.6+ (database
 * existence validation on), a member whose data directory is new trusts an
 * empty tree (the `initialize` marker) only when no other member serves: that
 * is the creation of the ensemble. Otherwise it joins as a non-voting member
 * until it has synced, instead of voting as if it were up to date.
 */
export function renderStartScript(s: EnsembleSettings): string {
    const peers = s.memberIds.map((id) => `${id}=${memberPeerAddress(s, id)}`).join(" ");
    const lines = [
        "#!/usr/bin/env bash",
        "# Entry point of one ZooKeeper member, rendered by zookeeper-cutover.",
        "set -euo pipefail",
        ...(s.features.dbExistenceGuard ? reachFunction() : []),
        'id="${ZK_MEMBER_ID:-}"',
        `members=" ${s.memberIds.join(" ")} "`,
        'case "$members" in',
        '  *" $id "*) ;;',
        '  *) echo "refusing to start: member id \'$id\' is not one of the ensemble\'s members:$members" >&2; exit 1 ;;',
        "esac",
        `peers="\${ZK_PEERS:-${peers}}"`,
        // The member's peers dial its Service name, and ZooKeeper resolves its own entry once at start
        // (3.5.7-3.8.1 announce that address on the election port): start only once the name leads here.
        'if [ -n "${ZK_POD_IP:-}" ]; then',
        '  self_name=""',
        '  for peer in $peers; do if [ "${peer%%=*}" = "$id" ]; then self_name="${peer#*=}"; fi; done',
        '  if [ -z "$self_name" ]; then echo "refusing to start: the peer list names no address for member $id" >&2; exit 1; fi',
        '  if ! command -v getent >/dev/null; then echo "refusing to start: getent is needed to check that $self_name leads to this pod" >&2; exit 1; fi',
        '  limit="${ZK_DNS_WAIT_SECONDS:-120}"',
        '  case "$limit" in ""|*[!0-9]*) echo "refusing to start: ZK_DNS_WAIT_SECONDS=$limit is not a whole number of seconds" >&2; exit 1 ;; esac',
        "  started=$SECONDS",
        "  while :; do",
        "    resolved=false",
        '    while read -r address _; do if [ "$address" = "$ZK_POD_IP" ]; then resolved=true; fi; done < <(getent ahosts "$self_name" 2>/dev/null || true)',
        "    waited=$((SECONDS - started))",
        '    if [ "$resolved" = true ]; then break; fi',
        '    if [ "$waited" -ge "$limit" ]; then',
        '      echo "refusing to start: $self_name does not resolve to this pod ($ZK_POD_IP) after $waited s; its peers could not reach it (is clusterDomain right?)" >&2',
        "      exit 1",
        "    fi",
        "    sleep 1",
        "  done",
        '  echo "$self_name resolves to this pod ($ZK_POD_IP) after $waited s"',
        "fi",
        `data_dir="\${ZK_DATA_DIR:-${POD_PATHS.data}}"`,
        'myid_file="$data_dir/myid"',
        'if [ -s "$myid_file" ]; then',
        '  found="$(tr -d \'[:space:]\' < "$myid_file")"',
        '  if [ "$found" != "$id" ]; then',
        '    echo "refusing to start: $myid_file holds myid $found but this pod is member $id" >&2',
        "    exit 1",
        "  fi",
        "else",
        '  printf \'%s\\n\' "$id" > "$myid_file"',
    ];
    if (s.features.dbExistenceGuard) {
        lines.push(
            "  # New data directory: trust an empty tree only while the ensemble is being created (the bootstrap",
            "  # flag, which the cutover turns off once the volumes exist) and no other member serves.",
            `  bootstrap="$(cat "\${ZK_BOOTSTRAP_FILE:-${POD_PATHS.bootstrap}/bootstrap}" 2>/dev/null || echo false)"`,
            '  serving=""',
            // Only a leader listens on the quorum port: one that accepts a connection means a quorum exists.
            // A bare TCP connect works whether or not the members talk TLS.
            "  for peer in $peers; do",
            '    [ "${peer%%=*}" = "$id" ] && continue',
            `    if reach "\${peer#*=}" "\${ZK_PEER_QUORUM_PORT:-${PORTS.quorum}}"; then`,
            '      serving="${peer#*=}"',
            "      break",
            "    fi",
            "  done",
            // ZooKeeper looks for the marker beside the transaction log (dataLogDir, else dataDir).
            `  marker_dir="\${ZK_DATA_LOG_DIR:-${s.dataLogVolumeSize !== "" ? POD_PATHS.dataLog : "$data_dir"}}"`,
            '  if [ "$bootstrap" = "true" ] && [ -z "$serving" ]; then',
            '    : > "$marker_dir/initialize"',
            '    echo "no other member serves: creating the ensemble, an empty database is expected"',
            '  elif [ -n "$serving" ]; then',
            '    echo "joining the serving ensemble (its leader is at $serving) as a non-voting member until synced"',
            "  else",
            '    echo "no data and the ensemble exists already: joining as a non-voting member until synced"',
            "  fi",
        );
    }
    lines.push("fi");
    if (s.tls !== "off") {
        lines.push(
            "# ZooKeeper reads its private key and certificate chain from one PEM file: assemble it from the Secret.",
            `tls_dir="\${ZK_TLS_DIR:-${POD_PATHS.tls}}"`,
            `key_store="\${ZK_TLS_KEY_STORE:-${POD_PATHS.keyStore}}"`,
            'for f in tls.key tls.crt ca.crt; do',
            '  if [ ! -s "$tls_dir/$f" ]; then',
            '    echo "refusing to start: TLS is on but the certificate Secret has no $f ($tls_dir/$f)" >&2',
            "    exit 1",
            "  fi",
            "done",
            'mkdir -p "$(dirname "$key_store")"',
            '( umask 077 && cat "$tls_dir/tls.key" "$tls_dir/tls.crt" > "$key_store" )',
        );
    }
    lines.push('exec ${ZK_SERVER_COMMAND:-zkServer.sh start-foreground}', "");
    return lines.join("\n");
}

/** `reach HOST PORT`: succeeds when something accepts a TCP connection there (bash only). */
function reachFunction(): string[] {
    return [
        "reach() { # host port",
        '  timeout "${ZK_PROBE_TIMEOUT:-4}" bash -c \'exec 3<>"/dev/tcp/$0/$1"\' "$1" "$2" 2>/dev/null',
        "}",
    ];
}

/** Sends one four-letter word to the member and prints the answer (bash only, no nc needed). */
function askAtFunction(): string[] {
    return [
        "ask_at() { # host port word",
        '  timeout "${ZK_PROBE_TIMEOUT:-4}" bash -c \'exec 3<>"/dev/tcp/$0/$1" && printf "%s" "$2" >&3 && cat <&3\' "$1" "$2" "$3" 2>/dev/null',
        "}",
    ];
}

/** `ask WORD`: the word to this member (the probes). */
function fourLetterWordFunction(): string[] {
    return [
        'host="${ZK_PROBE_HOST:-127.0.0.1}"',
        `port="\${ZK_PROBE_PORT:-${PORTS.client}}"`,
        ...askAtFunction(),
        'ask() { ask_at "$host" "$port" "$1"; }',
    ];
}

/** ready.sh: succeeds only while the member serves inside a quorum (srvr mode leader, follower or observer). */
export function renderReadinessScript(s: EnsembleSettings): string {
    const modes = s.memberIds.length > 1 ? "leader|follower|observer" : "leader|follower|observer|standalone";
    return [
        "#!/usr/bin/env bash",
        "# Readiness: ready only while this member serves inside a quorum, not merely when it answers ruok.",
        ...fourLetterWordFunction(),
        'mode="$(ask srvr | sed -n \'s/^Mode: //p\')"',
        'case "$mode" in',
        `  ${modes}) exit 0 ;;`,
        "esac",
        'echo "not serving in a quorum (srvr mode: ${mode:-no answer})" >&2',
        "exit 1",
        "",
    ].join("\n");
}

/** live.sh: succeeds while the server process answers ruok with imok, quorum or not (an election must not restart members). */
export function renderLivenessScript(): string {
    return [
        "#!/usr/bin/env bash",
        "# Liveness: the server process answers; it need not be in a quorum (elections must not restart members).",
        ...fourLetterWordFunction(),
        'reply="$(ask ruok)"',
        '[ "$reply" = "imok" ] && exit 0',
        'echo "no imok from ruok (got: ${reply:-nothing})" >&2',
        "exit 1",
        "",
    ].join("\n");
}
