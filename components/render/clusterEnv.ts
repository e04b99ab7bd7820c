import { CLUSTER_ENV_FILE, envFile } from "./envFile";
import { renderAsset } from "./assets";
import { primaryConninfo, replicationSlotName, SLOT_SUFFIX } from "./postgresqlConf";
import { RenderContext, RenderedFile } from "./types";

/** SQL: application_name of every standby the server streams to through its own slot. */
export function streamingStandbysSql(): string {
    return renderAsset("sql/streaming-standbys.sql", { SLOT_SUFFIX }).trim();
}

/**
 * cluster.env: the node table every script of the cluster sources (ids, names, hosts, ports,
 * slots), the primary_conninfo each standby gets for each possible primary (made by the same
 * renderer as postgresql.conf), quorum commit, and the streaming check. The same on every host.
 */
export function clusterEnvFile(context: RenderContext): RenderedFile {
    const nodes = context.topology.nodes;
    const upstream: Record<string, string> = {};
    for (const standby of nodes) {
        for (const primary of nodes) {
            if (standby.index !== primary.index) upstream[`${standby.index}:${primary.index}`] = primaryConninfo(context, standby.name, primary);
        }
    }
    return envFile(CLUSTER_ENV_FILE, "The cluster's node table, sourced by its scripts; index = pgpool's node id.", {
        NODE_NAMES: nodes.map((node) => node.name),
        NODE_HOSTS: nodes.map((node) => node.host),
        NODE_PORTS: nodes.map((node) => node.port),
        NODE_SLOTS: nodes.map((node) => replicationSlotName(node.name)),
        UPSTREAM_CONNINFO: upstream,
        SYNCHRONOUS_REPLICAS: context.config.synchronousReplicas,
        STREAMING_STANDBYS_SQL: streamingStandbysSql(),
    });
}
