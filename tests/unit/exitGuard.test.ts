import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const mocha = path.resolve(__dirname, "../../../node_modules/.bin/mocha");
const guard = path.resolve(__dirname, "../exitGuard.js");

/** Runs mocha with the exit guard on one test file of `body`, as the test command does. */
function runGuarded(body: string): { status: number | null; stderr: string; ms: number } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-exit-guard-"));
    try {
        const file = path.join(dir, "fixture.test.js");
        fs.writeFileSync(file, body);
        const started = Date.now();
        const result = spawnSync(mocha, ["--require", guard, file], { env: { ...process.env, PG_HA_TEST_EXIT_GRACE_MS: "300" }, encoding: "utf8", timeout: 20_000 });
        return { status: result.status, stderr: result.stderr, ms: Date.now() - started };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("the test command's exit guard", function () {
    this.timeout(30_000);

    it("ends a run that a test left holding an interval with exit code 1, and names what held it", () => {
        const run = runGuarded(`it("leaves a loop running", () => { setInterval(() => undefined, 50); });\n`);
        assert.strictEqual(run.status, 1, run.stderr);
        assert.match(run.stderr, /still runs 300 ms after its last test, held by: .*Timeout/);
    });

    it("lets a run that holds nothing exit at once with mocha's own code", () => {
        const run = runGuarded(`it("passes", () => undefined);\nit("fails", () => { throw new Error("on purpose"); });\n`);
        assert.strictEqual(run.status, 1, run.stderr);
        assert.doesNotMatch(run.stderr, /still runs/);
        const clean = runGuarded(`it("passes", () => undefined);\n`);
        assert.strictEqual(clean.status, 0, clean.stderr);
        assert.doesNotMatch(clean.stderr, /still runs/);
    });
});
