import { StackOutputs, STATUS_SCHEMA } from "../../../components/render";
import { ConnectionParts, ConnectOptions, parsePostgresUri, withClient } from "../pg";

/** How long one node or pgpool may take to answer before it counts as not answering. */
export const STATUS_TIMEOUT_MS = 3000;

/** What one PostgreSQL node says of itself, and what the primary and pgpool say of it. */
export interface NodeState {
    /** node0, node1...: the node's index in the outputs, which is its pgpool node id. */
    readonly name: string;
    readonly endpoint: string;
    /** The error when it did not answer within STATUS_TIMEOUT_MS; undefined when it answered. */
    readonly error?: string;
    readonly role?: "primary" | "standby";
    /** Its WAL position: written (primary) or replayed (standby). */
    readonly lsn?: string;
    /** A standby's WAL receiver: its status and the host:port it receives from. */
    readonly receiver?: { readonly status: string; readonly from: string };
    /** The primary's view of a standby: pg_stat_replication's state, sync state and replay lag. */
    readonly replication?: { readonly state: string; readonly syncState: string; readonly lagBytes: number; readonly slotActive: boolean };
    /** pgpool's view: status (up, waiting, down) and role. */
    readonly pool?: { readonly status: string; readonly role: string };
}

export interface ClusterState {
    readonly nodes: readonly NodeState[];
    /** The error when pgpool did not answer; undefined when it did. */
    readonly pgpoolError?: string;
    /** What is wrong, one line each; empty on a healthy cluster. */
    readonly problems: readonly string[];
}

interface ReplicationRow { application_name: string; state: string; sync_state: string; slot_active: boolean; lag_bytes: string }
interface PoolNodeRow { node_id: string; status: string; role: string }

const endpointOf = (parts: ConnectionParts) => `${parts.host}:${parts.port}`;

/** Every session of status: TLS against the cluster CA, connect and each query bounded. */
const boundedTo = (caPem: string): ConnectOptions => ({ caPem, connectTimeoutMs: STATUS_TIMEOUT_MS, queryTimeoutMs: STATUS_TIMEOUT_MS });

async function nodeState(name: string, parts: ConnectionParts, caPem: string): Promise<NodeState> {
    const endpoint = endpointOf(parts);
    try {
        return await withClient(parts, boundedTo(caPem), async (client) => {
            const self = (await client.query<{ standby: boolean; lsn: string }>(
                "SELECT pg_is_in_recovery() AS standby, (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text AS lsn")).rows[0]!;
            if (!self.standby) return { name, endpoint, role: "primary" as const, lsn: self.lsn };
            const receiver = (await client.query<{ status: string; sender_host: string | null; sender_port: number | null }>(`SELECT status, sender_host, sender_port FROM ${STATUS_SCHEMA}.wal_receiver()`)).rows[0];
            return { name, endpoint, role: "standby" as const, lsn: self.lsn, receiver: receiver === undefined ? undefined : { status: receiver.status, from: `${receiver.sender_host ?? "?"}:${receiver.sender_port ?? "?"}` } };
        });
    } catch (error) {
        return { name, endpoint, error: (error as Error).message };
    }
}

/**
 * The cluster's state from its stack outputs, on any platform whose endpoints this machine
 * reaches: each node asked for its role, WAL position and upstream, the primary for its standbys,
 * pgpool for its view (SHOW POOL_NODES). Every question is bounded by STATUS_TIMEOUT_MS, so a
 * node that hangs is reported, not waited for.
 */
export async function clusterState(outputs: StackOutputs): Promise<ClusterState> {
    const caPem = outputs.caCertificate;
    const endpoints = [outputs.primaryConnectionString, ...outputs.replicaConnectionStrings].map(parsePostgresUri);
    const pgpool = parsePostgresUri(outputs.pgpoolConnectionString);
    const [selves, pool] = await Promise.all([
        Promise.all(endpoints.map((parts, index) => nodeState(`node${index}`, parts, caPem))),
        withClient(pgpool, boundedTo(caPem), async (client) => (await client.query<PoolNodeRow>("SHOW POOL_NODES")).rows)
            .then((rows) => ({ rows }), (error: Error) => ({ error: error.message })),
    ]);
    const primaries = selves.filter((node) => node.role === "primary");
    const replication = new Map<string, ReplicationRow>();
    if (primaries.length === 1) {
        const primary = endpoints[selves.indexOf(primaries[0]!)]!;
        const rows = await withClient(primary, boundedTo(caPem), async (client) => (await client.query<ReplicationRow>(`SELECT * FROM ${STATUS_SCHEMA}.replication()`)).rows).catch(() => []);
        for (const row of rows) replication.set(row.application_name, row);
    }
    const poolRows = "rows" in pool ? pool.rows : [];
    const nodes = selves.map((node, index): NodeState => {
        const row = replication.get(node.name);
        const poolRow = poolRows.find((candidate) => Number(candidate.node_id) === index);
        return {
            ...node,
            replication: row === undefined ? undefined : { state: row.state, syncState: row.sync_state, lagBytes: Number(row.lag_bytes), slotActive: row.slot_active },
            pool: poolRow === undefined ? undefined : { status: poolRow.status, role: poolRow.role },
        };
    });
    const problems: string[] = [];
    if (primaries.length !== 1) problems.push(`${primaries.length} nodes answer as primary${primaries.length > 1 ? `: ${primaries.map((node) => node.name).join(", ")}` : ""}`);
    for (const node of nodes) {
        if (node.error !== undefined) problems.push(`${node.name} does not answer: ${node.error}`);
        else if (node.role === "standby" && primaries.length === 1 && node.replication?.state !== "streaming") problems.push(`${node.name} does not stream from the primary ${primaries[0]!.name}`);
        if (node.pool !== undefined && node.pool.status === "down") problems.push(`pgpool has ${node.name} down`);
    }
    const poolPrimaries = poolRows.filter((row) => row.role === "primary").length;
    if ("error" in pool) problems.push(`pgpool does not answer: ${pool.error}`);
    else if (poolPrimaries !== 1) problems.push(`pgpool sees ${poolPrimaries} primaries`);
    return { nodes, pgpoolError: "error" in pool ? pool.error : undefined, problems };
}

/** Whether `node` streams from the primary and pgpool has it up: a standby back in the cluster. */
export function isFollowing(node: NodeState | undefined): boolean {
    return node?.role === "standby" && node.replication?.state === "streaming" && node.pool?.status === "up";
}

/** true when the node named `name` follows (see isFollowing), else what it is doing instead, for a wait's message. */
export function followingOrWhy(state: ClusterState, name: string): true | string {
    const node = state.nodes.find((candidate) => candidate.name === name);
    return isFollowing(node) || `${name}: ${node?.error ?? `${node?.role ?? "?"}, replication ${node?.replication?.state ?? "none"}, pgpool ${node?.pool?.status ?? "?"}`}`;
}

/** The state as a table, then its problems (or "healthy"). */
export function formatClusterState(state: ClusterState): string {
    const header = ["node", "endpoint", "role", "wal", "upstream", "replication", "lag", "pgpool"];
    const rows = state.nodes.map((node) => [
        node.name,
        node.endpoint,
        node.role ?? "no answer",
        node.lsn ?? "-",
        node.receiver === undefined ? "-" : `${node.receiver.status} from ${node.receiver.from}`,
        node.replication === undefined ? "-" : `${node.replication.state} ${node.replication.syncState}${node.replication.slotActive ? "" : " (slot inactive)"}`,
        node.replication === undefined ? "-" : `${node.replication.lagBytes} B`,
        node.pool === undefined ? (state.pgpoolError === undefined ? "not listed" : "-") : `${node.pool.status} ${node.pool.role}`,
    ]);
    const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
    const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd();
    return [line(header), ...rows.map(line), "", ...(state.problems.length === 0 ? ["healthy"] : state.problems)].join("\n");
}
