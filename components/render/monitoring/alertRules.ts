import { stringify } from "yaml";
import { ARCHIVE_TIMEOUT_SECONDS, SLOT_SUFFIX } from "../postgresqlConf";
import { metric } from "./metrics";
import { MonitoredNode, MonitoringInput } from "./types";

/** `critical` pages someone; `warning` waits for working hours. */
export type AlertSeverity = "critical" | "warning";

/** One Prometheus alerting rule, as the rules file and the README's table show it. */
export interface AlertRule {
    /** The alert's name (its `alertname` label); a per-node rule has one name for every node. */
    readonly alert: string;
    /** PromQL; the alert fires for every series it returns for `for` in a row. */
    readonly expr: string;
    /** How long the condition must hold, a Prometheus duration. */
    readonly for: string;
    /** The `severity` label. */
    readonly severity: AlertSeverity;
    /** One sentence; `{{ $labels.NAME }}` is the only template used. */
    readonly summary: string;
    /** The project command that fixes it. */
    readonly runbook: string;
    /** Labels beside `severity`: the node of a rule rendered once per node. */
    readonly labels: Readonly<Record<string, string>>;
}

/** WAL is archived within archive_timeout of being written; three of them is a stuck archiver. */
export const ARCHIVE_STALENESS_SECONDS = 3 * ARCHIVE_TIMEOUT_SECONDS;

const DAY_SECONDS = 86400;
const MEBIBYTE = 1024 * 1024;
const VERIFY = "npm run verify -- --outputs DIR/outputs.json";
const rejoin = (node: string): string => `npm run rejoin -- --outputs DIR/outputs.json --node ${node}`;
const ARCHIVE_RUNBOOK = "the archive_command's error is in that node's log; once the backup repository answers, npm run backup -- --outputs DIR/outputs.json --type full";
const RESTART_LOCAL_RUN = "npm run local:down -- --state-dir DIR, then npm run local:up -- --state-dir DIR";

const bytes = (count: number): string => (count % MEBIBYTE === 0 ? `${count / MEBIBYTE} MB` : `${count} bytes`);
const percent = (ratio: number): string => `${Number((ratio * 100).toFixed(1))}%`;
const days = (count: number): string => (count === 1 ? "a day" : `${count} days`);
const onServer = (node: MonitoredNode): string => `{server=${JSON.stringify(node.server)}}`;

/** A node the exporter no longer reaches while it reaches others; per node, since absent() has no other labels. */
function nodeDownRule(node: MonitoredNode): AlertRule {
    return {
        alert: "PostgresNodeDown",
        expr: `absent(${metric("pg_static")}${onServer(node)}) and on() (${metric("pg_up")} == 1)`,
        for: "1m",
        severity: "critical",
        summary: `${node.name} (${node.server}) does not answer postgres_exporter while other nodes do`,
        runbook: `${rejoin(node.name)} (Docker and EC2 restart the node, and it rejoins by itself)`,
        labels: { node: node.name },
    };
}

/** A standby without a WAL receiver; per node, so that the runbook names it. */
function replicaNotStreamingRule(node: MonitoredNode): AlertRule {
    return {
        alert: "PostgresReplicaNotStreaming",
        expr: `${metric("pg_ha_standby_wal_receiver_streaming")}${onServer(node)} == 0 and on(server) (${metric("pg_ha_standby_in_recovery")} == 1)`,
        for: "2m",
        severity: "critical",
        summary: `the standby ${node.name} (${node.server}) receives no WAL from the primary`,
        runbook: rejoin(node.name),
        labels: { node: node.name },
    };
}

/** Every alert rule, thresholds from the input. */
export function alertRules(input: MonitoringInput): AlertRule[] {
    const { settings, backupRetentionDays, dataMountPoint } = input;
    const backupAge = (types: string): string => `time() - max(${metric("pg_ha_backup_last_success_timestamp_seconds")}{type=~${JSON.stringify(types)}})`;
    const dataVolume = `{mountpoint=${JSON.stringify(dataMountPoint)}}`;
    return [
        {
            alert: "PostgresExporterDown",
            expr: `absent(${metric("pg_up")})`,
            for: "2m",
            severity: "critical",
            summary: "Prometheus gets nothing from postgres_exporter: every other PostgreSQL alert is blind",
            runbook: `${VERIFY} (check 7 scrapes the exporter); on the local run, ${RESTART_LOCAL_RUN}`,
            labels: {},
        },
        {
            alert: "PostgresNoNodeReachable",
            expr: `${metric("pg_up")} == 0`,
            for: "1m",
            severity: "critical",
            summary: "postgres_exporter reaches no PostgreSQL node",
            runbook: `${VERIFY}; on the local run, ${RESTART_LOCAL_RUN}`,
            labels: {},
        },
        ...input.nodes.map(nodeDownRule),
        {
            alert: "PostgresNoPrimary",
            expr: `absent(${metric("pg_ha_standby_in_recovery")} == 0) and on() (${metric("pg_up")} == 1)`,
            for: "1m",
            severity: "critical",
            summary: "no node answers as primary: writes fail",
            runbook: `${VERIFY} (check 3: what pgpool sees); pgpool promotes a standby within about 10 s of losing the primary, so a longer gap means pgpool itself is down`,
            labels: {},
        },
        {
            alert: "PostgresMultiplePrimaries",
            expr: `(${metric("pg_ha_standby_in_recovery")} == 0) and on() (count(${metric("pg_ha_standby_in_recovery")} == 0) > 1)`,
            for: "30s",
            severity: "critical",
            summary: "{{ $labels.server }} answers as primary, and so does another node (split brain)",
            runbook: `${rejoin("NAME")} for each primary that pgpool does not route writes to (pg_rewind makes it a standby again)`,
            labels: {},
        },
        {
            alert: "PostgresQuorumCommitOff",
            expr: `(${metric("pg_ha_standby_quorum_commit_as_configured")} == 0) and on(server) (${metric("pg_ha_standby_in_recovery")} == 0)`,
            for: "1m",
            severity: "critical",
            summary: "the primary {{ $labels.server }} commits without waiting for a standby (durability preferred, too few standbys stream): losing it now loses what it acknowledged alone",
            runbook: `${VERIFY} (check 2 names the standbys that do not stream); bring them back with ${rejoin("NAME")}; quorum commit returns by itself once enough stream`,
            labels: {},
        },
        ...input.nodes.map(replicaNotStreamingRule),
        {
            alert: "PostgresReplicationLagBytes",
            expr: `max by (application_name) (${metric("pg_ha_replication_lag_bytes")}) > ${settings.lagBytes}`,
            for: "2m",
            severity: "critical",
            summary: `{{ $labels.application_name }} is more than ${bytes(settings.lagBytes)} of WAL behind the primary`,
            runbook: `${VERIFY} (check 6: each replica's lag); if it keeps growing, ${rejoin("{{ $labels.application_name }}")}`,
            labels: {},
        },
        {
            alert: "PostgresReplicationLagSeconds",
            expr: `max by (application_name) (${metric("pg_ha_replication_lag_seconds")}) > ${settings.lagSeconds}`,
            for: "2m",
            severity: "critical",
            summary: `{{ $labels.application_name }} replays more than ${settings.lagSeconds} s behind the primary`,
            runbook: `${VERIFY} (check 6: each replica's lag); if it keeps growing, ${rejoin("{{ $labels.application_name }}")}`,
            labels: {},
        },
        {
            alert: "PostgresReplicationSlotInactive",
            expr: `${metric("pg_replication_slots_active")} == 0 and on(server) (${metric("pg_ha_standby_in_recovery")} == 0)`,
            for: "5m",
            severity: "critical",
            summary: "no standby uses the slot {{ $labels.slot_name }} on the primary {{ $labels.server }}, which keeps WAL for it until its disk fills",
            runbook: `${rejoin("NAME")} for the slot NAME${SLOT_SUFFIX}`,
            labels: {},
        },
        {
            alert: "PgpoolBackendDown",
            // pgpool's status is text: a detached backend is its series with status "down".
            expr: `${metric("pg_ha_pool_nodes_lb_weight")}{status="down"}`,
            for: "1m",
            severity: "critical",
            summary: "pgpool has detached backend {{ $labels.node_id }} ({{ $labels.hostname }}:{{ $labels.port }}, {{ $labels.role }}) and sends it no queries",
            runbook: `${rejoin("NAME")} (NAME: the node pgpool numbers {{ $labels.node_id }}), which waits until pgpool attaches it again; Docker and EC2 nodes rejoin by themselves`,
            labels: {},
        },
        {
            alert: "PostgresConnectionsNearMax",
            expr: `sum by (server) (${metric("pg_stat_activity_count")}) / on(server) ${metric("pg_settings_max_connections")} > ${settings.connectionsRatio}`,
            for: "5m",
            severity: "warning",
            summary: `{{ $labels.server }} has more than ${percent(settings.connectionsRatio)} of max_connections in use`,
            runbook: `${VERIFY}; clients belong behind pgpool (pgpoolConnectionString), and max_connections follows pg-ha:pool: pulumi config set --path pg-ha:pool.numInitChildren N, then pulumi up`,
            labels: {},
        },
        {
            alert: "PostgresWalArchiveFailing",
            expr: `increase(${metric("pg_stat_archiver_failed_count")}[5m]) > 0`,
            for: `${settings.archiveFailureMinutes}m`,
            severity: "critical",
            summary: "archive_command keeps failing on {{ $labels.server }}: WAL piles up and point-in-time restore falls behind",
            runbook: ARCHIVE_RUNBOOK,
            labels: {},
        },
        {
            // An idle primary archives nothing (archive_timeout switches only a segment that holds
            // WAL), so the archive may only be stale while the primary writes WAL.
            alert: "PostgresWalArchiveStale",
            expr: [
                `${metric("pg_stat_archiver_last_archive_age")} > ${ARCHIVE_STALENESS_SECONDS}`,
                `and on(server) (${metric("pg_ha_standby_in_recovery")} == 0)`,
                `and on(server) (max by (server) (delta(${metric("pg_stat_replication_pg_current_wal_lsn_bytes")}[${ARCHIVE_STALENESS_SECONDS}s])) > 0)`,
            ].join("\n"),
            for: "5m",
            severity: "critical",
            summary: `the primary {{ $labels.server }} writes WAL but archived none for over ${ARCHIVE_STALENESS_SECONDS} s (3 x archive_timeout)`,
            runbook: ARCHIVE_RUNBOOK,
            labels: {},
        },
        {
            alert: "PostgresFullBackupMissing",
            expr: `${backupAge("full")} > ${backupRetentionDays} * ${DAY_SECONDS}\nor absent(${metric("pg_ha_backup_last_success_timestamp_seconds")}{type="full"})`,
            for: "1h",
            severity: "critical",
            summary: `no full backup succeeded within the retention window (${days(backupRetentionDays)})`,
            runbook: "npm run backup -- --outputs DIR/outputs.json --type full (Docker and EC2: backup.sh full on the nodes, as under Backups in the README)",
            labels: {},
        },
        {
            alert: "PostgresDifferentialBackupMissing",
            expr: `${backupAge("full|diff")} > ${DAY_SECONDS}`,
            for: "1h",
            severity: "warning",
            summary: "no full or differential backup succeeded within a day",
            runbook: "npm run backup -- --outputs DIR/outputs.json --type diff (Docker and EC2: backup.sh diff on the nodes, as under Backups in the README)",
            labels: {},
        },
        {
            alert: "PostgresDataDiskFilling",
            expr: `${metric("node_filesystem_avail_bytes")}${dataVolume} / ${metric("node_filesystem_size_bytes")}${dataVolume} < ${settings.diskFreeRatio}`,
            for: "10m",
            severity: "warning",
            summary: `the data volume of {{ $labels.instance }} has less than ${percent(settings.diskFreeRatio)} free`,
            runbook: `${VERIFY} (check 2: a standby that does not stream leaves its slot keeping WAL); then free space or grow the data volume`,
            labels: {},
        },
        {
            alert: "CertificateExpiringSoon",
            // Every node's exporter query reports every service's certificate: one series per service.
            expr: `min by (service) (${metric("pg_ha_certificate_expiry_timestamp_seconds")}) - time() < ${settings.certificateDays} * ${DAY_SECONDS}`,
            for: "1h",
            severity: "warning",
            summary: `the server certificate of {{ $labels.service }} expires within ${days(settings.certificateDays)}`,
            runbook: "pulumi up --stack STACK --replace URN for each tls:index/locallySignedCert (README: certificates are not renewed by themselves), then npm run verify -- --outputs FILE",
            labels: {},
        },
    ];
}

/** The Prometheus rules file: one group with every rule. */
export function renderAlertRules(input: MonitoringInput): string {
    return stringify({
        groups: [{
            name: "pg-ha",
            rules: alertRules(input).map((rule) => ({
                alert: rule.alert,
                expr: rule.expr,
                for: rule.for,
                labels: { severity: rule.severity, ...rule.labels },
                annotations: { summary: rule.summary, runbook: rule.runbook },
            })),
        }],
    }, { lineWidth: 0 });
}
