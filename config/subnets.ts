import { LIMITS } from "./defaults";
import { prefixOf } from "./addresses";
import { show } from "./validators";

/**
 * The subnets the stack carves out of a VPC it creates, all /24: zone i gets private subnet number
 * i and public subnet number 100+i. The network builds them with this rule and the loader checks,
 * with the same rule, that the VPC has room for them before any resource exists.
 */
export const PUBLIC_SUBNET_OFFSET = 100;

/** The index-th /24 inside a VPC CIDR (10.42.0.0/16, 3 -> 10.42.3.0/24). */
export function subnetCidr(vpcCidr: string, index: number): string {
    const [address, prefixText] = vpcCidr.split("/");
    const prefix = Number(prefixText);
    if (prefix > 24 || index >= 2 ** (24 - prefix)) throw new Error(`${vpcCidr} has no room for /24 subnet number ${index}`);
    const base = address!.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0) + index * 256;
    return `${[24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256).join(".")}/24`;
}

export function privateSubnetCidr(vpcCidr: string, zoneIndex: number): string {
    return subnetCidr(vpcCidr, zoneIndex);
}

export function publicSubnetCidr(vpcCidr: string, zoneIndex: number): string {
    return subnetCidr(vpcCidr, PUBLIC_SUBNET_OFFSET + zoneIndex);
}

/**
 * The problem with a valid VPC CIDR, of a size AWS allows, that has no room for the subnets of
 * `zoneCount` zones.
 */
export function vpcRoomProblem(key: string, vpcCidr: string, zoneCount: number): string | undefined {
    if (zoneCount < 1) return undefined;
    const highest = PUBLIC_SUBNET_OFFSET + zoneCount - 1;
    const room = 2 ** Math.max(0, 24 - prefixOf(vpcCidr));
    if (highest < room) return undefined;
    const largestPrefix = 24 - Math.ceil(Math.log2(highest + 1));
    return `${key} must be a /${LIMITS.vpcPrefix.min} to /${largestPrefix} block to hold the subnets the stack creates (zone i gets private /24 number i and public /24 number ${PUBLIC_SUBNET_OFFSET}+i, up to number ${highest} for ${zoneCount} zones), got ${show(vpcCidr)} (room for ${room})`;
}
