import * as assert from "assert";
import { budgetTotals, DEFAULTS, parseClusterConfig, pgpoolBackendConnections, pgpoolMemoryMb, postgresTuningFor, splitFrontBudget } from "../../config";

describe("sizing", () => {
    it("follows the documented budget: 7 CPU, 13 GB, 300 GB for the default topology", () => {
        assert.deepStrictEqual(budgetTotals(parseClusterConfig({})), { cpus: 7, memoryMb: 13 * 1024, diskGb: 300 });
    });

    it("scales the totals with the replica count", () => {
        assert.deepStrictEqual(budgetTotals(parseClusterConfig({ replicas: 3 })), { cpus: 9, memoryMb: 17 * 1024, diskGb: 400 });
    });

    it("gives PostgreSQL 25% of a 4 GB node as shared_buffers and 75% as effective cache", () => {
        const tuning = postgresTuningFor(DEFAULTS.nodeSizing, DEFAULTS.pool);
        assert.strictEqual(tuning.sharedBuffersMb, 1024);
        assert.strictEqual(tuning.effectiveCacheSizeMb, 3072);
        assert.strictEqual(tuning.maintenanceWorkMemMb, 256);
        assert.ok(tuning.workMemMb >= 4);
    });

    it("keeps max_connections above what pgpool can open: num_init_children x max_pool plus reserve", () => {
        const pool = { numInitChildren: 32, maxPool: 4, childLifeTimeSeconds: 300 };
        const tuning = postgresTuningFor(DEFAULTS.nodeSizing, pool);
        assert.strictEqual(pgpoolBackendConnections(pool), 128);
        assert.ok(tuning.maxConnections - tuning.superuserReservedConnections >= 128 + 10, `max_connections ${tuning.maxConnections}`);
        const bigger = postgresTuningFor(DEFAULTS.nodeSizing, { ...pool, numInitChildren: 100 });
        assert.ok(bigger.maxConnections >= 400);
    });

    it("splits the front host between pgpool, the two exporters, Prometheus and Alertmanager without exceeding it", () => {
        const split = splitFrontBudget(DEFAULTS.frontSizing);
        assert.deepStrictEqual(split, {
            pgpool: { cpus: 0.6, memoryMb: 720 },
            exporter: { cpus: 0.2, memoryMb: 96 },
            poolExporter: { cpus: 0.05, memoryMb: 32 },
            prometheus: { cpus: 0.1, memoryMb: 128 },
            alertmanager: { cpus: 0.05, memoryMb: 48 },
        });
        const shares = Object.values(split);
        assert.ok(Math.abs(shares.reduce((sum, share) => sum + share.cpus, 0) - DEFAULTS.frontSizing.cpus) < 1e-9);
        assert.strictEqual(shares.reduce((sum, share) => sum + share.memoryMb, 0), DEFAULTS.frontSizing.memoryMb);
    });

    it("leaves the default pool room on the smallest front host the loader takes (512 MB)", () => {
        const split = splitFrontBudget({ cpus: 0.5, memoryMb: 512 });
        assert.deepStrictEqual(split.prometheus, { cpus: 0.05, memoryMb: 64 });
        assert.deepStrictEqual(split.alertmanager, { cpus: 0.025, memoryMb: 24 });
        assert.ok(split.pgpool.memoryMb >= pgpoolMemoryMb(DEFAULTS.pool), `pgpool's share ${split.pgpool.memoryMb} MB`);
    });
});
