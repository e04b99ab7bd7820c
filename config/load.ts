import { rangeExposureProblem } from "./addresses";
import { parseBackupSettings } from "./backup";
import { CONFIG_NAMESPACE, DEFAULTS, LIMITS, SUPPORTED_POSTGRES_VERSIONS } from "./defaults";
import { DOCKER_FIELDS, parseDockerSettings, retiredPostgresImageProblem } from "./docker";
import { parseAwsRegion, parseEc2Settings, REGION_KEY } from "./ec2";
import { movedKey, PLATFORM_ONLY_KEYS, PROJECT_KEYS, PROVIDER_PLATFORMS, suggestedProjectKey } from "./keys";
import { parseMonitoringSettings } from "./monitoring";
import { RawConfig, splitNamespaces } from "./namespaces";
import { poolBudgetProblems } from "./poolBudget";
import { parsePorts } from "./ports";
import { ROLE_NAMES } from "./roles";
import { ClusterConfig, DurabilitySettings, FrontSizing, NodeSizing, PlatformName, PoolSettings } from "./types";
import {
    checkCidr, checkIdentifier, checkInteger, checkNumber, checkOneOf, checkUnique, orDefault, show,
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

/**
 * A settings object of the project's namespace: its fields are those of `defaults` (others are
 * refused) and a field not given takes its default. Values are checked by the caller.
 */
function settingsObject<T>(problems: string[], name: string, raw: unknown, defaults: Readonly<Record<string, unknown>>): T {
    const given = objectOrEmpty(problems, name, raw);
    rejectUnknownFields(problems, name, given, Object.keys(defaults));
    return Object.fromEntries(Object.entries(defaults).map(([field, fallback]) => [field, orDefault(given[field], fallback)])) as T;
}

function parseNodeSizing(problems: string[], raw: unknown): NodeSizing {
    const sizing = settingsObject<NodeSizing>(problems, "nodeSizing", raw, DEFAULTS.nodeSizing);
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
    const sizing = settingsObject<FrontSizing>(problems, "frontSizing", raw, DEFAULTS.frontSizing);
    push(problems, checkNumber(`${key("frontSizing")}.cpus`, sizing.cpus, LIMITS.cpus.min, LIMITS.cpus.max));
    push(problems, checkInteger(`${key("frontSizing")}.memoryMb`, sizing.memoryMb, LIMITS.frontMemoryMb.min, 1024 * 1024));
    return sizing;
}

function parsePool(problems: string[], raw: unknown): PoolSettings {
    const pool = settingsObject<PoolSettings>(problems, "pool", raw, DEFAULTS.pool);
    push(problems, checkInteger(`${key("pool")}.numInitChildren`, pool.numInitChildren, LIMITS.numInitChildren.min, LIMITS.numInitChildren.max));
    push(problems, checkInteger(`${key("pool")}.maxPool`, pool.maxPool, LIMITS.maxPool.min, LIMITS.maxPool.max));
    push(problems, checkInteger(`${key("pool")}.childLifeTimeSeconds`, pool.childLifeTimeSeconds, 0, 86400));
    return pool;
}

function parseDurability(problems: string[], raw: unknown): DurabilitySettings {
    const durability = settingsObject<DurabilitySettings>(problems, "durability", raw, DEFAULTS.durability);
    push(problems, checkOneOf(`${key("durability")}.mode`, durability.mode, ["required", "preferred"]));
    push(problems, checkInteger(`${key("durability")}.waitSeconds`, durability.waitSeconds, 5, 3600));
    return durability;
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
 * A key the project does not read: one that moved names its new place (on a platform that does
 * not read that place either, it must go); a settings object's field given as a key of its own
 * (`pulumi config set` without `--path`) says how to set it; any other may be a typo.
 */
function unknownKeyProblem(name: string, value: unknown, platform: unknown, platformKnown: boolean): string {
    if (name === "postgresImage") return retiredPostgresImageProblem(key(name), value);
    const moved = movedKey(name);
    if (moved !== undefined) {
        const only = PLATFORM_ONLY_KEYS[moved.split(".")[0]!];
        if (platformKnown && only !== undefined && only !== platform) {
            return `${key(name)} moved to ${key(moved)}, which applies to platform ${show(only)} only; ${key("platform")} is ${show(platform)}: remove it, got ${show(value)}`;
        }
        const object = key(moved.split(".")[0]!);
        return `${key(name)} moved to ${key(moved)} (a field of the ${object} object: pulumi config set --path ${key(moved)} VALUE), got ${show(value)}`;
    }
    const suggestion = suggestedProjectKey(name);
    if (suggestion === key(name) && name.includes(".")) {
        const object = key(name.split(".")[0]!);
        return `${key(name)} is a field of ${object}, not a key of its own: set it with pulumi config set --path ${key(name)} VALUE (in the stack file, nest it under ${object}), got ${show(value)}`;
    }
    return `${key(name)} is not a known setting (known: ${PROJECT_KEYS.join(", ")})${suggestion === undefined ? "" : `; did you mean ${suggestion}?`}`;
}

/**
 * A key in the Docker provider's namespace named like a field of `pg-ha:docker` (or one that moved
 * there): the provider has no such setting, so it would be ignored while the cluster's default holds.
 */
function dockerProviderMixUp(name: string, value: unknown): string | undefined {
    const field = name.startsWith("docker:") ? name.slice("docker:".length) : undefined;
    if (field === undefined) return undefined;
    const place = (DOCKER_FIELDS as readonly string[]).includes(field) ? `docker.${field}` : movedKey(field);
    if (place === undefined || !place.startsWith("docker.")) return undefined;
    return `${name} is in the Docker provider's namespace, which has no such setting; the cluster's Docker settings are fields of ${key("docker")} (${key(place)}), got ${show(value)}`;
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
    const platform = orDefault(raw.platform, DEFAULTS.platform) as PlatformName;
    const platformProblem = checkOneOf(key("platform"), platform, ["docker", "ec2"]);
    const platformKnown = platformProblem === undefined;
    const onEc2 = platform === "ec2";
    for (const name of Object.keys(raw)) {
        if (!(PROJECT_KEYS as readonly string[]).includes(name)) problems.push(unknownKeyProblem(name, raw[name], platform, platformKnown));
    }
    push(problems, platformProblem);

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
            const mixUp = dockerProviderMixUp(name, value);
            if (mixUp !== undefined) {
                problems.push(mixUp);
            } else if (!platforms.includes(platform)) {
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
    const supportedVersions = SUPPORTED_POSTGRES_VERSIONS;
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

    const allowedClientCidrs = parseCidrs(problems, raw.allowedClientCidrs, publicAllowed);

    const synchronousReplicas = orDefault(raw.synchronousReplicas, DEFAULTS.synchronousReplicas) as number;
    push(problems, checkInteger(key("synchronousReplicas"), synchronousReplicas, 0, safeReplicaCount));
    const durability = parseDurability(problems, raw.durability);

    const nodeSizing = parseNodeSizing(problems, raw.nodeSizing);
    const frontSizing = parseFrontSizing(problems, raw.frontSizing);
    const ports = parsePorts(problems, raw.ports, replicaProblem === undefined ? replicaCount : undefined);
    const pool = parsePool(problems, raw.pool);
    problems.push(...poolBudgetProblems(pool, nodeSizing, frontSizing));
    // Only the platform's own settings are parsed: the other's were refused above, not ignored.
    const docker = onEc2 ? undefined : parseDockerSettings(problems, given("docker"), {
        nodeCount: 1 + safeReplicaCount,
        allowPublicAccess: publicAllowed,
    });
    const ec2 = onEc2 ? parseEc2Settings(problems, given("ec2"), nodeSizing, frontSizing, publicAllowed, region) : undefined;
    const backup = parseBackupSettings(problems, raw.backup);
    const monitoring = parseMonitoringSettings(problems, raw.monitoring);
    return {
        platform,
        replicaCount: safeReplicaCount,
        postgresVersion,
        databaseName,
        appUser,
        ports,
        allowedClientCidrs,
        allowPublicAccess: publicAllowed,
        synchronousReplicas,
        durability,
        nodeSizing,
        frontSizing,
        pool,
        docker,
        ec2,
        backup,
        monitoring,
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
