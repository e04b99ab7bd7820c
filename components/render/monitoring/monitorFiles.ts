import { CA_CERT_FILE } from "../fileNames";
import { dataMountPoint, listenHostPort } from "../layoutPaths";
import { webServerTlsFiles } from "../tlsFiles";
import { withStartFiles } from "../startScript";
import { RenderContext, RenderedFile, TlsMaterial } from "../types";
import { ALERTMANAGER_CONFIG_FILE, alertmanagerConfigFile } from "./alertmanagerConfig";
import { renderAlertRules } from "./alertRules";
import { renderPrometheusConfig } from "./prometheusConfig";
import { monitoringInput } from "./types";

export const PROMETHEUS_CONFIG_FILE = "prometheus.yml";
export const ALERT_RULES_FILE = "rules.yml";

/**
 * How long Prometheus keeps samples, and the most disk they may take on the front host: the
 * older samples go first when either is reached. About 1,000 series every 15 s take some
 * 30 MB a day, so the size bound is reached only by a cluster far larger than this one.
 */
export const PROMETHEUS_RETENTION = { time: "15d", size: "2GB" } as const;

/** The share of a Go server's memory budget its garbage collector aims to stay under (GOMEMLIMIT). */
const GO_MEMORY_TARGET = 0.8;

/** GOMEMLIMIT for a Go server given `memoryMb`: the collector works harder before the budget is reached, instead of the kernel killing it. */
function goMemoryLimit(memoryMb: number): string {
    return `${Math.floor(memoryMb * GO_MEMORY_TARGET)}MiB`;
}

/**
 * Prometheus's files: prometheus.yml (postgres_exporter over HTTPS with the cluster CA, alerts to
 * Alertmanager over HTTPS), the alert rules, its TLS web config and certificate. Every path in
 * prometheus.yml is in the run folder, where the start script copies the files.
 */
export function renderPrometheusFiles(context: RenderContext, tls: TlsMaterial, memoryMb: number): RenderedFile[] {
    const paths = context.layout.prometheus();
    const { topology } = context;
    const prometheusYml = renderPrometheusConfig({
        rulesFile: `${paths.runDir}/${ALERT_RULES_FILE}`,
        caFile: `${paths.runDir}/${CA_CERT_FILE}`,
        exporter: topology.exporter,
        exporterServerName: topology.exporter.host,
        poolExporter: topology.poolExporter,
        nodeExporters: topology.nodeExporters,
        alertmanager: topology.alertmanager,
    });
    return withStartFiles({
        kind: "prometheus",
        description: "Values of Prometheus for its start script.",
        paths,
        serviceUser: context.layout.serviceUser,
        files: [
            { name: PROMETHEUS_CONFIG_FILE, content: prometheusYml, mode: 0o644, secret: false },
            { name: ALERT_RULES_FILE, content: renderAlertRules(monitoringInput(context.config, topology, dataMountPoint(context.layout, topology.nodes[0]!.name))), mode: 0o644, secret: false },
            ...webServerTlsFiles(paths.runDir, tls),
        ],
        env: {
            PROMETHEUS: context.layout.prometheusBinary,
            LISTEN_ADDRESS: listenHostPort(context.layout, topology.prometheus.port),
            DATA_DIR: paths.dataDir,
            RETENTION_TIME: PROMETHEUS_RETENTION.time,
            RETENTION_SIZE: PROMETHEUS_RETENTION.size,
            GO_MEMORY_LIMIT: goMemoryLimit(memoryMb),
        },
        writableDirs: [paths.dataDir],
    });
}

/**
 * Alertmanager's files: alertmanager.yml (`pg-ha:monitoring.webhookUrl`'s receiver; secret when a
 * URL is set), its TLS web config and certificate. It runs alone: no gossip port.
 */
export function renderAlertmanagerFiles(context: RenderContext, tls: TlsMaterial, memoryMb: number): RenderedFile[] {
    const paths = context.layout.alertmanager();
    return withStartFiles({
        kind: "alertmanager",
        description: "Values of Alertmanager for its start script.",
        paths,
        serviceUser: context.layout.serviceUser,
        files: [
            alertmanagerConfigFile(context.config.monitoring.webhookUrl),
            ...webServerTlsFiles(paths.runDir, tls),
        ],
        env: {
            ALERTMANAGER: context.layout.alertmanagerBinary,
            CONFIG_FILE: ALERTMANAGER_CONFIG_FILE,
            LISTEN_ADDRESS: listenHostPort(context.layout, context.topology.alertmanager.port),
            GO_MEMORY_LIMIT: goMemoryLimit(memoryMb),
        },
    });
}
