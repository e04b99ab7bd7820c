import { CONFIG_NAMESPACE } from "./defaults";
import { PlatformName } from "./types";

/** The keys of the project's namespace (`pg-ha:<key>`). */
export const PROJECT_KEYS = [
    "platform", "replicas", "postgresVersion", "databaseName", "appUser", "ports",
    "allowedClientCidrs", "allowPublicAccess", "synchronousReplicas", "durability", "nodeSizing", "frontSizing",
    "pool", "docker", "ec2", "backup", "monitoring",
] as const;

/** Project keys that only one platform reads; on the other a value would be silently ignored. */
export const PLATFORM_ONLY_KEYS: Readonly<Partial<Record<string, PlatformName>>> = {
    docker: "docker",
    ec2: "ec2",
};

/**
 * Keys that used to be top-level and now live in a settings object, with their new place (a path
 * under the project's namespace). An old stack file is refused, naming it, not silently ignored.
 */
export const MOVED_KEYS: Readonly<Partial<Record<string, string>>> = {
    bindAddress: "docker.bindAddress",
    dockerNetworkCidr: "docker.networkCidr",
};

/** The new place of a key that moved (`bindAddress` -> `docker.bindAddress`), if it did. */
export function movedKey(name: string): string | undefined {
    return Object.prototype.hasOwnProperty.call(MOVED_KEYS, name) ? MOVED_KEYS[name] : undefined;
}

/** The providers the program uses (their config lives in their own namespace), and where. */
export const PROVIDER_PLATFORMS: Readonly<Record<string, readonly PlatformName[]>> = {
    aws: ["ec2"],
    docker: ["docker"],
    random: ["docker", "ec2"],
    tls: ["docker", "ec2"],
};

/** Every namespace a key may have: the project's, then the providers'. */
export const NAMESPACES: readonly string[] = [CONFIG_NAMESPACE, ...Object.keys(PROVIDER_PLATFORMS)];

/**
 * The project key a mistyped key most likely meant: `pgha:replicas`, `pg-ha.replicas` and
 * `pg-ha:pg-ha.replicas` all mean `pg-ha:replicas`; a key that moved is given its new place
 * (`pgha:bindAddress` means `pg-ha:docker.bindAddress`).
 */
export function suggestedProjectKey(name: string): string | undefined {
    const parts = name.split(/[.:]/);
    const start = parts.findIndex((part) => (PROJECT_KEYS as readonly string[]).includes(part) || movedKey(part) !== undefined);
    if (start < 0) return undefined;
    const [first, ...rest] = parts.slice(start);
    return `${CONFIG_NAMESPACE}:${[movedKey(first!) ?? first, ...rest].join(".")}`;
}
