import * as assert from "assert";
import { spawn } from "child_process";
import { isPermanentError, waitUntil, WaitAbandonedError, WaitTimeoutError } from "../../scripts/lib/wait";

/** An error as node-postgres reports a server's refusal: message and SQLSTATE. */
function serverError(message: string, code: string): Error {
    return Object.assign(new Error(message), { code });
}

/** The error Node gives for a program that is not installed. */
function spawnError(): Promise<Error> {
    return new Promise((resolve) => spawn("pg-ha-no-such-program").on("error", resolve));
}

describe("bounded waits", () => {
    it("stops at once on an error that waiting cannot cure, naming it", async () => {
        const started = Date.now();
        let calls = 0;
        await assert.rejects(waitUntil("the restored server", async () => {
            calls++;
            throw serverError('password authentication failed for user "postgres"', "28P01");
        }, { timeoutMs: 30_000 }), (error: Error) => error instanceof WaitAbandonedError && /the restored server.*password authentication failed/.test(error.message));
        assert.strictEqual(calls, 1);
        assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
    });

    it("stops at once when a service-user command cannot enter the working folder", async () => {
        await assert.rejects(waitUntil("psql", async () => {
            throw new Error('psql failed (exit 2):\ncould not change directory to "/root/p": Permission denied');
        }, { timeoutMs: 30_000 }), WaitAbandonedError);
    });

    it("keeps polling through errors that go away, then succeeds", async () => {
        let calls = 0;
        const took = await waitUntil("the primary", async () => {
            calls++;
            if (calls === 1) throw serverError("the database system is starting up", "57P03");
            if (calls === 2) throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
            return calls === 3 ? "still in recovery" : true;
        }, { timeoutMs: 10_000, intervalMs: 10 });
        assert.strictEqual(calls, 4);
        assert.ok(took >= 0);
    });

    it("reports the last error it saw when the deadline passes", async () => {
        await assert.rejects(waitUntil("pgpool", async () => {
            throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5430"), { code: "ECONNREFUSED" });
        }, { timeoutMs: 200, intervalMs: 20 }), (error: Error) => error instanceof WaitTimeoutError && /timed out after 200 ms waiting for pgpool; last seen: connect ECONNREFUSED/.test(error.message));
    });

    it("classifies errors: permanent faults apart from passing ones", async () => {
        assert.ok(isPermanentError(await spawnError()), "a program that is not installed");
        assert.ok(isPermanentError(serverError('database "nope" does not exist', "3D000")));
        assert.ok(isPermanentError(Object.assign(new Error("Hostname/IP does not match certificate's altnames"), { code: "ERR_TLS_CERT_ALTNAME_INVALID" })));
        assert.ok(!isPermanentError(serverError("the database system is starting up", "57P03")));
        assert.ok(!isPermanentError(Object.assign(new Error("ENOENT: no such file or directory, open 'postmaster.pid'"), { code: "ENOENT", syscall: "open" })));
        assert.ok(!isPermanentError(new Error("Connection terminated due to connection timeout")));
    });
});
