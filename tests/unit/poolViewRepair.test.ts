import * as assert from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderPgpoolFiles } from "../../components/render";
import { sleep, waitUntil } from "../../scripts/lib/wait";
import { dockerContext, testPasswords, testTls } from "./fixtures";

/** What a stand-in node is to the scripts: a primary, a standby, refusing connections, or frozen (never answering). */
type NodeRole = "primary" | "standby" | "down" | "frozen";

/**
 * A stand-in psql: answers the statements attach-backends.sh and failover.sh send as the node
 * whose port the conninfo names would (`role.<id>` in the state folder), and records them.
 */
const FAKE_PSQL = `#!/bin/bash
state=$(dirname "$0")
conninfo=""; statements=()
while [ $# -gt 0 ]; do case $1 in -d) conninfo=$2; shift 2 ;; -c) statements+=("$2"); shift 2 ;; *) shift ;; esac; done
port=$(sed -n 's/.*port=\\([0-9]*\\).*/\\1/p' <<<"$conninfo")
id=$(cat "$state/port.$port")
role=$(cat "$state/role.$id")
[ "$role" = down ] && { echo "psql: error: connection refused" >&2; exit 2; }
[ "$role" = frozen ] && { echo "$id frozen" >>"$state/sql"; exec sleep 30; }
for statement in "\${statements[@]}"; do
    echo "$id $statement" >>"$state/sql"
    case $statement in
        *pg_walfile_name*) if [ "$role" = primary ]; then echo 3; else echo 0; fi ;;
        *pg_last_wal_receive_lsn*) if [ "$role" = primary ]; then echo primary; else echo $((100 + id)); fi ;;
        "SELECT pg_is_in_recovery()") if [ "$role" = primary ]; then echo f; else echo t; fi ;;
        "SELECT NOT pg_is_in_recovery()") echo t ;;
    esac
done
`;

/**
 * Stand-in pcp commands: node_info prints `pool.<id>` ("<status> <role>"); proc_info prints the
 * file `procs` (as `pcp_proc_info -v -a` does); the others record the request, and a detach marks
 * the node down, as pgpool would.
 */
const FAKE_PCP = (command: string): string => `#!/bin/bash
state=$(dirname "$0")
id=\${@: -1}
${{
        node_info: `read -r status role <"$state/pool.$id"; echo "node$id 5432 $status 0.333333 up up $role unknown 0 none none 2026-11-29 00:00:00"`,
        proc_info: `cat "$state/procs" 2>/dev/null`,
        detach_node: `echo "detach $id" >>"$state/requests"; read -r status role <"$state/pool.$id"; echo "3 $role" >"$state/pool.$id"`,
    }[command] ?? `echo "${command.replace("_node", "")} $id" >>"$state/requests"`}
`;

/** One child's connection slot as `pcp_proc_info -v` prints it. */
const procRecord = (pid: number, backendId: number, connected: boolean): string =>
    `Database                  : edufarm\nUsername                  : app\nStart time                : 2026-11-30 02:24:01 (4:24 before process restarting)\nBackend PID               : 4242\nConnected                 : ${connected ? 1 : 0}\nPID                       : ${pid}\nBackend ID                : ${backendId}\nStatus                    : Execute command\n\n`;

/** pgpool's scripts as rendered for the dev stack, run against stand-ins, with short rounds. */
class Harness {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-pool-view-"));
    private readonly context = dockerContext();
    private attach?: ChildProcess;
    private pgpool?: ChildProcess;

    /** @param settings service.env values to set instead of the rendered ones (short rounds are always set). */
    constructor(settings: Record<string, string> = {}) {
        for (const file of renderPgpoolFiles(this.context, testPasswords(), testTls())) {
            fs.writeFileSync(path.join(this.dir, file.name), file.content, { mode: file.mode });
        }
        fs.writeFileSync(path.join(this.dir, "psql"), FAKE_PSQL, { mode: 0o755 });
        for (const command of ["node_info", "proc_info", "attach_node", "detach_node", "promote_node"]) {
            fs.writeFileSync(path.join(this.dir, `pcp_${command}`), FAKE_PCP(command), { mode: 0o755 });
        }
        for (const node of this.context.topology.nodes) fs.writeFileSync(path.join(this.dir, `port.${node.port}`), String(node.index));
        const overrides: Record<string, string> = {
            PSQL: path.join(this.dir, "psql"), PCP_BIN_DIR: this.dir, PROMOTE_CANDIDATE_FILE: path.join(this.dir, "candidate"),
            ATTACH_CHECK_SECONDS: "0.2", POOL_VIEW_GRACE_SECONDS: "1", POOL_REQUEST_PATIENCE_SECONDS: "3", SYNCHRONOUS_REPLICAS: "0",
            ...settings,
        };
        for (const name of ["service.env", "cluster.env"]) {
            const file = path.join(this.dir, name);
            let text = fs.readFileSync(file, "utf8");
            for (const [key, value] of Object.entries(overrides)) text = text.replace(new RegExp(`^(readonly )?${key}=.*$`, "m"), `$1${key}='${value}'`);
            fs.writeFileSync(file, text);
        }
        assert.match(fs.readFileSync(path.join(this.dir, "service.env"), "utf8"), /POOL_VIEW_GRACE_SECONDS='1'/);
    }

    /** Each node as PostgreSQL answers, and pgpool's view of it ("<status> <role>", status 3 being down). */
    set(nodes: readonly NodeRole[], pool: readonly string[]): void {
        nodes.forEach((role, id) => fs.writeFileSync(path.join(this.dir, `role.${id}`), role));
        pool.forEach((view, id) => fs.writeFileSync(path.join(this.dir, `pool.${id}`), `${view}\n`));
    }

    read(name: string): string {
        const file = path.join(this.dir, name);
        return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    }

    requests(): string[] {
        return this.read("requests").split("\n").filter(Boolean);
    }

    /** Milliseconds from `change` to the first detach request and its log line. */
    async detachedAfter(change: () => void): Promise<number> {
        const changedAt = Date.now();
        change();
        await waitUntil("a detach request and its log line", async () => (this.requests().length > 0 && this.read("log").includes(" detached from pgpool: ")) || "not yet", { timeoutMs: 15_000, intervalMs: 50 });
        return Date.now() - changedAt;
    }

    /** attach-backends.sh beside a stand-in pgpool process, its log kept in `log`. */
    startAttachBackends(): void {
        this.pgpool = spawn("sleep", ["300"], { stdio: "ignore" });
        const log = fs.openSync(path.join(this.dir, "log"), "a");
        // In a process group of its own: a signal it sends to its own group (kill 0) never reaches mocha's.
        this.attach = spawn("/bin/bash", [path.join(this.dir, "attach-backends.sh"), String(this.pgpool.pid)], { stdio: ["ignore", log, log], detached: true });
        fs.closeSync(log);
    }

    /** failover.sh as pgpool runs it for a failed node it holds for its primary. */
    failover(failedId: number, oldPrimaryId: number): { status: number | null; log: string } {
        const result = spawnSync("/bin/bash", [path.join(this.dir, "failover.sh"), String(failedId), "node", "5432", "/data", "0", "node0", "0", String(oldPrimaryId), "5432", "/data", "0", "0"], { encoding: "utf8", timeout: 30_000 });
        return { status: result.status, log: `${result.stdout}${result.stderr}` };
    }

    close(): void {
        // Its whole group: the stand-ins it runs (a frozen psql sleeps 30 s) go with it.
        if (this.attach?.pid !== undefined) {
            try {
                process.kill(-this.attach.pid, "SIGKILL");
            } catch {
                // Gone already.
            }
        }
        this.pgpool?.kill("SIGKILL");
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

describe("pgpool's view of the primary corrected, and never acted on when wrong (attach-backends.sh, failover.sh)", function () {
    this.timeout(30_000);
    let harness: Harness;
    beforeEach(() => { harness = new Harness(); });
    afterEach(() => harness.close());

    it("takes the node that answers as primary for pgpool's primary when pgpool holds none and has it up (a search that ended before the primary was up), after the grace, once", async () => {
        harness.set(["primary", "standby", "standby"], ["2 standby", "2 standby", "2 standby"]);
        const started = Date.now();
        harness.startAttachBackends();
        await waitUntil("a promote request", async () => harness.requests().length > 0 || "none yet", { timeoutMs: 10_000, intervalMs: 50 });
        const waitedMs = Date.now() - started;
        assert.deepStrictEqual(harness.requests(), ["promote 0"]);
        assert.ok(waitedMs >= 900, `asked after ${waitedMs} ms, before the 1 s grace`);
        await sleep(1500);
        assert.deepStrictEqual(harness.requests(), ["promote 0"], "asked again before the patience ran out while pgpool's view stayed the same");
        harness.set(["primary", "standby", "standby"], ["2 primary", "2 standby", "2 standby"]);
        await sleep(3500);
        assert.deepStrictEqual(harness.requests(), ["promote 0"], "asked again once pgpool agreed");
        assert.match(harness.read("log"), /node0 taken by pgpool for its primary: it answers as primary, and pgpool has held no node for its primary for \d+ s/);
    });

    it("attaches the node that answers as primary when pgpool holds a standby for its primary and has the primary down; never promotes in pgpool a node it has down", async () => {
        harness.set(["primary", "standby", "standby"], ["3 standby", "2 primary", "2 standby"]);
        harness.startAttachBackends();
        // pool_node logs its outcome once pcp has answered, a moment after the request is recorded.
        await waitUntil("an attach request and its log line", async () => (harness.requests().length > 0 && harness.read("log").includes(" attached to pgpool: ")) || "not yet", { timeoutMs: 10_000, intervalMs: 50 });
        assert.deepStrictEqual(harness.requests(), ["attach 0"]);
        assert.match(harness.read("log"), /node0 attached to pgpool: it answers as primary, and pgpool has held node1 for its primary/);
    });

    it("asks nothing while pgpool holds the node that answers as primary", async () => {
        harness.set(["primary", "standby", "standby"], ["2 primary", "2 standby", "2 standby"]);
        harness.startAttachBackends();
        await waitUntil("a few rounds", async () => harness.read("sql").split("\n").filter((line) => line.includes("pg_walfile_name")).length >= 9 || "not yet", { timeoutMs: 10_000, intervalMs: 50 });
        await sleep(1200);
        assert.deepStrictEqual(harness.requests(), []);
    });

    /** attach-backends.sh asking the primary again `retries` times (0.5 s apart, 1 s each) after an unanswered question, once a round found node0 answering as pgpool's primary. */
    const watchingHealthyPrimary = async (retries: number): Promise<void> => {
        harness.close();
        harness = new Harness({ PRIMARY_PROBE_RETRIES: String(retries), PRIMARY_PROBE_SECONDS: "1", PRIMARY_PROBE_DELAY_SECONDS: "0.5" });
        harness.set(["primary", "standby", "standby"], ["2 primary", "2 standby", "2 standby"]);
        harness.startAttachBackends();
        await waitUntil("a round that found node0 answering", async () => harness.read("sql").includes("0 SELECT CASE WHEN pg_is_in_recovery()") || "not yet", { timeoutMs: 10_000, intervalMs: 50 });
    };

    /** Node `id` (node0 the primary) frozen for 2 s, past a question and into its retries, then answering again: asked again, never detached. */
    const answersBeforeItsRetriesRunOut = async (id: number): Promise<void> => {
        await watchingHealthyPrimary(2);
        const healthy: NodeRole[] = ["primary", "standby", "standby"];
        harness.set(healthy.map((role, index) => (index === id ? "frozen" : role)), ["2 primary", "2 standby", "2 standby"]);
        await waitUntil(`a question to the frozen node${id}`, async () => harness.read("sql").includes(`${id} frozen`) || "not yet", { timeoutMs: 10_000, intervalMs: 50 });
        await sleep(2000);
        harness.set(healthy, ["2 primary", "2 standby", "2 standby"]);
        await sleep(4000);
        assert.ok(harness.read("sql").split("\n").filter((line) => line === `${id} frozen`).length >= 2, `node${id} was not asked again while frozen`);
        assert.deepStrictEqual(harness.requests(), [], `node${id}, which answered its second retry, was detached`);
    };

    it("detaches the primary pgpool holds up once it has answered none of a round's question and PRIMARY_PROBE_RETRIES more (pgpool's health check stuck on it), not before, and only once; ends the sessions connected to it", async () => {
        await watchingHealthyPrimary(2);
        // Stand-ins for pgpool children: two serve a client through node0, one through node1 only, one is idle.
        const children = [0, 1, 2, 3].map(() => spawn("sleep", ["60"], { stdio: "ignore" }));
        const exited = children.map((child) => new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal))));
        const [onNode0, alsoOnNode0, onNode1, idle] = children.map((child) => child.pid!) as [number, number, number, number];
        fs.writeFileSync(path.join(harness.dir, "procs"), [procRecord(onNode0, 0, true), procRecord(onNode0, 1, true), procRecord(alsoOnNode0, 0, true), procRecord(onNode1, 1, true), procRecord(idle, 0, false)].join(""));
        const detachedAfterMs = await harness.detachedAfter(() => harness.set(["frozen", "standby", "standby"], ["2 primary", "2 standby", "2 standby"]));
        assert.deepStrictEqual(harness.requests(), ["detach 0"]);
        assert.ok(detachedAfterMs >= 4000 && detachedAfterMs < 8000, `detached ${detachedAfterMs} ms after node0 froze (three questions of 1 s each, 0.5 s apart)`);
        assert.match(harness.read("log"), /node0 detached from pgpool: pgpool holds it up as its primary, but it has answered none of 3 questions in (\d+) ms \(pgpool's health check has not failed it over yet\)/);
        const silentMs = Number(/none of 3 questions in (\d+) ms/.exec(harness.read("log"))![1]);
        assert.ok(silentMs >= 4000, `detached after ${silentMs} ms of silence`);
        await sleep(1500);
        assert.deepStrictEqual(harness.requests(), ["detach 0"], "asked again");
        try {
            assert.deepStrictEqual(await Promise.all(exited.slice(0, 2)), ["SIGQUIT", "SIGQUIT"], "the sessions through node0 were not ended");
            assert.ok(children.slice(2).every((child) => child.exitCode === null && child.signalCode === null), "a session not through node0 was ended");
            assert.match(harness.read("log"), new RegExp(`ended the 2 pgpool sessions that had a connection to node0 \\(children ${onNode0} ${alsoOnNode0}\\)|ended the 2 pgpool sessions that had a connection to node0 \\(children ${alsoOnNode0} ${onNode0}\\)`));
        } finally {
            for (const child of children) child.kill("SIGKILL");
        }
    });

    it("leaves a primary that answers again before its retries run out, and one that pgpool has down already", async () => {
        await answersBeforeItsRetriesRunOut(0);
        harness.set(["frozen", "standby", "standby"], ["3 primary", "2 primary", "2 standby"]);
        await sleep(4000);
        assert.ok(!harness.requests().includes("detach 0"), `node0, down in pgpool already, was detached: ${harness.requests().join(", ")}`);
    });

    it("detaches a standby pgpool holds up once it has answered none of a round's question and its retries, ends the sessions through it, and leaves the primary and a standby pgpool has down already", async () => {
        await watchingHealthyPrimary(1);
        const children = [0, 1].map(() => spawn("sleep", ["60"], { stdio: "ignore" }));
        const exited = children.map((child) => new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal))));
        const [onNode2, onNode0] = children.map((child) => child.pid!) as [number, number];
        // A slot with PID 0, as pcp_proc_info listed one in CI during a failover: never signalled (kill 0 is the caller's process group).
        fs.writeFileSync(path.join(harness.dir, "procs"), [procRecord(onNode2, 0, true), procRecord(onNode2, 2, true), procRecord(0, 2, true), procRecord(onNode0, 0, true)].join(""));
        try {
            // node1 frozen too, but down in pgpool already: nothing to do for it.
            const detachedAfterMs = await harness.detachedAfter(() => harness.set(["primary", "frozen", "frozen"], ["2 primary", "3 standby", "2 standby"]));
            assert.deepStrictEqual(harness.requests(), ["detach 2"]);
            assert.ok(detachedAfterMs >= 2000 && detachedAfterMs < 6000, `detached ${detachedAfterMs} ms after node2 froze (two questions of 1 s each, 0.5 s apart)`);
            assert.match(harness.read("log"), /node2 detached from pgpool: pgpool holds it up as a standby, but it has answered none of 2 questions in \d+ ms \(pgpool's health check has not detached it yet\)/);
            assert.deepStrictEqual(await exited[0], "SIGQUIT", "the session through node2 was not ended");
            assert.match(harness.read("log"), new RegExp(`ended the 1 pgpool sessions that had a connection to node2 \\(children ${onNode2}\\)`));
            assert.ok(children[1]!.exitCode === null && children[1]!.signalCode === null, "a session through the primary only was ended");
            await sleep(2000);
            assert.deepStrictEqual(harness.requests(), ["detach 2"], "asked again, or another node detached");
        } finally {
            for (const child of children) child.kill("SIGKILL");
        }
    });

    it("leaves a standby that answers a retry", async () => {
        await answersBeforeItsRetriesRunOut(2);
    });

    it("failover.sh promotes nothing when the node pgpool took for its primary answers as a standby", () => {
        harness.set(["primary", "standby", "standby"], ["3 standby", "2 primary", "2 standby"]);
        const { status, log } = harness.failover(1, 1);
        assert.strictEqual(status, 0, log);
        assert.match(log, /node1 answers as a standby: pgpool took it for its primary wrongly; nothing promoted/);
        assert.ok(!harness.read("sql").includes("pg_promote"), harness.read("sql"));
    });

    it("failover.sh promotes nothing when another node answers as primary, though the one pgpool took for its primary is gone", () => {
        harness.set(["primary", "down", "standby"], ["3 standby", "2 primary", "2 standby"]);
        const { status, log } = harness.failover(1, 1);
        assert.strictEqual(status, 0, log);
        assert.match(log, /node0 answers as primary: pgpool took node1 for its primary wrongly; nothing promoted/);
        assert.ok(!harness.read("sql").includes("pg_promote"), harness.read("sql"));
    });

    it("failover.sh still promotes the standby with the most WAL when the primary is gone and no node answers as primary", () => {
        harness.set(["down", "standby", "standby"], ["2 primary", "2 standby", "2 standby"]);
        const { log } = harness.failover(0, 0);
        assert.match(log, /primary node0 failed; promoting node2, which has received WAL up to byte 102/);
        assert.ok(harness.read("sql").split("\n").some((line) => line.startsWith("2 SELECT pg_promote(false)")), harness.read("sql"));
    });
});
