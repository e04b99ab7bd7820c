import {
    ALERTMANAGER_SERVICE, EXPORTER_SERVICE, HostShare, nodeExporterServiceName, POOL_EXPORTER_SERVICE, PostgresEndpoint, PROMETHEUS_SERVICE, splitFrontBudget, splitNodeBudget,
} from "../../config";
import {
    CA_CERT_FILE, certificateExpiries, dataMountPoint, RenderContext, renderAlertmanagerFiles, renderExporterFiles, renderNodeExporterFiles, renderPoolExporterFiles, renderPrometheusFiles, ServicePaths,
} from "../render";
import { tlsOf, withRepository } from "./planSecrets";
import { Addressing, PlannedService, Readiness } from "./types";

/** The host pgpool, the exporters, Prometheus and Alertmanager share. */
export const FRONT_HOST = "front";

/** What tells a monitoring server is ready: its /-/ready page, which Prometheus and Alertmanager both serve. */
const READY_PATH = "/-/ready";

/** What differs between the services that serve HTTPS to the monitoring networks. */
interface HttpsServiceSpec extends Pick<PlannedService, "name" | "kind" | "role" | "host" | "after" | "observes" | "render"> {
    readonly paths: ServicePaths;
    readonly port: number;
    readonly budget: HostShare;
    /** Path the health check and readiness ask: /metrics (with the metric that must be 1) or /-/ready. */
    readonly ready: { readonly path: "/metrics"; readonly metric: string } | { readonly path: typeof READY_PATH };
}

/** A service serving HTTPS on one port to the monitoring networks, checked with curl against the cluster CA, stopped with SIGTERM. */
function httpsService(addressing: Addressing, spec: HttpsServiceSpec): PlannedService {
    const readiness: Readiness = spec.ready.path === "/metrics" ? { kind: "serves-metrics", metric: spec.ready.metric } : { kind: "answers-https", path: spec.ready.path };
    return {
        name: spec.name,
        kind: spec.kind,
        role: spec.role,
        host: spec.host,
        configDir: spec.paths.configDir,
        ports: [{ port: spec.port, audience: "monitoring" }],
        cpus: spec.budget.cpus,
        memoryMb: spec.budget.memoryMb,
        ...(spec.observes === undefined ? {} : { observes: spec.observes }),
        healthCheck: ["curl", "-fsS", "-o", "/dev/null", "--cacert", `${spec.paths.runDir}/${CA_CERT_FILE}`, `https://localhost:${spec.port}${spec.ready.path}`],
        readiness,
        stopSignal: "SIGTERM",
        after: spec.after,
        certificate: addressing.certificateNamesFor(spec.name),
        render: spec.render,
    };
}

/** postgres_exporter scraping every node, after every node so that it never logs a member it cannot resolve yet. */
export function exporterService(context: RenderContext, addressing: Addressing): PlannedService {
    return httpsService(addressing, {
        name: EXPORTER_SERVICE, kind: "exporter", role: "exporter", host: FRONT_HOST,
        paths: context.layout.exporter(), port: context.topology.exporter.port, budget: splitFrontBudget(context.config.frontSizing).exporter,
        ready: { path: "/metrics", metric: "pg_up" },
        after: context.topology.nodes.map((node) => node.name),
        render: (secrets) => renderExporterFiles(withRepository(context, secrets), secrets.passwords, tlsOf(secrets, EXPORTER_SERVICE), certificateExpiries(secrets.tls)),
    });
}

/**
 * The pool exporter: postgres_exporter asking pgpool for its backends (SHOW POOL_NODES), through
 * the client gate. pgpool is on its host, and services of one host cannot wait for each other
 * (one EC2 instance): until pgpool answers, pg_up is 0 and it retries at each scrape.
 */
export function poolExporterService(context: RenderContext, addressing: Addressing): PlannedService {
    return httpsService(addressing, {
        name: POOL_EXPORTER_SERVICE, kind: "exporter", role: "pool-exporter", host: FRONT_HOST,
        paths: context.layout.poolExporter(), port: context.topology.poolExporter.port, budget: splitFrontBudget(context.config.frontSizing).poolExporter,
        ready: { path: "/metrics", metric: "pg_up" },
        after: context.topology.nodes.map((node) => node.name),
        render: (secrets) => renderPoolExporterFiles(context, secrets.passwords, tlsOf(secrets, POOL_EXPORTER_SERVICE)),
    });
}

/** node_exporter beside a PostgreSQL node, on its host, reading its data volume. */
export function nodeExporterService(context: RenderContext, addressing: Addressing, node: PostgresEndpoint): PlannedService {
    const name = nodeExporterServiceName(node.name);
    return httpsService(addressing, {
        name, kind: "node-exporter", role: "node-exporter", host: node.name,
        paths: context.layout.nodeExporter(node.name), port: context.topology.nodeExporters[node.index]!.port, budget: splitNodeBudget(context.config.nodeSizing).nodeExporter,
        ready: { path: "/metrics", metric: "node_exporter_build_info" },
        after: [],
        observes: { service: node.name, mountPath: dataMountPoint(context.layout, node.name) },
        render: (secrets) => renderNodeExporterFiles(context, node, tlsOf(secrets, name)),
    });
}

/**
 * Prometheus or Alertmanager on the front host, after every node (as the exporters), so that
 * Prometheus's first evaluations do not page for a cluster still starting.
 */
export function monitorService(context: RenderContext, addressing: Addressing, name: typeof PROMETHEUS_SERVICE | typeof ALERTMANAGER_SERVICE): PlannedService {
    const isPrometheus = name === PROMETHEUS_SERVICE;
    const budget = splitFrontBudget(context.config.frontSizing)[isPrometheus ? "prometheus" : "alertmanager"];
    return httpsService(addressing, {
        name, kind: "monitor", role: isPrometheus ? "prometheus" : "alertmanager", host: FRONT_HOST,
        paths: isPrometheus ? context.layout.prometheus() : context.layout.alertmanager(),
        port: (isPrometheus ? context.topology.prometheus : context.topology.alertmanager).port,
        budget,
        ready: { path: READY_PATH },
        after: context.topology.nodes.map((node) => node.name),
        render: (secrets) => (isPrometheus ? renderPrometheusFiles : renderAlertmanagerFiles)(context, tlsOf(secrets, name), budget.memoryMb),
    });
}
