import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ARCHIVE_CALL_TIMEOUT_SECONDS, archiveCommand, ARCHIVE_SCRIPT, BACKUP_SCRIPT, renderPgbackrestConf, renderPostgresNodeFiles, renderPostgresqlConf, RenderContext, STANZA } from "../../components/render";
import { dockerContext, settingsOf, testPasswords, testTls } from "./fixtures";
import { inHostFolder, lintScripts } from "./hostFolder";

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
        const serviceEnv = () => script("service.env").content.split("\n");

        it("are executable, not secret, and pass shellcheck as files beside the node's service.env", function () {
            // shellcheck follows what backup.sh sources (the node's whole library): about 3 s.
            this.timeout(30_000);
            for (const name of [ARCHIVE_SCRIPT, BACKUP_SCRIPT]) {
                assert.strictEqual(script(name).mode, 0o755);
                assert.strictEqual(script(name).secret, false);
            }
            assert.deepStrictEqual(inHostFolder(files, lintScripts), []);
        });
        /** Runs pgbackrest-archive.sh with a stand-in pgbackrest on PATH that answers as `scenario` says. */
        const runArchive = (scenario: "pushed" | "no stanza yet" | "unreachable"): { status: number | null; calls: string[]; stderr: string } => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-fake-pgbackrest-"));
            try {
                fs.writeFileSync(path.join(dir, "pgbackrest"), [
                    "#!/bin/bash",
                    "echo \"$*\" >> \"$CALLS\"",
                    "case \"$SCENARIO:$*\" in",
                    "    *stanza-create*) exit 0 ;;",
                    "    pushed:*) exit 0 ;;",
                    // The first push finds no archive.info (pgBackRest 2.45's words), the second works.
                    "    'no stanza yet:'*) if [ \"$(grep -c archive-push \"$CALLS\")\" = 1 ]; then printf '%s\\n' 'ERROR: [103]: unable to find a valid repository:' \"       repo1: [FileMissingError] unable to load info file '/r/archive/pg-ha/archive.info' or '/r/archive/pg-ha/archive.info.copy':\" >&2; exit 103; fi; exit 0 ;;",
                    "    unreachable:*) echo 'ERROR: [104]: unable to find a valid repository: repo1: [HostConnectError] unable to connect to localhost:1' >&2; exit 104 ;;",
                    "esac",
                    "",
                ].join("\n"), { mode: 0o755 });
                const calls = path.join(dir, "calls");
                fs.writeFileSync(calls, "");
                const run = inHostFolder(files, (host) => spawnSync("bash", [path.join(host, ARCHIVE_SCRIPT), "pg_wal/000000010000000000000003"], {
                    encoding: "utf8", env: { PATH: `${dir}:${process.env.PATH}`, CALLS: calls, SCENARIO: scenario },
                }));
                const verbs = fs.readFileSync(calls, "utf8").trim().split("\n").map((line) => line.split(" ").slice(2).join(" "));
                return { status: run.status, calls: verbs, stderr: run.stderr };
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        };

        it("pgbackrest-archive.sh pushes with the node's configuration, bounded in time", () => {
            assert.ok(serviceEnv().includes("readonly PGBACKREST_CONF='/var/run/postgresql/pg-ha/pgbackrest.conf'"));
            assert.ok(serviceEnv().includes(`readonly STANZA='${STANZA}'`));
            assert.ok(serviceEnv().includes(`readonly ARCHIVE_CALL_TIMEOUT_SECONDS='${ARCHIVE_CALL_TIMEOUT_SECONDS}'`));
            assert.deepStrictEqual(runArchive("pushed"), { status: 0, calls: ["archive-push pg_wal/000000010000000000000003"], stderr: "" });
        });
        it("pgbackrest-archive.sh creates the stanza only when the repository has none, then pushes again", () => {
            const run = runArchive("no stanza yet");
            assert.strictEqual(run.status, 0, run.stderr);
            assert.deepStrictEqual(run.calls, ["archive-push pg_wal/000000010000000000000003", "stanza-create", "archive-push pg_wal/000000010000000000000003"]);
        });
        it("pgbackrest-archive.sh passes any other failure back to PostgreSQL without touching the stanza", () => {
            const run = runArchive("unreachable");
            assert.strictEqual(run.status, 104);
            assert.deepStrictEqual(run.calls, ["archive-push pg_wal/000000010000000000000003"]);
            assert.match(run.stderr, /HostConnectError/);
        });
        it("backup.sh refuses an unknown backup type before it connects to anything", () => {
            const run = inHostFolder(files, (host) => spawnSync("bash", [path.join(host, BACKUP_SCRIPT), "weekly"], { encoding: "utf8" }));
            assert.strictEqual(run.status, 2);
            assert.match(run.stderr, /usage: backup.sh full\|diff\|incr$/m);
        });
        it("backup.sh tries stanza-create again while the archiver's push holds the archive lock (pgBackRest's error 50), then backs up", function () {
            // Two retries a second apart.
            this.timeout(15_000);
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-fake-backup-"));
            try {
                const stub = (name: string, body: string) => fs.writeFileSync(path.join(dir, name), `#!/bin/bash\necho "${name} $*" >> "$CALLS"\n${body}\n`, { mode: 0o755 });
                stub("pg_isready", "exit 0");
                stub("psql", "case \"$*\" in *pg_is_in_recovery*) echo f ;; esac");
                stub("pgbackrest", "case \"$*\" in *stanza-create*) if [ \"$(grep -c stanza-create \"$CALLS\")\" -le 2 ]; then echo \"ERROR: [050]: unable to acquire lock on file '/run/pg-ha/pgbackrest/pg-ha-archive.lock': Resource temporarily unavailable\" >&2; exit 50; fi ;; esac");
                const calls = path.join(dir, "calls");
                fs.writeFileSync(calls, "");
                // The node's files with its programs taken from the stand-ins' folder.
                const stubbed: RenderContext = { ...withBackups, layout: { ...withBackups.layout, postgres: (name) => ({ ...withBackups.layout.postgres(name), binDir: dir }) } };
                const run = inHostFolder(renderPostgresNodeFiles(stubbed, node, testPasswords(), testTls()), (host) => spawnSync("bash", [path.join(host, BACKUP_SCRIPT), "full"], {
                    encoding: "utf8", env: { PATH: `${dir}:${process.env.PATH}`, CALLS: calls },
                }));
                assert.strictEqual(run.status, 0, run.stderr);
                const pgbackrestCalls = fs.readFileSync(calls, "utf8").trim().split("\n").filter((line) => line.startsWith("pgbackrest ")).map((line) => line.split(" ").slice(3).join(" "));
                assert.deepStrictEqual(pgbackrestCalls, ["stanza-create", "stanza-create", "stanza-create", "backup --type=full"]);
                assert.match(run.stderr, /the archive is locked by a push under way; trying stanza-create again/);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
        it("the start script creates a posix repository folder owned by the service user", () => {
            assert.ok(serviceEnv().includes("readonly WRITABLE_DIRS=('/var/lib/pgbackrest')"));
            assert.ok(script("start-lib.sh").content.includes('for dir in "${WRITABLE_DIRS[@]}"; do install -d -m 750 "${owner[@]}" "$dir"; done'));
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
