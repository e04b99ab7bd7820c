/**
 * The defaults of the stack configuration's top-level keys, in one place; those of the settings
 * objects live beside their parsers (DOCKER_DEFAULTS, EC2_DEFAULTS, BACKUP_DEFAULTS). The loader
 * applies them; nothing else re-derives them.
 */
export const CONFIG_NAMESPACE = "pg-ha";

export const DEFAULTS = {
    platform: "docker",
    replicaCount: 2,
    postgresVersion: 15,
    databaseName: "edufarm",
    appUser: "edufarm_app",
    ports: { pgpool: 5430, pgpoolInternal: 5431, primary: 5432, metrics: 9187, pcp: 9898, prometheus: 9090, alertmanager: 9093, poolMetrics: 9719, nodeMetrics: 9100 },
    allowedClientCidrs: ["127.0.0.1/32"],
    allowPublicAccess: false,
    synchronousReplicas: 1,
    /**
     * `required`: the stack promises that an acknowledged write survives the primary's loss; with
     * two standbys and ANY 1, writes stop only when both are gone at once, and that pages.
     */
    durability: { mode: "required", waitSeconds: 30 },
    /** The documented budget: primary and each replica 2 CPU, 4 GB RAM, 100 GB SSD. */
    nodeSizing: { cpus: 2, memoryMb: 4096, diskGb: 100 },
    /** The documented budget for the front host: pgpool (with the exporter beside it) 1 CPU, 1 GB. */
    frontSizing: { cpus: 1, memoryMb: 1024 },
    pool: { numInitChildren: 32, maxPool: 4, childLifeTimeSeconds: 300 },
} as const;

/**
 * PostgreSQL majors the stack runs: Debian bookworm ships 15; the others come from the PostgreSQL
 * apt repository, on Docker and EC2 alike (config/packages.ts).
 */
export const SUPPORTED_POSTGRES_VERSIONS: readonly number[] = [14, 15, 16, 17];

export const LIMITS = {
    replicaCount: { min: 1, max: 5 },
    nodeMemoryMb: { min: 1024 },
    frontMemoryMb: { min: 512 },
    nodeDiskGb: { min: 10 },
    cpus: { min: 0.5, max: 64 },
    numInitChildren: { min: 1, max: 1000 },
    maxPool: { min: 1, max: 32 },
    port: { min: 1024, max: 65535 },
    /** The VPC sizes AWS allows (CreateVpc: "/28 netmask ... to /16 netmask"). */
    vpcPrefix: { min: 16, max: 28 },
    /** The widest Docker network the dev stack takes; the narrowest follows from the container count. */
    dockerNetworkPrefix: { min: 8 },
    /** The largest gp3 volume (16 TiB): the data volume of each EC2 node. */
    ec2DataVolumeGb: { max: 16384 },
} as const;
