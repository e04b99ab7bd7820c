import * as assert from "assert";
import { spawnSync } from "child_process";
import { ConfigError, DEFAULTS, parseClusterConfig, parseStackConfig, projectKeys, subnetCidr } from "../../config";
import { isCalendarExpression } from "../../config/backup";
import { calendarsCoincide } from "../../config/calendar";
import { POSTGRES_KEYWORDS } from "../../config/keywords";
import { loadStackFile, readStackFileConfig } from "../../config/stackFile";
import { assertRejected, problemsOf } from "./configProblems";



/** A stack file's namespaced config map with `overrides` applied; an override of undefined removes the key. */
function stackWith(stack: "dev" | "prod", overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const all: Record<string, unknown> = { ...readStackFileConfig(stack), ...overrides };
    for (const [name, value] of Object.entries(overrides)) if (value === undefined) delete all[name];
    return all;
}

function stackProblemsOf(all: Record<string, unknown>): readonly string[] {
    try {
        parseStackConfig(all);
    } catch (error) {
        assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
        return error.problems;
    }
    assert.fail(`config ${JSON.stringify(all)} was accepted`);
}

const PROD_ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
const EXISTING_SUBNETS = [{ id: "subnet-0123abcd", availabilityZone: "eu-west-1a" }, { id: "subnet-0456abcd", availabilityZone: "eu-west-1b" }];

describe("config loader", () => {
    it("applies every default to an empty config", () => {
        const config = parseClusterConfig({});
        assert.strictEqual(config.platform, "docker");
        assert.strictEqual(config.replicaCount, 2);
        assert.strictEqual(config.databaseName, "edufarm");
        assert.deepStrictEqual(config.ports, { pgpool: 5430, pgpoolInternal: 5431, primary: 5432, replicas: [5433, 5434], metrics: 9187, pcp: 9898, prometheus: 9090, alertmanager: 9093, poolMetrics: 9719, nodeMetrics: 9100 });
        assert.strictEqual(config.synchronousReplicas, 1);
        assert.deepStrictEqual(config.durability, { mode: "required", waitSeconds: 30 });
        assert.deepStrictEqual(config.nodeSizing, DEFAULTS.nodeSizing);
        assert.deepStrictEqual(config.docker, { bindAddress: "127.0.0.1", networkCidr: "172.28.40.0/24", baseImage: "debian:bookworm-slim" });
    });

    it("derives replica ports from the primary port when not listed", () => {
        assert.deepStrictEqual(parseClusterConfig({ replicas: 3, ports: { primary: 6000 } }).ports.replicas, [6001, 6002, 6003]);
    });

    it("reads both stack files", () => {
        assert.strictEqual(loadStackFile("dev").platform, "docker");
        assert.strictEqual(loadStackFile("prod").platform, "ec2");
        assert.deepStrictEqual(readStackFileConfig("dev")["pg-ha:docker"], { bindAddress: "127.0.0.1", networkCidr: "172.28.40.0/24" });
        assert.deepStrictEqual(loadStackFile("dev").docker, { bindAddress: "127.0.0.1", networkCidr: "172.28.40.0/24", baseImage: "debian:bookworm-slim" });
        assert.strictEqual(loadStackFile("prod").docker, undefined, "prod carries no Docker settings");
    });

    it("parses Pulumi's string values: JSON where it parses, plain strings otherwise", () => {
        assert.deepStrictEqual(projectKeys({ "pg-ha:replicas": "3", "pg-ha:platform": "docker", "pg-ha:ports": "{\"pgpool\":6000}", "aws:region": "eu-west-1" }), {
            replicas: 3, platform: "docker", ports: { pgpool: 6000 },
        });
    });

    describe("one key decides the replica count (pg-ha:replicas); replica ports follow from a rule", () => {
        it("loads the dev stack file with pg-ha:replicas overridden to 3, replica ports 5433, 5434, 5435", () => {
            const config = parseClusterConfig(projectKeys(stackWith("dev", { "pg-ha:replicas": 3 })));
            assert.strictEqual(config.replicaCount, 3);
            assert.deepStrictEqual(config.ports.replicas, [5433, 5434, 5435]);
        });
        it("the dev stack file lists no replica ports: the rule gives 5433 and 5434", () => {
            assert.strictEqual((readStackFileConfig("dev")["pg-ha:ports"] as Record<string, unknown> | undefined)?.replicas, undefined);
            assert.deepStrictEqual(loadStackFile("dev").ports.replicas, [5433, 5434]);
        });
        it("uses listed ports for the first replicas, and the next port after the previous node's for the rest", () => {
            assert.deepStrictEqual(parseClusterConfig({ replicas: 3, ports: { replicas: [6000] } }).ports.replicas, [6000, 6001, 6002]);
            assert.deepStrictEqual(parseClusterConfig({ replicas: 2, ports: { replicas: [5440, 5450] } }).ports.replicas, [5440, 5450]);
        });
        it("skips ports that another role listens on", () => {
            assert.deepStrictEqual(parseClusterConfig({ replicas: 3, ports: { pgpool: 5433, metrics: 5435 } }).ports.replicas, [5434, 5436, 5437]);
            assert.deepStrictEqual(parseClusterConfig({ ports: { metrics: 5433 } }).ports.replicas, [5434, 5435]);
        });
        it("refuses a list longer than the count, naming both keys", () => {
            assertRejected({ replicas: 2, ports: { replicas: [5433, 5434, 5435] } },
                "pg-ha:ports.replicas lists 3 ports but pg-ha:replicas is 2: list at most one port per replica (replicas beyond the list take the next free port after the previous node's), got [5433,5434,5435]");
        });
        it("refuses a derived port beyond 65535", () => {
            assertRejected({ replicas: 2, ports: { primary: 65535, pgpool: 5430 } }, /^pg-ha:ports.replicas\[0\] would be 65536 by the rule \(the next free port after the previous node's\), above 65535; list the replica ports in pg-ha:ports.replicas$/);
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
            assertRejected({ docker: { bindAddress: "localhost" } }, "pg-ha:docker.bindAddress must be an IPv4 address such as 127.0.0.1, got \"localhost\"");
            assertRejected({ docker: { bindAddress: "300.0.0.1" } }, /^pg-ha:docker.bindAddress must be an IPv4 address/);
        });
        it("port clash between roles", () => {
            assertRejected({ ports: { pgpool: 5432 } }, "pg-ha:ports.primary clashes with pg-ha:ports.pgpool: both are 5432");
            assertRejected({ ports: { pgpoolInternal: 5430 } }, "pg-ha:ports.pgpoolInternal clashes with pg-ha:ports.pgpool: both are 5430");
            assertRejected({ ports: { metrics: 5433, replicas: [5433] } }, "pg-ha:ports.replicas[0] clashes with pg-ha:ports.metrics: both are 5433");
        });
        it("ports out of range, or not a list", () => {
            assertRejected({ ports: { pgpool: 80 } }, "pg-ha:ports.pgpool must be an integer 1024..65535, got 80");
            assertRejected({ ports: { replicas: 5433 } }, "pg-ha:ports.replicas must be a list of ports (one per replica at most), got 5433");
            assertRejected({ ports: { primary: 5432, pgbouncer: 6432 } }, /^pg-ha:ports.pgbouncer is not a known setting/);
        });
        it("bad CIDRs", () => {
            assertRejected({ allowedClientCidrs: ["10.0.0.0/33"] }, "pg-ha:allowedClientCidrs[0] must be an IPv4 CIDR such as 10.0.0.0/16, got \"10.0.0.0/33\"");
            assertRejected({ allowedClientCidrs: ["10.0.0.1/8"] }, "pg-ha:allowedClientCidrs[0] has host bits set beyond its /8 prefix: \"10.0.0.1/8\"");
            assertRejected({ allowedClientCidrs: ["10.0.0.0"] }, /^pg-ha:allowedClientCidrs\[0\] must be an IPv4 CIDR/);
            assertRejected({ allowedClientCidrs: [] }, /^pg-ha:allowedClientCidrs must be a non-empty list/);
            assertRejected({ docker: { networkCidr: "172.28.40.1/24" } }, /^pg-ha:docker.networkCidr has host bits set/);
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
        it("the durability policy", () => {
            assertRejected({ durability: { mode: "strict" } }, 'pg-ha:durability.mode must be one of "required", "preferred", got "strict"');
            assertRejected({ durability: { waitSeconds: 1 } }, "pg-ha:durability.waitSeconds must be an integer 5..3600, got 1");
            assertRejected({ durability: { wait: 10 } }, /^pg-ha:durability.wait is not a known setting/);
            assert.deepStrictEqual(parseClusterConfig({ durability: { mode: "preferred" } }).durability, { mode: "preferred", waitSeconds: 30 });
        });
        it("image references", () => assertRejected({ docker: { baseImage: "debian bookworm" } }, /^pg-ha:docker.baseImage must be an image reference/));
        it("unknown keys (typos)", () => assertRejected({ replica: 2 }, /^pg-ha:replica is not a known setting \(known: platform, replicas,/));
        it("objects where objects belong", () => assertRejected({ ports: 5430 }, "pg-ha:ports must be an object, got 5430"));
    });

    it("reports every problem at once", () => {
        const problems = problemsOf({ replicas: 9, platform: "k8s", docker: { bindAddress: "x" } });
        assert.strictEqual(problems.length, 3);
        assert.throws(() => parseClusterConfig({ replicas: 9, platform: "k8s" }), /^ConfigError: Invalid stack configuration:\n  - pg-ha:platform .*\n  - pg-ha:replicas/);
    });

    describe("Docker settings (pg-ha:docker, platform docker only)", () => {
        it("reads each field of the pg-ha:docker object", () => {
            const docker = { bindAddress: "10.0.0.5", networkCidr: "10.99.0.0/24", baseImage: "registry.example.com:5000/debian:bookworm-20260101-slim" };
            assert.deepStrictEqual(parseClusterConfig({ docker }).docker, docker);
        });
        it("defaults each field left out, the same base image for every PostgreSQL version", () => {
            assert.deepStrictEqual(parseClusterConfig({ docker: { bindAddress: "192.168.1.10" } }).docker, { bindAddress: "192.168.1.10", networkCidr: "172.28.40.0/24", baseImage: "debian:bookworm-slim" });
            assert.deepStrictEqual(parseClusterConfig({ postgresVersion: 16, docker: {} }).docker, { bindAddress: "127.0.0.1", networkCidr: "172.28.40.0/24", baseImage: "debian:bookworm-slim" });
        });
        it("refuses a base image that is not Debian bookworm, and the retired postgresImage", () => {
            assertRejected({ docker: { baseImage: "debian:trixie-slim" } }, /^pg-ha:docker.baseImage must be a Debian bookworm image whose tag says so, such as debian:bookworm-slim .*got "debian:trixie-slim"$/);
            assertRejected({ docker: { baseImage: "debian" } }, /^pg-ha:docker.baseImage must be a Debian bookworm image/);
            assertRejected({ docker: { postgresImage: "postgres:15.15-bookworm" } }, /^pg-ha:docker.postgresImage is no longer a setting: every image, PostgreSQL's included, is built from pg-ha:docker.baseImage/);
            assertRejected({ postgresImage: "postgres:15.15-bookworm" }, /^pg-ha:postgresImage is no longer a setting: every image, PostgreSQL's included, is built from pg-ha:docker.baseImage .*remove it, got "postgres:15.15-bookworm"$/);
        });
        it("refuses an unknown field, naming the known ones", () => {
            assertRejected({ docker: { bindAdress: "127.0.0.1" } }, "pg-ha:docker.bindAdress is not a known setting (known: bindAddress, networkCidr, baseImage)");
            assertRejected({ docker: { dockerNetworkCidr: "172.28.40.0/24" } }, /^pg-ha:docker.dockerNetworkCidr is not a known setting \(known: bindAddress, networkCidr, baseImage\)$/);
        });
        it("publishes on every address only with the explicit opt-in", () => {
            assertRejected({ docker: { bindAddress: "0.0.0.0" } }, /^pg-ha:docker.bindAddress is "0.0.0.0", which publishes the cluster's ports on every address/);
            assert.strictEqual(parseClusterConfig({ docker: { bindAddress: "0.0.0.0" }, allowPublicAccess: true }).docker!.bindAddress, "0.0.0.0");
        });
        it("refuses a value that is not an object", () => {
            assertRejected({ docker: "127.0.0.1" }, 'pg-ha:docker must be an object, got "127.0.0.1"');
            assertRejected({ docker: ["127.0.0.1"] }, 'pg-ha:docker must be an object, got ["127.0.0.1"]');
        });
        it("refuses pg-ha:docker on platform ec2, and the ec2 config carries none", () => {
            const prod = { platform: "ec2", ec2: { availabilityZones: ["eu-west-1a", "eu-west-1b"] } };
            assertRejected({ ...prod, docker: { bindAddress: "127.0.0.1" } }, 'pg-ha:docker applies to platform "docker" only; pg-ha:platform is "ec2", got {"bindAddress":"127.0.0.1"}');
            assert.strictEqual(parseClusterConfig(prod).docker, undefined);
        });
        const MOVED: readonly (readonly [string, string, unknown])[] = [
            ["bindAddress", "bindAddress", "127.0.0.1"],
            ["dockerNetworkCidr", "networkCidr", "172.28.40.0/24"],
        ];
        for (const [old, field, value] of MOVED) {
            it(`refuses the old top-level pg-ha:${old}, naming its new place pg-ha:docker.${field}`, () => {
                assertRejected({ [old]: value }, `pg-ha:${old} moved to pg-ha:docker.${field} (a field of the pg-ha:docker object: pulumi config set --path pg-ha:docker.${field} VALUE), got ${JSON.stringify(value)}`);
                assertRejected({ platform: "ec2", ec2: { availabilityZones: ["eu-west-1a", "eu-west-1b"] }, [old]: value },
                    `pg-ha:${old} moved to pg-ha:docker.${field}, which applies to platform "docker" only; pg-ha:platform is "ec2": remove it, got ${JSON.stringify(value)}`);
            });
        }
    });

    describe("prod (platform ec2)", () => {
        const prod = { platform: "ec2", ec2: { availabilityZones: ["eu-west-1a", "eu-west-1b"] } };
        it("maps the budget to instance types through one table", () => {
            const config = parseClusterConfig(prod);
            assert.strictEqual(config.ec2!.nodeInstanceType, "t3.medium");
            assert.strictEqual(config.ec2!.frontInstanceType, "t3.micro");
            assert.strictEqual(parseClusterConfig({ ...prod, nodeSizing: { cpus: 2, memoryMb: 8192 } }).ec2!.nodeInstanceType, "t3.large");
            assert.deepStrictEqual(config.backup, { prefix: "pg-ha", retentionDays: 14, fullSchedule: "Sun *-*-* 01:00:00", differentialSchedule: "Mon..Sat *-*-* 01:00:00" });
        });
        it("rejects an unknown instance type", () => assertRejected({ ...prod, ec2: { ...prod.ec2, nodeInstanceType: "t9.huge" } }, /^pg-ha:ec2.nodeInstanceType must be a known instance type \(.*t3\.medium.*\), got "t9.huge"$/));
        it("rejects a budget no known type fits", () => assertRejected({ ...prod, nodeSizing: { cpus: 3 } }, /^pg-ha:ec2.nodeInstanceType: no known instance type has 3 vCPU/));
        it("rejects fewer zones than needed, for a new VPC and for existing subnets", () => {
            assertRejected({ platform: "ec2", ec2: { availabilityZones: ["eu-west-1a"] } }, /^pg-ha:ec2.availabilityZones must list at least 2 zones/);
            assertRejected({ platform: "ec2", ec2: { vpcId: "vpc-0123abcd", vpcCidr: "10.0.0.0/16", subnets: [{ id: "subnet-0123abcd", availabilityZone: "eu-west-1a" }, { id: "subnet-0456abcd", availabilityZone: "eu-west-1a" }] } },
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
        it("accepts an existing VPC given with its CIDR", () => {
            const config = parseClusterConfig({ platform: "ec2", ec2: { vpcId: "vpc-0123abcd", vpcCidr: "10.0.0.0/16", subnets: EXISTING_SUBNETS } });
            assert.strictEqual(config.ec2!.vpcCidr, "10.0.0.0/16");
        });
    });
});

describe("the whole stack config (parseStackConfig): namespaces, aws:region, and every key checked before any resource", () => {
    it("loads both stack files, and Pulumi's string values", () => {
        assert.strictEqual(parseStackConfig(stackWith("dev")).platform, "docker");
        assert.deepStrictEqual(parseStackConfig(stackWith("prod")).ec2!.availabilityZones, PROD_ZONES);
        const asPulumiGivesThem = Object.fromEntries(Object.entries(stackWith("prod")).map(([name, value]) => [name, typeof value === "string" ? value : JSON.stringify(value)]));
        assert.strictEqual(parseStackConfig(asPulumiGivesThem).replicaCount, 2);
        assert.strictEqual(parseStackConfig(stackWith("dev", { "pg-ha:replicas": "3" })).replicaCount, 3);
    });

    it("accepts provider keys of the providers the platform uses, and existing subnets in aws:region", () => {
        assert.strictEqual(parseStackConfig(stackWith("prod", { "aws:profile": "prod", "random:x": "y" })).platform, "ec2");
        assert.strictEqual(parseStackConfig(stackWith("dev", { "docker:host": "unix:///var/run/docker.sock" })).platform, "docker");
        const existing = parseStackConfig(stackWith("prod", { "pg-ha:ec2": { vpcId: "vpc-0123abcd", vpcCidr: "10.0.0.0/16", subnets: EXISTING_SUBNETS } }));
        assert.deepStrictEqual(existing.ec2!.existingVpc!.subnets, EXISTING_SUBNETS);
    });

    it("accepts the largest pool that fits the memory budget", () => {
        // 4096 MB node: 3072 MB beside shared_buffers holds 337 backends, 317 of them pooled.
        assert.strictEqual(parseStackConfig(stackWith("dev", { "pg-ha:pool": { numInitChildren: 79, maxPool: 4 } })).pool.numInitChildren, 79);
        // 1024 MB front: pgpool's 720 MB (beside the exporter, Prometheus and Alertmanager) holds 107 children at maxPool 2 beside the client gate's 40 MB; their 214 pooled connections fit the nodes.
        assert.strictEqual(parseStackConfig(stackWith("dev", { "pg-ha:pool": { numInitChildren: 107, maxPool: 2 } })).pool.numInitChildren, 107);
        assert.throws(() => parseStackConfig(stackWith("dev", { "pg-ha:pool": { numInitChildren: 108, maxPool: 2 } })), /at most 107 children fit, got 108/);
    });

    const BAD: readonly (readonly [string, "dev" | "prod", Record<string, unknown>, string | RegExp])[] = [
        // Namespaces: only pg-ha and the providers the program uses.
        ["a misspelt namespace: pgha", "dev", { "pgha:replicas": 3 },
            'pgha:replicas is in namespace "pgha", which this program does not read (allowed: pg-ha, aws, docker, random, tls); did you mean pg-ha:replicas? got 3'],
        ["a misspelt namespace: pg_ha", "dev", { "pg_ha:replicas": 3 }, /^pg_ha:replicas is in namespace "pg_ha", which this program does not read .*did you mean pg-ha:replicas\? got 3$/],
        ["a dot for the colon: pg-ha.replicas", "dev", { "pg-ha.replicas": 3 },
            "pg-ha.replicas has no namespace (keys are <namespace>:<name>, the namespace one of pg-ha, aws, docker, random, tls); did you mean pg-ha:replicas? got 3"],
        ["a namespace of no provider used", "prod", { "gcp:region": "europe-west1" }, /^gcp:region is in namespace "gcp", which this program does not read \(allowed: pg-ha, aws, docker, random, tls\), got "europe-west1"$/],
        ["a key under the project namespace with the namespace twice", "dev", { "pg-ha:pg-ha.replicas": 3 }, /^pg-ha:pg-ha.replicas is not a known setting \(known: .*\); did you mean pg-ha:replicas\?$/],
        // aws:region and zones.
        ["zones of another region than aws:region", "prod", { "pg-ha:ec2": { availabilityZones: ["us-east-1a", "us-east-1b"] } },
            'pg-ha:ec2.availabilityZones[0] must be a zone of aws:region "eu-west-1" such as eu-west-1a, got "us-east-1a"'],
        ["existing subnets in another region than aws:region", "prod", { "pg-ha:ec2": { vpcId: "vpc-0123abcd", vpcCidr: "10.0.0.0/16", subnets: [EXISTING_SUBNETS[0], { id: "subnet-0789abcd", availabilityZone: "us-east-1b" }] } },
            'pg-ha:ec2.subnets[1].availabilityZone must be a zone of aws:region "eu-west-1" such as eu-west-1a, got "us-east-1b"'],
        ["no aws:region on ec2", "prod", { "aws:region": undefined }, /^aws:region is required on platform "ec2" .*such as eu-west-1, got undefined$/],
        ["an aws:region that is no region", "prod", { "aws:region": "Ireland" }, 'aws:region must be an AWS region such as eu-west-1, got "Ireland"'],
        ["the same zone twice among others", "prod", { "pg-ha:ec2": { availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1a"] } },
            'pg-ha:ec2.availabilityZones must not list "eu-west-1a" more than once, got ["eu-west-1a","eu-west-1b","eu-west-1a"]'],
        ["two existing subnets in one zone among others", "prod", { "pg-ha:ec2": { vpcId: "vpc-0123abcd", vpcCidr: "10.0.0.0/16", subnets: [...EXISTING_SUBNETS, { id: "subnet-0789abcd", availabilityZone: "eu-west-1a" }] } },
            /^pg-ha:ec2.subnets must each be in another availability zone \(nodes are placed over them in turn\), but "eu-west-1a" has 2, got /],
        ["the same existing subnet twice", "prod", { "pg-ha:ec2": { vpcId: "vpc-0123abcd", vpcCidr: "10.0.0.0/16", subnets: [...EXISTING_SUBNETS, EXISTING_SUBNETS[0]] } }, /^pg-ha:ec2.subnets must not list "subnet-0123abcd" more than once/],
        ["zones with an existing VPC (the subnets decide)", "prod", { "pg-ha:ec2": { vpcId: "vpc-0123abcd", vpcCidr: "10.0.0.0/16", subnets: EXISTING_SUBNETS, availabilityZones: PROD_ZONES } },
            /^pg-ha:ec2.availabilityZones applies only to a VPC the stack creates; with pg-ha:ec2.vpcId the zones are those of pg-ha:ec2.subnets, got \[/],
        ["an empty zone name", "prod", { "pg-ha:ec2": { availabilityZones: ["eu-west-1a", ""] } }, /^pg-ha:ec2.availabilityZones must be a list of non-empty strings, got \["eu-west-1a",""\]$/],
        ["subnets that are not a list", "prod", { "pg-ha:ec2": { vpcId: "vpc-0123abcd", vpcCidr: "10.0.0.0/16", subnets: "subnet-0123abcd" } }, 'pg-ha:ec2.subnets must be a list of {id, availabilityZone}, got "subnet-0123abcd"'],
        ["an unknown field of a subnet", "prod", { "pg-ha:ec2": { vpcId: "vpc-0123abcd", vpcCidr: "10.0.0.0/16", subnets: [{ ...EXISTING_SUBNETS[0], cidr: "10.0.1.0/24" }, EXISTING_SUBNETS[1]] } }, /^pg-ha:ec2.subnets\[0\].cidr is not a known setting \(known: id, availabilityZone\)$/],
        // Instance types against the budgets.
        ["a node instance type smaller than the node budget", "prod", { "pg-ha:ec2": { availabilityZones: PROD_ZONES, nodeInstanceType: "t3.small" } },
            'pg-ha:ec2.nodeInstanceType must have at least the node budget pg-ha:nodeSizing (2 vCPU, 4096 MiB), such as t3.medium, got "t3.small" (2 vCPU, 2048 MiB)'],
        ["a front instance type smaller than the front budget", "prod", { "pg-ha:frontSizing": { cpus: 2, memoryMb: 2048 }, "pg-ha:ec2": { availabilityZones: PROD_ZONES, frontInstanceType: "t3.micro" } },
            'pg-ha:ec2.frontInstanceType must have at least the front budget pg-ha:frontSizing (2 vCPU, 2048 MiB), such as t3.small, got "t3.micro" (2 vCPU, 1024 MiB)'],
        ["a Xen node instance type (its data volume is no NVMe device)", "prod", { "pg-ha:ec2": { availabilityZones: PROD_ZONES, nodeInstanceType: "t2.large" } },
            /^pg-ha:ec2.nodeInstanceType must be a Nitro instance type: t2.large is a Xen type, whose data volume is not the NVMe device the hosts mount/],
        ["an AMI that is not Debian 12 amd64", "prod", { "pg-ha:ec2": { availabilityZones: PROD_ZONES, amiName: "debian-12-arm64-20241201-1948" } },
            'pg-ha:ec2.amiName must name a Debian 12 amd64 AMI such as debian-12-amd64-20241201-1948 (the packages are bookworm\'s; the instance types are x86), got "debian-12-arm64-20241201-1948"'],
        ["a data volume larger than gp3 allows", "prod", { "pg-ha:nodeSizing": { diskGb: 20000 } }, 'pg-ha:nodeSizing.diskGb must be at most 16384 on platform "ec2" (the largest gp3 volume), got 20000'],
        // VPC ranges.
        ["an existing VPC without its CIDR", "prod", { "pg-ha:ec2": { vpcId: "vpc-0123abcd", subnets: EXISTING_SUBNETS } }, /^pg-ha:ec2.vpcCidr must be the CIDR of pg-ha:ec2.vpcId "vpc-0123abcd" .*got undefined$/],
        ["a VPC CIDR too small for the subnets", "prod", { "pg-ha:ec2": { availabilityZones: PROD_ZONES, vpcCidr: "10.42.0.0/20" } },
            'pg-ha:ec2.vpcCidr must be a /16 to /17 block to hold the subnets the stack creates (zone i gets private /24 number i and public /24 number 100+i, up to number 102 for 3 zones), got "10.42.0.0/20" (room for 16)'],
        ["a VPC CIDR of 0.0.0.0/0", "prod", { "pg-ha:ec2": { availabilityZones: PROD_ZONES, vpcCidr: "0.0.0.0/0" } }, 'pg-ha:ec2.vpcCidr must be a /16 to /28 block (the VPC sizes AWS allows), got "0.0.0.0/0"'],
        ["a VPC CIDR of 0.0.0.0/0 (pg_hba)", "prod", { "pg-ha:ec2": { availabilityZones: PROD_ZONES, vpcCidr: "0.0.0.0/0" } }, /^pg-ha:ec2.vpcCidr is "0.0.0.0\/0", which opens pg_hba to every address; set pg-ha:allowPublicAccess to true if that is really meant$/],
        ["a public VPC CIDR", "prod", { "pg-ha:ec2": { availabilityZones: PROD_ZONES, vpcCidr: "52.20.0.0/16" } }, /^pg-ha:ec2.vpcCidr is "52.20.0.0\/16", a public range \(not in 10.0.0.0\/8, 172.16.0.0\/12, 192.168.0.0\/16\), which opens pg_hba to public addresses; set pg-ha:allowPublicAccess/],
        ["public monitoring CIDR", "prod", { "pg-ha:ec2": { availabilityZones: PROD_ZONES, monitoringCidrs: ["8.8.8.0/24"] } }, /^pg-ha:ec2.monitoringCidrs\[0\] is "8.8.8.0\/24", a public range .*which opens the metrics to public addresses/],
        ["the same monitoring CIDR twice", "prod", { "pg-ha:ec2": { availabilityZones: PROD_ZONES, monitoringCidrs: ["10.42.0.0/16", "10.42.0.0/16"] } }, /^pg-ha:ec2.monitoringCidrs must not list "10.42.0.0\/16" more than once/],
        ["the same security group twice", "prod", { "pg-ha:ec2": { availabilityZones: PROD_ZONES, allowedClientSecurityGroupIds: ["sg-0123abcd", "sg-0123abcd"] } }, /^pg-ha:ec2.allowedClientSecurityGroupIds must not list "sg-0123abcd" more than once/],
        ["an empty DNS zone name", "prod", { "pg-ha:ec2": { availabilityZones: PROD_ZONES, dnsZoneName: "" } }, /^pg-ha:ec2.dnsZoneName must be a DNS name such as pg-ha.internal, got ""$/],
        ["keepDataVolumesOnDestroy as a word", "prod", { "pg-ha:ec2": { availabilityZones: PROD_ZONES, keepDataVolumesOnDestroy: "yes" } }, 'pg-ha:ec2.keepDataVolumesOnDestroy must be true or false, got "yes"'],
        // Settings the platform ignores.
        ["Docker settings on ec2", "prod", { "pg-ha:docker": { baseImage: "debian:bookworm-slim" } }, 'pg-ha:docker applies to platform "docker" only; pg-ha:platform is "ec2", got {"baseImage":"debian:bookworm-slim"}'],
        ["the old postgresImage on ec2", "prod", { "pg-ha:postgresImage": "postgres:15.15-bookworm" }, /^pg-ha:postgresImage is no longer a setting: .*remove it, got "postgres:15.15-bookworm"$/],
        // Settings that moved: an old stack file fails loudly, naming the new place.
        ["the old bindAddress beside pg-ha:docker", "dev", { "pg-ha:bindAddress": "0.0.0.0" }, 'pg-ha:bindAddress moved to pg-ha:docker.bindAddress (a field of the pg-ha:docker object: pulumi config set --path pg-ha:docker.bindAddress VALUE), got "0.0.0.0"'],
        ["the old dockerNetworkCidr", "dev", { "pg-ha:dockerNetworkCidr": "172.28.50.0/24" }, /^pg-ha:dockerNetworkCidr moved to pg-ha:docker.networkCidr \(/],
        ["the old postgresImage", "dev", { "pg-ha:postgresImage": "postgres:15.15-bookworm" }, /^pg-ha:postgresImage is no longer a setting/],
        ["a Docker field set without --path", "dev", { "pg-ha:docker.bindAddress": "127.0.0.1" },
            'pg-ha:docker.bindAddress is a field of pg-ha:docker, not a key of its own: set it with pulumi config set --path pg-ha:docker.bindAddress VALUE (in the stack file, nest it under pg-ha:docker), got "127.0.0.1"'],
        ["a Docker field in the Docker provider's namespace", "dev", { "docker:networkCidr": "172.28.50.0/24" },
            'docker:networkCidr is in the Docker provider\'s namespace, which has no such setting; the cluster\'s Docker settings are fields of pg-ha:docker (pg-ha:docker.networkCidr), got "172.28.50.0/24"'],
        ["an old key in a misspelt namespace", "dev", { "pgha:bindAddress": "127.0.0.1" }, /^pgha:bindAddress is in namespace "pgha", which this program does not read .*; did you mean pg-ha:docker.bindAddress\? got "127.0.0.1"$/],
        ["ec2 on docker", "dev", { "pg-ha:ec2": { availabilityZones: PROD_ZONES } }, /^pg-ha:ec2 applies to platform "ec2" only; pg-ha:platform is "docker", got /],
        ["aws provider config on docker", "dev", { "aws:region": "eu-west-1" }, 'aws:region applies to platform "ec2" only; pg-ha:platform is "docker", got "eu-west-1"'],
        ["docker provider config on ec2", "prod", { "docker:host": "tcp://127.0.0.1:2375" }, 'docker:host applies to platform "docker" only; pg-ha:platform is "ec2", got "tcp://127.0.0.1:2375"'],
        // Pools against the memory budget.
        ["PostgreSQL backends beyond the node memory", "dev", { "pg-ha:nodeSizing": { memoryMb: 1024 } },
            "pg-ha:pool opens numInitChildren × maxPool = 128 connections to each node, which with 20 reserved need 1346 MB of PostgreSQL backends (9.1 MB each), more than the 768 MB that pg-ha:nodeSizing.memoryMb 1024 leaves beside shared_buffers (25%); at most 64 pooled connections fit, got numInitChildren 32, maxPool 4"],
        ["a pool beyond the node memory", "dev", { "pg-ha:pool": { numInitChildren: 80, maxPool: 4 } }, /^pg-ha:pool opens numInitChildren × maxPool = 320 connections to each node, .*at most 317 pooled connections fit, got numInitChildren 80, maxPool 4$/],
        ["pgpool children beyond pgpool's share of the front budget", "dev", { "pg-ha:pool": { numInitChildren: 200, maxPool: 1 } },
            "pg-ha:pool.numInitChildren needs 5 MB per pgpool child plus 138 MB shared (and 0.02 MB per pooled connection) and 40 MB for the client gate: 1182 MB, more than pgpool's 720 MB share of pg-ha:frontSizing.memoryMb 1024; at most 107 children fit, got 200"],
        // Backup schedules.
        ["backup schedules that fire at the same moment", "prod", { "pg-ha:backup": { fullSchedule: "daily", differentialSchedule: "weekly" } },
            /^pg-ha:backup.differentialSchedule must never fire at the same moment as pg-ha:backup.fullSchedule \("daily"\); both fire at \d{4}-\d\d-\d\d 00:00:00, got "weekly"$/],
        ["a Sunday full backup and a first-of-month differential at the same hour", "prod", { "pg-ha:backup": { fullSchedule: "Sun 01:00", differentialSchedule: "*-*-01 01:00" } },
            /^pg-ha:backup.differentialSchedule must never fire at the same moment as pg-ha:backup.fullSchedule \("Sun 01:00"\); both fire at \d{4}-\d\d-01 01:00:00/],
        // SQL key words in names the bootstrap SQL writes unquoted.
        ["a database named by a reserved key word", "dev", { "pg-ha:databaseName": "select" }, 'pg-ha:databaseName must not be an SQL key word that PostgreSQL 15 reserves (the bootstrap SQL writes it unquoted), got "select"'],
        ["a role named by a type/function-name key word", "dev", { "pg-ha:appUser": "authorization" }, 'pg-ha:appUser must not be an SQL key word that PostgreSQL 15 reserves (the bootstrap SQL writes it unquoted), got "authorization"'],
        ["a role named user", "dev", { "pg-ha:appUser": "user" }, /^pg-ha:appUser must not be an SQL key word .*got "user"$/],
        ["a role named public", "dev", { "pg-ha:appUser": "public" }, /^pg-ha:appUser must not be a reserved name .*got "public"$/],
        ["an empty database name", "dev", { "pg-ha:databaseName": "" }, /^pg-ha:databaseName must be a PostgreSQL identifier .*got ""$/],
        // Images.
        ["a base image of another Debian release", "dev", { "pg-ha:docker": { baseImage: "debian:trixie-slim" } }, /^pg-ha:docker.baseImage must be a Debian bookworm image/],
        // Ranges that widen pg_hba or the published ports.
        ["a Docker network of every address", "dev", { "pg-ha:docker": { networkCidr: "0.0.0.0/0" } }, /^pg-ha:docker.networkCidr is "0.0.0.0\/0", which opens pg_hba to every address; set pg-ha:allowPublicAccess/],
        ["a public Docker network", "dev", { "pg-ha:docker": { networkCidr: "8.8.8.0/24" } }, /^pg-ha:docker.networkCidr is "8.8.8.0\/24", a public range .*which opens pg_hba to public addresses/],
        ["a Docker network too small for the containers", "dev", { "pg-ha:docker": { networkCidr: "172.28.40.0/30" } }, /^pg-ha:docker.networkCidr must be a \/8 to \/29 block \(3 PostgreSQL nodes, pgpool, the exporter and Docker's gateway need 8 addresses with the network and broadcast ones\), got "172.28.40.0\/30"$/],
        ["a Docker network too wide", "dev", { "pg-ha:docker": { networkCidr: "10.0.0.0/7" } }, /^pg-ha:docker.networkCidr must be a \/8 to \/29 block .*got "10.0.0.0\/7"$/],
        ["bindAddress 0.0.0.0", "dev", { "pg-ha:docker": { bindAddress: "0.0.0.0" } }, /^pg-ha:docker.bindAddress is "0.0.0.0", which publishes the cluster's ports on every address of the Docker host; set pg-ha:allowPublicAccess to true if that is really meant$/],
        ["a public bindAddress", "dev", { "pg-ha:docker": { bindAddress: "8.8.8.8" } }, /^pg-ha:docker.bindAddress is "8.8.8.8", a public address .*set pg-ha:allowPublicAccess/],
        ["a null bindAddress", "dev", { "pg-ha:docker": { bindAddress: null } }, "pg-ha:docker.bindAddress must be an IPv4 address such as 127.0.0.1, got null"],
        ["public client CIDRs", "dev", { "pg-ha:allowedClientCidrs": ["203.0.113.0/24"] }, /^pg-ha:allowedClientCidrs\[0\] is "203.0.113.0\/24", a public range .*which opens the cluster to public addresses/],
        ["the same client CIDR twice", "dev", { "pg-ha:allowedClientCidrs": ["127.0.0.1/32", "127.0.0.1/32"] }, 'pg-ha:allowedClientCidrs must not list "127.0.0.1/32" more than once, got ["127.0.0.1/32","127.0.0.1/32"]'],
        // Wrong types, NaN, negative and fractional numbers, empty strings, nulls.
        ["NaN CPUs", "dev", { "pg-ha:nodeSizing": { cpus: NaN } }, "pg-ha:nodeSizing.cpus must be a number 0.5..64, got NaN"],
        ["a negative pool", "dev", { "pg-ha:pool": { maxPool: -1 } }, "pg-ha:pool.maxPool must be an integer 1..32, got -1"],
        ["a fractional disk", "dev", { "pg-ha:nodeSizing": { diskGb: 100.5 } }, "pg-ha:nodeSizing.diskGb must be an integer 10..65536, got 100.5"],
        ["a null replica count", "dev", { "pg-ha:replicas": null }, "pg-ha:replicas must be an integer 1..5, got null"],
        ["an empty platform", "dev", { "pg-ha:platform": "" }, 'pg-ha:platform must be one of "docker", "ec2", got ""'],
        ["allowPublicAccess as a word", "dev", { "pg-ha:allowPublicAccess": "yes" }, 'pg-ha:allowPublicAccess must be true or false, got "yes"'],
        ["a list of ports where a map belongs", "dev", { "pg-ha:ports": [5430] }, "pg-ha:ports must be an object, got [5430]"],
        ["synchronous replicas beyond the replicas", "dev", { "pg-ha:replicas": 1, "pg-ha:synchronousReplicas": 2 }, "pg-ha:synchronousReplicas must be an integer 0..1, got 2"],
        ["an empty backup prefix", "prod", { "pg-ha:backup": { prefix: "" } }, /^pg-ha:backup.prefix must be a key prefix .*got ""$/],
    ];
    for (const [name, stack, overrides, expected] of BAD) {
        it(`refuses ${name}`, () => {
            const problems = stackProblemsOf(stackWith(stack, overrides));
            const found = problems.some((problem) => (typeof expected === "string" ? problem === expected : expected.test(problem)));
            assert.ok(found, `expected ${expected} among:\n  ${problems.join("\n  ")}`);
        });
    }

    it("checks zones against each other when no aws:region is known (parseClusterConfig)", () => {
        assertRejected({ platform: "ec2", ec2: { availabilityZones: ["eu-west-1a", "us-east-1b"] } }, 'pg-ha:ec2.availabilityZones must all be zones of one region, got ["eu-west-1a","us-east-1b"]');
    });
});

describe("PostgreSQL 15 key words (pg_get_keywords() catcode R and T)", () => {
    it("holds the reserved and the type/function-name key words, and no others", () => {
        for (const word of ["select", "user", "table", "all", "authorization", "left", "verbose", "concurrently"]) assert.ok(POSTGRES_KEYWORDS.includes(word), word);
        for (const word of ["edufarm", "database", "role", "none", "int"]) assert.ok(!POSTGRES_KEYWORDS.includes(word), word);
        assert.strictEqual(POSTGRES_KEYWORDS.length, 100);
        assert.strictEqual(new Set(POSTGRES_KEYWORDS).size, POSTGRES_KEYWORDS.length);
    });
});

describe("the subnet rule, one home for the loader and the network", () => {
    it("puts zone i's private subnet at /24 number i and its public one at number 100+i", () => {
        assert.strictEqual(subnetCidr("10.42.0.0/16", 3), "10.42.3.0/24");
        assert.strictEqual(subnetCidr("10.42.0.0/16", 102), "10.42.102.0/24");
        assert.strictEqual(subnetCidr("10.42.128.0/17", 100), "10.42.228.0/24");
    });
});

describe("backup schedules: when two calendars can fire at the same moment", () => {
    const cases: [string, string, boolean][] = [
        ["Sun *-*-* 01:00:00", "Mon..Sat *-*-* 01:00:00", false],
        ["Sat *-*-* 23:30:00", "daily", false],
        ["daily", "weekly", true],
        ["hourly", "Sun 01:00", true],
        ["Sun 01:00:00", "Sun 01:00:30", false],
        ["Sun *-*-01 01:00", "Mon *-*-01 01:00", false],
        ["Sun 01:00", "*-*-01 01:00", true],
        ["*-02-30 01:00", "*-*-* 01:00", false],
        ["*-*-* 0/6:00", "*-*-* 12:00", true],
        ["*-*-* 0/6:00", "*-*-* 13:00", false],
        ["monthly", "quarterly", true],
        ["Mon..Fri 22:00", "Sat,Sun 22:00", false],
        ["Fri *-*-13 03:00", "*-*-* 03:00", true],
    ];
    for (const [first, second, expected] of cases) {
        it(`${JSON.stringify(first)} and ${JSON.stringify(second)}: ${expected ? "can coincide" : "never coincide"}`, () => {
            assert.strictEqual(calendarsCoincide(first, second) !== undefined, expected);
        });
    }
});

describe("backup schedules: the config check agrees with systemd", () => {
    const expressions = [
        "Sun *-*-* 01:00:00", "Mon..Sat *-*-* 01:00:00", "daily", "weekly", "Sat,Sun 03:30", "*-*-* 02:00", "01:00",
        "*-*-01 04:00:00", "Mon,Wed..Fri 23:59:59", "Sun *-*-* 01:00:00 UTC", "*-*-* 0/6:00", "2026-12-24 18:00",
        "Mon 25:00", "Foo 01:00", "Sunday at one", "", "*-13-* 01:00", "*-*-* 01:60", "Mon..Fri 22:*/15", "daily UTC x", "01:00:00:00",
        "Sun", "Sun *-*-*", "Mon..Sun", "Sun UTC", "UTC", "12:00 UTC", "*-*-*", "Sun Mon 01:00", "01:00 Sun", "Sat..Mon 01:00", "Sat..Sun 01:00", "*-*-* 20/6:00", "*-*-* 17/6:00", "*-*-28/5 01:00",
    ];
    for (const expression of expressions) {
        it(`${JSON.stringify(expression)}: accepted exactly when systemd-analyze calendar accepts it`, () => {
            const systemd = spawnSync("systemd-analyze", ["calendar", expression], { encoding: "utf8" });
            assert.strictEqual(systemd.error, undefined, "systemd-analyze is missing: apt-get install -y systemd (npm test installs it)");
            assert.strictEqual(isCalendarExpression(expression), systemd.status === 0, `systemd-analyze says: ${systemd.stdout}${systemd.stderr}`);
        });
    }
});
