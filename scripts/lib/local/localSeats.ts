import { PostgresEndpoint } from "../../../config";
import { localHost } from "../operations/hostShell";
import { NodeSeat } from "../operations/nodeSeats";
import { LocalCluster } from "./localCluster";

/** A node of the local run: a process of this machine, as its service user. */
export function localNodeSeat(cluster: LocalCluster, node: PostgresEndpoint): NodeSeat {
    return { name: node.name, host: localHost(cluster.serviceUser, cluster.owner !== undefined), configDir: cluster.context.layout.postgres(node.name).configDir };
}

/** Every node of the local run. */
export function localNodeSeats(cluster: LocalCluster): NodeSeat[] {
    return cluster.topology.nodes.map((node) => localNodeSeat(cluster, node));
}
