import * as assert from "assert";
import { archiveCommand, renderPgbackrestConf, renderPostgresNodeFiles, renderPostgresqlConf, RenderContext, STANZA } from "../../components/render";
import { dockerContext, settingsOf, testPasswords, testTls } from "./fixtures";

describe("pgBackRest rendering", () => {
    const plain = dockerContext();
    const withBackups: RenderContext = { ...plain, backup: { repository: { type: "posix", path: "/var/lib/pgbackrest" }, retentionDays: 14 } };
    const node = plain.topology.nodes[1]!;

    it("archives from every node through pgbackrest when a repository is set, and not otherwise", () => {
        const settings = settingsOf(renderPostgresqlConf(withBackups, node));
        assert.strictEqual(settings.get("archive_mode"), "on");
        assert.strictEqual(settings.get("archive_command"), `pgbackrest --config=/var/run/postgresql/pg-ha/pgbackrest.conf --stanza=${STANZA} archive-push %p`);
        assert.strictEqual(settings.get("archive_command"), archiveCommand(withBackups, node));
        assert.strictEqual(settingsOf(renderPostgresqlConf(plain, node)).has("archive_mode"), false);
        assert.ok(renderPostgresNodeFiles(withBackups, node, testPasswords(), testTls()).some((file) => file.name === "pgbackrest.conf"));
        assert.ok(!renderPostgresNodeFiles(plain, node, testPasswords(), testTls()).some((file) => file.name === "pgbackrest.conf"));
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
