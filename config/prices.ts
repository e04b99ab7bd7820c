import { INSTANCE_TYPES } from "./instanceTypes";

/**
 * AWS list prices the cost estimate uses: us-east-1, on-demand, Linux, USD. Kept in the repo with
 * their date because no price API is reachable from where the project is built; check them
 * against the AWS pricing pages before relying on the total.
 */
export const PRICE_TABLE = {
    region: "us-east-1",
    asOf: "2025-11",
    hoursPerMonth: 730,
    instanceUsdPerHour: Object.fromEntries(Object.entries(INSTANCE_TYPES).map(([name, type]) => [name, type.usdPerHour])) as Readonly<Record<string, number>>,
    gp3UsdPerGbMonth: 0.08,
    natGatewayUsdPerHour: 0.045,
    natGatewayUsdPerGb: 0.045,
    publicIpv4UsdPerHour: 0.005,
    s3StandardUsdPerGbMonth: 0.023,
    route53PrivateZoneUsdPerMonth: 0.5,
    /** The seed's figure for the managed alternative: RDS PostgreSQL Multi-AZ db.t3.medium with storage. */
    rdsMultiAzT3MediumUsdPerMonth: 200,
} as const;
