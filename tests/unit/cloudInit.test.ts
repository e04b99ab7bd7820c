import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { gunzipSync } from "zlib";
import { parse as parseYaml } from "yaml";
import { buildTopology, parseClusterConfig } from "../../config";
import { loadStackFile } from "../../config/stackFile";
import { ec2Layout } from "../../components/platforms/ec2/layout";
import {
    gzipUserData, hostServiceUnit, renderBackupTimers, renderCloudConfig, renderExporterFiles, renderPgpoolFiles, renderPostgresNodeFiles, RenderContext, RenderedFile,
} from "../../components/render";
import { testPasswords, testTls } from "./fixtures";
import { inHostFolder, lintScripts } from "./hostFolder";

function ec2Context(): RenderContext {
    const config = loadStackFile("prod");
    return {
        config,
        topology: buildTopology(config, (service) => `${service}.pg-ha.internal`),
        layout: ec2Layout(config.postgresVersion, config.ec2!.vpcCidr),
        backup: {
            repository: { type: "s3", bucket: "pg-ha-backups-0123", path: config.backup.prefix, endpoint: "s3.eu-west-1.amazonaws.com", region: "eu-west-1", keyType: "auto", uriStyle: "host" },
            retentionDays: config.backup.retentionDays,
        },
    };
}

function schemaCheck(document: string): { status: number | null; output: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-cloud-init-"));
    try {
        fs.writeFileSync(path.join(dir, "user-data"), document);
        const result = spawnSync("cloud-init", ["schema", "--config-file", path.join(dir, "user-data")], { encoding: "utf8" });
        assert.strictEqual(result.error, undefined, "cloud-init is missing: apt-get install -y cloud-init (npm test installs it)");
        return { status: result.status, output: `${result.stdout}${result.stderr}` };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("EC2 user data (cloud-init)", function () {
    this.timeout(60_000);
    const context = ec2Context();
    const passwords = testPasswords();
    const node = context.topology.nodes[1]!;
    const nodeDocument = renderCloudConfig({
        hostname: node.name,
        packages: ["postgresql-15", "pgbackrest"],
        conflictingServices: [],
        dataVolume: { volumeId: "vol-0123456789abcdef0", mountPath: "/var/lib/postgresql/data" },
        serviceUser: "postgres",
        services: [{ name: node.name, configDir: context.layout.postgres(node.name).configDir, files: renderPostgresNodeFiles(context, node, passwords, testTls()), stopSignal: "SIGINT" }],
        extraUnits: renderBackupTimers({
            nodeName: node.name, serverUnit: hostServiceUnit(node.name), configDir: context.layout.postgres(node.name).configDir, serviceUser: "postgres",
            fullSchedule: context.config.backup.fullSchedule, differentialSchedule: context.config.backup.differentialSchedule,
        }),
    });
    const frontDocument = renderCloudConfig({
        hostname: "front",
        packages: ["pgpool2", "postgresql-client-15", "prometheus-postgres-exporter"],
        conflictingServices: ["pgpool2", "prometheus-postgres-exporter"],
        serviceUser: "postgres",
        services: [
            { name: "pgpool", configDir: context.layout.pgpool().configDir, files: renderPgpoolFiles(context, passwords, testTls()), stopSignal: "SIGINT" },
            { name: "exporter", configDir: context.layout.exporter().configDir, files: renderExporterFiles(context, passwords, testTls()), stopSignal: "SIGTERM" },
        ],
    });

    it("passes cloud-init schema for a node and for the front host", () => {
        for (const document of [nodeDocument, frontDocument]) {
            const result = schemaCheck(document);
            assert.strictEqual(result.status, 0, result.output);
            assert.match(result.output, /Valid cloud-config/);
        }
    });

    it("the schema check can fail: a malformed document is rejected", () => {
        assert.notStrictEqual(schemaCheck("#cloud-config\nruncmd: 5\nwrite_files: nope\n").status, 0);
    });

    it("every shell script it writes passes shellcheck, as a file in its folder", function () {
        this.timeout(60_000);
        for (const document of [frontDocument, nodeDocument]) {
            const written = (parseYaml(document).write_files as { path: string; content: string; encoding?: string; permissions: string }[])
                .map((file) => ({ path: file.path, content: file.encoding === "b64" ? Buffer.from(file.content, "base64").toString("utf8") : file.content, mode: Number.parseInt(file.permissions, 8) }));
            const folders = new Map<string, RenderedFile[]>();
            for (const file of written) {
                const folder = path.posix.dirname(file.path);
                folders.set(folder, [...(folders.get(folder) ?? []), { name: path.posix.basename(file.path), content: file.content, mode: file.mode, secret: false }]);
            }
            const scripts = written.filter((file) => file.mode === 0o755).map((file) => file.path);
            assert.ok(scripts.includes(document === frontDocument ? "/etc/pg-ha/pgpool/failover.sh" : "/usr/local/sbin/pg-ha-mount-data"), scripts.join(", "));
            for (const [folder, files] of folders) {
                if (files.some((file) => file.name.endsWith(".sh") || file.mode === 0o755)) {
                    const scriptsHere = files.map((file) => (file.name.endsWith(".sh") || file.mode !== 0o755 ? file : { ...file, name: `${file.name}.sh` }));
                    assert.deepStrictEqual(inHostFolder(scriptsHere, lintScripts), [], folder);
                }
            }
        }
    });

    it("keeps Debian from starting its own servers on our ports, and pins pgpool to Debian's 4.3", () => {
        const files = parseYaml(frontDocument).write_files as { path: string; content: string }[];
        assert.strictEqual(files.find((file) => file.path === "/etc/postgresql-common/createcluster.conf")?.content, "create_main_cluster = false\n");
        assert.match(files.find((file) => file.path === "/etc/apt/preferences.d/pg-ha-debian-packages")!.content, /^Package: pgpool2 libpgpool2 pgbackrest\nPin: release o=Debian$/m);
        assert.ok((parseYaml(frontDocument).runcmd as string[][]).some((command) => command.join(" ") === "systemctl disable --now pgpool2 prometheus-postgres-exporter"));
    });

    it("gzips to user data that cloud-init reads back whole and that fits EC2's 16 KB", () => {
        for (const document of [nodeDocument, frontDocument]) {
            const userData = gzipUserData(document);
            assert.strictEqual(gunzipSync(Buffer.from(userData, "base64")).toString("utf8"), document);
            assert.ok(Buffer.from(userData, "base64").length < 16 * 1024);
        }
    });

    it("is a pure function of its input (no timestamps in the gzip): same input, same user data", () => {
        assert.strictEqual(gzipUserData(nodeDocument), gzipUserData(nodeDocument));
        assert.ok(parseClusterConfig({}).ec2 === undefined, "dev config carries no ec2 settings");
    });
});
