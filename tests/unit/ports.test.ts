import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { everyPort, parseClusterConfig } from "../../config";
import { candidateBases, ephemeralPortRange, freePortBase } from "../../scripts/lib/ports";

const DEFAULT_PORTS = parseClusterConfig({}).ports;
/** The highest port a base's cluster listens on, less the base. */
const WIDEST = Math.max(...everyPort(DEFAULT_PORTS)) - DEFAULT_PORTS.pgpool;

describe("port bases for throwaway local runs", () => {
    it("keeps every port of a base, and 100 more, below the kernel's ephemeral range when there is room", () => {
        const { first, last } = candidateBases([32768, 60999]);
        assert.ok(first >= 10_000, `first base ${first}`);
        assert.ok(last + WIDEST + 100 < 32768, `last base ${last} reaches ${last + WIDEST + 100}`);
        assert.ok(last - first >= 2000, `only ${(last - first) / 100 + 1} bases`);
    });

    it("goes above the range when it starts too low, and anywhere when neither side has room", () => {
        const above = candidateBases([1024, 40000]);
        assert.ok(above.first > 40000 && above.last + WIDEST + 100 <= 65535, JSON.stringify(above));
        const anywhere = candidateBases([1024, 65000]);
        assert.ok(anywhere.first === 10_000 && anywhere.last + WIDEST + 100 <= 65535, JSON.stringify(anywhere));
    });

    it("reads the range from the kernel's file, and falls back to Linux's default", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-ports-"));
        try {
            const file = path.join(dir, "range");
            fs.writeFileSync(file, "40000\t50000\n");
            assert.deepStrictEqual(ephemeralPortRange(file), [40000, 50000]);
            assert.deepStrictEqual(ephemeralPortRange(path.join(dir, "missing")), [32768, 60999]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("hands out a base among the candidates for this machine's ephemeral range", async () => {
        const { first, last } = candidateBases(ephemeralPortRange());
        const base = await freePortBase();
        assert.ok(base >= first && base <= last && base % 100 === 0, `base ${base}, candidates ${first}..${last}`);
    });
});
