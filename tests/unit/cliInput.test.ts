import * as assert from "assert";
import { execFileSync, spawn, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { DEFAULTS } from "../../config";
import { PROJECT_ROOT } from "../../config/projectRoot";
import { PASSWORD_NAMES } from "../../components/render";
import { checkUsableFolder, dateTimeOption, integerOption, makeFolder, portOption } from "../../scripts/lib/cli";
import { connect } from "../../scripts/lib/pg";
import { checkSearchableByOthers } from "../../scripts/lib/local/prerequisites";
import { assertStackOutputs } from "../../scripts/lib/verify/verify";

/** The built scripts, beside this test's own build folder (build/ or any other outDir). */
const SCRIPTS = path.resolve(__dirname, "..", "..", "scripts");
/** Longest a refused command may take: it must not wait on anything. */
const BOUND_MS = 15_000;
/** What a user must never read: raw system and parser errors, and stack traces. */
const RAW = /ENOENT|EISDIR|EACCES|EEXIST|ENOTDIR|EROFS|EPERM|ECONNREFUSED|Unexpected end of JSON|in JSON at position|Unexpected token|is not a function|Invalid URL|Cannot read propert|\n\s+at /;

interface Run {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly ms: number;
}

const isRoot = process.getuid?.() === 0;
/** As root, run as nobody (uid and gid 65534), for whom mode bits count; otherwise as ourselves. */
const UNPRIVILEGED = isRoot ? ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "--"] : [];

/**
 * Where that user loads the built scripts from. A checkout often sits where only root may enter
 * (/root, a 0700 folder): as root, the project is bind-mounted at a path every user can traverse.
 */
let unprivilegedScripts = SCRIPTS;

/** Makes the built scripts loadable by the unprivileged user; returns what undoes it. */
function exposeScriptsToUnprivileged(): () => void {
    if (!isRoot) return () => undefined;
    const view = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-view-"));
    fs.chmodSync(view, 0o755);
    const mounted = spawnSync("mount", ["--bind", PROJECT_ROOT, view], { encoding: "utf8" });
    assert.strictEqual(mounted.status, 0, `these tests run scripts as an unprivileged user through a bind mount of the project, and mount --bind failed: ${mounted.stderr}`);
    unprivilegedScripts = path.join(view, path.relative(PROJECT_ROOT, SCRIPTS));
    const probe = spawnSync(UNPRIVILEGED[0]!, [...UNPRIVILEGED.slice(1), process.execPath, "-e", `require(${JSON.stringify(path.join(unprivilegedScripts, "lib", "cli.js"))})`], { encoding: "utf8" });
    assert.strictEqual(probe.status, 0, `user nobody cannot load the built scripts from ${unprivilegedScripts} (is the project folder itself readable by others?): ${probe.stderr}`);
    return () => {
        spawnSync("umount", [view]);
        fs.rmdirSync(view);
    };
}

/** Runs a built script as a child process (async, so servers in this process keep answering). */
function run(script: string, args: readonly string[], timeoutMs = BOUND_MS + 5_000, prefix: readonly string[] = []): Promise<Run> {
    return new Promise((resolve) => {
        const started = Date.now();
        const command = [...prefix, process.execPath, path.join(prefix === UNPRIVILEGED ? unprivilegedScripts : SCRIPTS, script), ...args];
        const child = spawn(command[0]!, command.slice(1), { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_OPTIONS: "" } });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => { stdout += chunk.toString(); });
        child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.on("close", (status) => {
            clearTimeout(timer);
            resolve({ status, stdout, stderr, ms: Date.now() - started });
        });
    });
}

/** A refusal: non-zero exit within the bound, one line on stderr naming the problem, nothing raw. */
function assertRefused(result: Run, names: RegExp): void {
    const shown = `exit ${result.status} after ${result.ms} ms\nstderr: ${result.stderr}\nstdout: ${result.stdout}`;
    assert.ok(result.ms < BOUND_MS, `took too long: ${shown}`);
    assert.ok(result.status !== null && result.status !== 0, `did not exit non-zero: ${shown}`);
    assert.doesNotMatch(result.stderr, RAW, `raw error: ${shown}`);
    const lines = result.stderr.trim().split("\n").filter((line) => line.trim() !== "");
    assert.strictEqual(lines.length, 1, `not one line: ${shown}`);
    assert.match(lines[0]!, names, `does not name the problem: ${shown}`);
}

/** Every entry below `dir`, to prove a refused command wrote nothing. */
function listing(dir: string): string[] {
    return fs.readdirSync(dir, { recursive: true, withFileTypes: false }).map(String).sort();
}

/** A throwaway self-signed certificate, so outputs files hold a real PEM. */
function throwawayCertificate(dir: string): string {
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=pg-ha cli test", "-days", "1",
        "-keyout", path.join(dir, "throwaway.key"), "-out", path.join(dir, "throwaway.crt")], { stdio: "ignore" });
    return fs.readFileSync(path.join(dir, "throwaway.crt"), "utf8");
}

function outputsPointingAt(port: number, caPem: string) {
    const uri = `postgresql://app:secret@127.0.0.1:${port}/app?sslmode=verify-full`;
    return { pgpoolConnectionString: uri, primaryConnectionString: uri, replicaConnectionStrings: [uri, uri], exporterMetricsUrl: `https://127.0.0.1:${port}/metrics`, prometheusUrl: `https://127.0.0.1:${port}`, alertmanagerUrl: `https://127.0.0.1:${port}`, caCertificate: caPem };
}

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
}

/** A pid no process has: above any pid_max. */
const DEAD_PID = 2_147_483_000;

/**
 * A state dir as local:up leaves it, of a cluster whose processes are all gone. Throwaway
 * passwords and certificate; the ports are ones nothing listens on.
 */
interface Fabricated {
    /** Defaults to this process's user. */
    readonly serviceUser?: string;
    /** Record this test process as pgpool, so that pgpool counts as running. Never a node: the drills kill nodes. */
    readonly pgpoolRunning?: boolean;
}

async function fabricatedStateDir(root: string, caPem: string, options: Fabricated = {}): Promise<string> {
    const stateDir = fs.mkdtempSync(path.join(root, "state-"));
    const portOffset = (await freePort()) - DEFAULTS.ports.pgpool;
    const services = ["node0", "node1", "node2", "exporter", "pgpool"].map((name, index) => ({
        name, pid: DEAD_PID + index, startTime: "12345", port: 0, logFile: path.join(stateDir, name, `${name}.log`), stopSignal: "SIGINT",
    }));
    if (options.pgpoolRunning) {
        const stat = fs.readFileSync("/proc/self/stat", "utf8");
        Object.assign(services[4]!, { pid: process.pid, startTime: stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] });
    }
    const serviceUser = options.serviceUser ?? os.userInfo().username;
    fs.writeFileSync(path.join(stateDir, "state.json"), JSON.stringify({ stack: "dev", backupRepository: "posix", portOffset, serviceUser, services }));
    const passwords = Object.fromEntries(PASSWORD_NAMES.map((name) => [name, randomBytes(12).toString("hex")]));
    fs.writeFileSync(path.join(stateDir, "secrets.json"), JSON.stringify({ passwords, pki: { caCertPem: caPem, certificates: {} } }));
    fs.writeFileSync(path.join(stateDir, "outputs.json"), JSON.stringify(outputsPointingAt(portOffset + DEFAULTS.ports.pgpool, caPem)));
    return stateDir;
}

/** Runs `body` with a port on 127.0.0.1 where a server accepts connections and never answers. */
async function withSilentServer(body: (port: number) => Promise<void>): Promise<void> {
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => {
        sockets.push(socket);
        socket.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
        await body((server.address() as net.AddressInfo).port);
    } finally {
        for (const socket of sockets) socket.destroy();
        server.close();
    }
}

describe("command-line input: one clear sentence, a bounded time, nothing touched", function () {
    this.timeout(60_000);
    let root: string;
    let caPem: string;

    let hideScripts: () => void = () => undefined;

    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-cli-"));
        caPem = throwawayCertificate(root);
        hideScripts = exposeScriptsToUnprivileged();
    });

    after(() => {
        hideScripts();
        if (root !== undefined) fs.rmSync(root, { recursive: true, force: true });
    });

    describe("verify --outputs", () => {
        const cases: [string, (file: string) => void, RegExp][] = [
            ["an empty file", (file) => fs.writeFileSync(file, ""), /empty/],
            ["a folder", (file) => fs.mkdirSync(file), /folder/],
            ["invalid JSON", (file) => fs.writeFileSync(file, "{\"pgpoolConnectionString\": "), /not (valid )?JSON/],
            ["JSON that is not an object", (file) => fs.writeFileSync(file, "[1, 2]"), /not .*outputs/],
            ["JSON with wrong types", (file) => fs.writeFileSync(file, JSON.stringify({ pgpoolConnectionString: 1, primaryConnectionString: 2, replicaConnectionStrings: 3, exporterMetricsUrl: 4, prometheusUrl: 6, alertmanagerUrl: 7, caCertificate: 5 })), /pgpoolConnectionString/],
            ["a connection string that is no URI", (file) => fs.writeFileSync(file, JSON.stringify({ ...outputsPointingAt(5432, caPem), primaryConnectionString: "hello" })), /primaryConnectionString/],
            ["replicas that are not strings", (file) => fs.writeFileSync(file, JSON.stringify({ ...outputsPointingAt(5432, caPem), replicaConnectionStrings: [1] })), /replicaConnectionStrings/],
            ["a port out of range", (file) => fs.writeFileSync(file, JSON.stringify({ ...outputsPointingAt(5432, caPem), pgpoolConnectionString: "postgresql://a:b@127.0.0.1:0/app" })), /pgpoolConnectionString.*port/],
            ["no certificate", (file) => fs.writeFileSync(file, JSON.stringify({ ...outputsPointingAt(5432, caPem), caCertificate: "nope" })), /caCertificate/],
            ["a file that is not there", () => undefined, /no outputs file/],
        ];
        for (const [name, make, names] of cases) {
            it(`refuses ${name}`, async () => {
                const file = path.join(fs.mkdtempSync(path.join(root, "outputs-")), "outputs.json");
                make(file);
                assertRefused(await run("verify.js", ["--outputs", file]), names);
            });
        }

        it("refuses an unknown stack, naming the stack files there are", async () => {
            assertRefused(await run("verify.js", ["--stack", "nosuchstack"]), /nosuchstack.*Pulumi\.dev\.yaml.*Pulumi\.prod\.yaml/);
        });

        it("refuses a file its user may not read", async () => {
            const file = path.join(fs.mkdtempSync(path.join(root, "unreadable-")), "outputs.json");
            fs.writeFileSync(file, "{}", { mode: 0o600 });
            if (!isRoot) fs.chmodSync(file, 0o000);
            fs.chmodSync(root, 0o755);
            fs.chmodSync(path.dirname(file), 0o755);
            assertRefused(await run("verify.js", ["--outputs", file], undefined, UNPRIVILEGED), /permission denied/);
        });

        it("refuses an unknown option in one line with the usage", async () => {
            assertRefused(await run("verify.js", ["--outptus", "x"]), /--outptus.*usage/);
        });

        it("fails every check in words against ports where nothing listens", async () => {
            const file = path.join(fs.mkdtempSync(path.join(root, "closed-")), "outputs.json");
            fs.writeFileSync(file, JSON.stringify(outputsPointingAt(await freePort(), caPem)));
            const result = await run("verify.js", ["--outputs", file]);
            assert.ok(result.ms < BOUND_MS, `verify took ${result.ms} ms:\n${result.stderr}`);
            assert.strictEqual(result.status, 1, result.stderr);
            assert.match(result.stdout, /verify: 0 passed, 8 failed/);
            assert.match(result.stdout, /Prometheus: targets up, no alert firing +FAIL +nothing listens on 127\.0\.0\.1:\d+ \(connection refused\): is Prometheus up/);
            assert.match(result.stdout, /nothing listens on 127\.0\.0\.1:\d+ \(connection refused\)/);
            assert.doesNotMatch(result.stdout + result.stderr, RAW);
        });

        it("fails every check within the bound against a server that accepts and never answers", async () => {
            await withSilentServer(async (port) => {
                const file = path.join(fs.mkdtempSync(path.join(root, "silent-")), "outputs.json");
                fs.writeFileSync(file, JSON.stringify(outputsPointingAt(port, caPem)));
                const result = await run("verify.js", ["--outputs", file, "--json"]);
                assert.ok(result.ms < BOUND_MS, `verify took ${result.ms} ms:\n${result.stderr}`);
                assert.strictEqual(result.status, 1, result.stderr);
                const report = JSON.parse(result.stdout) as { passed: boolean; checks: { passed: boolean; figure: string }[] };
                assert.strictEqual(report.passed, false);
                assert.strictEqual(report.checks.length, 8);
                for (const check of report.checks) {
                    assert.strictEqual(check.passed, false, JSON.stringify(check));
                    assert.match(check.figure, /answer/, JSON.stringify(check));
                }
            });
        });
    });

    describe("status --outputs", () => {
        it("refuses outputs that are no outputs, like verify", async () => {
            const file = path.join(fs.mkdtempSync(path.join(root, "status-")), "outputs.json");
            fs.writeFileSync(file, "[1, 2]");
            assertRefused(await run("status.js", ["--outputs", file]), /not .*outputs/);
        });

        it("reports every node and pgpool as not answering, within the bound, against a server that accepts and never answers", async () => {
            await withSilentServer(async (port) => {
                const file = path.join(fs.mkdtempSync(path.join(root, "status-silent-")), "outputs.json");
                fs.writeFileSync(file, JSON.stringify(outputsPointingAt(port, caPem)));
                const result = await run("status.js", ["--outputs", file, "--json"]);
                assert.ok(result.ms < BOUND_MS, `status took ${result.ms} ms:\n${result.stderr}`);
                assert.strictEqual(result.status, 3, result.stderr);
                const state = JSON.parse(result.stdout) as { healthy: boolean; nodes: { error?: string }[]; pgpoolError?: string; problems: string[] };
                assert.strictEqual(state.healthy, false);
                assert.ok(state.nodes.length > 0 && state.nodes.every((node) => node.error !== undefined), result.stdout);
                assert.ok(state.pgpoolError !== undefined);
                assert.ok(state.problems.some((problem) => problem === "0 nodes answer as primary"), state.problems.join("; "));
                assert.doesNotMatch(result.stdout + result.stderr, RAW);
            });
        });
    });

    describe("local:up --state-dir", () => {
        let readOnly: string | undefined;

        before(() => {
            const mountPoint = fs.mkdtempSync(path.join(root, "ro-"));
            const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", mountPoint], { encoding: "utf8" });
            assert.strictEqual(mounted.status, 0, `a read-only file system for these tests could not be mounted (they need root with mount rights): ${mounted.stderr}`);
            readOnly = mountPoint;
        });

        after(() => {
            if (readOnly !== undefined) spawnSync("umount", [readOnly], { stdio: "ignore" });
        });

        it("refuses a state dir below a folder other users may not search (mktemp -d, /root), creating nothing", async () => {
            const closed = fs.mkdtempSync(path.join(root, "closed-"));
            fs.chmodSync(root, 0o755);
            fs.chmodSync(closed, 0o700);
            const stateDir = path.join(closed, "state");
            assert.throws(() => checkSearchableByOthers(stateDir, "pgha"), new RegExp(`${closed} is not searchable by other users \\(mode 700\\); choose a state dir whose every parent folder has o\\+x`));
            if (isRoot) assertRefused(await run("local-up.js", ["--state-dir", stateDir]), /could not reach --state-dir .* is not searchable by other users/);
            assert.ok(!fs.existsSync(stateDir), "nothing was created");
            assert.doesNotThrow(() => checkSearchableByOthers(path.join(root, "open", "state"), "pgha"));
        });

        it("refuses a folder in a virtual file system (where mkdir -p never ends), creating nothing", async () => {
            const stateDir = `/proc/pg-ha-cli-test-${process.pid}/state`;
            assertRefused(await run("local-up.js", ["--state-dir", stateDir]), /--state-dir/);
            assert.ok(!fs.existsSync(stateDir));
        });

        it("refuses a folder on a read-only file system", async () => {
            const stateDir = path.join(readOnly!, "state");
            assertRefused(await run("local-up.js", ["--state-dir", stateDir]), /read-only/);
            assert.ok(!fs.existsSync(stateDir));
        });

        it("refuses a read-only folder that exists", async () => {
            assertRefused(await run("local-up.js", ["--state-dir", readOnly!]), /read-only/);
        });

        it("refuses a folder its user may not write in, creating nothing", async () => {
            const parent = fs.mkdtempSync(path.join(root, "not-writable-"));
            fs.chmodSync(root, 0o755);
            fs.chmodSync(parent, 0o555);
            const stateDir = path.join(parent, "state");
            assertRefused(await run("local-up.js", ["--state-dir", stateDir], undefined, UNPRIVILEGED), /may not write in/);
            assert.ok(!fs.existsSync(stateDir));
        });

        it("refuses a file, leaving it as it was", async () => {
            const file = path.join(root, "a-file");
            fs.writeFileSync(file, "keep me");
            assertRefused(await run("local-up.js", ["--state-dir", file]), /is a file/);
            assert.strictEqual(fs.readFileSync(file, "utf8"), "keep me");
        });

        it("refuses a folder below a file", async () => {
            const file = path.join(root, "another-file");
            fs.writeFileSync(file, "keep me");
            assertRefused(await run("local-up.js", ["--state-dir", path.join(file, "state")]), /is a file/);
            assert.strictEqual(fs.readFileSync(file, "utf8"), "keep me");
        });

        it("refuses an unknown stack, naming the stack files there are, creating nothing", async () => {
            const stateDir = path.join(root, "never-made-stack");
            assertRefused(await run("local-up.js", ["--state-dir", stateDir, "--stack", "nosuchstack"]), /nosuchstack.*Pulumi\.dev\.yaml.*Pulumi\.prod\.yaml/);
            assert.ok(!fs.existsSync(stateDir));
        });

        it("refuses a stack name that is a path", async () => {
            const stateDir = path.join(root, "never-made-path");
            assertRefused(await run("local-up.js", ["--state-dir", stateDir, "--stack", "../dev"]), /--stack/);
            assert.ok(!fs.existsSync(stateDir));
        });

        for (const base of ["80", "70000", "12ab", "-5"]) {
            it(`refuses --port-base ${base}, creating nothing`, async () => {
                const stateDir = path.join(root, `never-made-port-${base}`);
                assertRefused(await run("local-up.js", ["--state-dir", stateDir, `--port-base=${base}`]), /--port-base/);
                assert.ok(!fs.existsSync(stateDir));
            });
        }

        it("refuses a folder of other files, leaving them as they were", async () => {
            const stateDir = fs.mkdtempSync(path.join(root, "someone-elses-"));
            fs.writeFileSync(path.join(stateDir, "notes.txt"), "keep me");
            assertRefused(await run("local-up.js", ["--state-dir", stateDir]), /holds other files/);
            assert.deepStrictEqual(listing(stateDir), ["notes.txt"]);
        });

        it("refuses a state dir whose state.json is damaged", async () => {
            const stateDir = fs.mkdtempSync(path.join(root, "damaged-"));
            fs.writeFileSync(path.join(stateDir, "state.json"), "{\"services\": [");
            assertRefused(await run("local-up.js", ["--state-dir", stateDir]), /state\.json/);
            assert.deepStrictEqual(listing(stateDir), ["state.json"]);
        });
    });

    describe("commands on a local cluster that is down", () => {
        for (const [script, args] of [
            ["switchover.js", ["--to", "node1"]],
            ["rejoin.js", ["--node", "node1"]],
        ] as const) {
            it(`${script} refuses at once, touching nothing`, async () => {
                const stateDir = await fabricatedStateDir(root, caPem);
                const before = listing(stateDir);
                assertRefused(await run(script, ["--state-dir", stateDir, ...args]), /not running/);
                assert.deepStrictEqual(listing(stateDir), before);
            });

            it(`${script} refuses from the state alone, even when its service user is gone`, async () => {
                const stateDir = await fabricatedStateDir(root, caPem, { serviceUser: "pg-ha-no-such-user" });
                assertRefused(await run(script, ["--state-dir", stateDir, ...args]), /not running/);
            });
        }

        it("switchover refuses a target that is not running while pgpool is", async () => {
            const stateDir = await fabricatedStateDir(root, caPem, { pgpoolRunning: true });
            const before = listing(stateDir);
            assertRefused(await run("switchover.js", ["--state-dir", stateDir, "--to", "node1"]), /node1 of the local cluster .* is not running/);
            assert.deepStrictEqual(listing(stateDir), before);
        });

        it("rejoin refuses when no other node runs to be the primary", async () => {
            const stateDir = await fabricatedStateDir(root, caPem, { pgpoolRunning: true });
            const before = listing(stateDir);
            assertRefused(await run("rejoin.js", ["--state-dir", stateDir, "--node", "node1"]), /none of node0, node2 .* is running/);
            assert.deepStrictEqual(listing(stateDir), before);
        });

        it("backup refuses when pgpool runs but no node does", async () => {
            const stateDir = await fabricatedStateDir(root, caPem, { pgpoolRunning: true });
            assertRefused(await run("backup.js", ["--outputs", path.join(stateDir, "outputs.json")]), /none of node0, node1, node2 .* is running/);
        });

        for (const [script, args] of [
            ["backup.js", []],
            ["restore.js", ["--into", "RESTORE", "--port", "PORT"]],
            ["drill-restore.js", ["--port", "PORT"]],
            ["drill-failover.js", []],
            ["dump.js", ["--file", "DUMP"]],
        ] as const) {
            it(`${script} refuses at once, touching nothing`, async () => {
                const stateDir = await fabricatedStateDir(root, caPem);
                const before = listing(stateDir);
                const port = String(await freePort());
                const resolved = args.map((arg) => (arg === "RESTORE" ? path.join(stateDir, "restored") : arg === "DUMP" ? path.join(stateDir, "app.dump") : arg === "PORT" ? port : arg));
                assertRefused(await run(script, ["--outputs", path.join(stateDir, "outputs.json"), ...resolved]), /not running|does not answer|nothing listens/);
                assert.deepStrictEqual(listing(stateDir), before);
            });
        }

        it("switchover refuses a state dir that holds no cluster", async () => {
            const stateDir = fs.mkdtempSync(path.join(root, "empty-"));
            assertRefused(await run("switchover.js", ["--state-dir", stateDir, "--to", "node1"]), /holds no local cluster/);
        });

        it("local:status refuses a damaged state.json", async () => {
            const stateDir = fs.mkdtempSync(path.join(root, "damaged-status-"));
            fs.writeFileSync(path.join(stateDir, "state.json"), "");
            assertRefused(await run("local-status.js", ["--state-dir", stateDir]), /state\.json/);
        });

        it("local:down refuses a state dir that is a file", async () => {
            const file = path.join(root, "down-file");
            fs.writeFileSync(file, "");
            assertRefused(await run("local-down.js", ["--state-dir", file]), /is a file/);
        });
    });

    describe("restore and the other options", () => {
        const restore = async (stateDir: string, overrides: Record<string, string>) => {
            const options: Record<string, string> = { outputs: path.join(stateDir, "outputs.json"), into: path.join(stateDir, "restored"), port: String(await freePort()), ...overrides };
            return run("restore.js", Object.entries(options).flatMap(([name, value]) => [`--${name}`, value]));
        };

        for (const [time, names] of [
            ["2026-02-30T10:00:00Z", /--target-time.*2026-02-30/],
            ["2026-11-28T10:00:00", /--target-time.*zone/],
            ["2026-13-01T00:00:00Z", /--target-time/],
            ["2026-11-28T24:30:00Z", /--target-time/],
            ["tomorrow", /--target-time/],
            ["2999-01-01T00:00:00Z", /--target-time.*future/],
        ] as const) {
            it(`refuses --target-time ${time}`, async () => {
                const stateDir = await fabricatedStateDir(root, caPem);
                const before = listing(stateDir);
                assertRefused(await restore(stateDir, { "target-time": time }), names);
                assert.deepStrictEqual(listing(stateDir), before);
            });
        }

        for (const port of ["0", "70000", "80", "x"]) {
            it(`refuses restore --port ${port}`, async () => {
                const stateDir = await fabricatedStateDir(root, caPem);
                assertRefused(await restore(stateDir, { port }), /--port/);
            });
            it(`refuses drill:restore --port ${port}`, async () => {
                const stateDir = await fabricatedStateDir(root, caPem);
                assertRefused(await run("drill-restore.js", ["--outputs", path.join(stateDir, "outputs.json"), "--port", port]), /--port/);
            });
        }

        it("refuses restore --into a file", async () => {
            const stateDir = await fabricatedStateDir(root, caPem);
            const file = path.join(stateDir, "restored");
            fs.writeFileSync(file, "keep me");
            assertRefused(await restore(stateDir, { into: file }), /--into.*is a file/);
            assert.strictEqual(fs.readFileSync(file, "utf8"), "keep me");
        });

        it("refuses restore --into a folder in a virtual file system", async () => {
            const stateDir = await fabricatedStateDir(root, caPem);
            assertRefused(await restore(stateDir, { into: `/proc/pg-ha-cli-test-${process.pid}/data` }), /--into/);
        });

        it("refuses restore and drill:restore --stack with an --into that is not an absolute path there, and a prod stack whose outputs cannot be read", async () => {
            assertRefused(await run("restore.js", ["--stack", "dev", "--into", "copy", "--port", "5532"]), /--into must be an absolute path on the primary's host/);
            assertRefused(await run("drill-restore.js", ["--stack", "dev", "--into", "copy"]), /--into must be an absolute path on the primary's host/);
            // The instances come from pulumi stack output, and no pulumi CLI can be installed here.
            assertRefused(await run("restore.js", ["--stack", "prod", "--into", "/var/lib/postgresql/data/copy", "--port", "5532"]), /the pulumi CLI is not installed .*pass --outputs FILE/);
            assertRefused(await run("restore.js", ["--stack", "dev", "--outputs", "x.json", "--into", "/x", "--port", "5532"]), /give --outputs \(a local run's outputs.json, or a stack's saved outputs\) or --stack/);
        });

        it("refuses backup --outputs of a folder", async () => {
            const stateDir = await fabricatedStateDir(root, caPem);
            assertRefused(await run("backup.js", ["--outputs", stateDir]), /folder/);
        });

        it("refuses roll --stack unknown, and roll of a stack whose outputs cannot be read", async () => {
            assertRefused(await run("roll.js", ["--stack", "nosuchstack"]), /nosuchstack.*Pulumi\.dev\.yaml/);
            // No pulumi CLI can be installed here: the outputs cannot be read, and it says how to fix that.
            assertRefused(await run("roll.js", ["--stack", "prod", "--dry-run"]), /the pulumi CLI is not installed/);
        });

        it("refuses drill:failover --stall-ms and --no-rejoin on a stack, which drive the local run only", async () => {
            assertRefused(await run("drill-failover.js", ["--stack", "dev", "--stall-ms", "1000"]), /--stall-ms and --no-rejoin drive the local run only/);
            assertRefused(await run("drill-failover.js", ["--stack", "dev", "--no-rejoin"]), /--stall-ms and --no-rejoin drive the local run only/);
        });

        it("refuses rejoin with both --stack and --state-dir", async () => {
            assertRefused(await run("rejoin.js", ["--stack", "dev", "--state-dir", "/tmp", "--node", "node1"]), /give one of --outputs, --stack and --state-dir/);
        });

        it("refuses restore --stop with --discard, or with the options of a new restore", async () => {
            assertRefused(await run("restore.js", ["--stack", "dev", "--stop", "/var/lib/postgresql/data/copy", "--discard", "/var/lib/postgresql/data/copy"]), /give --stop or --discard, not both/);
            assertRefused(await run("restore.js", ["--stack", "dev", "--stop", "/var/lib/postgresql/data/copy", "--port", "5532"]), /--stop ends a copy made before: give it without --into, --port and --target-time/);
        });

        it("refuses cost --stack unknown", async () => {
            assertRefused(await run("cost.js", ["--stack", "nosuchstack"]), /nosuchstack.*Pulumi\.dev\.yaml/);
        });

        it("refuses load --file that is not there", async () => {
            const stateDir = await fabricatedStateDir(root, caPem);
            assertRefused(await run("load.js", ["--outputs", path.join(stateDir, "outputs.json"), "--file", path.join(stateDir, "none.dump")]), /--file.*no such file/);
        });

        it("refuses dump --file into a folder that is not there", async () => {
            const stateDir = await fabricatedStateDir(root, caPem);
            assertRefused(await run("dump.js", ["--outputs", path.join(stateDir, "outputs.json"), "--file", path.join(stateDir, "none", "app.dump")]), /--file/);
        });

        it("refuses s3-server --port out of range and missing certificate files", async () => {
            assertRefused(await run("s3-server.js", ["--port", "70000", "--dir", root, "--cert", path.join(root, "throwaway.crt"), "--key", path.join(root, "throwaway.key"), "--bucket", "b"]), /--port/);
            assertRefused(await run("s3-server.js", ["--port", "9", "--dir", root, "--cert", path.join(root, "none.crt"), "--key", path.join(root, "throwaway.key"), "--bucket", "b"]), /--cert/);
        });
    });

    describe("the option readers", () => {
        it("reads a date and time strictly, with a zone, refusing days that do not exist", () => {
            assert.strictEqual(dateTimeOption("2026-11-28T10:00:00Z", "target-time")?.toISOString(), "2026-11-28T10:00:00.000Z");
            assert.strictEqual(dateTimeOption("2026-11-28T11:30:00.250+01:30", "target-time")?.toISOString(), "2026-11-28T10:00:00.250Z");
            assert.strictEqual(dateTimeOption("2024-02-29 10:00:00Z", "target-time")?.toISOString(), "2024-02-29T10:00:00.000Z");
            assert.strictEqual(dateTimeOption(undefined, "target-time"), undefined);
            for (const bad of ["2026-02-30T10:00:00Z", "2025-02-29T10:00:00Z", "2026-04-31T00:00:00Z", "2026-11-28", "2026-11-28T10:00:00", "2026-11-28T10:60:00Z", "2026-11-28T10:00:00+25:00", "1764324000", ""]) {
                assert.throws(() => dateTimeOption(bad, "target-time"), /^Error: --target-time /, bad);
            }
        });

        it("reads ports and counts within their ranges", () => {
            assert.strictEqual(portOption("5432", "port"), 5432);
            assert.strictEqual(portOption(undefined, "port"), undefined);
            assert.throws(() => portOption("0", "port"), /--port must be a port number 1\.\.65535, got "0"/);
            assert.throws(() => portOption("65536", "port"), /--port must be a port number/);
            assert.throws(() => portOption("80", "port", 1024), /--port must be a port number 1024\.\.65535/);
            assert.strictEqual(integerOption("3", "runs", { min: 1, max: 20 }), 3);
            assert.throws(() => integerOption("0", "runs", { min: 1, max: 20 }), /--runs must be a whole number 1\.\.20, got "0"/);
            assert.throws(() => integerOption("99999999999999999999", "runs"), /--runs must be a whole number/);
        });

        it("makes a usable folder one level at a time, and refuses what cannot be one", () => {
            const dir = path.join(root, "made", "a", "b");
            checkUsableFolder(dir, "--state-dir");
            assert.ok(!fs.existsSync(path.join(root, "made")), "the check creates nothing");
            makeFolder(dir);
            assert.ok(fs.statSync(dir).isDirectory());
            checkUsableFolder(dir, "--state-dir");
            assert.deepStrictEqual(fs.readdirSync(dir), [], "the probe leaves nothing behind");
            assert.throws(() => checkUsableFolder("/proc/pg-ha-cli-test/x", "--into"), /^Error: --into \/proc\/pg-ha-cli-test\/x cannot be made: \/proc does not accept new folders/);
        });

        it("checks outputs' types before anything connects", () => {
            assert.throws(() => assertStackOutputs(null, "x.json"), /x\.json/);
            assert.throws(() => assertStackOutputs({ ...outputsPointingAt(5432, caPem), exporterMetricsUrl: "ftp://x" }, "x.json"), /exporterMetricsUrl/);
            assert.doesNotThrow(() => assertStackOutputs(outputsPointingAt(5432, caPem), "x.json"));
        });

        it("bounds a connection to a server that accepts and never answers, startup included", async () => {
            const server = net.createServer((socket) => { socket.on("error", () => undefined); socket.on("data", () => socket.write("S")); });
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            try {
                const started = Date.now();
                await assert.rejects(connect({ host: "127.0.0.1", port: (server.address() as net.AddressInfo).port, user: "u", password: "p", database: "d" }, { caPem, connectTimeoutMs: 500 }),
                    (error: Error) => /did not answer within 0\.5 s/.test(error.message) && !RAW.test(error.message));
                assert.ok(Date.now() - started < 3000);
            } finally {
                server.close();
            }
        });
    });
});
