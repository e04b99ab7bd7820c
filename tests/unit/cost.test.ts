import * as assert from "assert";
import { INSTANCE_TYPES, parseClusterConfig, PRICE_TABLE } from "../../config";
import { loadStackFile } from "../../config/stackFile";
import { estimateMonthlyCost, formatCost } from "../../scripts/lib/cost";

describe("cost estimate", () => {
    it("prices what the prod stack creates from the table", () => {
        const lines = estimateMonthlyCost(loadStackFile("prod"), { backupGb: 100, natGb: 20 });
        const byItem = new Map(lines.map((line) => [line.item, line.usdPerMonth]));
        assert.strictEqual(byItem.get("PostgreSQL nodes (t3.medium)"), 3 * 730 * INSTANCE_TYPES["t3.medium"]!.usdPerHour);
        assert.strictEqual(byItem.get("pgpool + exporter host (t3.micro)"), 730 * INSTANCE_TYPES["t3.micro"]!.usdPerHour);
        assert.strictEqual(byItem.get("data volumes (gp3, encrypted)"), 300 * PRICE_TABLE.gp3UsdPerGbMonth);
        assert.strictEqual(byItem.get("S3 backups (standard)"), 100 * PRICE_TABLE.s3StandardUsdPerGbMonth);
        assert.ok(byItem.has("NAT gateway"), "a new VPC brings a NAT gateway");
        const text = formatCost(lines, "eu-west-1");
        assert.match(text, /^total per month\s+\$\s*\d+\.\d\d$/m);
        assert.match(text, /region is eu-west-1; prices are us-east-1/);
    });

    it("has no NAT line for an existing VPC, and refuses a docker stack", () => {
        const existing = parseClusterConfig({ platform: "ec2", ec2: { vpcId: "vpc-0123abcd", vpcCidr: "10.0.0.0/16", subnets: [{ id: "subnet-0123abcd", availabilityZone: "eu-west-1a" }, { id: "subnet-0456abcd", availabilityZone: "eu-west-1b" }] } });
        assert.ok(!estimateMonthlyCost(existing).some((line) => line.item.startsWith("NAT")));
        assert.throws(() => estimateMonthlyCost(parseClusterConfig({})), /platform "ec2"; this stack's platform is "docker"/);
    });
});
