import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseClusterConfig } from "../../config";
import { BackupTimersInput, renderBackupTimers, SystemdUnitFile } from "../../components/render";

/** Writes the units into a fresh folder and runs `systemd-analyze verify` on them. */
function verifyUnits(units: readonly SystemdUnitFile[]): { status: number | null; output: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-units-"));
    try {
        for (const unit of units) fs.writeFileSync(path.join(dir, unit.name), unit.content);
        const result = spawnSync("systemd-analyze", ["verify", "--man=no", ...units.map((unit) => path.join(dir, unit.name))], { encoding: "utf8" });
        assert.strictEqual(result.error, undefined, "systemd-analyze is missing: apt-get install -y systemd (npm test installs it)");
        return { status: result.status, output: `${result.stdout}${result.stderr}` };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("backup timers (systemd units in the EC2 user data)", () => {
    const config = parseClusterConfig({ backup: { fullSchedule: "Sat *-*-* 23:30:00", differentialSchedule: "daily" } });
    const input: BackupTimersInput = {
        nodeName: "node1", serverUnit: "pg-ha-node1.service", configDir: "/etc/pg-ha/node1", serviceUser: "postgres",
        fullSchedule: config.backup.fullSchedule, differentialSchedule: config.backup.differentialSchedule,
    };
    const units = renderBackupTimers(input);
    const unit = (name: string) => units.find((candidate) => candidate.name === name)!.content.split("\n");

    it("pairs a oneshot service with a persistent timer per backup type, on the configured calendar", () => {
        assert.deepStrictEqual(units.map((candidate) => candidate.name), [
            "pg-ha-node1-backup-full.service", "pg-ha-node1-backup-full.timer", "pg-ha-node1-backup-diff.service", "pg-ha-node1-backup-diff.timer",
        ]);
        assert.ok(unit("pg-ha-node1-backup-full.timer").includes("OnCalendar=Sat *-*-* 23:30:00"));
        assert.ok(unit("pg-ha-node1-backup-diff.timer").includes("OnCalendar=daily"));
        for (const type of ["full", "diff"]) {
            assert.ok(unit(`pg-ha-node1-backup-${type}.timer`).includes("Persistent=true"), "a run missed while the host was down happens at boot");
            const service = unit(`pg-ha-node1-backup-${type}.service`);
            for (const line of ["Type=oneshot", "User=postgres", `ExecStart=/bin/bash /etc/pg-ha/node1/backup.sh ${type}`, "SuccessExitStatus=3", "TimeoutStartSec=12h"]) {
                assert.ok(service.includes(line), `${type}: ${line}`);
            }
        }
    });

    it("passes systemd-analyze verify, which fails the same units with a calendar systemd cannot parse", () => {
        const good = verifyUnits(units);
        assert.strictEqual(good.status, 0, good.output);
        const bad = verifyUnits(renderBackupTimers({ ...input, fullSchedule: "Sunday at one" }));
        assert.notStrictEqual(bad.status, 0);
        assert.match(bad.output, /Failed to parse calendar specification/);
    });
});
