import { ClusterConfig, Topology } from "../../config";

/** A file that lands on a host, relative to the service's config folder. */
export interface RenderedFile {
    readonly name: string;
    readonly content: string;
    /** POSIX mode the file gets where the platform can set it (0o600 for anything secret). */
    readonly mode: number;
    /** True when the content embeds a password or a private key. */
    readonly secret: boolean;
}

/** Every generated password of the cluster, as plain text inside a render. */
export interface ClusterPasswords {
    readonly superuser: string;
    readonly replication: string;
    readonly app: string;
    readonly pgpoolCheck: string;
    readonly pcpAdmin: string;
    readonly monitoring: string;
    readonly pgpoolAesKey: string;
}

export const PASSWORD_NAMES: readonly (keyof ClusterPasswords)[] = [
    "superuser", "replication", "app", "pgpoolCheck", "pcpAdmin", "monitoring", "pgpoolAesKey",
];

/** A server's TLS material: the cluster CA and its own certificate and key, PEM encoded. */
export interface TlsMaterial {
    readonly caCertPem: string;
    readonly certPem: string;
    readonly keyPem: string;
}

/** Where one service's files live on its host. */
export interface ServicePaths {
    /** Rendered files land here, as the platform delivers them. */
    readonly configDir: string;
    /** Private copies of keys and password files (mode 0600), sockets and pid files. */
    readonly runDir: string;
}

/** Prometheus's folders: its time series database lives outside the run folder. */
export interface PrometheusPaths extends ServicePaths {
    readonly dataDir: string;
}

export interface PostgresPaths extends ServicePaths {
    readonly dataDir: string;
    readonly binDir: string;
}

/** Where things are on the hosts of one substrate (Docker containers, EC2 instances, the local run). */
export interface HostLayout {
    /** Address servers bind to: `*` inside a container or VM, 127.0.0.1 on the local run. */
    readonly listenAddress: string;
    /** Where cluster members (pgpool, replicas, exporter) connect from. */
    readonly clusterCidrs: readonly string[];
    postgres(nodeName: string): PostgresPaths;
    pgpool(): ServicePaths;
    exporter(): ServicePaths;
    poolExporter(): ServicePaths;
    /** node_exporter beside a PostgreSQL node, by the node's name. */
    nodeExporter(nodeName: string): ServicePaths;
    prometheus(): PrometheusPaths;
    /** Alertmanager keeps its silences and notification log in its run folder. */
    alertmanager(): ServicePaths;
    /** OS user every service runs as (PostgreSQL refuses to run as root). */
    readonly serviceUser: string;
    readonly pgpoolBinary: string;
    /** HAProxy, the client gate in front of pgpool. */
    readonly gateBinary: string;
    /** PostgreSQL client programs (psql, pg_rewind) on the pgpool host. */
    readonly clientBinDir: string;
    /** pcp_* programs on the pgpool host. */
    readonly pcpBinDir: string;
    readonly exporterBinary: string;
    readonly prometheusBinary: string;
    readonly alertmanagerBinary: string;
    readonly nodeExporterBinary: string;
}

/** Where backups and archived WAL go: a folder (a volume in dev) or an S3 bucket (prod). */
export type BackupRepository =
    | { readonly type: "posix"; readonly path: string }
    | {
        readonly type: "s3";
        readonly bucket: string;
        /** Key prefix inside the bucket; only this prefix is ever written. */
        readonly path: string;
        readonly endpoint: string;
        readonly region: string;
        /** "auto": the instance role's credentials (EC2); "shared": the key pair below. */
        readonly keyType: "auto" | "shared";
        readonly key?: string;
        readonly secretKey?: string;
        /** "path" for S3-compatible servers on one host name, "host" for AWS. */
        readonly uriStyle: "host" | "path";
        /** Endpoint port when not 443. */
        readonly port?: number;
        /** Verify the endpoint against the cluster CA rather than the system's (an S3-compatible server of our own). */
        readonly verifyWithClusterCa?: boolean;
    };

/** Where a cluster's backups and archived WAL go, and how long full backups are kept. */
export interface BackupPlan {
    readonly repository: BackupRepository;
    readonly retentionDays: number;
}

/** Everything a renderer may need that is not secret. */
export interface RenderContext {
    readonly config: ClusterConfig;
    readonly topology: Topology;
    readonly layout: HostLayout;
    /** When set, every node archives WAL into the repository and gets a pgbackrest.conf. */
    readonly backup?: BackupPlan;
}
