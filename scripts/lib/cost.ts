import { budgetTotals, ClusterConfig, PRICE_TABLE } from "../../config";

export interface CostLine {
    readonly item: string;
    readonly quantity: string;
    readonly usdPerMonth: number;
}

export interface CostAssumptions {
    /** Backup data kept in S3, in GB. Defaults to the data disks' total (a full copy plus WAL). */
    readonly backupGb?: number;
    /** Data through the NAT gateway per month, in GB (package installs, S3 without an endpoint). Defaults to 20. */
    readonly natGb?: number;
}

/** What the prod stack creates, priced per month from the table in config/prices.ts. */
export function estimateMonthlyCost(config: ClusterConfig, assumptions: CostAssumptions = {}): CostLine[] {
    const ec2 = config.ec2;
    if (ec2 === undefined) throw new Error(`the cost estimate is for platform "ec2"; this stack's platform is "${config.platform}" (local Docker costs nothing in the cloud)`);
    const hours = PRICE_TABLE.hoursPerMonth;
    const nodes = 1 + config.replicaCount;
    const priced = (type: string) => {
        const price = PRICE_TABLE.instanceUsdPerHour[type];
        if (price === undefined) throw new Error(`no price for instance type ${type} in config/prices.ts`);
        return price;
    };
    const lines: CostLine[] = [
        { item: `PostgreSQL nodes (${ec2.nodeInstanceType})`, quantity: `${nodes} x ${hours} h`, usdPerMonth: nodes * hours * priced(ec2.nodeInstanceType) },
        { item: `pgpool + exporter host (${ec2.frontInstanceType})`, quantity: `1 x ${hours} h`, usdPerMonth: hours * priced(ec2.frontInstanceType) },
        { item: "data volumes (gp3, encrypted)", quantity: `${nodes} x ${config.nodeSizing.diskGb} GB`, usdPerMonth: nodes * config.nodeSizing.diskGb * PRICE_TABLE.gp3UsdPerGbMonth },
        { item: "root volumes (gp3, encrypted)", quantity: `${nodes + 1} x ${ec2.rootVolumeGb} GB`, usdPerMonth: (nodes + 1) * ec2.rootVolumeGb * PRICE_TABLE.gp3UsdPerGbMonth },
    ];
    if (ec2.existingVpc === undefined) {
        const natGb = assumptions.natGb ?? 20;
        lines.push(
            { item: "NAT gateway", quantity: `${hours} h + ${natGb} GB`, usdPerMonth: hours * PRICE_TABLE.natGatewayUsdPerHour + natGb * PRICE_TABLE.natGatewayUsdPerGb },
            { item: "NAT gateway public IPv4", quantity: `${hours} h`, usdPerMonth: hours * PRICE_TABLE.publicIpv4UsdPerHour },
        );
    }
    const backupGb = assumptions.backupGb ?? budgetTotals(config).diskGb / nodes;
    lines.push(
        { item: "S3 backups (standard)", quantity: `${backupGb} GB`, usdPerMonth: backupGb * PRICE_TABLE.s3StandardUsdPerGbMonth },
        { item: "Route53 private zone", quantity: "1", usdPerMonth: PRICE_TABLE.route53PrivateZoneUsdPerMonth },
    );
    return lines;
}

export function formatCost(lines: readonly CostLine[], region: string | undefined): string {
    const total = lines.reduce((sum, line) => sum + line.usdPerMonth, 0);
    const rdsLabel = "RDS Multi-AZ db.t3.medium (the seed's figure)";
    const width = Math.max(rdsLabel.length, ...lines.map((line) => line.item.length));
    const rows = lines.map((line) => `${line.item.padEnd(width)}  ${line.quantity.padEnd(16)}  $${line.usdPerMonth.toFixed(2).padStart(8)}`);
    const warning = region !== undefined && region !== PRICE_TABLE.region ? [`note: the stack's region is ${region}; prices are ${PRICE_TABLE.region} list prices (other regions differ by roughly 5-15%)`] : [];
    return [
        ...rows,
        `${"total per month".padEnd(width)}  ${"".padEnd(16)}  $${total.toFixed(2).padStart(8)}`,
        `${rdsLabel.padEnd(width)}  ${"".padEnd(16)}  $${PRICE_TABLE.rdsMultiAzT3MediumUsdPerMonth.toFixed(2).padStart(8)}`,
        `prices: ${PRICE_TABLE.region} on-demand list prices as of ${PRICE_TABLE.asOf} (config/prices.ts), not fetched live`,
        ...warning,
    ].join("\n");
}
