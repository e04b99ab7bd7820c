import { BackupSettings } from "./backup";
import { Ec2Settings } from "./ec2";

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
    readonly pgpool: number;
    readonly primary: number;
    readonly replicas: readonly number[];
    readonly metrics: number;
    readonly pcp: number;
}

/** Pgpool-II process and connection pool sizing. */
export interface PoolSettings {
    readonly numInitChildren: number;
    readonly maxPool: number;
    readonly childLifeTimeSeconds: number;
}

/** The validated, defaulted stack configuration every component works from. */
export interface ClusterConfig {
    readonly platform: PlatformName;
    readonly replicaCount: number;
    readonly postgresVersion: number;
    readonly databaseName: string;
    readonly appUser: string;
    readonly bindAddress: string;
    readonly ports: PortSettings;
    readonly allowedClientCidrs: readonly string[];
    readonly allowPublicAccess: boolean;
    readonly synchronousReplicas: number;
    readonly nodeSizing: NodeSizing;
    readonly frontSizing: FrontSizing;
    readonly pool: PoolSettings;
    readonly dockerNetworkCidr: string;
    readonly postgresImage: string;
    /** Prod on EC2 only: where and on what it runs. */
    readonly ec2?: Ec2Settings;
    /** Backups: the repository prefix, how long full backups are kept, and their schedules. */
    readonly backup: BackupSettings;
}
