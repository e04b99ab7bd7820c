import {
    ALERTMANAGER_SERVICE, buildTopology, ClusterConfig, EXPORTER_SERVICE, PGPOOL_SERVICE, POOL_EXPORTER_SERVICE, PostgresEndpoint, PROMETHEUS_SERVICE, ROLE_NAMES, splitFrontBudget, splitNodeBudget,
} from "../../config";
import { connectionString, dataMountPoint, httpsUrl, PCPPASS_FILE, metricsUrl, RenderContext, renderPgpoolFiles, renderPostgresNodeFiles } from "../render";
import { exporterService, FRONT_HOST, monitorService, nodeExporterService, poolExporterService } from "./httpsServices";
import { tlsOf, withRepository } from "./planSecrets";
import { Addressing, ClusterPlan, PlannedHost, PlannedService } from "./types";

function nodeService(context: RenderContext, addressing: Addressing, node: PostgresEndpoint): PlannedService {
    const paths = context.layout.postgres(node.name);
    const isInitialPrimary = node.index === 0;
    const budget = splitNodeBudget(context.config.nodeSizing).postgres;
    return {
        name: node.name,
        kind: "postgres",
        role: isInitialPrimary ? "initial-primary" : "replica",
        host: node.name,
        configDir: paths.configDir,
        ports: [{ port: node.port, audience: "members" }],
        cpus: budget.cpus,
        memoryMb: budget.memoryMb,
        data: { mountPath: dataMountPoint(context.layout, node.name), sizeGb: context.config.nodeSizing.diskGb },
        healthCheck: [`${paths.binDir}/pg_isready`, "-q", "-h", "127.0.0.1", "-p", String(node.port)],
        readiness: isInitialPrimary ? { kind: "accepts-sessions" } : { kind: "streams-from-primary" },
        stopSignal: "SIGINT",
        after: isInitialPrimary ? [] : [context.topology.nodes[0]!.name],
        certificate: addressing.certificateNamesFor(node.name),
        render: (secrets) => renderPostgresNodeFiles(withRepository(context, secrets), node, secrets.passwords, tlsOf(secrets, node.name)),
    };
}

function pgpoolService(context: RenderContext, addressing: Addressing): PlannedService {
    const { pgpool } = context.topology;
    const budget = splitFrontBudget(context.config.frontSizing).pgpool;
    return {
        name: PGPOOL_SERVICE,
        kind: "pgpool",
        role: "pgpool",
        host: FRONT_HOST,
        configDir: context.layout.pgpool().configDir,
        // Clients reach the client gate; pgpool itself and PCP listen on the host's loopback.
        ports: [{ port: pgpool.port, audience: "clients" }, { port: pgpool.internalPort, audience: "host" }, { port: pgpool.pcpPort, audience: "host" }],
        cpus: budget.cpus,
        memoryMb: budget.memoryMb,
        // Through PCP, which authenticates: a probe on the pool port would fail pgpool's
        // authentication every time and cost the pooled connections of the child it reached.
        healthCheck: ["env", `PCPPASSFILE=${context.layout.pgpool().runDir}/${PCPPASS_FILE}`, `${context.layout.pcpBinDir}/pcp_node_count`, "-h", "localhost", "-p", String(pgpool.pcpPort), "-U", ROLE_NAMES.pcpAdmin, "-w"],
        readiness: { kind: "sees-every-node" },
        stopSignal: "SIGINT",
        // Started before the replicas stream, its health check would detach them.
        after: context.topology.nodes.map((node) => node.name),
        certificate: addressing.certificateNamesFor(PGPOOL_SERVICE),
        render: (secrets) => renderPgpoolFiles(withRepository(context, secrets), secrets.passwords, tlsOf(secrets, PGPOOL_SERVICE)),
    };
}

/**
 * The one description of the cluster: from the config and a substrate's addressing, every
 * service (its host, files, ports, budget, checks, stop signal and what it starts after), the
 * hosts that run them, and the stack outputs. Pulumi maps it onto resources through a platform,
 * the local run onto processes. Pure: no resource, no I/O but the static assets its renderers read.
 */
export function planCluster(config: ClusterConfig, addressing: Addressing): ClusterPlan {
    const topology = buildTopology(config, (service) => addressing.hostFor(service), addressing.portOffset ?? 0);
    const context: RenderContext = { config, topology, layout: addressing.layout };
    const [primary, ...replicas] = topology.nodes;
    if (primary === undefined) throw new Error("the topology has no PostgreSQL node");
    const nodes = topology.nodes.map((node) => nodeService(context, addressing, node));
    const nodeExporters = topology.nodes.map((node) => nodeExporterService(context, addressing, node));
    const pgpool = pgpoolService(context, addressing);
    const exporter = exporterService(context, addressing);
    const poolExporter = poolExporterService(context, addressing);
    // Services of one host cannot wait for each other (on EC2 they are one instance): the start
    // order below puts Prometheus after the exporters and Alertmanager.
    const alertmanager = monitorService(context, addressing, ALERTMANAGER_SERVICE);
    const prometheus = monitorService(context, addressing, PROMETHEUS_SERVICE);
    // Start order: the primary, the replicas, the exporter, pgpool, the pool exporter, then Alertmanager and Prometheus.
    const services = [...nodes, ...nodeExporters, exporter, pgpool, poolExporter, alertmanager, prometheus];
    const hosts: PlannedHost[] = [
        ...nodes.map((node, index): PlannedHost => ({ name: node.host, kind: "node", services: [node.name, nodeExporters[index]!.name], placement: index })),
        { name: FRONT_HOST, kind: "front", services: [PGPOOL_SERVICE, EXPORTER_SERVICE, POOL_EXPORTER_SERVICE, ALERTMANAGER_SERVICE, PROMETHEUS_SERVICE], placement: 0 },
    ];
    const byName = new Map(services.map((service) => [service.name, service]));
    return {
        config,
        topology,
        context,
        hosts,
        services,
        service: (name) => {
            const found = byName.get(name);
            if (found === undefined) throw new Error(`the plan has no service ${name}`);
            return found;
        },
        outputs: (appPassword, caCertPem) => {
            const app = (service: string, port: number) => connectionString({
                user: config.appUser, password: appPassword, host: addressing.clientHostFor(service), port, database: config.databaseName,
            });
            return {
                pgpoolConnectionString: app(PGPOOL_SERVICE, topology.pgpool.port),
                primaryConnectionString: app(primary.name, primary.port),
                replicaConnectionStrings: replicas.map((node) => app(node.name, node.port)),
                exporterMetricsUrl: metricsUrl(addressing.clientHostFor(EXPORTER_SERVICE), topology.exporter.port),
                prometheusUrl: httpsUrl(addressing.clientHostFor(PROMETHEUS_SERVICE), topology.prometheus.port),
                alertmanagerUrl: httpsUrl(addressing.clientHostFor(ALERTMANAGER_SERVICE), topology.alertmanager.port),
                caCertificate: caCertPem,
            };
        },
    };
}
