import { PostgresEndpoint, ROLE_NAMES } from "../../config";
import { conninfo, shellQuote } from "./confSyntax";
import { renderClusterShellLib } from "./clusterShell";
import { CA_CERT_FILE, PGPASS_FILE } from "./postgresqlConf";
import { RenderContext } from "./types";

export const REJOIN_SCRIPT = "rejoin.sh";

/**
 * `rejoin.sh PRIMARY_ID`, run on a node's host as its service user with its server stopped:
 * makes a former primary (or a standby left behind) a standby of the current primary. Creates its
 * slot there, rewinds the data directory with pg_rewind (which runs crash recovery first when the
 * server was killed), drops the slots the node held as primary, and points it at the primary.
 * Starting the server (start.sh) then brings it up streaming.
 */
export function renderRejoinScript(context: RenderContext, node: PostgresEndpoint): string {
    const paths = context.layout.postgres(node.name);
    const source = conninfo({ user: ROLE_NAMES.superuser, dbname: "postgres", sslmode: "verify-full", sslrootcert: `${paths.runDir}/${CA_CERT_FILE}`, connect_timeout: 5 });
    return [
        "#!/bin/bash",
        `# Rejoin ${node.name} to the cluster as a standby of the current primary (pg_rewind).`,
        "# Rendered by pg-ha-stack; run as the PostgreSQL user with the server stopped.",
        "set -euo pipefail",
        "readonly SCRIPT=rejoin",
        `readonly RUN_DIR=${shellQuote(paths.runDir)}`,
        `readonly DATA_DIR=${shellQuote(paths.dataDir)}`,
        `readonly BIN_DIR=${shellQuote(paths.binDir)}`,
        `readonly SELF_ID=${node.index}`,
        ...renderClusterShellLib(context, paths.runDir, paths.binDir),
        `export PGPASSFILE="$RUN_DIR/${PGPASS_FILE}"`,
        "export HOME=\"$RUN_DIR\"",
        "",
        "primary_id=${1:?usage: rejoin.sh PRIMARY_NODE_ID}",
        "if [ \"$primary_id\" = \"$SELF_ID\" ]; then log \"${NODE_NAMES[$SELF_ID]} is the primary: nothing to rejoin\"; exit 1; fi",
        "if \"$BIN_DIR/pg_ctl\" -D \"$DATA_DIR\" status >/dev/null 2>&1; then log \"stop ${NODE_NAMES[$SELF_ID]} first: pg_rewind needs the server down\"; exit 1; fi",
        "if [ \"$(sql \"$primary_id\" \"SELECT pg_is_in_recovery()\")\" != f ]; then log \"${NODE_NAMES[$primary_id]} is not a primary\"; exit 1; fi",
        "ensure_slot \"$primary_id\" \"$SELF_ID\"",
        "# A new primary's end-of-recovery checkpoint is spread out; until it ends, its control file",
        "# still names the old timeline and pg_rewind would answer \"no rewind required\".",
        "sql \"$primary_id\" \"CHECKPOINT\" >/dev/null",
        "log \"rewinding ${NODE_NAMES[$SELF_ID]} to ${NODE_NAMES[$primary_id]}'s timeline\"",
        `"$BIN_DIR/pg_rewind" -D "$DATA_DIR" --source-server="host=\${NODE_HOSTS[$primary_id]} port=\${NODE_PORTS[$primary_id]} ${source}" >&2`,
        "# Slots this node kept as primary would hold WAL here for standbys that no longer use them.",
        "find \"$DATA_DIR/pg_replslot\" -mindepth 1 -maxdepth 1 -exec rm -rf {} +",
        "# pg_rewind copied the source's postgresql.auto.conf: keep all but the upstream and quorum settings.",
        "auto=\"$DATA_DIR/postgresql.auto.conf\"",
        "grep -vE '^(primary_conninfo|primary_slot_name|synchronous_standby_names) ' \"$auto\" > \"$auto.new\" || true",
        "printf \"primary_conninfo = '%s'\\nprimary_slot_name = '%s'\\n\" \"${UPSTREAM_CONNINFO[$SELF_ID:$primary_id]}\" \"${NODE_SLOTS[$SELF_ID]}\" >> \"$auto.new\"",
        "mv \"$auto.new\" \"$auto\"",
        "touch \"$DATA_DIR/standby.signal\"",
        "log \"${NODE_NAMES[$SELF_ID]} rewound; starting it makes it stream from ${NODE_NAMES[$primary_id]}\"",
        "",
    ].join("\n");
}
