import { bindAddressExposureProblem, prefixOf, rangeExposureProblem } from "./addresses";
import { parseBackupSettings } from "./backup";
import { CONFIG_NAMESPACE, DEFAULTS, LIMITS, POSTGRES_IMAGES } from "./defaults";
import { parseAwsRegion, parseEc2Settings, REGION_KEY } from "./ec2";
import { PLATFORM_ONLY_KEYS, PROJECT_KEYS, PROVIDER_PLATFORMS, suggestedProjectKey } from "./keys";
import { RawConfig, splitNamespaces } from "./namespaces";
import { poolBudgetProblems } from "./poolBudget";
import { parsePorts } from "./ports";
import { postgresImageProblem } from "./postgresImage";
import { ROLE_NAMES } from "./roles";
import { ClusterConfig, FrontSizing, NodeSizing, PlatformName, PoolSettings } from "./types";
import {
    checkCidr, checkIdentifier, checkInteger, checkIpv4, checkNumber, checkOneOf, checkUnique, orDefault, show,
} from "./validators";

export { parseConfigValue, projectKeys } from "./namespaces";
export type { RawConfig } from "./namespaces";

/**
 * Role names the application user may not take: those the cluster creates, and the two that
 * PostgreSQL refuses as role names (`public` is the PUBLIC pseudo-role, `none` is reserved).
 */
export const RESERVED_ROLES: readonly string[] = [...Object.values(ROLE_NAMES), "public", "none"];
const RESERVED_DATABASES = ["postgres", "template0", "template1"] as const;

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

function parseNodeSizing(problems: string[], raw: unknown): NodeSizing {
    const given = objectOrEmpty(problems, "nodeSizing", raw);
    rejectUnknownFields(problems, "nodeSizing", given, ["cpus", "memoryMb", "diskGb"]);
    const sizing = {
        cpus: orDefault(given.cpus, DEFAULTS.nodeSizing.cpus),
        memoryMb: orDefault(given.memoryMb, DEFAULTS.nodeSizing.memoryMb),
        diskGb: orDefault(given.diskGb, DEFAULTS.nodeSizing.diskGb),
    } as NodeSizing;
    push(problems, checkNumber(`${key("nodeSizing")}.cpus`, sizing.cpus, LIMITS.cpus.min, LIMITS.cpus.max));
    if (typeof sizing.memoryMb === "number" && sizing.memoryMb < LIMITS.nodeMemoryMb.min) {
        problems.push(`${key("nodeSizing")}.memoryMb must be at least ${LIMITS.nodeMemoryMb.min} (PostgreSQL with 25% shared_buffers needs it; ${key("pool")} must fit beside it too), got ${show(sizing.memoryMb)}`);
    } else {
        push(problems, checkInteger(`${key("nodeSizing")}.memoryMb`, sizing.memoryMb, LIMITS.nodeMemoryMb.min, 1024 * 1024));
    }
    push(problems, checkInteger(`${key("nodeSizing")}.diskGb`, sizing.diskGb, LIMITS.nodeDiskGb.min, 64 * 1024));
    return sizing;
}

function parseFrontSizing(problems: string[], raw: unknown): FrontSizing {
    const given = objectOrEmpty(problems, "frontSizing", raw);
    rejectUnknownFields(problems, "frontSizing", given, ["cpus", "memoryMb"]);
    const sizing = {
        cpus: orDefault(given.cpus, DEFAULTS.frontSizing.cpus),
        memoryMb: orDefault(given.memoryMb, DEFAULTS.frontSizing.memoryMb),
    } as FrontSizing;
    push(problems, checkNumber(`${key("frontSizing")}.cpus`, sizing.cpus, LIMITS.cpus.min, LIMITS.cpus.max));
    push(problems, checkInteger(`${key("frontSizing")}.memoryMb`, sizing.memoryMb, LIMITS.frontMemoryMb.min, 1024 * 1024));
    return sizing;
}

function parsePool(problems: string[], raw: unknown): PoolSettings {
    const given = objectOrEmpty(problems, "pool", raw);
    rejectUnknownFields(problems, "pool", given, ["numInitChildren", "maxPool", "childLifeTimeSeconds"]);
    const pool = {
        numInitChildren: orDefault(given.numInitChildren, DEFAULTS.pool.numInitChildren),
        maxPool: orDefault(given.maxPool, DEFAULTS.pool.maxPool),
        childLifeTimeSeconds: orDefault(given.childLifeTimeSeconds, DEFAULTS.pool.childLifeTimeSeconds),
    } as PoolSettings;
    push(problems, checkInteger(`${key("pool")}.numInitChildren`, pool.numInitChildren, LIMITS.numInitChildren.min, LIMITS.numInitChildren.max));
    push(problems, checkInteger(`${key("pool")}.maxPool`, pool.maxPool, LIMITS.maxPool.min, LIMITS.maxPool.max));
    push(problems, checkInteger(`${key("pool")}.childLifeTimeSeconds`, pool.childLifeTimeSeconds, 0, 86400));
    return pool;
}

function parseCidrs(problems: string[], raw: unknown, allowPublicAccess: boolean): string[] {
    const cidrs = orDefault(raw, DEFAULTS.allowedClientCidrs);
    if (!Array.isArray(cidrs) || cidrs.length === 0) {
        problems.push(`${key("allowedClientCidrs")} must be a non-empty list of IPv4 CIDRs, got ${show(cidrs)}`);
        return [];
    }
    cidrs.forEach((cidr, i) => {
        const entry = `${key("allowedClientCidrs")}[${i}]`;
        push(problems, checkCidr(entry, cidr) ?? rangeExposureProblem(entry, cidr as string, "the cluster", true, allowPublicAccess));
    });
    push(problems, checkUnique(key("allowedClientCidrs"), cidrs));
    return cidrs as string[];
}

/**
 * The dev stack's Docker network: pg_hba trusts it, so private unless allowPublicAccess, and large
 * enough for every container, Docker's gateway, and the network and broadcast addresses.
 */
function dockerNetworkProblems(problems: string[], cidr: unknown, nodeCount: number, allowPublicAccess: boolean): void {
    const name = key("dockerNetworkCidr");
    const problem = checkCidr(name, cidr);
    if (problem !== undefined) {
        problems.push(problem);
        return;
    }
    push(problems, rangeExposureProblem(name, cidr as string, "pg_hba", false, allowPublicAccess));
    const addresses = nodeCount + 2 + 1 + 2;
    const narrowest = 32 - Math.ceil(Math.log2(addresses));
    const prefix = prefixOf(cidr as string);
    if (prefix < LIMITS.dockerNetworkPrefix.min || prefix > narrowest) {
        problems.push(`${name} must be a /${LIMITS.dockerNetworkPrefix.min} to /${narrowest} block (${nodeCount} PostgreSQL nodes, pgpool, the exporter and Docker's gateway need ${addresses} addresses with the network and broadcast ones), got ${show(cidr)}`);
    }
}

/** What is known beside the project's keys: the providers' keys, when the whole map was given. */
interface ProviderContext {
    readonly providers?: RawConfig;
}

/**
 * Collects every problem of the project's keys (and, with `context.providers`, of the providers'
 * keys that depend on the platform) into `problems`, and builds the config from what is valid.
 */
function collectClusterConfig(problems: string[], raw: RawConfig, context: ProviderContext): ClusterConfig {
    for (const name of Object.keys(raw)) {
        if (!(PROJECT_KEYS as readonly string[]).includes(name)) {
            const suggestion = suggestedProjectKey(name);
            problems.push(`${key(name)} is not a known setting (known: ${PROJECT_KEYS.join(", ")})${suggestion === undefined ? "" : `; did you mean ${suggestion}?`}`);
        }
    }
    const platform = orDefault(raw.platform, DEFAULTS.platform) as PlatformName;
    const platformProblem = checkOneOf(key("platform"), platform, ["docker", "ec2"]);
    push(problems, platformProblem);
    const platformKnown = platformProblem === undefined;
    const onEc2 = platform === "ec2";

    // A key the chosen platform does not read would be silently ignored: refuse it instead.
    const ignored = new Set<string>();
    if (platformKnown) {
        for (const [name, only] of Object.entries(PLATFORM_ONLY_KEYS)) {
            if (raw[name] !== undefined && only !== platform) {
                problems.push(`${key(name)} applies to platform ${show(only)} only; ${key("platform")} is ${show(platform)}, got ${show(raw[name])}`);
                ignored.add(name);
            }
        }
        for (const [name, value] of Object.entries(context.providers ?? {})) {
            const platforms = PROVIDER_PLATFORMS[name.slice(0, name.indexOf(":"))] ?? [];
            if (!platforms.includes(platform)) {
                problems.push(`${name} applies to platform ${platforms.map((only) => show(only)).join(" or ")} only; ${key("platform")} is ${show(platform)}, got ${show(value)}`);
            }
        }
    }
    const given = (name: string): unknown => (ignored.has(name) ? undefined : raw[name]);
    const region = onEc2 && context.providers !== undefined ? parseAwsRegion(problems, context.providers[REGION_KEY]) : undefined;

    const replicaCount = orDefault(raw.replicas, DEFAULTS.replicaCount) as number;
    const replicaProblem = checkInteger(key("replicas"), replicaCount, LIMITS.replicaCount.min, LIMITS.replicaCount.max);
    push(problems, replicaProblem);
    const safeReplicaCount = replicaProblem === undefined ? replicaCount : DEFAULTS.replicaCount;

    const postgresVersion = orDefault(raw.postgresVersion, DEFAULTS.postgresVersion) as number;
    const supportedVersions = Object.keys(POSTGRES_IMAGES).map(Number);
    const versionProblem = checkOneOf(key("postgresVersion"), postgresVersion, supportedVersions);
    push(problems, versionProblem);

    const databaseName = orDefault(raw.databaseName, DEFAULTS.databaseName) as string;
    push(problems, checkIdentifier(key("databaseName"), databaseName, RESERVED_DATABASES));
    const appUser = orDefault(raw.appUser, DEFAULTS.appUser) as string;
    push(problems, checkIdentifier(key("appUser"), appUser, RESERVED_ROLES));

    const allowPublicAccess = orDefault(raw.allowPublicAccess, DEFAULTS.allowPublicAccess);
    if (typeof allowPublicAccess !== "boolean") {
        problems.push(`${key("allowPublicAccess")} must be true or false, got ${show(allowPublicAccess)}`);
    }
    const publicAllowed = allowPublicAccess === true;

    const bindAddress = orDefault(given("bindAddress"), DEFAULTS.bindAddress) as string;
    push(problems, checkIpv4(key("bindAddress"), bindAddress) ?? bindAddressExposureProblem(key("bindAddress"), bindAddress, publicAllowed));

    const allowedClientCidrs = parseCidrs(problems, raw.allowedClientCidrs, publicAllowed);

    const synchronousReplicas = orDefault(raw.synchronousReplicas, DEFAULTS.synchronousReplicas) as number;
    push(problems, checkInteger(key("synchronousReplicas"), synchronousReplicas, 0, safeReplicaCount));

    const dockerNetworkCidr = orDefault(given("dockerNetworkCidr"), DEFAULTS.dockerNetworkCidr) as string;
    dockerNetworkProblems(problems, dockerNetworkCidr, 1 + safeReplicaCount, publicAllowed);

    const knownVersion = versionProblem === undefined ? postgresVersion : undefined;
    const postgresImage = orDefault(given("postgresImage"), POSTGRES_IMAGES[postgresVersion] ?? "") as string;
    if (given("postgresImage") !== undefined || knownVersion !== undefined) push(problems, postgresImageProblem(postgresImage, knownVersion));

    const nodeSizing = parseNodeSizing(problems, raw.nodeSizing);
    const frontSizing = parseFrontSizing(problems, raw.frontSizing);
    const ports = parsePorts(problems, raw.ports, replicaProblem === undefined ? replicaCount : undefined);
    const pool = parsePool(problems, raw.pool);
    problems.push(...poolBudgetProblems(pool, nodeSizing, frontSizing));
    const ec2 = onEc2 ? parseEc2Settings(problems, raw.ec2, nodeSizing, frontSizing, publicAllowed, region) : undefined;
    const backup = parseBackupSettings(problems, raw.backup);
    return {
        platform,
        replicaCount: safeReplicaCount,
        postgresVersion,
        databaseName,
        appUser,
        bindAddress,
        ports,
        allowedClientCidrs,
        allowPublicAccess: publicAllowed,
        synchronousReplicas,
        nodeSizing,
        frontSizing,
        pool,
        dockerNetworkCidr,
        postgresImage,
        ec2,
        backup,
    };
}

/**
 * Turns the project's raw keys (`pg-ha:` stripped) into a validated {@link ClusterConfig},
 * applying every default. Throws a {@link ConfigError} listing all problems before any resource
 * exists. Without the providers' keys it cannot check aws:region: stacks go through
 * {@link parseStackConfig}.
 */
export function parseClusterConfig(raw: RawConfig): ClusterConfig {
    const problems: string[] = [];
    const config = collectClusterConfig(problems, raw, {});
    if (problems.length > 0) throw new ConfigError(problems);
    return config;
}

/**
 * The one entry point for a stack's whole namespaced config (Pulumi's allConfig(), a stack
 * file's `config:`): every key must be the project's or a used provider's, the providers' keys
 * must fit the platform, aws:region is required on ec2 (and holds the zones), and then every
 * project key is checked. Throws a {@link ConfigError} listing all problems.
 */
export function parseStackConfig(all: Readonly<Record<string, unknown>>): ClusterConfig {
    const problems: string[] = [];
    const { project, providers } = splitNamespaces(problems, all);
    const config = collectClusterConfig(problems, project, { providers });
    if (problems.length > 0) throw new ConfigError(problems);
    return config;
}
