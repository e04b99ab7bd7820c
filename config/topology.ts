import { ClusterConfig, PortSettings } from "./types";

export interface Endpoint {
    readonly host: string;
    readonly port: number;
}

/** One PostgreSQL server. Its name is stable across failovers; index 0 starts as the primary. */
export interface PostgresEndpoint extends Endpoint {
    readonly name: string;
    readonly index: number;
}

/** Clients connect to `port`, the client gate's; pgpool itself listens on `internalPort` on its host's loopback. */
export interface PgpoolEndpoint extends Endpoint {
    readonly internalPort: number;
    readonly pcpPort: number;
}

/** Who listens where, as the members of the cluster see each other. */
export interface Topology {
    readonly nodes: readonly PostgresEndpoint[];
    readonly pgpool: PgpoolEndpoint;
    readonly exporter: Endpoint;
    readonly prometheus: Endpoint;
    readonly alertmanager: Endpoint;
    /** The pool exporter: postgres_exporter asking pgpool itself (SHOW POOL_NODES). */
    readonly poolExporter: Endpoint;
    /** node_exporter beside each PostgreSQL node, in the nodes' order. */
    readonly nodeExporters: readonly Endpoint[];
}

export const PGPOOL_SERVICE = "pgpool";
export const EXPORTER_SERVICE = "exporter";
export const PROMETHEUS_SERVICE = "prometheus";
export const ALERTMANAGER_SERVICE = "alertmanager";
export const POOL_EXPORTER_SERVICE = "pool-exporter";

/** The service name of node_exporter beside a PostgreSQL node (its own name on the network, its certificate's). */
export function nodeExporterServiceName(nodeName: string): string {
    return `${nodeName}-metrics`;
}

/**
 * Every port the ports settings give a service, unshifted: the client gate, pgpool's own and PCP,
 * every node, the exporters, Prometheus, Alertmanager and each node's node_exporter.
 */
export function everyPort(ports: PortSettings): number[] {
    const nodeCount = 1 + ports.replicas.length;
    return [
        ports.pgpool, ports.pgpoolInternal, ports.pcp, ports.primary, ...ports.replicas, ports.metrics, ports.poolMetrics, ports.prometheus, ports.alertmanager,
        ...Array.from({ length: nodeCount }, (_, index) => ports.nodeMetrics + index),
    ];
}

/** Stable node names: node0 starts as the primary, node1..N as replicas. */
export function postgresNodeName(index: number): string {
    return `node${index}`;
}

/**
 * Builds the topology from config. `hostFor` maps a service name to the address other members
 * use (a Docker network alias, a private DNS name, or 127.0.0.1); `portOffset` shifts every
 * port (the local run uses it to sit beside other clusters).
 */
export function buildTopology(config: ClusterConfig, hostFor: (service: string) => string, portOffset = 0): Topology {
    const nodePorts = [config.ports.primary, ...config.ports.replicas];
    return {
        nodes: nodePorts.map((port, index) => {
            const name = postgresNodeName(index);
            return { name, index, host: hostFor(name), port: port + portOffset };
        }),
        pgpool: { host: hostFor(PGPOOL_SERVICE), port: config.ports.pgpool + portOffset, internalPort: config.ports.pgpoolInternal + portOffset, pcpPort: config.ports.pcp + portOffset },
        exporter: { host: hostFor(EXPORTER_SERVICE), port: config.ports.metrics + portOffset },
        prometheus: { host: hostFor(PROMETHEUS_SERVICE), port: config.ports.prometheus + portOffset },
        alertmanager: { host: hostFor(ALERTMANAGER_SERVICE), port: config.ports.alertmanager + portOffset },
        poolExporter: { host: hostFor(POOL_EXPORTER_SERVICE), port: config.ports.poolMetrics + portOffset },
        nodeExporters: nodePorts.map((_, index) => ({ host: hostFor(nodeExporterServiceName(postgresNodeName(index))), port: config.ports.nodeMetrics + index + portOffset })),
    };
}
