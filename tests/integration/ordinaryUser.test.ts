import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readState, serverPidOf } from "../../scripts/lib/local/state";
import { PROJECT_ROOT } from "../../config/projectRoot";
import { isRoot } from "../../scripts/lib/local/prerequisites";
import { freePortBase } from "../../scripts/lib/ports";

const TEST_USER = "pghatester";

/**
 * The project's runtime dependencies but Pulumi's (the local run never loads the SDK or the
 * providers), with what they need: all the local run may load besides its own code.
 */
function runtimePackages(): string[] {
    const seen = new Set<string>();
    const walk = (name: string): void => {
        if (seen.has(name)) return;
        seen.add(name);
        const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "node_modules", name, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
        Object.keys(manifest.dependencies ?? {}).forEach(walk);
    };
    const project = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    Object.keys(project.dependencies).filter((name) => !name.startsWith("@pulumi/")).forEach(walk);
    return [...seen];
}

/**
 * The local run as an ordinary user, from a copy of the built scripts that user can read (the
 * checkout itself may sit in a folder only root can enter). As root, a test user is created.
 */
describe("local run as an ordinary user", function () {
    this.timeout(180_000);
    let workDir: string;
    let stateDir: string;

    const runAs = (script: string, args: string[]) => {
        const command = ["node", path.join(workDir, "build", "scripts", script), ...args];
        const asUser = isRoot() ? ["setpriv", "--reuid", TEST_USER, "--regid", TEST_USER, "--init-groups", "--", "env", `HOME=${workDir}`, `PATH=${process.env.PATH}`, ...command] : command;
        return spawnSync(asUser[0]!, asUser.slice(1), { encoding: "utf8", timeout: 150_000 });
    };

    before(() => {
        if (isRoot() && spawnSync("id", ["-u", TEST_USER], { stdio: "ignore" }).status !== 0) {
            execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", TEST_USER]);
        }
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-user-"));
        // The scripts read their shell and SQL assets where the project keeps them.
        for (const entry of ["build", "Pulumi.yaml", "Pulumi.dev.yaml", "package.json", "components/render/assets", "scripts/lib/local/supervise.sh"]) {
            fs.cpSync(path.join(PROJECT_ROOT, entry), path.join(workDir, entry), { recursive: true });
        }
        for (const name of runtimePackages()) {
            fs.cpSync(path.join(PROJECT_ROOT, "node_modules", name), path.join(workDir, "node_modules", name), { recursive: true });
        }
        stateDir = path.join(workDir, "state");
        if (isRoot()) execFileSync("chown", ["-R", `${TEST_USER}:${TEST_USER}`, workDir]);
        fs.chmodSync(workDir, 0o755);
    });

    after(() => {
        if (workDir === undefined) return;
        runAs("local-down.js", ["--state-dir", stateDir]);
        fs.rmSync(workDir, { recursive: true, force: true });
    });

    it("brings the cluster up, passes verify and stops it, every process that user's", async () => {
        const up = runAs("local-up.js", ["--state-dir", stateDir, "--port-base", String(await freePortBase())]);
        assert.strictEqual(up.status, 0, `local:up failed:\n${up.stderr}`);
        const verify = runAs("verify.js", ["--outputs", path.join(stateDir, "outputs.json")]);
        assert.strictEqual(verify.status, 0, `verify failed:\n${verify.stdout}\n${verify.stderr}`);
        assert.match(verify.stdout, /verify: 8 passed, 0 failed/);
        const state = readState(stateDir)!;
        const expectedUser = isRoot() ? TEST_USER : os.userInfo().username;
        assert.strictEqual(state.serviceUser, expectedUser);
        const expectedUid = Number(execFileSync("id", ["-u", expectedUser], { encoding: "utf8" }));
        for (const service of state.services) {
            const pid = serverPidOf(service);
            assert.ok(pid !== undefined, `${service.name} has a server`);
            const uid = Number(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
            assert.strictEqual(uid, expectedUid, `${service.name}'s server (pid ${pid}) runs as uid ${uid}`);
        }
        const down = runAs("local-down.js", ["--state-dir", stateDir]);
        assert.strictEqual(down.status, 0, down.stderr);
        assert.match(down.stderr, /node0\s+stopped/);
    });
});
