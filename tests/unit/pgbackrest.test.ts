import * as assert from "assert";
import { spawnSync } from "child_process";
import { archiveCommand, ARCHIVE_SCRIPT, BACKUP_SCRIPT, renderPgbackrestConf, renderPostgresNodeFiles, renderPostgresqlConf, RenderContext, STANZA } from "../../components/render";
import { dockerContext, settingsOf, testPasswords, testTls } from "./fixtures";

describe("pgBackRest rendering", () => {
    const plain = dockerContext();
    const withBackups: RenderContext = { ...plain, backup: { repository: { type: "posix", path: "/var/lib/pgbackrest" }, retentionDays: 14 } };
    const node = plain.topology.nodes[1]!;

    it("archives from every node through pgbackrest when a repository is set, and not otherwise", () => {
        const settings = settingsOf(renderPostgresqlConf(withBackups, node));
        assert.strictEqual(settings.get("archive_mode"), "on");
        assert.strictEqual(settings.get("archive_command"), `/etc/pg-ha/${ARCHIVE_SCRIPT} %p`);
        assert.strictEqual(settings.get("archive_command"), archiveCommand(withBackups, node));
        assert.strictEqual(settingsOf(renderPostgresqlConf(plain, node)).has("archive_mode"), false);
        const names = (context: RenderContext) => renderPostgresNodeFiles(context, node, testPasswords(), testTls()).map((file) => file.name);
        for (const name of ["pgbackrest.conf", ARCHIVE_SCRIPT, BACKUP_SCRIPT]) {
            assert.ok(names(withBackups).includes(name), `${name} with a repository`);
            assert.ok(!names(plain).includes(name), `no ${name} without one`);
        }
    });

    describe("pgbackrest-archive.sh and backup.sh", () => {
        const files = renderPostgresNodeFiles(withBackups, node, testPasswords(), testTls());
        const script = (name: string) => files.find((file) => file.name === name)!;
        const pgbackrest = `pgbackrest=(pgbackrest --config='/var/run/postgresql/pg-ha/pgbackrest.conf' --stanza=${STANZA})`;

        it("are executable, not secret, and pass shellcheck", () => {
            for (const name of [ARCHIVE_SCRIPT, BACKUP_SCRIPT]) {
                assert.strictEqual(script(name).mode, 0o755);
                assert.strictEqual(script(name).secret, false);
                const lint = spawnSync("shellcheck", ["--shell=bash", "--severity=warning", "-"], { input: script(name).content, encoding: "utf8" });
                assert.strictEqual(lint.error, undefined, "shellcheck is missing: apt-get install -y shellcheck (npm test installs it)");
                assert.strictEqual(lint.status, 0, `${name}:\n${lint.stdout}`);
            }
        });
        it("pgbackrest-archive.sh pushes with the node's configuration and creates the stanza only when a push fails", () => {
            const lines = script(ARCHIVE_SCRIPT).content.split("\n");
            assert.ok(lines.includes(pgbackrest));
            const push = lines.findIndex((line) => line.includes("archive-push \"$wal\" && exit 0"));
            const create = lines.findIndex((line) => line.includes("stanza-create || exit 1"));
            assert.ok(push >= 0 && create > push, "push first, stanza-create after a failed push");
            assert.match(lines[create + 1]!, /^exec .*archive-push "\$wal"$/);
        });
        it("backup.sh refuses an unknown backup type before it connects to anything", () => {
            const run = spawnSync("bash", ["-s", "weekly"], { input: script(BACKUP_SCRIPT).content, encoding: "utf8" });
            assert.strictEqual(run.status, 2);
            assert.match(run.stderr, /usage: backup.sh full\|diff\|incr$/m);
        });
        it("the start script creates a posix repository folder owned by the service user", () => {
            assert.ok(script("start.sh").content.includes("install -d -m 750 \"${owner[@]}\" '/var/lib/pgbackrest'"));
        });
    });

    it("keeps full backups for the retention in days, logs and locks in the run folder", () => {
        const text = renderPgbackrestConf(withBackups, node, { type: "posix", path: "/var/lib/pgbackrest" }, 14);
        for (const line of ["repo1-type=posix", "repo1-path=/var/lib/pgbackrest", "repo1-retention-full-type=time", "repo1-retention-full=14", `[${STANZA}]`, "pg1-path=/var/lib/postgresql/data/pgdata", "pg1-port=5433", "lock-path=/var/run/postgresql/pg-ha/pgbackrest"]) {
            assert.ok(text.split("\n").includes(line), `missing ${line}`);
        }
    });

    it("points an S3 repository at the bucket's prefix, with the instance role's credentials", () => {
        const text = renderPgbackrestConf(withBackups, node, { type: "s3", bucket: "b", path: "pg-ha", endpoint: "s3.eu-west-1.amazonaws.com", region: "eu-west-1", keyType: "auto", uriStyle: "host" }, 7).split("\n");
        for (const line of ["repo1-type=s3", "repo1-path=/pg-ha", "repo1-s3-bucket=b", "repo1-s3-region=eu-west-1", "repo1-s3-key-type=auto", "repo1-s3-uri-style=host"]) assert.ok(text.includes(line), `missing ${line}`);
        assert.ok(!text.some((line) => line.startsWith("repo1-s3-key=")), "no key pair with the instance role");
    });

    it("marks the file secret when it carries an S3 key pair", () => {
        const shared: RenderContext = { ...plain, backup: { repository: { type: "s3", bucket: "b", path: "p", endpoint: "localhost", region: "us-east-1", keyType: "shared", key: "k", secretKey: "s", uriStyle: "path" }, retentionDays: 7 } };
        const file = renderPostgresNodeFiles(shared, node, testPasswords(), testTls()).find((candidate) => candidate.name === "pgbackrest.conf")!;
        assert.strictEqual(file.secret, true);
        assert.strictEqual(file.mode, 0o600);
    });
});
