import * as assert from "assert";
import { RecordedResource, runStack } from "./stackHarness";

describe("dev stack with bad config under mocks", function () {
    this.timeout(60_000);

    it("fails before any resource is created, naming every bad key", async () => {
        const registered: RecordedResource[] = [];
        await assert.rejects(
            runStack("dev", { "pg-ha:replicas": 7, "pg-ha:ports": { pgpool: 5432 }, "pg-ha:allowedClientCidrs": ["0.0.0.0/0"], "pg-ha:backup": { fullSchedule: "every sunday" } }, registered),
            (error: Error) => {
                assert.match(error.message, /pg-ha:replicas must be an integer 1\.\.5, got 7/);
                assert.match(error.message, /pg-ha:ports\.primary clashes with pg-ha:ports\.pgpool: both are 5432/);
                assert.match(error.message, /pg-ha:allowedClientCidrs\[0\] is "0\.0\.0\.0\/0"/);
                assert.match(error.message, /pg-ha:backup\.fullSchedule must be a systemd calendar expression .*, got "every sunday"/);
                return true;
            },
        );
        assert.deepStrictEqual(registered.map((resource) => resource.type), []);
    });
});
