import { CONFIG_NAMESPACE } from "./defaults";
import { PlatformName } from "./types";

/** The keys of the project's namespace (`pg-ha:<key>`). */
export const PROJECT_KEYS = [
    "platform", "replicas", "postgresVersion", "databaseName", "appUser", "bindAddress", "ports",
    "allowedClientCidrs", "allowPublicAccess", "synchronousReplicas", "nodeSizing", "frontSizing",
    "pool", "dockerNetworkCidr", "postgresImage", "ec2", "backup",
] as const;

/** Project keys that only one platform reads; on the other a value would be silently ignored. */
export const PLATFORM_ONLY_KEYS: Readonly<Partial<Record<string, PlatformName>>> = {
    bindAddress: "docker",
    dockerNetworkCidr: "docker",
    postgresImage: "docker",
    ec2: "ec2",
};

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
 * `pg-ha:pg-ha.replicas` all mean `pg-ha:replicas`.
 */
export function suggestedProjectKey(name: string): string | undefined {
    const parts = name.split(/[.:]/);
    const start = parts.findIndex((part) => (PROJECT_KEYS as readonly string[]).includes(part));
    return start < 0 ? undefined : `${CONFIG_NAMESPACE}:${parts.slice(start).join(".")}`;
}
