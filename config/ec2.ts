import { prefixOf, rangeExposureProblem } from "./addresses";
import { CONFIG_NAMESPACE, LIMITS } from "./defaults";
import { INSTANCE_TYPES, instanceTypeFor } from "./instanceTypes";
import { vpcRoomProblem } from "./subnets";
import { Ec2Settings, FrontSizing, NodeSizing, SubnetPlacement } from "./types";
import { checkCidr, checkInteger, checkStringList, checkUnique, orDefault, show } from "./validators";

export const EC2_DEFAULTS = {
    vpcCidr: "10.42.0.0/16",
    /** Debian 12 of 2024-12-01; a newer image is a config change (README: Upgrading the AMI), never a surprise. */
    amiName: "debian-12-amd64-20241201-1948",
    rootVolumeGb: 20,
    keepDataVolumesOnDestroy: true,
    dnsZoneName: "pg-ha.internal",
} as const;

const key = (field: string): string => `${CONFIG_NAMESPACE}:ec2${field === "" ? "" : `.${field}`}`;
const KNOWN_FIELDS = ["vpcId", "subnets", "vpcCidr", "availabilityZones", "nodeInstanceType", "frontInstanceType", "amiName", "rootVolumeGb", "keepDataVolumesOnDestroy", "monitoringCidrs", "allowedClientSecurityGroupIds", "dnsZoneName"];
const SUBNET_FIELDS = ["id", "availabilityZone"];
export const REGION_KEY = "aws:region";
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
/** A zone is its region and a letter: eu-west-1a is in eu-west-1. */
const ZONE = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}[a-z]$/;
const SUBNET = /^subnet-[0-9a-f]{8,17}$/;

const regionOf = (zone: string): string => zone.slice(0, -1);

/**
 * `aws:region` on the ec2 platform: required (the zones, the instances and the bucket are in it)
 * and shaped like a region. Returns it when valid.
 */
export function parseAwsRegion(problems: string[], value: unknown): string | undefined {
    if (value === undefined) {
        problems.push(`${REGION_KEY} is required on platform "ec2" (the region of the zones, the instances and the backup bucket), such as eu-west-1, got undefined`);
        return undefined;
    }
    if (typeof value !== "string" || !REGION.test(value)) {
        problems.push(`${REGION_KEY} must be an AWS region such as eu-west-1, got ${show(value)}`);
        return undefined;
    }
    return value;
}

function stringList(problems: string[], field: string, value: unknown): string[] {
    if (value === undefined) return [];
    const problem = checkStringList(key(field), value) ?? checkUnique(key(field), value as unknown[]);
    if (problem !== undefined) problems.push(problem);
    return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === "string" && entry !== "") : [];
}

/** Each zone well formed, and in the region: aws:region when known, else one region for all. */
function checkZones(problems: string[], label: string, zones: readonly { readonly at: string; readonly zone: unknown }[], region: string | undefined): void {
    const wellFormed: string[] = [];
    for (const { at, zone } of zones) {
        if (typeof zone !== "string" || !ZONE.test(zone)) {
            problems.push(`${at} must be a zone such as eu-west-1a, got ${show(zone)}`);
        } else if (region !== undefined && regionOf(zone) !== region) {
            problems.push(`${at} must be a zone of ${REGION_KEY} ${show(region)} such as ${region}a, got ${show(zone)}`);
        } else {
            wellFormed.push(zone);
        }
    }
    if (region === undefined && new Set(wellFormed.map(regionOf)).size > 1) {
        problems.push(`${label} must all be zones of one region, got ${show(zones.map(({ zone }) => zone))}`);
    }
}

function parseZones(problems: string[], value: unknown, region: string | undefined): string[] {
    const zones = stringList(problems, "availabilityZones", value);
    if (new Set(zones).size < 2) problems.push(`${key("availabilityZones")} must list at least 2 zones for the VPC the stack creates, got ${show(value)}`);
    checkZones(problems, key("availabilityZones"), zones.map((zone, i) => ({ at: `${key("availabilityZones")}[${i}]`, zone })), region);
    return zones;
}

function parseSubnets(problems: string[], value: unknown, region: string | undefined): SubnetPlacement[] {
    if (!Array.isArray(value)) {
        problems.push(`${key("subnets")} must be a list of {id, availabilityZone}, got ${show(value)}`);
        return [];
    }
    const subnets = value.map((subnet, i) => {
        const given = (typeof subnet === "object" && subnet !== null && !Array.isArray(subnet) ? subnet : {}) as Record<string, unknown>;
        if (given !== subnet) problems.push(`${key(`subnets[${i}]`)} must be {id, availabilityZone}, got ${show(subnet)}`);
        for (const field of Object.keys(given)) {
            if (!SUBNET_FIELDS.includes(field)) problems.push(`${key(`subnets[${i}]`)}.${field} is not a known setting (known: ${SUBNET_FIELDS.join(", ")})`);
        }
        if (typeof given.id !== "string" || !SUBNET.test(given.id)) problems.push(`${key(`subnets[${i}]`)}.id must be a subnet id such as subnet-0123abcd, got ${show(given.id)}`);
        return { id: String(given.id), availabilityZone: String(given.availabilityZone), zone: given.availabilityZone };
    });
    checkZones(problems, key("subnets"), subnets.map(({ zone }, i) => ({ at: `${key(`subnets[${i}]`)}.availabilityZone`, zone })), region);
    const duplicateId = checkUnique(key("subnets"), value, (subnet) => (subnet as Record<string, unknown> | null)?.id);
    if (duplicateId !== undefined) problems.push(duplicateId);
    const perZone = new Map<string, number>();
    subnets.forEach(({ availabilityZone }) => perZone.set(availabilityZone, (perZone.get(availabilityZone) ?? 0) + 1));
    const crowded = [...perZone].find(([, count]) => count > 1);
    if (crowded !== undefined) {
        problems.push(`${key("subnets")} must each be in another availability zone (nodes are placed over them in turn), but ${show(crowded[0])} has ${crowded[1]}, got ${show(value)}`);
    }
    if (perZone.size < 2) problems.push(`${key("subnets")} must be private subnets in at least 2 availability zones (nodes are spread over zones), got ${perZone.size} zone(s)`);
    return subnets.map(({ id, availabilityZone }) => ({ id, availabilityZone }));
}

/**
 * The VPC's CIDR: pg_hba and the security groups trust it, so with an existing VPC it must be
 * given (the default describes only the VPC the stack creates); of a size AWS allows; private
 * unless allowPublicAccess; and, for a VPC the stack creates, with room for its subnets.
 */
function parseVpcCidr(problems: string[], value: unknown, vpcId: unknown, zoneCount: number, allowPublicAccess: boolean): string {
    if (vpcId !== undefined && value === undefined) {
        problems.push(`${key("vpcCidr")} must be the CIDR of ${key("vpcId")} ${show(vpcId)} (pg_hba and the security groups trust the VPC's range; ${EC2_DEFAULTS.vpcCidr} is only the default for a VPC the stack creates), got undefined`);
        return EC2_DEFAULTS.vpcCidr;
    }
    const vpcCidr = orDefault(value, EC2_DEFAULTS.vpcCidr);
    const problem = checkCidr(key("vpcCidr"), vpcCidr);
    if (problem !== undefined) {
        problems.push(problem);
        return EC2_DEFAULTS.vpcCidr;
    }
    const cidr = vpcCidr as string;
    const prefix = prefixOf(cidr);
    const sized = prefix >= LIMITS.vpcPrefix.min && prefix <= LIMITS.vpcPrefix.max;
    if (!sized) problems.push(`${key("vpcCidr")} must be a /${LIMITS.vpcPrefix.min} to /${LIMITS.vpcPrefix.max} block (the VPC sizes AWS allows), got ${show(cidr)}`);
    const exposure = rangeExposureProblem(key("vpcCidr"), cidr, "pg_hba", false, allowPublicAccess);
    if (exposure !== undefined) problems.push(exposure);
    const room = sized && vpcId === undefined ? vpcRoomProblem(key("vpcCidr"), cidr, zoneCount) : undefined;
    if (room !== undefined) problems.push(room);
    return cidr;
}

interface Budget {
    readonly cpus: number;
    readonly memoryMb: number;
}

/**
 * An instance type: the one the budget maps to when not given, else a known type that holds the
 * budget (`budgetKey` names it in the message).
 */
function instanceType(problems: string[], field: string, value: unknown, budget: Budget, budgetName: string, budgetKey: string): string {
    if (value === undefined) {
        try {
            return instanceTypeFor(budget.cpus, budget.memoryMb, budgetName === "front");
        } catch (error) {
            problems.push(`${key(field)}: ${(error as Error).message}`);
            return "";
        }
    }
    const type = typeof value === "string" ? INSTANCE_TYPES[value] : undefined;
    if (typeof value === "string" && /^(t2|m4|c4|r4|m3|c3|r3|i2|d2|x1)\./.test(value)) {
        problems.push(`${key(field)} must be a Nitro instance type: ${value} is a Xen type, whose data volume is not the NVMe device the hosts mount (a node would wait for it and never start); known types: ${Object.keys(INSTANCE_TYPES).join(", ")}`);
        return "";
    }
    if (type === undefined) {
        problems.push(`${key(field)} must be a known instance type (${Object.keys(INSTANCE_TYPES).join(", ")}), got ${show(value)}`);
        return "";
    }
    const budgetValid = Number.isFinite(budget.cpus) && Number.isFinite(budget.memoryMb);
    if (budgetValid && (type.vcpus < budget.cpus || type.memoryMib < budget.memoryMb)) {
        const fitting = Object.entries(INSTANCE_TYPES)
            .filter(([, candidate]) => candidate.vcpus >= budget.cpus && candidate.memoryMib >= budget.memoryMb)
            .sort(([, a], [, b]) => a.usdPerHour - b.usdPerHour)[0];
        const example = fitting === undefined ? "(no known type is that large; lower the budget)" : `such as ${fitting[0]}`;
        problems.push(`${key(field)} must have at least the ${budgetName} budget ${budgetKey} (${budget.cpus} vCPU, ${budget.memoryMb} MiB), ${example}, got ${show(value)} (${type.vcpus} vCPU, ${type.memoryMib} MiB)`);
    }
    return value as string;
}

/**
 * The ec2 settings, validated. Nodes are spread over zones, so at least two zones are required,
 * whether as subnets of an existing VPC or as zones for a new one; `region` is aws:region when
 * known (the zones must be in it).
 */
export function parseEc2Settings(problems: string[], raw: unknown, nodeSizing: NodeSizing, frontSizing: FrontSizing, allowPublicAccess: boolean, region?: string): Ec2Settings {
    const given = (typeof raw === "object" && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
    if (raw !== undefined && given !== raw) problems.push(`${key("")} must be an object, got ${show(raw)}`);
    for (const field of Object.keys(given)) {
        if (!KNOWN_FIELDS.includes(field)) problems.push(`${key(field)} is not a known setting (known: ${KNOWN_FIELDS.join(", ")})`);
    }
    let existingVpc: Ec2Settings["existingVpc"];
    let zones: string[] = [];
    if (given.vpcId !== undefined) {
        if (typeof given.vpcId !== "string" || !/^vpc-[0-9a-f]{8,17}$/.test(given.vpcId)) problems.push(`${key("vpcId")} must be a VPC id such as vpc-0123abcd, got ${show(given.vpcId)}`);
        if (given.availabilityZones !== undefined) {
            problems.push(`${key("availabilityZones")} applies only to a VPC the stack creates; with ${key("vpcId")} the zones are those of ${key("subnets")}, got ${show(given.availabilityZones)}`);
        }
        existingVpc = { vpcId: String(given.vpcId), subnets: parseSubnets(problems, given.subnets, region) };
    } else {
        if (given.subnets !== undefined) problems.push(`${key("subnets")} needs ${key("vpcId")} (the VPC they belong to)`);
        zones = parseZones(problems, given.availabilityZones, region);
    }
    const vpcCidr = parseVpcCidr(problems, given.vpcCidr, given.vpcId, zones.length, allowPublicAccess);
    const monitoringCidrs = stringList(problems, "monitoringCidrs", given.monitoringCidrs);
    monitoringCidrs.forEach((cidr, i) => {
        const problem = checkCidr(`${key("monitoringCidrs")}[${i}]`, cidr) ?? rangeExposureProblem(`${key("monitoringCidrs")}[${i}]`, cidr, "the metrics", true, allowPublicAccess);
        if (problem) problems.push(problem);
    });
    const securityGroups = stringList(problems, "allowedClientSecurityGroupIds", given.allowedClientSecurityGroupIds);
    securityGroups.forEach((id, i) => { if (!/^sg-[0-9a-f]{8,17}$/.test(id)) problems.push(`${key("allowedClientSecurityGroupIds")}[${i}] must be a security group id such as sg-0123abcd, got ${show(id)}`); });
    const rootVolumeGb = orDefault(given.rootVolumeGb, EC2_DEFAULTS.rootVolumeGb) as number;
    const rootProblem = checkInteger(key("rootVolumeGb"), rootVolumeGb, 8, 1024);
    if (rootProblem) problems.push(rootProblem);
    if (Number.isInteger(nodeSizing.diskGb) && nodeSizing.diskGb > LIMITS.ec2DataVolumeGb.max) {
        problems.push(`${CONFIG_NAMESPACE}:nodeSizing.diskGb must be at most ${LIMITS.ec2DataVolumeGb.max} on platform "ec2" (the largest gp3 volume), got ${show(nodeSizing.diskGb)}`);
    }
    const keep = orDefault(given.keepDataVolumesOnDestroy, EC2_DEFAULTS.keepDataVolumesOnDestroy);
    if (typeof keep !== "boolean") problems.push(`${key("keepDataVolumesOnDestroy")} must be true or false, got ${show(keep)}`);
    const amiName = orDefault(given.amiName, EC2_DEFAULTS.amiName);
    if (typeof amiName !== "string" || !/^debian-12-amd64-\d{8}-\d+$/.test(amiName)) {
        problems.push(`${key("amiName")} must name a Debian 12 amd64 AMI such as ${EC2_DEFAULTS.amiName} (the packages are bookworm's; the instance types are x86), got ${show(amiName)}`);
    }
    const dnsZoneName = orDefault(given.dnsZoneName, EC2_DEFAULTS.dnsZoneName) as string;
    if (typeof dnsZoneName !== "string" || !/^([a-z0-9-]+\.)+[a-z]{2,}$/.test(dnsZoneName)) problems.push(`${key("dnsZoneName")} must be a DNS name such as pg-ha.internal, got ${show(dnsZoneName)}`);
    return {
        existingVpc,
        vpcCidr,
        availabilityZones: zones,
        nodeInstanceType: instanceType(problems, "nodeInstanceType", given.nodeInstanceType, nodeSizing, "node", `${CONFIG_NAMESPACE}:nodeSizing`),
        frontInstanceType: instanceType(problems, "frontInstanceType", given.frontInstanceType, frontSizing, "front", `${CONFIG_NAMESPACE}:frontSizing`),
        amiName: String(amiName),
        rootVolumeGb,
        keepDataVolumesOnDestroy: keep === true,
        monitoringCidrs,
        allowedClientSecurityGroupIds: securityGroups,
        dnsZoneName,
    };
}
