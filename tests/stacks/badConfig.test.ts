import * as assert from "assert";
import { RecordedResource, runStack } from "./stackHarness";

// Each run below fails while index.ts loads, so Node keeps no cached copy of the program and the
// next run loads it afresh with its own config: several bad configs can share this process.
describe("stacks with bad config under mocks", function () {
    this.timeout(60_000);

    it("dev: fails before any resource is created, naming every bad key", async () => {
        const registered: RecordedResource[] = [];
        await assert.rejects(
            runStack("dev", { "pg-ha:replicas": 7, "pg-ha:ports": { pgpool: 5432 }, "pg-ha:allowedClientCidrs": ["0.0.0.0/0"], "pg-ha:backup": { fullSchedule: "every sunday" } }, registered),
            (error: Error) => {
                assert.match(error.message, /pg-ha:replicas must be an integer 1\.\.5, got 7/);
                assert.match(error.message, /pg-ha:ports\.primary clashes with pg-ha:ports\.pgpool: both are 5432/);
                assert.match(error.message, /pg-ha:allowedClientCidrs\[0\] is "0\.0\.0\.0\/0"/);
                assert.match(error.message, /pg-ha:backup\.fullSchedule must be a systemd calendar expression .*, got "every sunday"/);
                return true;
            },
        );
        assert.deepStrictEqual(registered.map((resource) => resource.type), []);
    });

    const cases: [string, string, Record<string, unknown>, RegExp][] = [
        ["dev: a key in a misspelt namespace", "dev", { "pgha:replicas": 3 },
            /pgha:replicas is in namespace "pgha", which this program does not read .*did you mean pg-ha:replicas\?/],
        ["prod: availability zones of another region than aws:region", "prod", { "pg-ha:ec2": { availabilityZones: ["us-east-1a", "us-east-1b", "us-east-1c"] } },
            /pg-ha:ec2\.availabilityZones\[0\] must be a zone of aws:region "eu-west-1" such as eu-west-1a, got "us-east-1a"/],
        ["prod: a VPC CIDR too small for the subnets", "prod", { "pg-ha:ec2": { availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"], vpcCidr: "10.42.0.0/20" } },
            /pg-ha:ec2\.vpcCidr must be a \/16 to \/17 block to hold the subnets the stack creates .*got "10\.42\.0\.0\/20"/],
        ["prod: an existing VPC without its CIDR", "prod", { "pg-ha:ec2": { vpcId: "vpc-0123abcd", subnets: [{ id: "subnet-0123abcd", availabilityZone: "eu-west-1a" }, { id: "subnet-0456abcd", availabilityZone: "eu-west-1b" }] } },
            /pg-ha:ec2\.vpcCidr must be the CIDR of pg-ha:ec2\.vpcId "vpc-0123abcd"/],
        ["prod: Docker settings, which ec2 does not read", "prod", { "pg-ha:docker": { baseImage: "debian:bookworm-slim" } },
            /pg-ha:docker applies to platform "docker" only; pg-ha:platform is "ec2"/],
        ["dev: a Docker network that is public", "dev", { "pg-ha:docker": { networkCidr: "8.8.8.0/24" } },
            /pg-ha:docker\.networkCidr is "8\.8\.8\.0\/24", a public range/],
        ["dev: the old top-level pg-ha:bindAddress", "dev", { "pg-ha:bindAddress": "127.0.0.1" },
            /pg-ha:bindAddress moved to pg-ha:docker\.bindAddress/],
        ["dev: the old top-level pg-ha:dockerNetworkCidr", "dev", { "pg-ha:dockerNetworkCidr": "172.28.40.0/24" },
            /pg-ha:dockerNetworkCidr moved to pg-ha:docker\.networkCidr/],
        ["prod: the old top-level pg-ha:postgresImage", "prod", { "pg-ha:postgresImage": "postgres:15.15-bookworm" },
            /pg-ha:postgresImage is no longer a setting: every image, PostgreSQL's included, is built from pg-ha:docker.baseImage/],
        ["dev: a pool that does not fit the node's memory", "dev", { "pg-ha:nodeSizing": { memoryMb: 1024 } },
            /pg-ha:pool opens numInitChildren × maxPool = 128 connections to each node/],
    ];
    for (const [name, stack, overrides, expected] of cases) {
        it(`${name}: refused with zero resources registered`, async () => {
            const registered: RecordedResource[] = [];
            await assert.rejects(runStack(stack, overrides, registered), (error: Error) => {
                assert.match(error.message, expected);
                return true;
            });
            assert.deepStrictEqual(registered.map((resource) => resource.type), []);
        });
    }
});
