/**
 * EC2 instance types the prod stack may use, with their size and on-demand Linux price per hour
 * in us-east-1. Prices are list prices as known to this project (see config/prices.ts for the
 * date); sizes are AWS's published figures. Nitro types only: the nodes find their data volume
 * as an NVMe device (a Xen type such as t2 names it /dev/xvdf, and the first boot would wait for
 * a device that never appears).
 */
export interface InstanceType {
    readonly vcpus: number;
    readonly memoryMib: number;
    readonly usdPerHour: number;
}

export const INSTANCE_TYPES: Readonly<Record<string, InstanceType>> = {
    "t3.micro": { vcpus: 2, memoryMib: 1024, usdPerHour: 0.0104 },
    "t3.small": { vcpus: 2, memoryMib: 2048, usdPerHour: 0.0208 },
    "t3.medium": { vcpus: 2, memoryMib: 4096, usdPerHour: 0.0416 },
    "t3.large": { vcpus: 2, memoryMib: 8192, usdPerHour: 0.0832 },
    "t3.xlarge": { vcpus: 4, memoryMib: 16384, usdPerHour: 0.1664 },
    "c6i.large": { vcpus: 2, memoryMib: 4096, usdPerHour: 0.085 },
    "m6i.large": { vcpus: 2, memoryMib: 8192, usdPerHour: 0.096 },
    "m6i.xlarge": { vcpus: 4, memoryMib: 16384, usdPerHour: 0.192 },
    "r6i.large": { vcpus: 2, memoryMib: 16384, usdPerHour: 0.126 },
};

/**
 * The one mapping from a budget to an instance type: the cheapest known type with exactly the
 * budget's vCPUs (a node's settings follow its budget) and at least its memory; with `atLeast`,
 * at least its vCPUs (the front host's single vCPU: no Nitro type has one, so t3.micro). Throws
 * when none fits.
 */
export function instanceTypeFor(cpus: number, memoryMb: number, atLeast = false): string {
    const fitting = Object.entries(INSTANCE_TYPES)
        .filter(([, type]) => (atLeast ? type.vcpus >= cpus : type.vcpus === cpus) && type.memoryMib >= memoryMb)
        .sort(([, a], [, b]) => a.usdPerHour - b.usdPerHour);
    const cheapest = fitting[0];
    if (cheapest === undefined) throw new Error(`no known instance type has ${atLeast ? "at least " : ""}${cpus} vCPU and at least ${memoryMb} MiB; set the instance type in config`);
    return cheapest[0];
}
