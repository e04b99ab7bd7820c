import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createHash } from "crypto";
import { spawnSync } from "child_process";
import {
    conninfo, failoverWindowSeconds, quoteConfString, renderExporterFiles, renderPcpConf, renderPgHbaConf, renderPgpass, renderPgpoolConf,
    renderClientGateConf, renderPgpoolFiles, renderPostgresNodeFiles, renderPostgresqlConf, renderPoolHbaConf, RenderedFile, shellQuote,
} from "../../components/render";
import { pgpoolAesPassword } from "../../components/render/poolPasswd";
import { PROJECT_ROOT } from "../../config/projectRoot";
import { dockerContext, settingsOf, testPasswords, testTls } from "./fixtures";
import { inHostFolder, lintScripts } from "./hostFolder";

describe("renderers", () => {
    const context = dockerContext();
    const [node0, node1] = context.topology.nodes;

    describe("postgresql.conf", () => {
        const primary = settingsOf(renderPostgresqlConf(context, node0!));
        const replica = settingsOf(renderPostgresqlConf(context, node1!));

        it("sets streaming replication up", () => {
            assert.strictEqual(primary.get("wal_level"), "replica");
            assert.strictEqual(primary.get("max_wal_senders"), "10");
            assert.strictEqual(primary.get("max_replication_slots"), "10");
            assert.strictEqual(primary.get("hot_standby"), "on");
            assert.strictEqual(primary.get("wal_keep_size"), "1024MB");
            assert.strictEqual(primary.get("max_slot_wal_keep_size"), "10240MB", "a tenth of the 100 GB disk: a standby gone for good cannot fill the primary's");
            assert.strictEqual(primary.get("wal_log_hints"), "on");
        });
        it("requires TLS material and SCRAM, and loads pg_stat_statements", () => {
            assert.strictEqual(primary.get("ssl"), "on");
            assert.strictEqual(primary.get("ssl_key_file"), "/var/run/postgresql/pg-ha/server.key");
            assert.strictEqual(primary.get("password_encryption"), "scram-sha-256");
            assert.strictEqual(primary.get("shared_preload_libraries"), "pg_stat_statements");
        });
        it("sizes memory from the budget", () => {
            assert.strictEqual(primary.get("shared_buffers"), "1024MB");
            assert.strictEqual(primary.get("effective_cache_size"), "3072MB");
            assert.strictEqual(primary.get("max_connections"), "148");
        });
        it("uses quorum synchronous replication over every node, and none when set to 0", () => {
            assert.strictEqual(primary.get("synchronous_standby_names"), "ANY 1 (node0, node1, node2)");
            assert.strictEqual(settingsOf(renderPostgresqlConf(dockerContext({ synchronousReplicas: 0 }), node0!)).get("synchronous_standby_names"), "");
        });
        it("points each replica at the primary through its own slot, TLS verified", () => {
            assert.strictEqual(primary.has("primary_conninfo"), false);
            assert.strictEqual(replica.get("primary_slot_name"), "node1_slot");
            assert.strictEqual(replica.get("primary_conninfo"), "host=node0 port=5432 user=replicator passfile=/var/run/postgresql/pg-ha/pgpass application_name=node1 sslmode=verify-full sslrootcert=/var/run/postgresql/pg-ha/ca.crt connect_timeout=2");
            assert.strictEqual(replica.get("cluster_name"), "node1");
        });
    });

    describe("pg_hba.conf", () => {
        const hba = renderPgHbaConf(dockerContext({ allowedClientCidrs: ["10.1.0.0/16"] }));
        const rules = hba.split("\n").filter((line) => line && !line.startsWith("#")).map((line) => line.split(/\s+/));
        it("has TLS rules only (no plain host lines), all SCRAM", () => {
            assert.ok(rules.every((rule) => rule[0] === "hostssl" || rule[0] === "local"), hba);
            assert.ok(rules.every((rule) => rule[rule.length - 1] === "scram-sha-256"), hba);
        });
        it("allows replication for the replication role from the cluster network only", () => {
            assert.deepStrictEqual(rules.filter((rule) => rule[1] === "replication"), [["hostssl", "replication", "replicator", "172.28.40.0/24", "scram-sha-256"]]);
        });
        it("allows the configured client networks", () => {
            assert.ok(rules.some((rule) => rule.join(" ") === "hostssl all all 10.1.0.0/16 scram-sha-256"));
        });
    });

    describe("pgpool.conf", () => {
        const pgpool = settingsOf(renderPgpoolConf(context));
        it("searches for a primary longer than a former primary waits before it starts (a cluster started all at once is found on the first search)", () => {
            assert.ok(Number(pgpool.get("search_primary_node_timeout")) > failoverWindowSeconds() + 5, `${pgpool.get("search_primary_node_timeout")} s against a ${failoverWindowSeconds()} s window`);
        });
        it("fails a node that stops answering over within 6 s, so that writes resume within 10 s of a stall", () => {
            const setting = (name: string): number => Number(pgpool.get(name));
            const attempts = setting("health_check_max_retries") + 1;
            const giveUp = setting("health_check_period") + attempts * setting("health_check_timeout") + (attempts - 1) * setting("health_check_retry_delay");
            assert.ok(giveUp <= 6, `health checks give up after ${giveUp} s`);
            assert.ok(setting("connect_timeout") <= setting("health_check_timeout") * 1000);
        });
        it("gives a client 5 s to log in: a socket that sends nothing holds a pgpool child no longer", () => {
            assert.strictEqual(pgpool.get("authentication_timeout"), "5");
        });
        it("runs streaming-replication mode over every backend, application names matching", () => {
            assert.strictEqual(pgpool.get("backend_clustering_mode"), "streaming_replication");
            for (const node of context.topology.nodes) {
                assert.strictEqual(pgpool.get(`backend_hostname${node.index}`), node.name);
                assert.strictEqual(pgpool.get(`backend_port${node.index}`), String(node.port));
                assert.strictEqual(pgpool.get(`backend_application_name${node.index}`), node.name);
                assert.strictEqual(pgpool.get(`backend_flag${node.index}`), "ALLOW_TO_FAILOVER");
            }
        });
        it("load-balances reads but keeps a session on the primary after it writes", () => {
            assert.strictEqual(pgpool.get("load_balance_mode"), "on");
            assert.strictEqual(pgpool.get("disable_load_balance_on_write"), "always");
        });
        it("turns health checks on (the stock period of 0 never fails over) and its replication check worker off (it blocks failover on a frozen node)", () => {
            assert.ok(Number(pgpool.get("health_check_period")) > 0);
            assert.strictEqual(pgpool.get("health_check_user"), "pgpool_check");
            assert.strictEqual(pgpool.get("health_check_password"), "", "password comes from pool_passwd");
            assert.strictEqual(pgpool.get("sr_check_period"), "0");
            assert.strictEqual(pgpool.get("sr_check_user"), "pgpool_check", "pgpool's search for the primary logs in as this role");
            assert.strictEqual(pgpool.get("sr_check_password"), "");
            assert.strictEqual(pgpool.get("failover_on_backend_error"), "on");
        });
        it("runs the rendered failover and follow scripts, detaches false primaries, and leaves attaching standbys to attach-backends.sh", () => {
            assert.strictEqual(pgpool.get("failover_command"), "/etc/pg-ha/failover.sh %d %h %p %D %m %H %M %P %r %R %N %S");
            assert.strictEqual(pgpool.get("follow_primary_command"), "/etc/pg-ha/follow_primary.sh %d %h %p %D %m %H %M %P %r %R");
            assert.strictEqual(pgpool.get("detach_false_primary"), "on");
            assert.strictEqual(pgpool.get("auto_failback"), "off", "pgpool would attach a standby on one sample of streaming");
        });
        it("pools as configured and serves TLS", () => {
            assert.strictEqual(pgpool.get("num_init_children"), "32");
            assert.strictEqual(pgpool.get("max_pool"), "4");
            assert.strictEqual(pgpool.get("child_life_time"), "300");
            assert.strictEqual(pgpool.get("ssl"), "on");
            assert.strictEqual(pgpool.get("enable_pool_hba"), "on");
        });
        it("pool_hba.conf has TLS with SCRAM only", () => {
            const lines = renderPoolHbaConf(["10.0.0.0/8"]).split("\n").filter((line) => line && !line.startsWith("#"));
            assert.ok(lines.every((line) => /^(hostssl|local)\s.*scram-sha-256$/.test(line)), lines.join("\n"));
        });
    });

    describe("client gate (HAProxy in front of pgpool)", () => {
        const gate = renderClientGateConf(context);
        const gateLines = gate.split("\n").map((line) => line.trim());
        const pgpool = settingsOf(renderPgpoolConf(context));
        const files = renderPgpoolFiles(context, testPasswords(), testTls());

        it("holds pgpool's client port and hands a connection to pgpool, on its loopback port, only once the client has sent bytes", () => {
            assert.ok(gateLines.includes(`bind :${context.topology.pgpool.port}`), gate);
            assert.ok(gateLines.includes(`server pgpool 127.0.0.1:${context.topology.pgpool.internalPort}`), gate);
            assert.strictEqual(pgpool.get("listen_addresses"), "127.0.0.1");
            assert.strictEqual(pgpool.get("port"), String(context.topology.pgpool.internalPort));
            const inspect = gateLines.indexOf("tcp-request inspect-delay 5s");
            assert.ok(inspect > 0, "clients get 5 s (pgpool's authentication_timeout) for their first bytes");
            assert.deepStrictEqual(gateLines.slice(inspect + 1, inspect + 3), ["tcp-request content accept if { req.len gt 0 }", "tcp-request content reject"]);
        });
        it("refuses addresses outside the allowed networks at connect; pgpool then takes clients from the gate only", () => {
            assert.ok(gateLines.includes("tcp-request connection reject unless { src 172.28.40.0/24 127.0.0.1/32 }"), gate);
            const hba = files.find((file) => file.name === "pool_hba.conf")!.content.split("\n").filter((line) => line.startsWith("host"));
            assert.deepStrictEqual(hba.map((line) => line.split(/\s+/)), [["hostssl", "all", "all", "127.0.0.1/32", "scram-sha-256"]]);
        });
        it("is a configuration HAProxy accepts without a warning (haproxy -c)", () => {
            const folder = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-gate-"));
            try {
                fs.writeFileSync(path.join(folder, "client-gate.cfg"), gate);
                const result = spawnSync("haproxy", ["-c", "-f", path.join(folder, "client-gate.cfg")], { encoding: "utf8" });
                if ((result.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") assert.fail("haproxy is missing: install Debian's haproxy package (scripts/install-test-deps.sh does)");
                const output = `${result.stdout}${result.stderr}`;
                assert.strictEqual(result.status, 0, output);
                assert.doesNotMatch(output, /WARNING|ALERT/, output);
            } finally {
                fs.rmSync(folder, { recursive: true, force: true });
            }
        });
        it("ships the gate's configuration and the script that runs it beside pgpool", () => {
            assert.ok(files.some((file) => file.name === "client-gate.cfg" && file.content === gate));
            const start = files.find((file) => file.name === "start.sh")!.content;
            assert.match(start, /setpriv --pdeathsig TERM -- "\$CONFIG_DIR\/\$GATE_SCRIPT" \$\$/);
        });
    });

    describe("password files", () => {
        it("pool_passwd: AES-256-CBC of the password under the key file's text, base64", () => {
            const entry = pgpoolAesPassword("secret-password", "the-aes-key");
            assert.match(entry, /^AES[A-Za-z0-9+/]+=*$/);
            assert.notStrictEqual(entry, pgpoolAesPassword("secret-password", "another-key"));
            assert.strictEqual(entry, pgpoolAesPassword("secret-password", "the-aes-key"), "deterministic");
            assert.strictEqual(Buffer.from(entry.slice(3), "base64").length, 16, "one padded AES block for a 15-byte password");
        });
        it("pcp.conf holds the MD5 of the PCP password", () => {
            assert.strictEqual(renderPcpConf("pw").split("\n")[1], `pcpadmin:${createHash("md5").update("pw").digest("hex")}`);
        });
        it("pgpass escapes colons and backslashes", () => {
            assert.strictEqual(renderPgpass([{ user: "u", password: "a:b\\c" }]), "*:*:*:u:a\\:b\\\\c\n");
        });
    });

    describe("quoting", () => {
        it("doubles single quotes in conf strings", () => assert.strictEqual(quoteConfString("it's"), "'it''s'"));
        it("quotes shell words safely", () => assert.strictEqual(shellQuote("a'b"), "'a'\\''b'"));
        it("quotes libpq values with spaces", () => assert.strictEqual(conninfo({ host: "h", options: "-c a=b" }), "host=h options='-c a=b'"));
    });

    describe("node file sets", () => {
        const passwords = testPasswords();
        const sets: [string, RenderedFile[]][] = [
            ...context.topology.nodes.map((node): [string, RenderedFile[]] => [node.name, renderPostgresNodeFiles(context, node, passwords, testTls())]),
            ["pgpool", renderPgpoolFiles(context, passwords, testTls())],
            ["exporter", renderExporterFiles(context, passwords, testTls(), [{ service: "pgpool", expiresAt: 1893456000 }])],
        ];

        it("puts no password in a file that is not marked secret", () => {
            for (const [service, files] of sets) {
                for (const file of files.filter((candidate) => !candidate.secret)) {
                    for (const [name, password] of Object.entries(passwords)) {
                        assert.ok(!file.content.includes(password), `${service}/${file.name} holds the ${name} password`);
                    }
                }
            }
        });
        it("gives every secret file mode 0600 and every start script 0755", () => {
            for (const [service, files] of sets) {
                for (const file of files) {
                    if (file.secret) assert.strictEqual(file.mode, 0o600, `${service}/${file.name}`);
                    if (file.name === "start.sh") assert.strictEqual(file.mode, 0o755);
                }
            }
        });
        it("only the initial primary gets bootstrap SQL, with every role", () => {
            const sql = sets[0]![1].find((file) => file.name === "bootstrap.sql")!.content;
            for (const role of ["replicator", "pgpool_check", "pgha_monitor", "edufarm_app"]) assert.match(sql, new RegExp(`CREATE ROLE ${role} WITH LOGIN`));
            assert.match(sql, /CREATE DATABASE edufarm OWNER edufarm_app;/);
            assert.match(sql, /CREATE EXTENSION IF NOT EXISTS pg_stat_statements;/);
            assert.ok(sets.slice(1).every(([, files]) => !files.some((file) => file.name === "bootstrap.sql")));
        });
        it("bootstrap SQL holds SCRAM verifiers, never a password, and tracks none of its statements", () => {
            const sql = sets[0]![1].find((file) => file.name === "bootstrap.sql")!.content;
            for (const [name, password] of Object.entries(passwords)) assert.ok(!sql.includes(password), `the ${name} password is in bootstrap.sql`);
            assert.strictEqual(sql.match(/PASSWORD 'SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+';/g)?.length, 4);
            assert.strictEqual(sql.match(/^SET pg_stat_statements\.track = 'none';$/gm)?.length, 2, "in both sessions (before and after \\connect)");
            assert.match(sql, /SELECT pg_stat_statements_reset\(\);\n$/);
        });
        it("every script is a static file: with the service's rendered files beside it, it passes bash -n and shellcheck", function () {
            this.timeout(60_000);
            const executables = sets.flatMap(([service, files]) => files.filter((file) => file.mode === 0o755).map((file) => `${service}/${file.name}`));
            assert.deepStrictEqual(executables.filter((name) => !name.endsWith("start.sh")).sort(),
                ["node0/rejoin.sh", "node1/rejoin.sh", "node2/rejoin.sh", "pgpool/attach-backends.sh", "pgpool/client-gate.sh", "pgpool/failover.sh", "pgpool/follow_primary.sh", "pgpool/switchover.sh"]);
            for (const [service, files] of sets) {
                assert.deepStrictEqual(inHostFolder(files, lintScripts), [], service);
                for (const script of files.filter((file) => file.name.endsWith(".sh"))) {
                    assert.doesNotMatch(script.content, /\{\{|\$\{?(?:NODE|PORT)\d/, `${service}/${script.name} holds no rendered value`);
                }
            }
        });
        it("fences: a node without standby.signal waits out a failover, asks every peer, and rejoins a primary it finds", () => {
            const files = sets[0]![1];
            const script = files.find((file) => file.name === "start.sh")!.content;
            const exec = script.indexOf("exec \"$BIN_DIR/postgres\"");
            assert.ok(script.indexOf('sleep "$FAILOVER_WINDOW_SECONDS"') < script.indexOf('if primary_id=$(find_primary "$NODE_ID"); then\n        log'));
            assert.ok(script.lastIndexOf("rejoin_onto") < exec);
            const lib = files.find((file) => file.name === "cluster-lib.sh")!.content;
            assert.match(lib, /answers\(\) \{\n    local id work\n.*\n    for id in "\$\{!NODE_NAMES\[@\]\}"; do\n\s+\[ "\$id" = "\$\{1:-\}" \] && continue/);
            assert.match(lib, /primaries\(\) \{\n    answers "\$\{1:-\}" \| awk '\$2 > 0'\n\}/);
            assert.match(files.find((file) => file.name === "service.env")!.content, /^readonly FAILOVER_WINDOW_SECONDS='9'$/m);
            const table = files.find((file) => file.name === "cluster.env")!.content;
            assert.match(table, /^readonly NODE_NAMES=\('node0' 'node1' 'node2'\)$/m);
            assert.match(files.find((file) => file.name === "service.env")!.content, /^readonly NODE_ID='0'$/m);
        });
        it("failover.sh promotes the most advanced standby and leaves quorum commit as configured (the durability policy decides)", () => {
            const script = sets.find(([service]) => service === "pgpool")![1].find((file) => file.name === "failover.sh")!.content;
            assert.match(script, /pg_last_wal_receive_lsn\(\)/);
            assert.ok(script.includes("pg_promote(false)"));
            assert.doesNotMatch(script, /synchronous_standby_names/);
            assert.doesNotMatch(script, /^\s*(\S+=\S+\s+)?ssh\s/m, "no ssh command");
        });
    });
});

describe("project shell scripts", () => {
    it("pass shellcheck", function () {
        this.timeout(30_000);
        const scripts = ["scripts/test.sh", "scripts/install-test-deps.sh", "scripts/deploy-dev.sh", "scripts/docker-base-image.sh", "scripts/bench-docker.sh", "components/packages/install-packages.sh", ".ci/run"].map((file) => `${PROJECT_ROOT}/${file}`);
        const lint = spawnSync("shellcheck", ["--severity=warning", ...scripts], { encoding: "utf8" });
        assert.strictEqual(lint.error, undefined, "shellcheck is missing: apt-get install -y shellcheck (npm test installs it)");
        assert.strictEqual(lint.status, 0, lint.stdout);
    });
});
