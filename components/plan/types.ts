import { ClusterConfig, Topology } from "../../config";
import { BackupRepository, ClusterPasswords, HostLayout, RenderContext, RenderedFile, StackOutputs, TlsMaterial } from "../render";

/** Which image or package set a service runs from. */
export type ServiceKind = "postgres" | "pgpool" | "exporter" | "monitor" | "node-exporter";

/** What a service does in the cluster; a node's role is the one it starts with. */
export type ServiceRole = "initial-primary" | "replica" | "pgpool" | "exporter" | "pool-exporter" | "prometheus" | "alertmanager" | "node-exporter";

/**
 * Who may reach a port. `clients`: the allowed client networks (pgpool). `monitoring`: the
 * monitoring networks (the exporter, Prometheus and Alertmanager). `members`: the other members of the cluster, and operators
 * on the dev bind address (PostgreSQL nodes). `host`: only the service's own host (pgpool's PCP).
 * Docker publishes every port but `host` ports on the bind address; EC2 opens each to its audience.
 */
export type PortAudience = "clients" | "monitoring" | "members" | "host";

export interface PlannedPort {
    readonly port: number;
    readonly audience: PortAudience;
}

/** When a started service counts as ready, so that what starts after it may start. */
export type Readiness =
    /** The server accepts TLS sessions of the superuser. */
    | { readonly kind: "accepts-sessions" }
    /** The primary streams to this standby through its own slot. */
    | { readonly kind: "streams-from-primary" }
    /** pgpool answers and sees every node up with one primary. */
    | { readonly kind: "sees-every-node" }
    /** /metrics answers over TLS on the service's first port and `metric` is 1 for at least one target. */
    | { readonly kind: "serves-metrics"; readonly metric: string }
    /** `path` answers 200 over TLS on the service's first port (Prometheus's and Alertmanager's /-/ready). */
    | { readonly kind: "answers-https"; readonly path: string };

/** Everything secret a service's files are rendered from. */
export interface PlanSecrets {
    readonly passwords: ClusterPasswords;
    /** TLS material by service name. */
    readonly tls: Readonly<Record<string, TlsMaterial>>;
    /** Where WAL and backups go; it names a bucket the platform may create, hence known late. */
    readonly backupRepository: BackupRepository;
}

/** One service of the cluster: what runs, where, with what, and how it is checked, started and stopped. */
export interface PlannedService {
    /** Service name; also the name other members reach it by. */
    readonly name: string;
    readonly kind: ServiceKind;
    readonly role: ServiceRole;
    /** The plan host it runs on (see {@link PlannedHost}). */
    readonly host: string;
    /** Folder on its host the rendered files go into. */
    readonly configDir: string;
    readonly ports: readonly PlannedPort[];
    readonly cpus: number;
    readonly memoryMb: number;
    /** Persistent data, for PostgreSQL nodes: the volume's mount point and size. */
    readonly data?: { readonly mountPath: string; readonly sizeGb: number };
    /**
     * Another service of its host whose data volume it reads, at the same path (node_exporter
     * reports its free space): Docker mounts that volume read-only; elsewhere it is the host's own
     * mount. Defaults to none.
     */
    readonly observes?: { readonly service: string; readonly mountPath: string };
    /** Command that exits 0 while the service is healthy (container health checks). */
    readonly healthCheck: readonly string[];
    readonly readiness: Readiness;
    /** Signal for a fast stop: SIGINT makes PostgreSQL and pgpool stop without waiting for clients. */
    readonly stopSignal: "SIGINT" | "SIGTERM";
    /** Services that must be ready before this one starts. */
    readonly after: readonly string[];
    /** Names and addresses its certificate carries. */
    readonly certificate: { readonly dnsNames: readonly string[]; readonly ipAddresses: readonly string[] };
    /** Its files, start script last; pure. */
    render(secrets: PlanSecrets): RenderedFile[];
}

/** A machine of the cluster: a PostgreSQL node with its node_exporter, or the front host with pgpool, the exporters, Prometheus and Alertmanager. */
export interface PlannedHost {
    readonly name: string;
    readonly kind: "node" | "front";
    /** Its services, by name; the first one's component holds the host's own resources. */
    readonly services: readonly string[];
    /** Index among the hosts of its kind: nodes are spread over zones by it. */
    readonly placement: number;
}

/** The whole cluster, as every substrate runs it. */
export interface ClusterPlan {
    readonly config: ClusterConfig;
    readonly topology: Topology;
    /** Renderer input without the backup repository (see {@link PlanSecrets}). */
    readonly context: RenderContext;
    readonly hosts: readonly PlannedHost[];
    /** Every service, in an order where each comes after what it starts after. */
    readonly services: readonly PlannedService[];
    service(name: string): PlannedService;
    /** The stack outputs, from the application password and the CA. */
    outputs(appPassword: string, caCertPem: string): StackOutputs;
}

/** Where a substrate puts the cluster: pure facts, no resources. */
export interface Addressing {
    /** Paths, users and listen addresses on the substrate's hosts. */
    readonly layout: HostLayout;
    /** Address cluster members use to reach a service. */
    hostFor(service: string): string;
    /** Address clients outside the cluster use (connection string outputs). */
    clientHostFor(service: string): string;
    /** DNS names and IP addresses a service's certificate must carry. */
    certificateNamesFor(service: string): { dnsNames: string[]; ipAddresses: string[] };
    /** Added to every port (the local run sits beside other clusters). Defaults to 0. */
    readonly portOffset?: number;
}
