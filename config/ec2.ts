import { CONFIG_NAMESPACE } from "./defaults";
import { INSTANCE_TYPES, instanceTypeFor } from "./instanceTypes";
import { FrontSizing, NodeSizing } from "./types";
import { checkCidr, checkInteger, show } from "./validators";

/** A private subnet the nodes may use, with its zone (given in config: no lookup before validation). */
export interface SubnetPlacement {
    readonly id: string;
    readonly availabilityZone: string;
}

/** Where and on what the prod stack runs. */
export interface Ec2Settings {
    /** An existing VPC and its private subnets; when absent the stack creates a VPC. */
    readonly existingVpc?: { readonly vpcId: string; readonly subnets: readonly SubnetPlacement[] };
    /** CIDR of the VPC the stack creates (also what pg_hba allows cluster members from). */
    readonly vpcCidr: string;
    /** Zones for the VPC the stack creates, one private and one public subnet each. */
    readonly availabilityZones: readonly string[];
    readonly nodeInstanceType: string;
    readonly frontInstanceType: string;
    readonly rootVolumeGb: number;
    readonly keepDataVolumesOnDestroy: boolean;
    readonly monitoringCidrs: readonly string[];
    readonly allowedClientSecurityGroupIds: readonly string[];
    readonly dnsZoneName: string;
}

export const EC2_DEFAULTS = {
    vpcCidr: "10.42.0.0/16",
    rootVolumeGb: 20,
    keepDataVolumesOnDestroy: true,
    dnsZoneName: "pg-ha.internal",
} as const;

const key = (name: string): string => `${CONFIG_NAMESPACE}:${name}`;
const ZONE = /^[a-z]{2}-[a-z]+-\d[a-z]$/;
const SUBNET = /^subnet-[0-9a-f]{8,17}$/;

function stringList(problems: string[], name: string, value: unknown): string[] {
    if (value === undefined) return [];
    if (!Array.isArray(value) || value.some((entry) => typeof entry !== "string")) {
        problems.push(`${key(name)} must be a list of strings, got ${show(value)}`);
        return [];
    }
    return value as string[];
}

function instanceType(problems: string[], name: string, value: unknown, fallback: () => string): string {
    if (value === undefined) {
        try {
            return fallback();
        } catch (error) {
            problems.push(`${key(name)}: ${(error as Error).message}`);
            return "";
        }
    }
    if (typeof value !== "string" || INSTANCE_TYPES[value] === undefined) {
        problems.push(`${key(name)} must be a known instance type (${Object.keys(INSTANCE_TYPES).join(", ")}), got ${show(value)}`);
        return "";
    }
    return value;
}

/**
 * The ec2 settings, validated. Nodes are spread over zones, so at least two zones are required,
 * whether as subnets of an existing VPC or as zones for a new one.
 */
export function parseEc2Settings(problems: string[], raw: unknown, nodeSizing: NodeSizing, frontSizing: FrontSizing, allowPublicAccess: boolean): Ec2Settings {
    const given = (typeof raw === "object" && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
    if (raw !== undefined && given !== raw) problems.push(`${key("ec2")} must be an object, got ${show(raw)}`);
    const known = ["vpcId", "subnets", "vpcCidr", "availabilityZones", "nodeInstanceType", "frontInstanceType", "rootVolumeGb", "keepDataVolumesOnDestroy", "monitoringCidrs", "allowedClientSecurityGroupIds", "dnsZoneName"];
    for (const field of Object.keys(given)) {
        if (!known.includes(field)) problems.push(`${key("ec2")}.${field} is not a known setting (known: ${known.join(", ")})`);
    }
    let existingVpc: Ec2Settings["existingVpc"];
    const zones = stringList(problems, "ec2.availabilityZones", given.availabilityZones);
    if (given.vpcId !== undefined) {
        if (typeof given.vpcId !== "string" || !/^vpc-[0-9a-f]{8,17}$/.test(given.vpcId)) problems.push(`${key("ec2")}.vpcId must be a VPC id such as vpc-0123abcd, got ${show(given.vpcId)}`);
        const subnets = Array.isArray(given.subnets) ? given.subnets as Record<string, unknown>[] : [];
        subnets.forEach((subnet, i) => {
            if (typeof subnet?.id !== "string" || !SUBNET.test(subnet.id)) problems.push(`${key("ec2")}.subnets[${i}].id must be a subnet id such as subnet-0123abcd, got ${show(subnet?.id)}`);
            if (typeof subnet?.availabilityZone !== "string" || !ZONE.test(subnet.availabilityZone)) problems.push(`${key("ec2")}.subnets[${i}].availabilityZone must be a zone such as eu-west-1a, got ${show(subnet?.availabilityZone)}`);
        });
        const distinctZones = new Set(subnets.map((subnet) => subnet?.availabilityZone));
        if (distinctZones.size < 2) problems.push(`${key("ec2")}.subnets must be private subnets in at least 2 availability zones (nodes are spread over zones), got ${distinctZones.size} zone(s)`);
        existingVpc = { vpcId: String(given.vpcId), subnets: subnets.map((subnet) => ({ id: String(subnet?.id), availabilityZone: String(subnet?.availabilityZone) })) };
    } else {
        if (given.subnets !== undefined) problems.push(`${key("ec2")}.subnets needs ${key("ec2")}.vpcId (the VPC they belong to)`);
        if (new Set(zones).size < 2) problems.push(`${key("ec2")}.availabilityZones must list at least 2 zones for the VPC the stack creates, got ${show(given.availabilityZones)}`);
        zones.forEach((zone, i) => { if (!ZONE.test(zone)) problems.push(`${key("ec2")}.availabilityZones[${i}] must be a zone such as eu-west-1a, got ${show(zone)}`); });
    }
    const vpcCidr = (given.vpcCidr ?? EC2_DEFAULTS.vpcCidr) as string;
    const vpcProblem = checkCidr(`${key("ec2")}.vpcCidr`, vpcCidr);
    if (vpcProblem) problems.push(vpcProblem);
    const monitoringCidrs = stringList(problems, "ec2.monitoringCidrs", given.monitoringCidrs);
    monitoringCidrs.forEach((cidr, i) => {
        const problem = checkCidr(`${key("ec2")}.monitoringCidrs[${i}]`, cidr);
        if (problem) problems.push(problem);
        else if (cidr.endsWith("/0") && !allowPublicAccess) problems.push(`${key("ec2")}.monitoringCidrs[${i}] is ${show(cidr)}, which opens the metrics to every address; set ${key("allowPublicAccess")} to true if that is really meant`);
    });
    const securityGroups = stringList(problems, "ec2.allowedClientSecurityGroupIds", given.allowedClientSecurityGroupIds);
    securityGroups.forEach((id, i) => { if (!/^sg-[0-9a-f]{8,17}$/.test(id)) problems.push(`${key("ec2")}.allowedClientSecurityGroupIds[${i}] must be a security group id such as sg-0123abcd, got ${show(id)}`); });
    const rootVolumeGb = (given.rootVolumeGb ?? EC2_DEFAULTS.rootVolumeGb) as number;
    const rootProblem = checkInteger(`${key("ec2")}.rootVolumeGb`, rootVolumeGb, 8, 1024);
    if (rootProblem) problems.push(rootProblem);
    const keep = given.keepDataVolumesOnDestroy ?? EC2_DEFAULTS.keepDataVolumesOnDestroy;
    if (typeof keep !== "boolean") problems.push(`${key("ec2")}.keepDataVolumesOnDestroy must be true or false, got ${show(keep)}`);
    const dnsZoneName = (given.dnsZoneName ?? EC2_DEFAULTS.dnsZoneName) as string;
    if (typeof dnsZoneName !== "string" || !/^([a-z0-9-]+\.)+[a-z]{2,}$/.test(dnsZoneName)) problems.push(`${key("ec2")}.dnsZoneName must be a DNS name such as pg-ha.internal, got ${show(dnsZoneName)}`);
    return {
        existingVpc,
        vpcCidr,
        availabilityZones: zones,
        nodeInstanceType: instanceType(problems, "ec2.nodeInstanceType", given.nodeInstanceType, () => instanceTypeFor(nodeSizing.cpus, nodeSizing.memoryMb)),
        frontInstanceType: instanceType(problems, "ec2.frontInstanceType", given.frontInstanceType, () => instanceTypeFor(frontSizing.cpus, frontSizing.memoryMb)),
        rootVolumeGb,
        keepDataVolumesOnDestroy: keep === true,
        monitoringCidrs,
        allowedClientSecurityGroupIds: securityGroups,
        dnsZoneName,
    };
}
