import { PostgresEndpoint, ROLE_NAMES } from "../../../config";
import { ConnectionParts, retryingTransient, withClient } from "../pg";
import { LocalCluster } from "./localCluster";

export interface PoolNodeState {
    readonly nodeId: number;
    readonly status: string;
    readonly role: string;
}

/** The application user's connection through pgpool, as clients have it. */
export function appThroughPgpool(cluster: LocalCluster): ConnectionParts {
    const { topology, config, secrets } = cluster;
    return { host: topology.pgpool.host, port: topology.pgpool.port, user: config.appUser, password: secrets.passwords.app, database: config.databaseName };
}

/** pgpool's view, through pgpool itself as the application user. */
export async function poolNodes(cluster: LocalCluster): Promise<PoolNodeState[]> {
    const { secrets } = cluster;
    return retryingTransient(() => withClient(appThroughPgpool(cluster), { caPem: secrets.pki.caCertPem, connectTimeoutMs: 2000 }, async (client) => (await client.query<{ node_id: string; status: string; role: string }>("SHOW POOL_NODES")).rows
        .map((row) => ({ nodeId: Number(row.node_id), status: row.status, role: row.role }))));
}

/** The node pgpool sends writes to. */
export async function currentPrimary(cluster: LocalCluster): Promise<PostgresEndpoint> {
    const primaries = (await poolNodes(cluster)).filter((node) => node.role === "primary" && node.status !== "down");
    const node = cluster.topology.nodes[primaries[0]?.nodeId ?? -1];
    if (primaries.length !== 1 || node === undefined) throw new Error(`pgpool sees ${primaries.length} live primaries`);
    return node;
}

/** Superuser connection to a node, for the scripts' own checks. */
export function superuserOn(cluster: LocalCluster, node: PostgresEndpoint): ConnectionParts {
    return { host: node.host, port: node.port, user: ROLE_NAMES.superuser, password: cluster.secrets.passwords.superuser, database: "postgres" };
}

/** Whether a node answers as primary now; false when it does not answer within `connectTimeoutMs`. */
export async function answersAsPrimary(cluster: LocalCluster, node: PostgresEndpoint, connectTimeoutMs = 1000): Promise<boolean> {
    return withClient(superuserOn(cluster, node), { caPem: cluster.secrets.pki.caCertPem, connectTimeoutMs }, async (client) =>
        (await client.query<{ primary: boolean }>("SELECT NOT pg_is_in_recovery() AS primary")).rows[0]!.primary).catch(() => false);
}
