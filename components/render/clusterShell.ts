import { ROLE_NAMES } from "../../config";
import { conninfo, shellQuote } from "./confSyntax";
import { CA_CERT_FILE, primaryConninfo, replicationSlotName } from "./postgresqlConf";
import { RenderContext } from "./types";

/**
 * Shell lines shared by the failover, follow-primary and rejoin scripts: the node table (ids,
 * names, hosts, ports, slots), the primary_conninfo each standby gets for each possible primary
 * (made by the same renderer as postgresql.conf), and small helpers. `runDir` holds the CA and the
 * password file of the host the script runs on.
 */
export function renderClusterShellLib(context: RenderContext, runDir: string, clientBinDir: string): string[] {
    const nodes = context.topology.nodes;
    const upstreamLines: string[] = [];
    for (const standby of nodes) {
        for (const primary of nodes) {
            if (standby.index !== primary.index) {
                upstreamLines.push(`    [${standby.index}:${primary.index}]=${shellQuote(primaryConninfo(context, standby.name, primary))}`);
            }
        }
    }
    const admin = conninfo({ user: ROLE_NAMES.superuser, dbname: "postgres", sslmode: "verify-full", sslrootcert: `${runDir}/${CA_CERT_FILE}`, connect_timeout: 2, application_name: "pg-ha-failover" });
    return [
        `readonly PSQL=${shellQuote(`${clientBinDir}/psql`)}`,
        `readonly NODE_NAMES=(${nodes.map((node) => node.name).join(" ")})`,
        `readonly NODE_HOSTS=(${nodes.map((node) => shellQuote(node.host)).join(" ")})`,
        `readonly NODE_PORTS=(${nodes.map((node) => node.port).join(" ")})`,
        `readonly NODE_SLOTS=(${nodes.map((node) => replicationSlotName(node.name)).join(" ")})`,
        "# primary_conninfo of standby S when it follows primary P, keyed S:P (the follow and rejoin scripts use it).",
        "# shellcheck disable=SC2034",
        "declare -rA UPSTREAM_CONNINFO=(",
        ...upstreamLines,
        ")",
        "# shellcheck disable=SC2034 # read by the failover and follow scripts only",
        `readonly SYNCHRONOUS_REPLICAS=${context.config.synchronousReplicas}`,
        "",
        "# Milliseconds since the epoch without a fork: on a busy host during failover every fork counts.",
        "now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }",
        "log() { printf '%(%FT%T)TZ pg-ha %s: %s\\n' -1 \"$SCRIPT\" \"$*\" >&2; }",
        "",
        "# sql NODE_ID SQL...: runs each statement as the superuser on that node; prints unaligned rows.",
        "sql() {",
        "    local id=$1",
        "    shift",
        "    local commands=()",
        "    for statement in \"$@\"; do commands+=(-c \"$statement\"); done",
        `    "$PSQL" -X -At -q -v ON_ERROR_STOP=1 -d "host=\${NODE_HOSTS[$id]} port=\${NODE_PORTS[$id]} ${admin}" "\${commands[@]}"`,
        "}",
        "",
        "# ensure_slot PRIMARY_ID STANDBY_ID: the standby's slot on the primary, created when missing.",
        "ensure_slot() {",
        "    sql \"$1\" \"SELECT pg_create_physical_replication_slot('${NODE_SLOTS[$2]}') WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '${NODE_SLOTS[$2]}')\" >/dev/null",
        "}",
        "",
        "# streams_from PRIMARY_ID STANDBY_ID: true once the primary streams to the standby through its slot.",
        "streams_from() {",
        "    [ \"$(sql \"$1\" \"SELECT count(*) FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid WHERE r.state = 'streaming' AND r.application_name = '${NODE_NAMES[$2]}' AND s.slot_name = '${NODE_SLOTS[$2]}'\" 2>/dev/null)\" = 1 ]",
        "}",
    ];
}
