import { stringify } from "yaml";
import { Endpoint } from "../../../config";

/**
 * How often Prometheus scrapes every target and evaluates the rules: four samples a minute, so the
 * shortest `for` of the rules (30s) spans several evaluations and a 5m increase() twenty samples.
 */
export const PROMETHEUS_INTERVAL = "15s";

/** Where Prometheus finds what it reads, as the host that runs it sees it: the local run, Docker and EC2 each give their own. */
export interface PrometheusConfigInput {
    /** Path of the rules file renderAlertRules made; Prometheus loads it, and `promtool check config` checks it. Required, no default. */
    readonly rulesFile: string;
    /** Path of the cluster CA's certificate (PEM), which Prometheus verifies every exporter's certificate against. Required, no default. */
    readonly caFile: string;
    /** postgres_exporter's address and port as Prometheus reaches it (the topology's `exporter`). Required, no default. */
    readonly exporter: Endpoint;
    /**
     * The name Prometheus expects in postgres_exporter's certificate (`tls_config.server_name`): a DNS
     * name or IP address its certificate carries, which need not be the host Prometheus dials.
     * Required, no default.
     */
    readonly exporterServerName: string;
    /** The pool exporter's address and port (the topology's `poolExporter`), scraped over HTTPS and verified against this host. Required, no default. */
    readonly poolExporter: Endpoint;
    /**
     * Alertmanager's address and port; Prometheus posts alerts to it over HTTPS, verifying its
     * certificate with the cluster CA against this host. Required, no default.
     */
    readonly alertmanager: Endpoint;
    /**
     * node_exporter on each PostgreSQL host, scraped over HTTPS with the cluster CA and verified
     * against each target's host name (so each serves its host's certificate). Defaults to none:
     * no node_exporter job.
     */
    readonly nodeExporters?: readonly Endpoint[];
}

const target = (endpoint: Endpoint): string => `${endpoint.host}:${endpoint.port}`;

/** prometheus.yml: the rules file, Alertmanager over HTTPS, both postgres_exporters over HTTPS, and node_exporter when given. */
export function renderPrometheusConfig(input: PrometheusConfigInput): string {
    const nodeExporters = input.nodeExporters ?? [];
    const scrapeConfigs: object[] = [{
        job_name: "postgres_exporter",
        scheme: "https",
        tls_config: { ca_file: input.caFile, server_name: input.exporterServerName },
        static_configs: [{ targets: [target(input.exporter)] }],
    }, {
        job_name: "pool_exporter",
        scheme: "https",
        tls_config: { ca_file: input.caFile },
        static_configs: [{ targets: [target(input.poolExporter)] }],
    }];
    if (nodeExporters.length > 0) {
        scrapeConfigs.push({
            job_name: "node_exporter",
            scheme: "https",
            tls_config: { ca_file: input.caFile },
            static_configs: [{ targets: nodeExporters.map(target) }],
        });
    }
    return stringify({
        global: { scrape_interval: PROMETHEUS_INTERVAL, evaluation_interval: PROMETHEUS_INTERVAL },
        rule_files: [input.rulesFile],
        alerting: { alertmanagers: [{ scheme: "https", tls_config: { ca_file: input.caFile }, static_configs: [{ targets: [target(input.alertmanager)] }] }] },
        scrape_configs: scrapeConfigs,
    }, { lineWidth: 0 });
}
