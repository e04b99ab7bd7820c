import { ClusterConfig, FrontSizing, NodeSizing, PoolSettings } from "./types";

/** PostgreSQL memory and connection settings that follow from a node's budget. */
export interface PostgresTuning {
    readonly maxConnections: number;
    readonly superuserReservedConnections: number;
    readonly sharedBuffersMb: number;
    readonly effectiveCacheSizeMb: number;
    readonly maintenanceWorkMemMb: number;
    readonly workMemMb: number;
    readonly walKeepSizeMb: number;
    /** max_slot_wal_keep_size: the WAL a slot may hold for a standby that is down or far behind. */
    readonly maxSlotWalKeepSizeMb: number;
}

/** Connections beyond pgpool's pool: exporter, admin sessions, failover scripts. */
export const EXTRA_CONNECTIONS = 17;
export const SUPERUSER_RESERVED_CONNECTIONS = 3;

/**
 * Each pgpool child may hold `maxPool` cached connections to every backend, so a backend must
 * accept numInitChildren x maxPool connections from pgpool alone (Pgpool-II docs, "max_pool").
 */
export function pgpoolBackendConnections(pool: PoolSettings): number {
    return pool.numInitChildren * pool.maxPool;
}

/** max_connections: pgpool's pool plus the reserve for everyone else. */
export function maxConnectionsFor(pool: PoolSettings): number {
    return pgpoolBackendConnections(pool) + SUPERUSER_RESERVED_CONNECTIONS + EXTRA_CONNECTIONS;
}

/** shared_buffers: a quarter of the node's memory. */
export function sharedBuffersMbFor(node: NodeSizing): number {
    return Math.floor(node.memoryMb / 4);
}

/**
 * Memory budgeted for one PostgreSQL backend: AWS sizes RDS for PostgreSQL's default
 * max_connections as LEAST(DBInstanceClassMemory / 9531392, 5000), i.e. 9531392 bytes (about
 * 9.1 MiB) per connection (Amazon RDS User Guide, "Maximum number of database connections").
 * Every allowed backend must fit in what shared_buffers leaves of the node's memory.
 */
export const POSTGRES_BACKEND_MEMORY_MB = 9531392 / (1024 * 1024);

/**
 * Pgpool-II's own figures (Pgpool-II documentation, "Memory Requirement"): each child process
 * about 5 MB; shared memory 10 MB plus 0.02 MB per pooled connection (num_init_children x
 * max_pool), plus 128 MB for the shared relation cache, which is on by default
 * (enable_shared_relcache; pgpool.conf leaves it so).
 */
export const PGPOOL_MEMORY_MB = {
    perChild: 5,
    sharedBase: 10,
    sharedPerPooledConnection: 0.02,
    sharedRelationCache: 128,
} as const;

/**
 * The client gate beside pgpool (HAProxy, components/render/clientGateConf.ts): the connections it
 * holds at once, idle ones included, and the memory that takes from pgpool's share: about 34 KB
 * per connection (two 16 KB buffers and its state) plus a few MB of its own.
 */
export const CLIENT_GATE_SIZING = {
    maxConnections: 1000,
    memoryMb: 40,
} as const;

/** What every allowed PostgreSQL backend of one node may take, in MB. */
export function postgresBackendsMemoryMb(pool: PoolSettings): number {
    return maxConnectionsFor(pool) * POSTGRES_BACKEND_MEMORY_MB;
}

/** What pgpool needs for `pool`, in MB: its children, its shared memory and its client gate. */
export function pgpoolMemoryMb(pool: PoolSettings): number {
    return pgpoolSharedMemoryMb(pool) + pool.numInitChildren * PGPOOL_MEMORY_MB.perChild + CLIENT_GATE_SIZING.memoryMb;
}

/** Pgpool's shared memory for `pool`, in MB (the relation cache included). */
export function pgpoolSharedMemoryMb(pool: PoolSettings): number {
    return PGPOOL_MEMORY_MB.sharedBase + PGPOOL_MEMORY_MB.sharedRelationCache + pgpoolBackendConnections(pool) * PGPOOL_MEMORY_MB.sharedPerPooledConnection;
}

export function postgresTuningFor(node: NodeSizing, pool: PoolSettings): PostgresTuning {
    const maxConnections = maxConnectionsFor(pool);
    const sharedBuffersMb = sharedBuffersMbFor(node);
    const effectiveCacheSizeMb = Math.floor((node.memoryMb * 3) / 4);
    const maintenanceWorkMemMb = Math.min(2048, Math.max(64, Math.floor(node.memoryMb / 16)));
    // A quarter of the memory left after shared_buffers, shared by every connection's sorts.
    const workMemMb = Math.max(4, Math.floor((node.memoryMb - sharedBuffersMb) / 4 / maxConnections));
    // Keep up to 1% of the disk in WAL so a replica that falls behind can catch up without its slot.
    const walKeepSizeMb = Math.max(512, Math.floor((node.diskGb * 1024) / 100));
    // A tenth of the disk for what slots hold, so that a standby gone for good cannot fill the
    // primary's disk: past it the slot is invalidated and the standby clones afresh when it starts.
    const maxSlotWalKeepSizeMb = Math.max(2 * walKeepSizeMb, Math.floor((node.diskGb * 1024) / 10));
    return {
        maxConnections,
        superuserReservedConnections: SUPERUSER_RESERVED_CONNECTIONS,
        sharedBuffersMb,
        effectiveCacheSizeMb,
        maintenanceWorkMemMb,
        workMemMb,
        walKeepSizeMb,
        maxSlotWalKeepSizeMb,
    };
}

/** How a PostgreSQL node's budget splits between PostgreSQL and node_exporter beside it. */
export interface NodeSplit {
    readonly postgres: HostShare;
    readonly nodeExporter: HostShare;
}

/**
 * node_exporter takes a twentieth of a CPU and 32 MB of a node's budget (it answers one scrape
 * every 15 s); PostgreSQL the rest: 1.95 CPU and 4064 MB of the default 2 CPU and 4 GB. Its
 * memory settings still follow the node's whole budget (shared_buffers a quarter of it).
 */
export function splitNodeBudget(node: NodeSizing): NodeSplit {
    const nodeExporter = { cpus: 0.05, memoryMb: 32 };
    return { postgres: remainderOf(node, [nodeExporter]), nodeExporter };
}

/** What a host's budget leaves after `taken`: CPUs to a thousandth (0.6, not 0.6000000000000001), whole MB. */
function remainderOf(host: HostShare, taken: readonly HostShare[]): HostShare {
    return {
        cpus: Math.round((host.cpus - taken.reduce((sum, share) => sum + share.cpus, 0)) * 1000) / 1000,
        memoryMb: host.memoryMb - taken.reduce((sum, share) => sum + share.memoryMb, 0),
    };
}

/** A service's share of a host: CPUs and memory. */
export interface HostShare {
    readonly cpus: number;
    readonly memoryMb: number;
}

/** How the front budget splits between pgpool and the services beside it. */
export interface FrontSplit {
    readonly pgpool: HostShare;
    readonly exporter: HostShare;
    /** The second postgres_exporter, asking pgpool for its backends. */
    readonly poolExporter: HostShare;
    readonly prometheus: HostShare;
    readonly alertmanager: HostShare;
}

/**
 * The exporters take a quarter CPU and 128 MB of the front budget (the pool exporter a fifth of
 * it: one query, one connection), Prometheus a tenth of a CPU and
 * 128 MB (a few thousand series at a 15 s interval take well under it), Alertmanager a twentieth
 * and 48 MB; each less on a smaller front host. pgpool, with its client gate, takes the rest:
 * 0.6 CPU and 720 MB of the default 1 CPU and 1 GB.
 */
export function splitFrontBudget(front: FrontSizing): FrontSplit {
    const exporters = { cpus: Math.min(0.25, front.cpus / 4), memoryMb: Math.min(128, Math.floor(front.memoryMb / 8)) };
    const poolExporter = { cpus: exporters.cpus / 5, memoryMb: Math.floor(exporters.memoryMb / 4) };
    const exporter = remainderOf(exporters, [poolExporter]);
    const prometheus = { cpus: Math.min(0.1, front.cpus / 10), memoryMb: Math.min(128, Math.floor(front.memoryMb / 8)) };
    const alertmanager = { cpus: Math.min(0.05, front.cpus / 20), memoryMb: Math.min(48, Math.floor((front.memoryMb * 3) / 64)) };
    return { pgpool: remainderOf(front, [exporters, prometheus, alertmanager]), exporter, poolExporter, prometheus, alertmanager };
}

export interface BudgetTotals {
    readonly cpus: number;
    readonly memoryMb: number;
    readonly diskGb: number;
}

/** What the whole cluster asks for: every PostgreSQL node plus the front host. */
export function budgetTotals(config: ClusterConfig): BudgetTotals {
    const nodes = 1 + config.replicaCount;
    return {
        cpus: nodes * config.nodeSizing.cpus + config.frontSizing.cpus,
        memoryMb: nodes * config.nodeSizing.memoryMb + config.frontSizing.memoryMb,
        diskGb: nodes * config.nodeSizing.diskGb,
    };
}
