/**
 * The shapes of the validated configuration, and nothing else: every parser (load.ts, ec2.ts,
 * docker.ts, backup.ts, ...) imports its result type from here, and this module imports from none
 * of them, so config/ has no import circle.
 */

/** Where the cluster runs. `docker` is the dev stack, `ec2` the prod stack. */
export type PlatformName = "docker" | "ec2";

/** Budget of one PostgreSQL host (the primary or a replica). */
export interface NodeSizing {
    readonly cpus: number;
    readonly memoryMb: number;
    readonly diskGb: number;
}

/** Budget of the front host that runs Pgpool-II and postgres_exporter. */
export interface FrontSizing {
    readonly cpus: number;
    readonly memoryMb: number;
}

/** Ports each role listens on (and, in dev, publishes on the bind address). */
export interface PortSettings {
    /** Where clients connect: the client gate (HAProxy) in front of pgpool. */
    readonly pgpool: number;
    /** pgpool's own listener, on the front host's loopback only, behind the gate. */
    readonly pgpoolInternal: number;
    readonly primary: number;
    readonly replicas: readonly number[];
    readonly metrics: number;
    readonly pcp: number;
    /** Prometheus's web port (HTTPS), on the front host. */
    readonly prometheus: number;
    /** Alertmanager's web port (HTTPS), on the front host. */
    readonly alertmanager: number;
    /** The pool exporter's metrics port (HTTPS): pgpool's own view of its backends, on the front host. */
    readonly poolMetrics: number;
    /** node_exporter's port (HTTPS) on the first PostgreSQL node's host; node N's is this plus N. */
    readonly nodeMetrics: number;
}

/** Pgpool-II process and connection pool sizing. */
export interface PoolSettings {
    readonly numInitChildren: number;
    readonly maxPool: number;
    readonly childLifeTimeSeconds: number;
}

/**
 * What a commit waits for when fewer standbys stream than `synchronousReplicas` (`pg-ha:durability`).
 * - `required`: it waits until enough do, however long: an acknowledged write is on a standby
 *   whatever fails next, and writes stop while the standbys are gone.
 * - `preferred`: after `waitSeconds` with too few, commits stop waiting (quorum commit is turned
 *   off on the primary, the PostgresQuorumCommitOff alert fires) until enough stream again; the
 *   primary's loss in that window loses what it acknowledged alone.
 */
export type DurabilityMode = "required" | "preferred";

/** `pg-ha:durability`: the policy when the quorum of standbys is not there. */
export interface DurabilitySettings {
    /** Defaults to "required". */
    readonly mode: DurabilityMode;
    /** Seconds with too few standbys before `preferred` stops waiting; unused by `required`. Defaults to 30. */
    readonly waitSeconds: number;
}

/** Where and from what the dev stack runs on the Docker engine (`pg-ha:docker`). */
export interface DockerSettings {
    /** IPv4 address of the Docker host the published ports listen on. */
    readonly bindAddress: string;
    /** Subnet of the cluster's Docker network; pg_hba trusts it. */
    readonly networkCidr: string;
    /** The Debian bookworm image every image of the stack is built from. */
    readonly baseImage: string;
}

/** A private subnet the nodes may use, with its zone (given in config: no lookup before validation). */
export interface SubnetPlacement {
    readonly id: string;
    readonly availabilityZone: string;
}

/** Where and on what the prod stack runs (`pg-ha:ec2`). */
export interface Ec2Settings {
    /** An existing VPC and its private subnets; when absent the stack creates a VPC. */
    readonly existingVpc?: { readonly vpcId: string; readonly subnets: readonly SubnetPlacement[] };
    /** CIDR of the VPC (also what pg_hba allows cluster members from): required with an existing VPC. */
    readonly vpcCidr: string;
    /** Zones for the VPC the stack creates, one private and one public subnet each. */
    readonly availabilityZones: readonly string[];
    readonly nodeInstanceType: string;
    readonly frontInstanceType: string;
    /** Name of the Debian 12 AMI every host boots (Debian's account publishes it in every region under that name). */
    readonly amiName: string;
    readonly rootVolumeGb: number;
    readonly keepDataVolumesOnDestroy: boolean;
    readonly monitoringCidrs: readonly string[];
    readonly allowedClientSecurityGroupIds: readonly string[];
    readonly dnsZoneName: string;
}

/** Backups on every platform: where in the repository, how long, and when (`pg-ha:backup`). */
export interface BackupSettings {
    /** Key prefix (S3) or folder name the cluster's backups live under. */
    readonly prefix: string;
    /** Days full backups (and the differentials and WAL that depend on them) are kept. */
    readonly retentionDays: number;
    /** systemd calendar expression of the full backup. */
    readonly fullSchedule: string;
    /** systemd calendar expression of the differential backup. */
    readonly differentialSchedule: string;
}

/** What the alert rules page on (`pg-ha:monitoring`); the rules and the dashboard are rendered from it. */
export interface MonitoringSettings {
    /** Bytes of WAL a replica may be behind the primary before it pages. Defaults to 104857600 (100 MB). */
    readonly lagBytes: number;
    /** Seconds a replica's replay may be behind the primary before it pages. Defaults to 60. */
    readonly lagSeconds: number;
    /** Share of max_connections in use on a node that warns. Defaults to 0.8. */
    readonly connectionsRatio: number;
    /** Share of the data volume still free below which it warns. Defaults to 0.15. */
    readonly diskFreeRatio: number;
    /** Days before a server certificate expires that it warns. Defaults to 14. */
    readonly certificateDays: number;
    /**
     * Minutes archive_command must keep failing (a failure in every 5 minutes) before it pages:
     * a blip of the repository that the next retry survives does not. Defaults to 10.
     */
    readonly archiveFailureMinutes: number;
    /**
     * Where Alertmanager posts alerts (http or https; it may hold a token, so alertmanager.yml is then
     * secret); empty: no notification, alerts show only in Alertmanager's UI and API and on
     * Prometheus's /alerts page (Alertmanager has no receiver that logs). Defaults to "".
     */
    readonly webhookUrl: string;
}

/** The validated, defaulted stack configuration every component works from. */
export interface ClusterConfig {
    readonly platform: PlatformName;
    readonly replicaCount: number;
    readonly postgresVersion: number;
    readonly databaseName: string;
    readonly appUser: string;
    readonly ports: PortSettings;
    readonly allowedClientCidrs: readonly string[];
    readonly allowPublicAccess: boolean;
    readonly synchronousReplicas: number;
    readonly durability: DurabilitySettings;
    readonly nodeSizing: NodeSizing;
    readonly frontSizing: FrontSizing;
    readonly pool: PoolSettings;
    /** Dev on Docker only: bind address, network and image. */
    readonly docker?: DockerSettings;
    /** Prod on EC2 only: where and on what it runs. */
    readonly ec2?: Ec2Settings;
    /** Backups: the repository prefix, how long full backups are kept, and their schedules. */
    readonly backup: BackupSettings;
    /** Alert thresholds and where alerts go. */
    readonly monitoring: MonitoringSettings;
}
