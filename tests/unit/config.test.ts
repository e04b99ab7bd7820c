import * as assert from "assert";
import { spawnSync } from "child_process";
import { ConfigError, DEFAULTS, parseClusterConfig, projectKeys, RawConfig } from "../../config";
import { isCalendarExpression } from "../../config/backup";
import { loadStackFile } from "../../config/stackFile";


function problemsOf(raw: RawConfig): readonly string[] {
    try {
        parseClusterConfig(raw);
    } catch (error) {
        assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
        return error.problems;
    }
    assert.fail(`config ${JSON.stringify(raw)} was accepted`);
}

function assertRejected(raw: RawConfig, expected: string | RegExp): void {
    const problems = problemsOf(raw);
    const found = problems.some((problem) => (typeof expected === "string" ? problem === expected : expected.test(problem)));
    assert.ok(found, `expected ${expected} among:\n  ${problems.join("\n  ")}`);
}

describe("config loader", () => {
    it("applies every default to an empty config", () => {
        const config = parseClusterConfig({});
        assert.strictEqual(config.platform, "docker");
        assert.strictEqual(config.replicaCount, 2);
        assert.strictEqual(config.databaseName, "edufarm");
        assert.deepStrictEqual(config.ports, { pgpool: 5430, primary: 5432, replicas: [5433, 5434], metrics: 9187, pcp: 9898 });
        assert.strictEqual(config.bindAddress, "127.0.0.1");
        assert.strictEqual(config.synchronousReplicas, 1);
        assert.deepStrictEqual(config.nodeSizing, DEFAULTS.nodeSizing);
        assert.match(config.postgresImage, /^postgres:15\./);
    });

    it("derives replica ports from the primary port when not listed", () => {
        assert.deepStrictEqual(parseClusterConfig({ replicas: 3, ports: { primary: 6000 } }).ports.replicas, [6001, 6002, 6003]);
    });

    it("reads both stack files", () => {
        assert.strictEqual(loadStackFile("dev").platform, "docker");
        assert.strictEqual(loadStackFile("prod").platform, "ec2");
    });

    it("parses Pulumi's string values: JSON where it parses, plain strings otherwise", () => {
        assert.deepStrictEqual(projectKeys({ "pg-ha:replicas": "3", "pg-ha:platform": "docker", "pg-ha:ports": "{\"pgpool\":6000}", "aws:region": "eu-west-1" }), {
            replicas: 3, platform: "docker", ports: { pgpool: 6000 },
        });
    });

    describe("rejects bad values with the key, the value and what is allowed", () => {
        it("replica count out of range", () => {
            assertRejected({ replicas: 7 }, "pg-ha:replicas must be an integer 1..5, got 7");
            assertRejected({ replicas: 0 }, "pg-ha:replicas must be an integer 1..5, got 0");
            assertRejected({ replicas: 1.5 }, "pg-ha:replicas must be an integer 1..5, got 1.5");
            assertRejected({ replicas: "two" }, "pg-ha:replicas must be an integer 1..5, got \"two\"");
        });
        it("unknown platform", () => assertRejected({ platform: "kubernetes" }, "pg-ha:platform must be one of \"docker\", \"ec2\", got \"kubernetes\""));
        it("unsupported PostgreSQL version", () => assertRejected({ postgresVersion: 12 }, /^pg-ha:postgresVersion must be one of 14, 15, 16, 17, got 12$/));
        it("database and user names that are not identifiers or are reserved", () => {
            assertRejected({ databaseName: "Edu-Farm" }, /^pg-ha:databaseName must be a PostgreSQL identifier .*got "Edu-Farm"$/);
            assertRejected({ databaseName: "postgres" }, /^pg-ha:databaseName must not be a reserved name .*got "postgres"$/);
            assertRejected({ appUser: "replicator" }, /^pg-ha:appUser must not be a reserved name .*got "replicator"$/);
            assertRejected({ appUser: "pg_app" }, /^pg-ha:appUser must not be a reserved name/);
            assertRejected({ appUser: "1app" }, /^pg-ha:appUser must be a PostgreSQL identifier/);
            assertRejected({ appUser: "a".repeat(64) }, /^pg-ha:appUser must be a PostgreSQL identifier/);
        });
        it("bind address that is not an IPv4 address", () => {
            assertRejected({ bindAddress: "localhost" }, "pg-ha:bindAddress must be an IPv4 address such as 127.0.0.1, got \"localhost\"");
            assertRejected({ bindAddress: "300.0.0.1" }, /^pg-ha:bindAddress must be an IPv4 address/);
        });
        it("port clash between roles", () => {
            assertRejected({ ports: { pgpool: 5432 } }, "pg-ha:ports.primary clashes with pg-ha:ports.pgpool: both are 5432");
            assertRejected({ ports: { metrics: 5433 } }, "pg-ha:ports.replicas[0] clashes with pg-ha:ports.metrics: both are 5433");
        });
        it("ports out of range, or not one per replica", () => {
            assertRejected({ ports: { pgpool: 80 } }, "pg-ha:ports.pgpool must be an integer 1024..65535, got 80");
            assertRejected({ ports: { replicas: [5433] } }, "pg-ha:ports.replicas must list one port per replica (2), got [5433]");
            assertRejected({ ports: { primary: 5432, pgbouncer: 6432 } }, /^pg-ha:ports.pgbouncer is not a known setting/);
        });
        it("bad CIDRs", () => {
            assertRejected({ allowedClientCidrs: ["10.0.0.0/33"] }, "pg-ha:allowedClientCidrs[0] must be an IPv4 CIDR such as 10.0.0.0/16, got \"10.0.0.0/33\"");
            assertRejected({ allowedClientCidrs: ["10.0.0.1/8"] }, "pg-ha:allowedClientCidrs[0] has host bits set beyond its /8 prefix: \"10.0.0.1/8\"");
            assertRejected({ allowedClientCidrs: ["10.0.0.0"] }, /^pg-ha:allowedClientCidrs\[0\] must be an IPv4 CIDR/);
            assertRejected({ allowedClientCidrs: [] }, /^pg-ha:allowedClientCidrs must be a non-empty list/);
            assertRejected({ dockerNetworkCidr: "172.28.40.1/24" }, /^pg-ha:dockerNetworkCidr has host bits set/);
        });
        it("0.0.0.0/0 without the explicit opt-in", () => {
            assertRejected({ allowedClientCidrs: ["0.0.0.0/0"] }, /^pg-ha:allowedClientCidrs\[0\] is "0.0.0.0\/0", which opens the cluster to every address; set pg-ha:allowPublicAccess/);
            assert.deepStrictEqual(parseClusterConfig({ allowedClientCidrs: ["0.0.0.0/0"], allowPublicAccess: true }).allowedClientCidrs, ["0.0.0.0/0"]);
        });
        it("more synchronous replicas than replicas", () => assertRejected({ replicas: 2, synchronousReplicas: 3 }, "pg-ha:synchronousReplicas must be an integer 0..2, got 3"));
        it("memory below what PostgreSQL needs, and other sizing", () => {
            assertRejected({ nodeSizing: { memoryMb: 512 } }, /^pg-ha:nodeSizing.memoryMb must be at least 1024 \(PostgreSQL with 25% shared_buffers.*got 512$/);
            assertRejected({ nodeSizing: { diskGb: 5 } }, "pg-ha:nodeSizing.diskGb must be an integer 10..65536, got 5");
            assertRejected({ nodeSizing: { cpus: 0 } }, "pg-ha:nodeSizing.cpus must be a number 0.5..64, got 0");
            assertRejected({ frontSizing: { memoryMb: 256 } }, /^pg-ha:frontSizing.memoryMb must be an integer 512\.\./);
            assertRejected({ nodeSizing: { ram: 4096 } }, /^pg-ha:nodeSizing.ram is not a known setting/);
        });
        it("pool sizes", () => {
            assertRejected({ pool: { maxPool: 0 } }, "pg-ha:pool.maxPool must be an integer 1..32, got 0");
            assertRejected({ pool: { numInitChildren: 5000 } }, "pg-ha:pool.numInitChildren must be an integer 1..1000, got 5000");
        });
        it("image references", () => assertRejected({ postgresImage: "postgres latest" }, /^pg-ha:postgresImage must be an image reference/));
        it("unknown keys (typos)", () => assertRejected({ replica: 2 }, /^pg-ha:replica is not a known setting \(known: platform, replicas,/));
        it("objects where objects belong", () => assertRejected({ ports: 5430 }, "pg-ha:ports must be an object, got 5430"));
    });

    it("reports every problem at once", () => {
        const problems = problemsOf({ replicas: 9, platform: "k8s", bindAddress: "x" });
        assert.strictEqual(problems.length, 3);
        assert.throws(() => parseClusterConfig({ replicas: 9, platform: "k8s" }), /^ConfigError: Invalid stack configuration:\n  - pg-ha:platform .*\n  - pg-ha:replicas/);
    });

    describe("prod (platform ec2)", () => {
        const prod = { platform: "ec2", ec2: { availabilityZones: ["eu-west-1a", "eu-west-1b"] } };
        it("maps the budget to instance types through one table", () => {
            const config = parseClusterConfig(prod);
            assert.strictEqual(config.ec2!.nodeInstanceType, "t3.medium");
            assert.strictEqual(config.ec2!.frontInstanceType, "t2.micro");
            assert.strictEqual(parseClusterConfig({ ...prod, nodeSizing: { cpus: 2, memoryMb: 8192 } }).ec2!.nodeInstanceType, "t3.large");
            assert.deepStrictEqual(config.backup, { prefix: "pg-ha", retentionDays: 14, fullSchedule: "Sun *-*-* 01:00:00", differentialSchedule: "Mon..Sat *-*-* 01:00:00" });
        });
        it("rejects an unknown instance type", () => assertRejected({ ...prod, ec2: { ...prod.ec2, nodeInstanceType: "t9.huge" } }, /^pg-ha:ec2.nodeInstanceType must be a known instance type \(.*t3\.medium.*\), got "t9.huge"$/));
        it("rejects a budget no known type fits", () => assertRejected({ ...prod, nodeSizing: { cpus: 3 } }, /^pg-ha:ec2.nodeInstanceType: no known instance type has 3 vCPU/));
        it("rejects fewer zones than needed, for a new VPC and for existing subnets", () => {
            assertRejected({ platform: "ec2", ec2: { availabilityZones: ["eu-west-1a"] } }, /^pg-ha:ec2.availabilityZones must list at least 2 zones/);
            assertRejected({ platform: "ec2", ec2: { vpcId: "vpc-0123abcd", subnets: [{ id: "subnet-0123abcd", availabilityZone: "eu-west-1a" }, { id: "subnet-0456abcd", availabilityZone: "eu-west-1a" }] } },
                "pg-ha:ec2.subnets must be private subnets in at least 2 availability zones (nodes are spread over zones), got 1 zone(s)");
            assertRejected({ platform: "ec2", ec2: { vpcId: "vpc-0123abcd", subnets: [{ id: "sub-1", availabilityZone: "eu-west-1a" }] } }, /^pg-ha:ec2.subnets\[0\].id must be a subnet id/);
        });
        it("rejects 0.0.0.0/0 for clients or monitoring without the explicit opt-in", () => {
            assertRejected({ ...prod, allowedClientCidrs: ["0.0.0.0/0"] }, /^pg-ha:allowedClientCidrs\[0\] is "0.0.0.0\/0"/);
            assertRejected({ ...prod, ec2: { ...prod.ec2, monitoringCidrs: ["0.0.0.0/0"] } }, /^pg-ha:ec2.monitoringCidrs\[0\] is "0.0.0.0\/0", which opens the metrics to every address/);
        });
        it("rejects a retention of 0 days and a bad prefix", () => {
            assertRejected({ ...prod, backup: { retentionDays: 0 } }, "pg-ha:backup.retentionDays must be an integer 1..3650, got 0");
            assertRejected({ ...prod, backup: { prefix: "/abs/" } }, /^pg-ha:backup.prefix must be a key prefix/);
        });
        it("rejects a backup schedule systemd would not take, and unknown backup settings", () => {
            assertRejected({ ...prod, backup: { fullSchedule: "Sunday at one" } }, 'pg-ha:backup.fullSchedule must be a systemd calendar expression such as "Sun *-*-* 01:00:00" or "daily", got "Sunday at one"');
            assertRejected({ ...prod, backup: { differentialSchedule: "Mon 25:00" } }, /^pg-ha:backup.differentialSchedule must be a systemd calendar expression/);
            assertRejected({ ...prod, backup: { schedule: "daily" } }, "pg-ha:backup.schedule is not a known setting (known: prefix, retentionDays, fullSchedule, differentialSchedule)");
        });
        it("rejects ec2 settings on the docker platform", () => assertRejected({ ec2: {} }, /^pg-ha:ec2 applies to platform "ec2" only/));
    });
});

describe("backup schedules: the config check agrees with systemd", () => {
    const expressions = [
        "Sun *-*-* 01:00:00", "Mon..Sat *-*-* 01:00:00", "daily", "weekly", "Sat,Sun 03:30", "*-*-* 02:00", "01:00",
        "*-*-01 04:00:00", "Mon,Wed..Fri 23:59:59", "Sun *-*-* 01:00:00 UTC", "*-*-* 0/6:00", "2026-12-24 18:00",
        "Mon 25:00", "Foo 01:00", "Sunday at one", "", "*-13-* 01:00", "*-*-* 01:60", "Mon..Fri 22:*/15", "daily UTC x", "01:00:00:00",
        "Sun", "Sun *-*-*", "Mon..Sun", "Sun UTC", "UTC", "12:00 UTC", "*-*-*", "Sun Mon 01:00", "01:00 Sun",
    ];
    for (const expression of expressions) {
        it(`${JSON.stringify(expression)}: accepted exactly when systemd-analyze calendar accepts it`, () => {
            const systemd = spawnSync("systemd-analyze", ["calendar", expression], { encoding: "utf8" });
            assert.strictEqual(systemd.error, undefined, "systemd-analyze is missing: apt-get install -y systemd (npm test installs it)");
            assert.strictEqual(isCalendarExpression(expression), systemd.status === 0, `systemd-analyze says: ${systemd.stdout}${systemd.stderr}`);
        });
    }
});
