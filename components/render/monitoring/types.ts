import { ClusterConfig, MonitoringSettings, Topology } from "../../../config";
import { exporterServerLabel } from "./metrics";

/** A PostgreSQL node as the alert rules name it, and as postgres_exporter labels its series. */
export interface MonitoredNode {
    /** The node's stable name (node0, node1, ...), which the project's commands take. */
    readonly name: string;
    /** Its `server` label: `host:port` as the exporter connects to it. */
    readonly server: string;
}

/** What the alert rules and the dashboard are rendered from. */
export interface MonitoringInput {
    /** Thresholds and where alerts go (`pg-ha:monitoring`). */
    readonly settings: MonitoringSettings;
    /** Days full backups are kept (`pg-ha:backup.retentionDays`): no full backup within them pages. */
    readonly backupRetentionDays: number;
    /** Every PostgreSQL node the exporter scrapes. */
    readonly nodes: readonly MonitoredNode[];
    /** Mount point of the nodes' data volume, as node_exporter's `mountpoint` label gives it. */
    readonly dataMountPoint: string;
}

/** The monitoring input of a cluster: its config, the topology the exporter scrapes, and the data mount point. */
export function monitoringInput(config: ClusterConfig, topology: Topology, dataMountPoint: string): MonitoringInput {
    return {
        settings: config.monitoring,
        backupRetentionDays: config.backup.retentionDays,
        nodes: topology.nodes.map((node) => ({ name: node.name, server: exporterServerLabel(node) })),
        dataMountPoint,
    };
}
