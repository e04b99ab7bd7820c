import { CONFIG_NAMESPACE } from "./defaults";
import { show } from "./validators";

/**
 * Which IPv4 ranges are private. Every range the stack puts in pg_hba, a security group or a
 * published port must lie inside these unless `pg-ha:allowPublicAccess` says otherwise.
 */
export const PRIVATE_RANGES: readonly string[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
export const LOOPBACK_RANGE = "127.0.0.0/8";

interface Ipv4Range {
    readonly first: number;
    readonly last: number;
}

function addressNumber(address: string): number {
    return address.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);
}

/** The addresses of a valid CIDR (checked with checkCidr first). */
function rangeOf(cidr: string): Ipv4Range {
    const [address, prefix] = cidr.split("/");
    const first = addressNumber(address!);
    return { first, last: first + 2 ** (32 - Number(prefix)) - 1 };
}

export function prefixOf(cidr: string): number {
    return Number(cidr.split("/")[1]);
}

function isInside(cidr: string, ranges: readonly string[]): boolean {
    const inner = rangeOf(cidr);
    return ranges.some((range) => {
        const outer = rangeOf(range);
        return inner.first >= outer.first && inner.last <= outer.last;
    });
}

const OPT_IN = `set ${CONFIG_NAMESPACE}:allowPublicAccess to true if that is really meant`;

/**
 * A valid CIDR that reaches beyond private addresses (or loopback, where `allowLoopback`): every
 * address for a /0, public addresses otherwise. `opens` says what it opens ("the cluster", "pg_hba").
 */
export function rangeExposureProblem(key: string, cidr: string, opens: string, allowLoopback: boolean, allowPublicAccess: boolean): string | undefined {
    const allowed = allowLoopback ? [LOOPBACK_RANGE, ...PRIVATE_RANGES] : PRIVATE_RANGES;
    if (allowPublicAccess || isInside(cidr, allowed)) return undefined;
    if (prefixOf(cidr) === 0) return `${key} is ${show(cidr)}, which opens ${opens} to every address; ${OPT_IN}`;
    return `${key} is ${show(cidr)}, a public range (not in ${allowed.join(", ")}), which opens ${opens} to public addresses; ${OPT_IN}`;
}

/** A valid address to publish ports on that is neither loopback nor private. */
export function bindAddressExposureProblem(key: string, address: string, allowPublicAccess: boolean): string | undefined {
    if (allowPublicAccess || isInside(`${address}/32`, [LOOPBACK_RANGE, ...PRIVATE_RANGES])) return undefined;
    if (address === "0.0.0.0") return `${key} is ${show(address)}, which publishes the cluster's ports on every address of the Docker host; ${OPT_IN}`;
    return `${key} is ${show(address)}, a public address (not in ${[LOOPBACK_RANGE, ...PRIVATE_RANGES].join(", ")}), which publishes the cluster's ports to the internet; ${OPT_IN}`;
}
