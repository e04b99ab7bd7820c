import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { gunzipSync } from "zlib";
import { parse as parseYaml } from "yaml";
import { buildTopology, hostPackages, needsPostgresRepository, parseClusterConfig } from "../../config";
import { loadStackFile } from "../../config/stackFile";
import { ec2Layout } from "../../components/platforms/ec2/layout";
import { FRONT_PACKAGED_UNITS } from "../../components/platforms/ec2/ec2Platform";
import { INSTALL_SCRIPT, packagesFile, PGDG_KEY, PGDG_KEY_PATH } from "../../components/packages";
import {
    assetText, BOOT_DIR, CloudInitInput, bootFilesBundle, ssmAgentUrl, gzipUserData, hostServiceUnit, renderBackupTimers, renderCloudConfig, renderAlertmanagerFiles, renderExporterFiles, renderPoolExporterFiles, renderPrometheusFiles, renderPgpoolFiles, renderPostgresNodeFiles, RenderContext, RenderedFile,
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
    // PostgreSQL 15, Debian's: no PostgreSQL apt repository, so no key in user data.
    const boot = {
        packageInstall: { script: packagesFile(INSTALL_SCRIPT) },
        ssmAgentUrl: ssmAgentUrl("eu-west-1"),
    };
    const withKey = { ...boot, packageInstall: { ...boot.packageInstall, pgdgKey: packagesFile(PGDG_KEY) } };
    const nodeTls = testTls();
    const nodeFiles = renderPostgresNodeFiles(context, node, passwords, nodeTls);
    const nodeInput: CloudInitInput = {
        ...boot,
        hostname: node.name,
        secretStore: { region: "eu-west-1", hostPath: `/pg-ha/prod/${node.name}` },
        packages: ["postgresql-15", "pgbackrest"],
        maskedUnits: [],
        dataVolume: { volumeId: "vol-0123456789abcdef0", mountPath: "/var/lib/postgresql/data" },
        serviceUser: "postgres",
        services: [{ name: node.name, configDir: context.layout.postgres(node.name).configDir, files: nodeFiles, stopSignal: "SIGINT" }],
        extraUnits: renderBackupTimers({
            nodeName: node.name, serverUnit: hostServiceUnit(node.name), configDir: context.layout.postgres(node.name).configDir, serviceUser: "postgres",
            fullSchedule: context.config.backup.fullSchedule, differentialSchedule: context.config.backup.differentialSchedule,
        }),
    };
    const nodeDocument = renderCloudConfig(nodeInput);
    const frontTls = testTls();
    const frontInput: CloudInitInput = {
        ...boot,
        hostname: "front",
        secretStore: { region: "eu-west-1", hostPath: "/pg-ha/prod/front" },
        packages: hostPackages(15).front,
        maskedUnits: FRONT_PACKAGED_UNITS,
        serviceUser: "postgres",
        services: [
            { name: "pgpool", configDir: context.layout.pgpool().configDir, files: renderPgpoolFiles(context, passwords, frontTls), stopSignal: "SIGINT" },
            { name: "exporter", configDir: context.layout.exporter().configDir, files: renderExporterFiles(context, passwords, testTls(), [{ service: "pgpool", expiresAt: 1893456000 }]), stopSignal: "SIGTERM" },
            { name: "pool-exporter", configDir: context.layout.poolExporter().configDir, files: renderPoolExporterFiles(context, passwords, testTls()), stopSignal: "SIGTERM" },
            { name: "alertmanager", configDir: context.layout.alertmanager().configDir, files: renderAlertmanagerFiles(context, testTls(), 48), stopSignal: "SIGTERM" },
            { name: "prometheus", configDir: context.layout.prometheus().configDir, files: renderPrometheusFiles(context, testTls(), 128), stopSignal: "SIGTERM" },
        ],
    };
    const frontDocument = renderCloudConfig(frontInput);

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

    const writtenFiles = (document: string) => (parseYaml(document).write_files as { path: string; content: string; encoding?: string }[])
        .map((file) => ({ path: file.path, content: file.encoding === "b64" ? Buffer.from(file.content, "base64").toString("utf8") : file.content }));
    const bootEnv = (document: string) => writtenFiles(document).find((file) => file.path === `${BOOT_DIR}/boot.env`)!.content;

    it("carries no secret: every password and private key is only named, fetched at boot from the host's own path of the secret store", () => {
        const secrets = [...Object.values(passwords), nodeTls.keyPem, frontTls.keyPem];
        assert.ok(secrets.length >= 5 && secrets.every((secret) => secret.length >= 16));
        for (const document of [nodeDocument, frontDocument]) {
            const text = gunzipSync(Buffer.from(gzipUserData(document), "base64")).toString("utf8");
            const decoded = `${text}\n${writtenFiles(document).map((file) => file.content).join("\n")}`;
            for (const secret of secrets) assert.ok(!decoded.includes(secret), `a secret of ${secret.length} characters is in the user data`);
        }
        // The node's secret files travel in its parameter instead, byte for byte, with its certificate (gzip cannot pack it).
        const bundle = JSON.parse(bootFilesBundle(nodeFiles)) as Record<string, { mode: string; gzipBase64: string }>;
        const fetched = nodeFiles.filter((file) => file.secret || file.name === "server.crt");
        assert.deepStrictEqual(Object.keys(bundle).sort(), fetched.map((file) => file.name).sort());
        for (const file of fetched) {
            assert.strictEqual(gunzipSync(Buffer.from(bundle[file.name]!.gzipBase64, "base64")).toString("utf8"), file.content);
            assert.strictEqual(bundle[file.name]!.mode, `0${file.mode.toString(8)}`);
            assert.ok(!writtenFiles(nodeDocument).some((written) => written.path.endsWith(`/${file.name}`)), `${file.name} is not in user data`);
        }
        assert.match(bootEnv(nodeDocument), new RegExp(`/pg-ha/prod/${node.name}/${node.name}\\|${context.layout.postgres(node.name).configDir}`));
    });

    it("keeps Debian from starting its own servers: the packaged units are masked before the install, no default cluster, pgpool pinned to Debian's 4.3", () => {
        assert.match(bootEnv(frontDocument), /readonly MASKED_UNITS=\('pgpool2\.service' 'haproxy\.service' 'prometheus-postgres-exporter\.service' 'prometheus\.service' 'prometheus-alertmanager\.service'\)/);
        const bootScript = assetText("host-boot.sh");
        assert.ok(bootScript.indexOf('systemctl mask "${MASKED_UNITS[@]}"') < bootScript.indexOf('"$INSTALL_SCRIPT" "${PACKAGES[@]}"'), "masked before the install");
        const install = packagesFile(INSTALL_SCRIPT);
        assert.match(install, /echo "create_main_cluster = false" > \/etc\/postgresql-common\/createcluster\.conf/);
        assert.match(install, /Package: pgpool2 libpgpool2 pgbackrest\\nPin: release o=Debian/);
    });

    it("adds the PostgreSQL apt repository only for a major Debian lacks, with its key as a file named by signed-by (no gpg on Debian's images)", () => {
        for (const document of [nodeDocument, frontDocument]) {
            const parsed = parseYaml(document) as Record<string, unknown>;
            assert.strictEqual(parsed.apt, undefined, "no apt sources for cloud-init (its keyid needs gpg)");
            assert.strictEqual(writtenFiles(document).find((file) => file.path === PGDG_KEY_PATH), undefined, "PostgreSQL 15 is Debian's: no key");
        }
        assert.strictEqual(writtenFiles(renderCloudConfig({ ...nodeInput, ...withKey })).find((file) => file.path === PGDG_KEY_PATH)?.content, packagesFile(PGDG_KEY));
        assert.deepStrictEqual([15, 16, 17].map(needsPostgresRepository), [false, true, true]);
        assert.match(packagesFile(PGDG_KEY), /^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
        assert.match(packagesFile(INSTALL_SCRIPT), /deb \[signed-by=\$PGDG_KEY\] http:\/\/apt\.postgresql\.org\/pub\/repos\/apt bookworm-pgdg main/);
        assert.doesNotMatch(packagesFile(INSTALL_SCRIPT), /^\s*(gpg|apt-key)\b|keyid/m);
    });

    it("never starts PostgreSQL on the root disk: the unit requires the data mount and says why it does not start", () => {
        const unit = writtenFiles(nodeDocument).find((file) => file.path === `/etc/systemd/system/${hostServiceUnit(node.name)}`)!.content;
        assert.match(unit, /^RequiresMountsFor=\/var\/lib\/postgresql\/data$/m);
        const guard = /^ExecStartPre=\/bin\/sh -c '(.*)'$/m.exec(unit);
        assert.ok(guard, unit);
        // Run the guard itself: on a folder that is not a mount point it fails and names the cause.
        const folder = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-not-mounted-"));
        const notMounted = spawnSync("/bin/sh", ["-c", guard[1]!.replace(/\/var\/lib\/postgresql\/data/g, folder)], { encoding: "utf8" });
        fs.rmSync(folder, { recursive: true, force: true });
        assert.strictEqual(notMounted.status, 1);
        assert.match(notMounted.stderr, /the data volume is not mounted at .*: node1 does not start on the root disk/);
        const mounted = spawnSync("/bin/sh", ["-c", guard[1]!.replace(/\/var\/lib\/postgresql\/data/g, "/proc")], { encoding: "utf8" });
        assert.strictEqual(mounted.status, 0, mounted.stderr);
        const frontUnit = writtenFiles(frontDocument).find((file) => file.path === `/etc/systemd/system/${hostServiceUnit("pgpool")}`)!.content;
        assert.doesNotMatch(frontUnit, /RequiresMountsFor|mountpoint/);
    });

    it("restarts every service whatever its exit, as Docker's unless-stopped does (a stale primary shut down cleanly must come back as a standby)", () => {
        for (const [document, name] of [[nodeDocument, node.name], [frontDocument, "pgpool"]] as const) {
            const unit = writtenFiles(document).find((file) => file.path === `/etc/systemd/system/${hostServiceUnit(name)}`)!.content;
            assert.match(unit, /^Restart=always$/m, unit);
        }
    });
    it("boots through one script that stops at the first failure, in order: mask, install (retried), secrets, mount, start", () => {
        assert.deepStrictEqual(parseYaml(nodeDocument).runcmd, [[`${BOOT_DIR}/host-boot.sh`]]);
        const bootScript = assetText("host-boot.sh");
        assert.match(bootScript, /^set -euo pipefail$/m);
        const order = ["systemctl mask", '"$INSTALL_SCRIPT"', "aws ssm get-parameter", '"$MOUNT_DATA_SCRIPT"', "systemctl enable --now \"${UNITS[@]}\""].map((step) => bootScript.indexOf(step));
        assert.ok(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!)), `steps out of order: ${order.join(", ")}`);
        assert.match(bootEnv(nodeDocument), /readonly INSTALL_ATTEMPTS='90'/);
    });

    it("gzips to user data that cloud-init reads back whole and that fits EC2's 16 KB, the PostgreSQL apt key included", () => {
        const sizes: number[] = [];
        for (const document of [nodeDocument, frontDocument, renderCloudConfig({ ...nodeInput, ...withKey }), renderCloudConfig({ ...frontInput, ...withKey })]) {
            const userData = Buffer.from(gzipUserData(document), "base64");
            assert.strictEqual(gunzipSync(userData).toString("utf8"), document);
            assert.ok(userData.length < 16 * 1024, `${userData.length} bytes`);
            sizes.push(userData.length);
        }
        process.stderr.write(`      user data, gzipped (node, front, node with key, front with key): ${sizes.join(", ")} bytes of 16384\n`);
    });

    it("is a pure function of its input (no timestamps, no name in the gzip, a pure-JavaScript deflate): same input, same user data", () => {
        assert.strictEqual(gzipUserData(nodeDocument), gzipUserData(nodeDocument));
        const header = Buffer.from(gzipUserData(nodeDocument), "base64").subarray(0, 10);
        assert.strictEqual(header.readUInt32LE(4), 0, "mtime is 0");
        assert.strictEqual(header[3]! & 0x08, 0, "no file name");
        assert.ok(parseClusterConfig({}).ec2 === undefined, "dev config carries no ec2 settings");
    });
});
