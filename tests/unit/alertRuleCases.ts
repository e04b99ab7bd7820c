import { MonitoredNode, MonitoringInput } from "../../components/render";
import { SLOT_SUFFIX } from "../../components/render/postgresqlConf";

/**
 * For every alert rule, cases where it must fire and cases where it must not, as series and
 * expected alerts for `promtool test rules`. Values follow the input's thresholds, so the same
 * cases hold whatever pg-ha:monitoring says. Times count from 0, the start of promtool's series.
 */

/** One input series in promtool's expanding notation: `1x10` is eleven 1s, `0+60x10` counts up. */
export interface InputSeries {
    readonly series: string;
    readonly values: string;
}

export interface AlertCase {
    readonly alert: string;
    readonly name: string;
    readonly input: readonly InputSeries[];
    /** When the rules are evaluated, a Prometheus duration from 0. */
    readonly at: string;
    /** The labels of each alert that must be firing then, as the expression returns them (and a per-node rule's node); none: it must not fire. */
    readonly fires: readonly Readonly<Record<string, string>>[];
}

const DAY = 86400;
/** Series postgres_exporter exports carry the scrape's labels, as Prometheus adds them. */
const EXPORTER = { instance: "exporter:9187", job: "postgres" } as const;
const POOL_EXPORTER = { instance: "pool-exporter:9719", job: "pool_exporter" } as const;

function series(name: string, labels: Readonly<Record<string, string>>, values: string): InputSeries {
    const matchers = Object.entries(labels).map(([label, value]) => `${label}=${JSON.stringify(value)}`).join(",");
    return { series: `${name}{${matchers}}`, values };
}

const up = (values: string): InputSeries => series("pg_up", EXPORTER, values);
const onNode = (node: MonitoredNode) => ({ ...EXPORTER, server: node.server });
const statics = (nodes: readonly MonitoredNode[]): InputSeries[] => nodes.map((node) => series("pg_static", { ...onNode(node), short_version: "15.18.0", version: "PostgreSQL 15.18" }, "1x15"));
/** pg_ha_standby_in_recovery of each node: the primaries 0, the others 1. */
const roles = (nodes: readonly MonitoredNode[], primaries: readonly MonitoredNode[]): InputSeries[] =>
    nodes.map((node) => series("pg_ha_standby_in_recovery", onNode(node), primaries.includes(node) ? "0x15" : "1x15"));
const streaming = (node: MonitoredNode, values: string): InputSeries => series("pg_ha_standby_wal_receiver_streaming", onNode(node), values);
const quorum = (node: MonitoredNode, values: string): InputSeries => series("pg_ha_standby_quorum_commit_as_configured", onNode(node), values);

function replicationLag(column: "lag_bytes" | "lag_seconds", primary: MonitoredNode, standby: MonitoredNode, values: string): InputSeries {
    return series(`pg_ha_replication_${column}`, { ...onNode(primary), application_name: standby.name, state: "streaming", sync_state: "quorum", slot_name: `${standby.name}${SLOT_SUFFIX}` }, values);
}

function walPosition(primary: MonitoredNode, standby: MonitoredNode, values: string): InputSeries {
    return series("pg_stat_replication_pg_current_wal_lsn_bytes", { ...onNode(primary), application_name: standby.name, client_addr: "172.28.40.3", state: "streaming" }, values);
}

const backup = (type: string, finishedAt: number): InputSeries =>
    series("pg_ha_backup_last_success_timestamp_seconds", { ...EXPORTER, server: "node1:5432", type }, `${finishedAt}x130`);

function filesystem(mountpoint: string, sizeBytes: number, availBytes: number): InputSeries[] {
    const labels = { instance: "node0:9100", job: "node", device: "/dev/nvme1n1", fstype: "ext4", mountpoint };
    return [series("node_filesystem_size_bytes", labels, `${sizeBytes}x15`), series("node_filesystem_avail_bytes", labels, `${availBytes}x15`)];
}

function perNodeCases(input: MonitoringInput): AlertCase[] {
    const { nodes } = input;
    const [primary] = nodes;
    return nodes.flatMap((node): AlertCase[] => {
        const others = nodes.filter((other) => other !== node);
        return [
            {
                alert: "PostgresNodeDown", name: `${node.name} gone from a scrape that reaches the others`, at: "10m",
                input: [up("1x15"), ...statics(others)],
                fires: [{ server: node.server, node: node.name }],
            },
            {
                alert: "PostgresReplicaNotStreaming", name: `${node.name} a standby without a WAL receiver`, at: "10m",
                input: [...roles(nodes, others.slice(0, 1)), streaming(node, "0x15"), ...others.map((other) => streaming(other, "1x15"))],
                fires: [{ ...onNode(node), node: node.name }],
            },
        ];
    }).concat([
        { alert: "PostgresNodeDown", name: "every node answers", at: "10m", input: [up("1x15"), ...statics(nodes)], fires: [] },
        { alert: "PostgresNodeDown", name: "no node answers: PostgresNoNodeReachable pages instead", at: "10m", input: [up("0x15")], fires: [] },
        {
            alert: "PostgresReplicaNotStreaming", name: "every standby streams; the primary has no WAL receiver", at: "10m",
            input: [...roles(nodes, [primary!]), ...nodes.map((node) => streaming(node, node === primary ? "0x15" : "1x15"))],
            fires: [],
        },
    ]);
}

export function alertCases(input: MonitoringInput): AlertCase[] {
    const { settings, nodes, dataMountPoint, backupRetentionDays } = input;
    const [primary, standby, secondStandby] = nodes;
    if (primary === undefined || standby === undefined || secondStandby === undefined) throw new Error("the cases need a primary and two standbys");
    const maxConnections = 148;
    const inUse = (count: number): InputSeries[] => [
        series("pg_stat_activity_count", { ...onNode(primary), datname: "edufarm", state: "active" }, `${Math.ceil(count / 2)}x15`),
        series("pg_stat_activity_count", { ...onNode(primary), datname: "edufarm", state: "idle" }, `${Math.floor(count / 2)}x15`),
        series("pg_settings_max_connections", onNode(primary), `${maxConnections}x15`),
    ];
    const diskSize = 100 * 1024 ** 3;
    // Every node's exporter reports it; one of them (a node that restarted later) is a day late.
    const certificate = (expiresAt: number): InputSeries[] => nodes.map((node, i) =>
        series("pg_ha_certificate_expiry_timestamp_seconds", { ...onNode(node), service: "pgpool" }, `${expiresAt + (i === 0 ? DAY : 0)}x130`));
    const poolNode = (node: MonitoredNode, index: number, status: string): InputSeries => series("pg_ha_pool_nodes_lb_weight", {
        ...POOL_EXPORTER, server: "pgpool:5430", node_id: String(index), hostname: node.name, port: String(5432 + index), status, pg_status: status === "down" ? "down" : "up", role: index === 0 ? "primary" : "standby",
    }, "0.333333x15");
    const lag = (column: "lag_bytes" | "lag_seconds", threshold: number) => ({
        over: [replicationLag(column, primary, standby, `${threshold * 2}x15`), replicationLag(column, primary, secondStandby, "0x15")],
        atThreshold: [replicationLag(column, primary, standby, `${threshold}x15`)],
        burst: [replicationLag(column, primary, standby, `0x4 ${threshold * 2} 0x10`)],
    });
    const lagBytes = lag("lag_bytes", settings.lagBytes);
    const lagSeconds = lag("lag_seconds", settings.lagSeconds);
    return [
        { alert: "PostgresExporterDown", name: "no pg_up at all", at: "10m", input: [series("up", { instance: "node0:9100", job: "node" }, "1x15")], fires: [{}] },
        { alert: "PostgresExporterDown", name: "the exporter is scraped", at: "10m", input: [up("1x15")], fires: [] },

        { alert: "PostgresNoNodeReachable", name: "pg_up 0", at: "10m", input: [up("0x15")], fires: [{ ...EXPORTER }] },
        { alert: "PostgresNoNodeReachable", name: "pg_up 1", at: "10m", input: [up("1x15")], fires: [] },

        ...perNodeCases(input),

        { alert: "PostgresNoPrimary", name: "every node in recovery", at: "10m", input: [up("1x15"), ...roles(nodes, [])], fires: [{}] },
        { alert: "PostgresNoPrimary", name: "one primary", at: "10m", input: [up("1x15"), ...roles(nodes, [primary])], fires: [] },
        { alert: "PostgresNoPrimary", name: "no node answers: PostgresNoNodeReachable pages instead", at: "10m", input: [up("0x15")], fires: [] },

        {
            alert: "PostgresMultiplePrimaries", name: "two nodes out of recovery", at: "10m", input: roles(nodes, [primary, standby]),
            fires: [onNode(primary), onNode(standby)],
        },
        { alert: "PostgresMultiplePrimaries", name: "one primary", at: "10m", input: roles(nodes, [primary]), fires: [] },

        {
            alert: "PostgresQuorumCommitOff", name: "the primary's quorum commit turned off", at: "10m",
            input: [...roles(nodes, [primary]), quorum(primary, "0x15"), quorum(standby, "1x15"), quorum(secondStandby, "1x15")],
            fires: [onNode(primary)],
        },
        {
            alert: "PostgresQuorumCommitOff", name: "as configured on the primary (a standby's setting is not used)", at: "10m",
            input: [...roles(nodes, [primary]), quorum(primary, "1x15"), quorum(standby, "0x15")],
            fires: [],
        },
        {
            alert: "PostgresQuorumCommitOff", name: "off for less than for", at: "10m",
            input: [...roles(nodes, [primary]), quorum(primary, "1x8 0 1x6")],
            fires: [],
        },

        { alert: "PostgresReplicationLagBytes", name: "twice the threshold behind", at: "10m", input: lagBytes.over, fires: [{ application_name: standby.name }] },
        { alert: "PostgresReplicationLagBytes", name: "at the threshold", at: "10m", input: lagBytes.atThreshold, fires: [] },
        { alert: "PostgresReplicationLagBytes", name: "a burst shorter than for", at: "10m", input: lagBytes.burst, fires: [] },
        { alert: "PostgresReplicationLagSeconds", name: "twice the threshold behind", at: "10m", input: lagSeconds.over, fires: [{ application_name: standby.name }] },
        { alert: "PostgresReplicationLagSeconds", name: "at the threshold", at: "10m", input: lagSeconds.atThreshold, fires: [] },
        { alert: "PostgresReplicationLagSeconds", name: "a burst shorter than for", at: "10m", input: lagSeconds.burst, fires: [] },

        {
            alert: "PostgresReplicationSlotInactive", name: "a slot on the primary nobody streams from", at: "10m",
            input: [
                ...roles(nodes, [primary]),
                series("pg_replication_slots_active", { ...onNode(primary), slot_name: `${standby.name}${SLOT_SUFFIX}` }, "1x15"),
                series("pg_replication_slots_active", { ...onNode(primary), slot_name: `${secondStandby.name}${SLOT_SUFFIX}` }, "0x15"),
            ],
            fires: [{ ...onNode(primary), slot_name: `${secondStandby.name}${SLOT_SUFFIX}` }],
        },
        {
            alert: "PostgresReplicationSlotInactive", name: "the primary's slots in use; a standby's leftover slot is not the primary's", at: "10m",
            input: [
                ...roles(nodes, [primary]),
                series("pg_replication_slots_active", { ...onNode(primary), slot_name: `${standby.name}${SLOT_SUFFIX}` }, "1x15"),
                series("pg_replication_slots_active", { ...onNode(standby), slot_name: `${secondStandby.name}${SLOT_SUFFIX}` }, "0x15"),
            ],
            fires: [],
        },

        {
            alert: "PgpoolBackendDown", name: "pgpool detached a standby", at: "10m",
            input: [poolNode(primary, 0, "up"), poolNode(standby, 1, "down")],
            fires: [{ ...POOL_EXPORTER, server: "pgpool:5430", node_id: "1", hostname: standby.name, port: "5433", status: "down", pg_status: "down", role: "standby" }],
        },
        { alert: "PgpoolBackendDown", name: "every backend up or waiting", at: "10m", input: [poolNode(primary, 0, "up"), poolNode(standby, 1, "waiting")], fires: [] },

        {
            alert: "PostgresConnectionsNearMax", name: "above the share of max_connections", at: "10m",
            input: inUse(Math.floor(maxConnections * settings.connectionsRatio) + 1), fires: [{ server: primary.server }],
        },
        {
            alert: "PostgresConnectionsNearMax", name: "below the share of max_connections", at: "10m",
            input: inUse(Math.ceil(maxConnections * settings.connectionsRatio) - 1), fires: [],
        },

        {
            alert: "PostgresWalArchiveFailing", name: "a failure every minute", at: `${settings.archiveFailureMinutes + 5}m`,
            input: [series("pg_stat_archiver_failed_count", onNode(primary), `0+1x${settings.archiveFailureMinutes + 10}`)], fires: [onNode(primary)],
        },
        // One failure keeps increase() over 5m above 0 for 5 minutes: quiet only when the rule waits longer.
        settings.archiveFailureMinutes > 5 ? {
            alert: "PostgresWalArchiveFailing", name: "one failure that the next attempt fixed", at: `${settings.archiveFailureMinutes + 5}m`,
            input: [series("pg_stat_archiver_failed_count", onNode(primary), `0x5 1x${settings.archiveFailureMinutes + 5}`)], fires: [],
        } : {
            alert: "PostgresWalArchiveFailing", name: "no failure", at: `${settings.archiveFailureMinutes + 5}m`,
            input: [series("pg_stat_archiver_failed_count", onNode(primary), `0x${settings.archiveFailureMinutes + 10}`)], fires: [],
        },

        {
            alert: "PostgresWalArchiveStale", name: "the primary writes WAL and archives none", at: "15m",
            input: [...roles(nodes, [primary]), series("pg_stat_archiver_last_archive_age", onNode(primary), "0+60x30"), walPosition(primary, standby, "0+16777216x30")],
            fires: [onNode(primary)],
        },
        {
            alert: "PostgresWalArchiveStale", name: "an idle primary: nothing to archive", at: "15m",
            input: [...roles(nodes, [primary]), series("pg_stat_archiver_last_archive_age", onNode(primary), "0+60x30"), walPosition(primary, standby, "16777216x30")],
            fires: [],
        },
        {
            alert: "PostgresWalArchiveStale", name: "the primary writes WAL and archives it", at: "15m",
            input: [...roles(nodes, [primary]), series("pg_stat_archiver_last_archive_age", onNode(primary), "30x30"), walPosition(primary, standby, "0+16777216x30")],
            fires: [],
        },

        {
            alert: "PostgresFullBackupMissing", name: "the last full backup is older than the retention window", at: "2h",
            input: [backup("full", -(backupRetentionDays + 1) * DAY), backup("diff", 0)], fires: [{}],
        },
        { alert: "PostgresFullBackupMissing", name: "no full backup at all", at: "2h", input: [backup("diff", 0)], fires: [{ type: "full" }] },
        { alert: "PostgresFullBackupMissing", name: "a full backup at the start", at: "2h", input: [backup("full", 0)], fires: [] },

        {
            alert: "PostgresDifferentialBackupMissing", name: "the newest backup is over a day old", at: "2h",
            input: [backup("full", -3 * DAY), backup("diff", -DAY - 3600)], fires: [{}],
        },
        { alert: "PostgresDifferentialBackupMissing", name: "a differential half a day ago", at: "2h", input: [backup("full", -3 * DAY), backup("diff", -DAY / 2)], fires: [] },
        { alert: "PostgresDifferentialBackupMissing", name: "Sunday's full backup stands in for a differential", at: "2h", input: [backup("full", -DAY / 2), backup("diff", -6 * DAY)], fires: [] },

        {
            alert: "PostgresDataDiskFilling", name: "half the free share left", at: "15m",
            input: filesystem(dataMountPoint, diskSize, Math.floor(diskSize * settings.diskFreeRatio / 2)),
            fires: [{ instance: "node0:9100", job: "node", device: "/dev/nvme1n1", fstype: "ext4", mountpoint: dataMountPoint }],
        },
        {
            alert: "PostgresDataDiskFilling", name: "plenty free on the data volume; the root filesystem is not the data volume", at: "15m",
            input: [...filesystem(dataMountPoint, diskSize, Math.floor(diskSize * (1 + settings.diskFreeRatio) / 2)), ...filesystem("/", diskSize, 0)],
            fires: [],
        },

        {
            alert: "CertificateExpiringSoon", name: "a day inside the threshold", at: "2h",
            input: certificate((settings.certificateDays - 1) * DAY), fires: [{ service: "pgpool" }],
        },
        { alert: "CertificateExpiringSoon", name: "a day beyond the threshold", at: "2h", input: certificate((settings.certificateDays + 1) * DAY), fires: [] },
    ];
}
