import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../config/projectRoot";
import { isAlive } from "../../scripts/lib/local/processes";
import { sleep, waitUntil } from "../../scripts/lib/wait";

const SUPERVISE = path.join(PROJECT_ROOT, "scripts", "lib", "local", "supervise.sh");

/**
 * A stand-in service: writes its pid, leaves a child in its process group (as pgpool leaves its
 * children), stops on SIGINT by writing "stopped", and exits by itself with code 7 when told.
 */
const SERVICE = `
trap 'echo stopped >>"$1/events"; exit 0' INT
sleep 600 &
echo $! >"$1/leftover"
echo "started $$" >>"$1/events"
while [ ! -e "$1/exit-now" ]; do sleep 0.1; done
rm -f "$1/exit-now"
exit 7
`;

interface Supervised {
    readonly pid: number;
    readonly dir: string;
    exitCode(): number | null | undefined;
}

function supervise(armed: boolean): Supervised {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-supervise-"));
    fs.writeFileSync(path.join(dir, "service.sh"), SERVICE);
    if (armed) fs.writeFileSync(path.join(dir, "armed"), "");
    const log = fs.openSync(path.join(dir, "log"), "a");
    const child = spawn("/bin/bash", [SUPERVISE, path.join(dir, "server.pid"), path.join(dir, "armed"), "SIGINT", "/bin/bash", path.join(dir, "service.sh"), dir], { detached: true, stdio: ["ignore", log, log] });
    fs.closeSync(log);
    let exit: number | null | undefined;
    child.on("exit", (code) => { exit = code; });
    return { pid: child.pid!, dir, exitCode: () => exit };
}

const read = (dir: string, name: string): string => (fs.existsSync(path.join(dir, name)) ? fs.readFileSync(path.join(dir, name), "utf8") : "");
const serverPid = (dir: string): number => Number(read(dir, "server.pid").trim());
const starts = (dir: string): number => read(dir, "events").split("\n").filter((line) => line.startsWith("started")).length;

/** Clock ticks a process has spent on the CPU (user + system). */
function cpuTicks(pid: number): number {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return Number(fields[11]) + Number(fields[12]);
}

describe("the local run's supervisor (supervise.sh)", function () {
    this.timeout(30_000);
    const running: Supervised[] = [];
    afterEach(() => {
        for (const entry of running.splice(0)) {
            try { process.kill(-serverPid(entry.dir), "SIGKILL"); } catch { /* gone */ }
            try { process.kill(entry.pid, "SIGKILL"); } catch { /* gone */ }
            fs.rmSync(entry.dir, { recursive: true, force: true });
        }
    });

    it("passes shellcheck", () => {
        const lint = spawnSync("shellcheck", ["--shell=bash", "--severity=style", SUPERVISE], { encoding: "utf8" });
        if (lint.error !== undefined) assert.fail("shellcheck is missing: apt-get install -y shellcheck (npm test installs it)");
        assert.strictEqual(lint.status, 0, lint.stdout);
    });

    it("starts the service again when it exits, after killing what it left in its process group, and says so", async () => {
        const entry = supervise(true);
        running.push(entry);
        await waitUntil("the first start", async () => starts(entry.dir) === 1, { timeoutMs: 5000, intervalMs: 50 });
        const first = serverPid(entry.dir);
        const leftover = Number(read(entry.dir, "leftover").trim());
        process.kill(first, "SIGKILL");
        // The new service says it started before the supervisor has written its pid: wait for both.
        await waitUntil("the second start, and its pid recorded", async () => (starts(entry.dir) === 2 && serverPid(entry.dir) !== first) || `${starts(entry.dir)} starts, pid ${serverPid(entry.dir)}`, { timeoutMs: 5000, intervalMs: 50 });
        assert.ok(!isAlive(leftover), "the killed service's child was killed with it");
        fs.writeFileSync(path.join(entry.dir, "exit-now"), "");
        await waitUntil("the third start", async () => starts(entry.dir) === 3, { timeoutMs: 8000, intervalMs: 50 });
        const log = read(entry.dir, "log");
        assert.match(log, /pg-ha supervise: .*service\.sh .* exited \(code 137\); starting it again in 1 s/);
        assert.match(log, /exited \(code 7\); starting it again in 2 s/, "the delay doubles while it keeps exiting");
    });

    it("stops the service with its stop signal on SIGTERM, starts nothing again and exits 0", async () => {
        const entry = supervise(true);
        running.push(entry);
        await waitUntil("the first start", async () => starts(entry.dir) === 1, { timeoutMs: 5000, intervalMs: 50 });
        process.kill(entry.pid, "SIGTERM");
        await waitUntil("the supervisor to exit", async () => entry.exitCode() !== undefined, { timeoutMs: 5000, intervalMs: 50 });
        assert.strictEqual(entry.exitCode(), 0);
        assert.match(read(entry.dir, "events"), /stopped/);
        await sleep(1500);
        assert.strictEqual(starts(entry.dir), 1);
    });

    it("ends with the service's exit code, restarting nothing, until it is armed (a service that never started fails local:up)", async () => {
        const entry = supervise(false);
        running.push(entry);
        await waitUntil("the first start", async () => starts(entry.dir) === 1, { timeoutMs: 5000, intervalMs: 50 });
        fs.writeFileSync(path.join(entry.dir, "exit-now"), "");
        await waitUntil("the supervisor to exit", async () => entry.exitCode() !== undefined, { timeoutMs: 5000, intervalMs: 50 });
        assert.strictEqual(entry.exitCode(), 7);
        assert.strictEqual(starts(entry.dir), 1);
    });

    it("waits without spinning while the service is stopped (SIGSTOP, as the stall drill does)", async () => {
        const entry = supervise(true);
        running.push(entry);
        await waitUntil("the first start", async () => starts(entry.dir) === 1, { timeoutMs: 5000, intervalMs: 50 });
        const service = serverPid(entry.dir);
        process.kill(service, "SIGSTOP");
        try {
            const before = cpuTicks(entry.pid);
            await sleep(2000);
            const ticks = cpuTicks(entry.pid) - before;
            assert.ok(ticks < 20, `the supervisor used ${ticks} ticks in 2 s while the service was stopped`);
        } finally {
            process.kill(service, "SIGCONT");
        }
        assert.strictEqual(starts(entry.dir), 1, "a stopped service is not a service that exited");
    });
});
