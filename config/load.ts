import { CONFIG_NAMESPACE, DEFAULTS, LIMITS, POSTGRES_IMAGES } from "./defaults";
import { parseBackupSettings } from "./backup";
import { parseEc2Settings } from "./ec2";
import { ROLE_NAMES } from "./roles";
import { ClusterConfig, FrontSizing, NodeSizing, PlatformName, PoolSettings, PortSettings } from "./types";
import {
    checkCidr, checkIdentifier, checkInteger, checkIpv4, checkNumber, checkOneOf, isPublicCidr, show,
} from "./validators";

/** Raw stack configuration: key (without namespace) to value, objects already parsed. */
export type RawConfig = Readonly<Record<string, unknown>>;

/** Role names the cluster creates itself; the application user may not take one of them. */
export const RESERVED_ROLES: readonly string[] = Object.values(ROLE_NAMES);
const RESERVED_DATABASES = ["postgres", "template0", "template1"] as const;

const KNOWN_KEYS = [
    "platform", "replicas", "postgresVersion", "databaseName", "appUser", "bindAddress", "ports",
    "allowedClientCidrs", "allowPublicAccess", "synchronousReplicas", "nodeSizing", "frontSizing",
    "pool", "dockerNetworkCidr", "postgresImage", "ec2", "backup",
] as const;

/** Thrown for bad stack configuration; the message lists every problem found. */
export class ConfigError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`Invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
        this.name = "ConfigError";
    }
}

function key(name: string): string {
    return `${CONFIG_NAMESPACE}:${name}`;
}

function objectOrEmpty(problems: string[], name: string, value: unknown): Record<string, unknown> {
    if (value === undefined) return {};
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        problems.push(`${key(name)} must be an object, got ${show(value)}`);
        return {};
    }
    return value as Record<string, unknown>;
}

function rejectUnknownFields(problems: string[], name: string, value: Record<string, unknown>, known: readonly string[]): void {
    for (const field of Object.keys(value)) {
        if (!known.includes(field)) {
            problems.push(`${key(name)}.${field} is not a known setting (known: ${known.join(", ")})`);
        }
    }
}

function push(problems: string[], problem: string | undefined): void {
    if (problem !== undefined) problems.push(problem);
}

function parsePorts(problems: string[], raw: unknown, replicaCount: number): PortSettings {
    const given = objectOrEmpty(problems, "ports", raw);
    rejectUnknownFields(problems, "ports", given, ["pgpool", "primary", "replicas", "metrics", "pcp"]);
    const primary = (given.primary ?? DEFAULTS.ports.primary) as number;
    const replicasGiven = given.replicas;
    const replicas = (replicasGiven ?? Array.from({ length: replicaCount }, (_, i) => primary + 1 + i)) as number[];
    const ports: PortSettings = {
        pgpool: (given.pgpool ?? DEFAULTS.ports.pgpool) as number,
        primary,
        replicas,
        metrics: (given.metrics ?? DEFAULTS.ports.metrics) as number,
        pcp: (given.pcp ?? DEFAULTS.ports.pcp) as number,
    };
    if (!Array.isArray(replicas)) {
        problems.push(`${key("ports")}.replicas must be a list of ${replicaCount} ports, got ${show(replicas)}`);
        return ports;
    }
    if (replicas.length !== replicaCount) {
        problems.push(`${key("ports")}.replicas must list one port per replica (${replicaCount}), got ${show(replicas)}`);
    }
    const named: [string, unknown][] = [
        ["pgpool", ports.pgpool], ["primary", ports.primary], ["metrics", ports.metrics], ["pcp", ports.pcp],
        ...replicas.map((port, i): [string, unknown] => [`replicas[${i}]`, port]),
    ];
    const seen = new Map<unknown, string>();
    for (const [role, port] of named) {
        push(problems, checkInteger(`${key("ports")}.${role}`, port, LIMITS.port.min, LIMITS.port.max));
        const clash = seen.get(port);
        if (clash !== undefined) {
            problems.push(`${key("ports")}.${role} clashes with ${key("ports")}.${clash}: both are ${show(port)}`);
        }
        seen.set(port, role);
    }
    return ports;
}

function parseNodeSizing(problems: string[], raw: unknown): NodeSizing {
    const given = objectOrEmpty(problems, "nodeSizing", raw);
    rejectUnknownFields(problems, "nodeSizing", given, ["cpus", "memoryMb", "diskGb"]);
    const sizing: NodeSizing = {
        cpus: (given.cpus ?? DEFAULTS.nodeSizing.cpus) as number,
        memoryMb: (given.memoryMb ?? DEFAULTS.nodeSizing.memoryMb) as number,
        diskGb: (given.diskGb ?? DEFAULTS.nodeSizing.diskGb) as number,
    };
    push(problems, checkNumber(`${key("nodeSizing")}.cpus`, sizing.cpus, LIMITS.cpus.min, LIMITS.cpus.max));
    if (typeof sizing.memoryMb === "number" && sizing.memoryMb < LIMITS.nodeMemoryMb.min) {
        problems.push(`${key("nodeSizing")}.memoryMb must be at least ${LIMITS.nodeMemoryMb.min} (PostgreSQL with 25% shared_buffers and ${DEFAULTS.pool.numInitChildren * DEFAULTS.pool.maxPool} pooled connections needs it), got ${show(sizing.memoryMb)}`);
    } else {
        push(problems, checkInteger(`${key("nodeSizing")}.memoryMb`, sizing.memoryMb, LIMITS.nodeMemoryMb.min, 1024 * 1024));
    }
    push(problems, checkInteger(`${key("nodeSizing")}.diskGb`, sizing.diskGb, LIMITS.nodeDiskGb.min, 64 * 1024));
    return sizing;
}

function parseFrontSizing(problems: string[], raw: unknown): FrontSizing {
    const given = objectOrEmpty(problems, "frontSizing", raw);
    rejectUnknownFields(problems, "frontSizing", given, ["cpus", "memoryMb"]);
    const sizing: FrontSizing = {
        cpus: (given.cpus ?? DEFAULTS.frontSizing.cpus) as number,
        memoryMb: (given.memoryMb ?? DEFAULTS.frontSizing.memoryMb) as number,
    };
    push(problems, checkNumber(`${key("frontSizing")}.cpus`, sizing.cpus, LIMITS.cpus.min, LIMITS.cpus.max));
    push(problems, checkInteger(`${key("frontSizing")}.memoryMb`, sizing.memoryMb, LIMITS.frontMemoryMb.min, 1024 * 1024));
    return sizing;
}

function parsePool(problems: string[], raw: unknown): PoolSettings {
    const given = objectOrEmpty(problems, "pool", raw);
    rejectUnknownFields(problems, "pool", given, ["numInitChildren", "maxPool", "childLifeTimeSeconds"]);
    const pool: PoolSettings = {
        numInitChildren: (given.numInitChildren ?? DEFAULTS.pool.numInitChildren) as number,
        maxPool: (given.maxPool ?? DEFAULTS.pool.maxPool) as number,
        childLifeTimeSeconds: (given.childLifeTimeSeconds ?? DEFAULTS.pool.childLifeTimeSeconds) as number,
    };
    push(problems, checkInteger(`${key("pool")}.numInitChildren`, pool.numInitChildren, LIMITS.numInitChildren.min, LIMITS.numInitChildren.max));
    push(problems, checkInteger(`${key("pool")}.maxPool`, pool.maxPool, LIMITS.maxPool.min, LIMITS.maxPool.max));
    push(problems, checkInteger(`${key("pool")}.childLifeTimeSeconds`, pool.childLifeTimeSeconds, 0, 86400));
    return pool;
}

function parseCidrs(problems: string[], raw: unknown, allowPublicAccess: boolean): string[] {
    const cidrs = (raw ?? DEFAULTS.allowedClientCidrs) as unknown;
    if (!Array.isArray(cidrs) || cidrs.length === 0) {
        problems.push(`${key("allowedClientCidrs")} must be a non-empty list of IPv4 CIDRs, got ${show(cidrs)}`);
        return [];
    }
    cidrs.forEach((cidr, i) => {
        const problem = checkCidr(`${key("allowedClientCidrs")}[${i}]`, cidr);
        push(problems, problem);
        if (problem === undefined && isPublicCidr(cidr as string) && !allowPublicAccess) {
            problems.push(`${key("allowedClientCidrs")}[${i}] is ${show(cidr)}, which opens the cluster to every address; set ${key("allowPublicAccess")} to true if that is really meant`);
        }
    });
    return cidrs as string[];
}

/**
 * Turns raw stack configuration into a validated {@link ClusterConfig}, applying every default.
 * Throws a {@link ConfigError} listing all problems before any resource exists.
 */
export function parseClusterConfig(raw: RawConfig): ClusterConfig {
    const problems: string[] = [];
    for (const name of Object.keys(raw)) {
        if (!(KNOWN_KEYS as readonly string[]).includes(name)) {
            problems.push(`${key(name)} is not a known setting (known: ${KNOWN_KEYS.join(", ")})`);
        }
    }
    const platform = (raw.platform ?? DEFAULTS.platform) as PlatformName;
    push(problems, checkOneOf(key("platform"), platform, ["docker", "ec2"]));

    const replicaCount = (raw.replicas ?? DEFAULTS.replicaCount) as number;
    const replicaProblem = checkInteger(key("replicas"), replicaCount, LIMITS.replicaCount.min, LIMITS.replicaCount.max);
    push(problems, replicaProblem);
    const safeReplicaCount = replicaProblem === undefined ? replicaCount : DEFAULTS.replicaCount;

    const postgresVersion = (raw.postgresVersion ?? DEFAULTS.postgresVersion) as number;
    const supportedVersions = Object.keys(POSTGRES_IMAGES).map(Number);
    push(problems, checkOneOf(key("postgresVersion"), postgresVersion, supportedVersions));

    const databaseName = (raw.databaseName ?? DEFAULTS.databaseName) as string;
    push(problems, checkIdentifier(key("databaseName"), databaseName, RESERVED_DATABASES));
    const appUser = (raw.appUser ?? DEFAULTS.appUser) as string;
    push(problems, checkIdentifier(key("appUser"), appUser, RESERVED_ROLES));

    const bindAddress = (raw.bindAddress ?? DEFAULTS.bindAddress) as string;
    push(problems, checkIpv4(key("bindAddress"), bindAddress));

    const allowPublicAccess = (raw.allowPublicAccess ?? DEFAULTS.allowPublicAccess) as boolean;
    if (typeof allowPublicAccess !== "boolean") {
        problems.push(`${key("allowPublicAccess")} must be true or false, got ${show(allowPublicAccess)}`);
    }
    const allowedClientCidrs = parseCidrs(problems, raw.allowedClientCidrs, allowPublicAccess === true);

    const synchronousReplicas = (raw.synchronousReplicas ?? DEFAULTS.synchronousReplicas) as number;
    push(problems, checkInteger(key("synchronousReplicas"), synchronousReplicas, 0, safeReplicaCount));

    const dockerNetworkCidr = (raw.dockerNetworkCidr ?? DEFAULTS.dockerNetworkCidr) as string;
    push(problems, checkCidr(key("dockerNetworkCidr"), dockerNetworkCidr));

    const postgresImage = (raw.postgresImage ?? POSTGRES_IMAGES[postgresVersion] ?? "") as string;
    if (typeof postgresImage !== "string" || !/^[\w./-]+(:[\w.-]+)?(@sha256:[0-9a-f]{64})?$/.test(postgresImage)) {
        problems.push(`${key("postgresImage")} must be an image reference such as postgres:15.15-bookworm, got ${show(postgresImage)}`);
    }

    const nodeSizing = parseNodeSizing(problems, raw.nodeSizing);
    const frontSizing = parseFrontSizing(problems, raw.frontSizing);
    const onEc2 = platform === "ec2";
    if (!onEc2 && raw.ec2 !== undefined) {
        problems.push(`${key("ec2")} applies to platform "ec2" only; ${key("platform")} is ${show(platform)}`);
    }
    const config: ClusterConfig = {
        platform,
        replicaCount: safeReplicaCount,
        postgresVersion,
        databaseName,
        appUser,
        bindAddress,
        ports: parsePorts(problems, raw.ports, safeReplicaCount),
        allowedClientCidrs,
        allowPublicAccess: allowPublicAccess === true,
        synchronousReplicas,
        nodeSizing,
        frontSizing,
        pool: parsePool(problems, raw.pool),
        dockerNetworkCidr,
        postgresImage,
        ec2: onEc2 ? parseEc2Settings(problems, raw.ec2, nodeSizing, frontSizing, allowPublicAccess === true) : undefined,
        backup: parseBackupSettings(problems, raw.backup),
    };
    if (problems.length > 0) throw new ConfigError(problems);
    return config;
}

/** Parses one raw config string as Pulumi stores it: JSON where it parses, else the plain string. */
export function parseConfigValue(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

/** Picks this project's keys out of a namespaced map (`pg-ha:replicas` -> `replicas`). */
export function projectKeys(all: Readonly<Record<string, unknown>>): RawConfig {
    const prefix = `${CONFIG_NAMESPACE}:`;
    const raw: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(all)) {
        if (name.startsWith(prefix)) {
            raw[name.slice(prefix.length)] = typeof value === "string" ? parseConfigValue(value) : value;
        }
    }
    return raw;
}
