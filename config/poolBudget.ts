import { CONFIG_NAMESPACE, LIMITS } from "./defaults";
import {
    CLIENT_GATE_SIZING, EXTRA_CONNECTIONS, PGPOOL_MEMORY_MB, pgpoolBackendConnections, pgpoolMemoryMb, POSTGRES_BACKEND_MEMORY_MB, postgresBackendsMemoryMb, sharedBuffersMbFor, splitFrontBudget, SUPERUSER_RESERVED_CONNECTIONS,
} from "./sizing";
import { FrontSizing, NodeSizing, PoolSettings } from "./types";
import { checkInteger } from "./validators";

const key = (name: string): string => `${CONFIG_NAMESPACE}:${name}`;

/** Whole megabytes, rounded up, without counting float noise (138 + 200 x 0.02 is 142, not 143). */
function megabytes(mb: number): number {
    return Math.ceil(Number(mb.toFixed(6)));
}

function isWhole(value: unknown, min: number, max: number): boolean {
    return checkInteger("", value, min, max) === undefined;
}

/**
 * The pool against the memory budgets, with the figures of config/sizing.ts: every backend pgpool
 * may open (plus the reserve) must fit beside shared_buffers on each node, and pgpool's children
 * and shared memory must fit pgpool's share of the front host. Checked only once the pool and the
 * budgets are each valid.
 */
export function poolBudgetProblems(pool: PoolSettings, node: NodeSizing, front: FrontSizing): string[] {
    const valid = isWhole(pool.numInitChildren, LIMITS.numInitChildren.min, LIMITS.numInitChildren.max) && isWhole(pool.maxPool, LIMITS.maxPool.min, LIMITS.maxPool.max);
    const problems: string[] = [];
    if (!valid) return problems;
    const reserved = SUPERUSER_RESERVED_CONNECTIONS + EXTRA_CONNECTIONS;
    if (isWhole(node.memoryMb, LIMITS.nodeMemoryMb.min, Number.MAX_SAFE_INTEGER)) {
        const availableMb = node.memoryMb - sharedBuffersMbFor(node);
        const neededMb = postgresBackendsMemoryMb(pool);
        if (neededMb > availableMb) {
            const fitting = Math.floor(availableMb / POSTGRES_BACKEND_MEMORY_MB) - reserved;
            problems.push(`${key("pool")} opens numInitChildren × maxPool = ${pgpoolBackendConnections(pool)} connections to each node, which with ${reserved} reserved need ${megabytes(neededMb)} MB of PostgreSQL backends (${POSTGRES_BACKEND_MEMORY_MB.toFixed(1)} MB each), more than the ${availableMb} MB that ${key("nodeSizing")}.memoryMb ${node.memoryMb} leaves beside shared_buffers (25%); at most ${Math.max(0, fitting)} pooled connections fit, got numInitChildren ${pool.numInitChildren}, maxPool ${pool.maxPool}`);
        }
    }
    if (isWhole(front.memoryMb, LIMITS.frontMemoryMb.min, Number.MAX_SAFE_INTEGER)) {
        const shareMb = splitFrontBudget(front).pgpool.memoryMb;
        const neededMb = pgpoolMemoryMb(pool);
        if (neededMb > shareMb) {
            const sharedMb = PGPOOL_MEMORY_MB.sharedBase + PGPOOL_MEMORY_MB.sharedRelationCache;
            const fitting = Math.floor((shareMb - sharedMb - CLIENT_GATE_SIZING.memoryMb) / (PGPOOL_MEMORY_MB.perChild + pool.maxPool * PGPOOL_MEMORY_MB.sharedPerPooledConnection));
            problems.push(`${key("pool")}.numInitChildren needs ${PGPOOL_MEMORY_MB.perChild} MB per pgpool child plus ${sharedMb} MB shared (and ${PGPOOL_MEMORY_MB.sharedPerPooledConnection} MB per pooled connection) and ${CLIENT_GATE_SIZING.memoryMb} MB for the client gate: ${megabytes(neededMb)} MB, more than pgpool's ${shareMb} MB share of ${key("frontSizing")}.memoryMb ${front.memoryMb}; at most ${Math.max(0, fitting)} children fit, got ${pool.numInitChildren}`);
        }
    }
    return problems;
}
