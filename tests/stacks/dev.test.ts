import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { budgetTotals, PINNED_DEBIAN_VERSIONS, DEFAULTS } from "../../config";
import { PROJECT_ROOT } from "../../config/projectRoot";
import { loadStackFile } from "../../config/stackFile";
import { STACK_OUTPUT_KEYS } from "../../components/render";
import { ofType, parentTypeOf, promiseOf, RecordedResource, runStack, StackRun } from "./stackHarness";

const CONTAINER = "docker:index/container:Container";

function uploads(container: RecordedResource): Map<string, { content: string; permissions: string }> {
    return new Map((container.inputs.uploads as { file: string; content: string; permissions: string }[]).map((upload) => [upload.file, upload]));
}

describe("dev stack under mocks (Pulumi.dev.yaml)", function () {
    this.timeout(60_000);
    let run: StackRun;
    let containers: Map<string, RecordedResource>;

    before(async () => {
        run = await runStack("dev");
        containers = new Map(ofType(run, CONTAINER).map((container) => [container.inputs.hostname as string, container]));
    });

    it("builds the component tree: cluster, secrets, PKI, primary, two replicas, pgpool, two exporters, Prometheus, Alertmanager", () => {
        const count = (type: string) => run.resources.filter((resource) => resource.type === type).length;
        assert.strictEqual(count("pg-ha:cluster:Cluster"), 1);
        assert.strictEqual(count("pg-ha:secrets:ClusterSecrets"), 1);
        assert.strictEqual(count("pg-ha:pki:ClusterPki"), 1);
        assert.strictEqual(count("pg-ha:postgres:Primary"), 1);
        assert.strictEqual(count("pg-ha:postgres:Replica"), 2);
        assert.strictEqual(count("pg-ha:pgpool:Pgpool"), 1);
        assert.strictEqual(count("pg-ha:exporter:Exporter"), 2);
        assert.strictEqual(count("pg-ha:monitor:Monitor"), 2);
        assert.strictEqual(count("pg-ha:docker:DockerPlatform"), 1);
        for (const type of ["pg-ha:secrets:ClusterSecrets", "pg-ha:pki:ClusterPki", "pg-ha:postgres:Primary", "pg-ha:postgres:Replica", "pg-ha:pgpool:Pgpool", "pg-ha:exporter:Exporter", "pg-ha:monitor:Monitor"]) {
            for (const resource of run.resources.filter((candidate) => candidate.type === type)) {
                assert.strictEqual(parentTypeOf(run, type, resource.name), "pg-ha:cluster:Cluster", `${resource.name} is parented to the cluster`);
            }
        }
    });

    it("runs eleven containers, each the child of its service's component", () => {
        assert.deepStrictEqual([...containers.keys()].sort(), ["alertmanager", "exporter", "node0", "node0-metrics", "node1", "node1-metrics", "node2", "node2-metrics", "pgpool", "pool-exporter", "prometheus"]);
        const expectedParent: Record<string, string> = {
            node0: "pg-ha:postgres:Primary", node1: "pg-ha:postgres:Replica", node2: "pg-ha:postgres:Replica",
            "node0-metrics": "pg-ha:exporter:NodeExporter", "node1-metrics": "pg-ha:exporter:NodeExporter", "node2-metrics": "pg-ha:exporter:NodeExporter",
            pgpool: "pg-ha:pgpool:Pgpool", exporter: "pg-ha:exporter:Exporter", "pool-exporter": "pg-ha:exporter:Exporter", prometheus: "pg-ha:monitor:Monitor", alertmanager: "pg-ha:monitor:Monitor",
        };
        for (const [host, container] of containers) {
            assert.strictEqual(parentTypeOf(run, CONTAINER, container.name), expectedParent[host], `${host}'s parent`);
            assert.strictEqual(container.name, `pg-ha-${host}-container`, "named after its component");
            assert.strictEqual(container.inputs.name, `pg-ha-dev-${host}`);
        }
    });

    it("makes seven 32-character passwords of letters and digits", () => {
        const passwords = ofType(run, "random:index/randomPassword:RandomPassword");
        assert.strictEqual(passwords.length, 7);
        for (const password of passwords) {
            assert.strictEqual(password.inputs.length, 32);
            assert.strictEqual(password.inputs.special, false);
            assert.match(password.state.result as string, /^[A-Za-z0-9]{32}$/);
        }
    });

    it("issues ECDSA certificates from one private CA, one per service, with the names clients use", () => {
        const requests = ofType(run, "tls:index/certRequest:CertRequest");
        assert.strictEqual(requests.length, 11);
        for (const request of requests) {
            const service = request.inputs.subject.commonName as string;
            assert.deepStrictEqual(request.inputs.dnsNames, [service, "localhost"]);
            assert.deepStrictEqual(request.inputs.ipAddresses, ["127.0.0.1"]);
        }
        assert.ok(ofType(run, "tls:index/privateKey:PrivateKey").every((key) => key.inputs.algorithm === "ECDSA" && key.inputs.ecdsaCurve === "P256"));
        const [ca] = ofType(run, "tls:index/selfSignedCert:SelfSignedCert");
        assert.strictEqual(ca?.inputs.isCaCertificate, true);
    });

    it("exports exactly the seven outputs and where the operations reach each service, connection strings secret with verify-full", async () => {
        assert.deepStrictEqual(Object.keys(run.program).filter((key) => run.program[key] !== undefined).sort(), [...STACK_OUTPUT_KEYS, "hostAccess"].sort());
        assert.deepStrictEqual(await promiseOf(run.program.hostAccess!), {
            serviceUser: "postgres",
            nodes: ["node0", "node1", "node2"],
            services: Object.fromEntries(["node0", "node1", "node2", "pgpool"].map((service) => [service, { container: `pg-ha-dev-${service}`, configDir: "/etc/pg-ha" }])),
        });
        assert.strictEqual(await pulumi.isSecret(run.program.hostAccess!), false);
        for (const key of ["pgpoolConnectionString", "primaryConnectionString", "replicaConnectionStrings"]) {
            assert.strictEqual(await pulumi.isSecret(run.program[key]!), true, `${key} is secret`);
        }
        const password = ofType(run, "random:index/randomPassword:RandomPassword").find((resource) => resource.name.endsWith("-app"))!.state.result as string;
        assert.strictEqual(await promiseOf(run.program.pgpoolConnectionString!), `postgresql://edufarm_app:${password}@127.0.0.1:5430/edufarm?sslmode=verify-full`);
        assert.strictEqual(await promiseOf(run.program.primaryConnectionString!), `postgresql://edufarm_app:${password}@127.0.0.1:5432/edufarm?sslmode=verify-full`);
        assert.deepStrictEqual(await promiseOf(run.program.replicaConnectionStrings!), [5433, 5434].map((port) => `postgresql://edufarm_app:${password}@127.0.0.1:${port}/edufarm?sslmode=verify-full`));
        assert.strictEqual(await promiseOf(run.program.exporterMetricsUrl!), "https://127.0.0.1:9187/metrics");
        assert.strictEqual(await promiseOf(run.program.prometheusUrl!), "https://127.0.0.1:9090");
        assert.strictEqual(await promiseOf(run.program.alertmanagerUrl!), "https://127.0.0.1:9093");
        for (const key of ["exporterMetricsUrl", "prometheusUrl", "alertmanagerUrl", "caCertificate"]) assert.strictEqual(await pulumi.isSecret(run.program[key]!), false, `${key} is plain`);
        const ca = ofType(run, "tls:index/selfSignedCert:SelfSignedCert")[0]!.state.certPem;
        assert.strictEqual(await promiseOf(run.program.caCertificate!), ca);
    });

    it("publishes each service on 127.0.0.1 only, on the dev ports; PCP stays inside", () => {
        const published = (host: string) => (containers.get(host)!.inputs.ports as { internal: number; external: number; ip: string }[]);
        const expected: Record<string, number> = { pgpool: 5430, node0: 5432, node1: 5433, node2: 5434, exporter: 9187, "pool-exporter": 9719, prometheus: 9090, alertmanager: 9093, "node0-metrics": 9100, "node1-metrics": 9101, "node2-metrics": 9102 };
        for (const [host, port] of Object.entries(expected)) {
            assert.deepStrictEqual(published(host).map((entry) => [entry.ip, entry.internal, entry.external]), [["127.0.0.1", port, port]], host);
        }
    });

    it("puts the network on pg-ha:docker.networkCidr and publishes on pg-ha:docker.bindAddress, from Pulumi.dev.yaml", () => {
        const docker = loadStackFile("dev").docker!;
        assert.deepStrictEqual({ bindAddress: docker.bindAddress, networkCidr: docker.networkCidr }, { bindAddress: "127.0.0.1", networkCidr: "172.28.40.0/24" });
        const networks = ofType(run, "docker:index/network:Network");
        assert.strictEqual(networks.length, 1);
        assert.deepStrictEqual(networks[0]!.inputs.ipamConfigs.map((ipam: { subnet: string }) => ipam.subnet), [docker.networkCidr]);
        for (const container of containers.values()) {
            for (const port of container.inputs.ports as { ip: string }[]) assert.strictEqual(port.ip, docker.bindAddress);
        }
        for (const image of ofType(run, "docker:index/remoteImage:RemoteImage")) assert.strictEqual(image.inputs.build.buildArgs.BASE_IMAGE, docker.baseImage);
    });

    it("limits CPU and memory to the budget: 7 CPU and 13 GB in all", () => {
        const limits = [...containers.values()].map((container) => ({ cpus: Number(container.inputs.cpus), memory: container.inputs.memory as number, swap: container.inputs.memorySwap as number }));
        // Each node's budget: PostgreSQL 1.95 CPU and 4064 MB, node_exporter beside it 0.05 and 32 MB.
        for (const node of ["node0", "node1", "node2"]) {
            assert.deepStrictEqual([containers.get(node)!.inputs.cpus, containers.get(node)!.inputs.memory], ["1.95", 4064]);
            assert.deepStrictEqual([containers.get(`${node}-metrics`)!.inputs.cpus, containers.get(`${node}-metrics`)!.inputs.memory], ["0.05", 32]);
        }
        assert.ok(Math.abs(limits.reduce((sum, limit) => sum + limit.cpus, 0) - 7) < 1e-9, "7 CPU in all");
        assert.deepStrictEqual(["pgpool", "exporter", "pool-exporter", "prometheus", "alertmanager"].map((front) => containers.get(front)!.inputs.cpus), ["0.6", "0.2", "0.05", "0.1", "0.05"]);
        assert.strictEqual(limits.reduce((sum, limit) => sum + limit.memory, 0), 13 * 1024);
        assert.ok(limits.every((limit) => limit.swap === limit.memory), "no swap beyond the memory limit");
        const config = loadStackFile("dev");
        assert.deepStrictEqual(budgetTotals(config), { cpus: 7, memoryMb: 13 * 1024, diskGb: 300 });
    });

    it("keeps data in a named volume per PostgreSQL node, and backups in one volume every node mounts", () => {
        const volumes = ofType(run, "docker:index/volume:Volume");
        assert.strictEqual(volumes.length, 4);
        const backups = volumes.find((volume) => volume.inputs.name === "pg-ha-dev-backups");
        assert.ok(backups, "a backups volume");
        for (const node of ["node0", "node1", "node2"]) {
            const mounts = containers.get(node)!.inputs.volumes as { volumeName: string; containerPath: string }[];
            assert.deepStrictEqual(mounts.map((mount) => mount.containerPath), ["/var/lib/postgresql/data", "/var/lib/pgbackrest"]);
            assert.ok(volumes.some((volume) => volume !== backups && volume.inputs.name === mounts[0]!.volumeName), `${node} mounts its own data volume`);
            assert.strictEqual(mounts[1]!.volumeName, "pg-ha-dev-backups", `${node} mounts the shared backups volume`);
            // node_exporter beside it sees the same volume, read-only, at the same path, and starts after the node.
            const metrics = containers.get(`${node}-metrics`)!;
            assert.deepStrictEqual(metrics.inputs.volumes, [{ volumeName: mounts[0]!.volumeName, containerPath: "/var/lib/postgresql/data", readOnly: true }]);
        }
        for (const front of ["pgpool", "exporter", "pool-exporter", "prometheus", "alertmanager"]) assert.deepStrictEqual(containers.get(front)!.inputs.volumes, []);
    });

    it("archives WAL from every node into the volume's pgBackRest repository, with the backup script beside it", () => {
        for (const node of ["node0", "node1", "node2"]) {
            const files = uploads(containers.get(node)!);
            const conf = files.get("/etc/pg-ha/pgbackrest.conf")!.content.split("\n");
            for (const line of ["repo1-type=posix", "repo1-path=/var/lib/pgbackrest", "repo1-retention-full=14", "[pg-ha]"]) assert.ok(conf.includes(line), `${node}: ${line}`);
            assert.match(files.get("/etc/pg-ha/postgresql.conf")!.content, /^archive_command = '\/etc\/pg-ha\/pgbackrest-archive.sh %p'$/m);
            assert.match(files.get("/etc/pg-ha/postgresql.conf")!.content, /^archive_mode = on$/m);
            assert.strictEqual(files.get("/etc/pg-ha/backup.sh")!.permissions, "0755");
            assert.match(files.get("/etc/pg-ha/service.env")!.content, /^readonly WRITABLE_DIRS=\('\/var\/lib\/pgbackrest'\)$/m, "the start script creates the repository folder");
        }
        assert.ok(!uploads(containers.get("pgpool")!).has("/etc/pg-ha/pgbackrest.conf"));
    });

    it("uploads the rendered files with the start script as entrypoint and secrets at 0600", () => {
        for (const [host, container] of containers) {
            assert.ok(container.secretInputs.has("uploads"), `${host}'s uploads are secret`);
            const files = uploads(container);
            assert.deepStrictEqual(container.inputs.entrypoints, ["/bin/bash", "/etc/pg-ha/start.sh"], host);
            assert.ok(files.has("/etc/pg-ha/start.sh"), `${host} has start.sh`);
            assert.strictEqual(files.get("/etc/pg-ha/server.key")?.permissions, "0600", `${host}'s key`);
            assert.match(files.get("/etc/pg-ha/server.key")!.content, /BEGIN PRIVATE KEY/);
        }
        const node0 = uploads(containers.get("node0")!);
        assert.match(node0.get("/etc/pg-ha/postgresql.conf")!.content, /^shared_buffers = '1024MB'$/m);
        assert.match(node0.get("/etc/pg-ha/postgresql.conf")!.content, /^synchronous_standby_names = 'ANY 1 \(node0, node1, node2\)'$/m);
        assert.match(node0.get("/etc/pg-ha/pg_hba.conf")!.content, /^hostssl\s+replication\s+replicator\s+172\.28\.40\.0\/24\s+scram-sha-256$/m);
        assert.ok(node0.has("/etc/pg-ha/bootstrap.sql"));
        assert.ok(!uploads(containers.get("node1")!).has("/etc/pg-ha/bootstrap.sql"), "replicas get no bootstrap SQL");
        assert.match(uploads(containers.get("node1")!).get("/etc/pg-ha/postgresql.conf")!.content, /^primary_conninfo = '.*host=node0 port=5432 user=replicator .*sslmode=verify-full/m);
        const pgpool = uploads(containers.get("pgpool")!);
        assert.match(pgpool.get("/etc/pg-ha/pgpool.conf")!.content, /^backend_hostname2 = 'node2'$/m);
        assert.match(pgpool.get("/etc/pg-ha/pool_passwd")!.content, /^edufarm_app:AES[A-Za-z0-9+/=]+$/m);
        assert.strictEqual(pgpool.get("/etc/pg-ha/pool_passwd")!.permissions, "0600");
    });

    it("gives Prometheus its rules, both exporters and node_exporter over HTTPS, and Alertmanager its receiver, on the network's service names", () => {
        const prometheus = uploads(containers.get("prometheus")!);
        const config = parseYaml(prometheus.get("/etc/pg-ha/prometheus.yml")!.content) as {
            rule_files: string[];
            alerting: { alertmanagers: { scheme: string; tls_config: { ca_file: string }; static_configs: { targets: string[] }[] }[] };
            scrape_configs: { job_name: string; scheme: string; tls_config: { ca_file: string }; static_configs: { targets: string[] }[] }[];
        };
        assert.deepStrictEqual(config.scrape_configs.map((job) => [job.job_name, job.scheme, job.tls_config.ca_file, job.static_configs[0]!.targets]), [
            ["postgres_exporter", "https", "/run/pg-ha/ca.crt", ["exporter:9187"]],
            ["pool_exporter", "https", "/run/pg-ha/ca.crt", ["pool-exporter:9719"]],
            ["node_exporter", "https", "/run/pg-ha/ca.crt", ["node0-metrics:9100", "node1-metrics:9101", "node2-metrics:9102"]],
        ]);
        assert.deepStrictEqual(config.alerting.alertmanagers.map((target) => [target.scheme, target.static_configs[0]!.targets]), [["https", ["alertmanager:9093"]]]);
        assert.deepStrictEqual(config.rule_files, ["/run/pg-ha/rules.yml"]);
        assert.match(prometheus.get("/etc/pg-ha/rules.yml")!.content, /^ {6}- alert: PostgresNodeDown$/m);
        const alertmanager = uploads(containers.get("alertmanager")!);
        assert.match(alertmanager.get("/etc/pg-ha/alertmanager.yml")!.content, /receiver: no-notification/);
        assert.strictEqual(alertmanager.get("/etc/pg-ha/alertmanager.yml")!.permissions, "0644", "no webhook URL, nothing secret");
    });

    it("builds every image from the one Debian base, with Debian's packages pinned where config pins them", () => {
        const images = ofType(run, "docker:index/remoteImage:RemoteImage");
        assert.deepStrictEqual(images.map((image) => (image.inputs.name as string).split(":")[0]).sort(), ["pg-ha/exporter", "pg-ha/monitor", "pg-ha/node-exporter", "pg-ha/pgpool", "pg-ha/postgres"]);
        for (const image of images) {
            const dockerfile = fs.readFileSync(image.inputs.build.dockerfile as string, "utf8");
            assert.ok(path.resolve(image.inputs.build.context as string).startsWith(PROJECT_ROOT));
            assert.match(dockerfile, /^FROM \$\{BASE_IMAGE\} AS installed$/m);
            const kind = (image.inputs.name as string).split(":")[0]!.split("/")[1]!;
            assert.strictEqual(image.inputs.build.target, kind);
            assert.match(dockerfile, new RegExp(`^FROM installed AS ${kind}$`, "m"));
            assert.strictEqual(image.inputs.build.buildArgs.BASE_IMAGE, "debian:bookworm-slim");
            assert.match(image.inputs.name as string, /^pg-ha\/[\w-]+:pg15-[0-9a-f]{12}$/);
        }
        const packages = (kind: string) => (images.find((image) => (image.inputs.name as string).startsWith(`pg-ha/${kind}:`))!.inputs.build.buildArgs.PACKAGES as string).split(" ");
        assert.deepStrictEqual(packages("postgres"), ["postgresql-15", "postgresql-client-15", `pgbackrest=${PINNED_DEBIAN_VERSIONS.pgbackrest}`]);
        assert.deepStrictEqual(packages("pgpool"), [`pgpool2=${PINNED_DEBIAN_VERSIONS.pgpool2}`, "haproxy", "postgresql-client-15"]);
        assert.deepStrictEqual(packages("exporter"), [`prometheus-postgres-exporter=${PINNED_DEBIAN_VERSIONS["prometheus-postgres-exporter"]}`, "curl", "ca-certificates"]);
        assert.deepStrictEqual(packages("node-exporter"), [`prometheus-node-exporter=${PINNED_DEBIAN_VERSIONS["prometheus-node-exporter"]}`, "curl", "ca-certificates"]);
        assert.deepStrictEqual(packages("monitor"), [`prometheus=${PINNED_DEBIAN_VERSIONS.prometheus}`, `prometheus-alertmanager=${PINNED_DEBIAN_VERSIONS["prometheus-alertmanager"]}`, "curl", "ca-certificates"]);
        assert.ok(!images.some((image) => /bitnami/.test(image.inputs.name as string)), "no Bitnami images");
    });

    it("replaces containers delete-first (fixed names and host ports) and restarts them unless stopped; PostgreSQL runs under Docker's init", () => {
        for (const container of containers.values()) {
            assert.strictEqual(container.inputs.restart, "unless-stopped");
            assert.strictEqual(container.inputs.init, /-node\d+$/.test(container.inputs.name as string) ? true : undefined, container.inputs.name);
            assert.strictEqual(container.inputs.wait, true);
            assert.ok((container.inputs.healthcheck.tests as string[])[0] === "CMD");
        }
        assert.strictEqual(DEFAULTS.replicaCount, 2);
    });

    it("sets no health-check start interval, which engines before API 1.44 (Debian 12's docker.io is 1.41) refuse", () => {
        for (const container of containers.values()) {
            assert.strictEqual(container.inputs.healthcheck.startInterval, undefined, container.name);
            assert.strictEqual(container.inputs.healthcheck.interval, "2s");
        }
    });

    it("checks pgpool's health through PCP, which authenticates, never on the pool port", () => {
        const tests = containers.get("pgpool")!.inputs.healthcheck.tests as string[];
        assert.deepStrictEqual(tests.slice(0, 2), ["CMD", "env"]);
        assert.ok(tests.some((word) => word.endsWith("/pcp_node_count")) && tests.includes("9898") && !tests.includes("5430"), tests.join(" "));
    });
});
