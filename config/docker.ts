import { bindAddressExposureProblem, prefixOf, rangeExposureProblem } from "./addresses";
import { CONFIG_NAMESPACE, LIMITS } from "./defaults";
import { ClusterConfig, DockerSettings } from "./types";
import { checkCidr, checkIpv4, orDefault, show } from "./validators";

/** The defaults of `pg-ha:docker`. */
export const DOCKER_DEFAULTS = {
    bindAddress: "127.0.0.1",
    networkCidr: "172.28.40.0/24",
    baseImage: "debian:bookworm-slim",
} as const;

/** The fields of `pg-ha:docker`. */
export const DOCKER_FIELDS: readonly (keyof DockerSettings)[] = ["bindAddress", "networkCidr", "baseImage"];

/** [registry[:port]/]name[:tag][@sha256:digest] */
const REFERENCE = /^(?:[\w.-]+(?::\d+)?\/)?[\w./-]+(?::[\w.-]+)?(?:@sha256:[0-9a-f]{64})?$/;

/**
 * The base image: a reference whose tag names Debian bookworm (the images install bookworm's
 * packages, and pin their versions), from Docker Hub or a mirror of it.
 */
function baseImageProblem(image: unknown): string | undefined {
    if (typeof image !== "string" || !REFERENCE.test(image)) return `${key("baseImage")} must be an image reference such as ${DOCKER_DEFAULTS.baseImage}, got ${show(image)}`;
    const name = image.split("@")[0]!;
    const tag = name.slice(name.lastIndexOf("/") + 1).split(":")[1];
    if (tag === undefined || !tag.includes("bookworm")) {
        return `${key("baseImage")} must be a Debian bookworm image whose tag says so, such as ${DOCKER_DEFAULTS.baseImage} (the images install bookworm's packages at pinned versions), got ${show(image)}`;
    }
    return undefined;
}

/** `postgresImage`, top-level or in pg-ha:docker, is gone: the PostgreSQL image is built like the others. */
export function retiredPostgresImageProblem(name: string, value: unknown): string {
    return `${name} is no longer a setting: every image, PostgreSQL's included, is built from ${key("baseImage")} (default ${DOCKER_DEFAULTS.baseImage}) with the PostgreSQL packages of ${CONFIG_NAMESPACE}:postgresVersion; remove it, got ${show(value)}`;
}

const key = (field: string): string => `${CONFIG_NAMESPACE}:docker${field === "" ? "" : `.${field}`}`;

/** What the Docker settings are checked against: the rest of the configuration. */
export interface DockerContext {
    /** PostgreSQL nodes, primary and replicas: the network must hold them all. */
    readonly nodeCount: number;
    readonly allowPublicAccess: boolean;
}

/**
 * The cluster's Docker network: pg_hba trusts it, so private unless allowPublicAccess, and large
 * enough for every container, Docker's gateway, and the network and broadcast addresses.
 */
function networkProblems(problems: string[], cidr: unknown, nodeCount: number, allowPublicAccess: boolean): void {
    const name = key("networkCidr");
    const problem = checkCidr(name, cidr);
    if (problem !== undefined) {
        problems.push(problem);
        return;
    }
    const exposure = rangeExposureProblem(name, cidr as string, "pg_hba", false, allowPublicAccess);
    if (exposure !== undefined) problems.push(exposure);
    const addresses = nodeCount + 2 + 1 + 2;
    const narrowest = 32 - Math.ceil(Math.log2(addresses));
    const prefix = prefixOf(cidr as string);
    if (prefix < LIMITS.dockerNetworkPrefix.min || prefix > narrowest) {
        problems.push(`${name} must be a /${LIMITS.dockerNetworkPrefix.min} to /${narrowest} block (${nodeCount} PostgreSQL nodes, pgpool, the exporter and Docker's gateway need ${addresses} addresses with the network and broadcast ones), got ${show(cidr)}`);
    }
}

/** The Docker settings (`pg-ha:docker`), validated and defaulted; problems go to `problems`. */
export function parseDockerSettings(problems: string[], raw: unknown, context: DockerContext): DockerSettings {
    const given = (typeof raw === "object" && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
    if (raw !== undefined && given !== raw) problems.push(`${key("")} must be an object, got ${show(raw)}`);
    for (const field of Object.keys(given)) {
        if (field === "postgresImage") problems.push(retiredPostgresImageProblem(key(field), given[field]));
        else if (!(DOCKER_FIELDS as readonly string[]).includes(field)) problems.push(`${key(field)} is not a known setting (known: ${DOCKER_FIELDS.join(", ")})`);
    }

    const bindAddress = orDefault(given.bindAddress, DOCKER_DEFAULTS.bindAddress);
    const bindProblem = checkIpv4(key("bindAddress"), bindAddress) ?? bindAddressExposureProblem(key("bindAddress"), bindAddress as string, context.allowPublicAccess);
    if (bindProblem !== undefined) problems.push(bindProblem);

    const networkCidr = orDefault(given.networkCidr, DOCKER_DEFAULTS.networkCidr);
    networkProblems(problems, networkCidr, context.nodeCount, context.allowPublicAccess);

    const baseImage = orDefault(given.baseImage, DOCKER_DEFAULTS.baseImage);
    const imageProblem = baseImageProblem(baseImage);
    if (imageProblem !== undefined) problems.push(imageProblem);
    return { bindAddress, networkCidr, baseImage } as DockerSettings;
}

/** The Docker settings of a config on platform docker (the loader sets them there and nowhere else). */
export function dockerSettingsOf(config: ClusterConfig): DockerSettings {
    if (config.docker === undefined) throw new Error(`the docker platform needs the ${key("")} settings, but this config is for platform ${show(config.platform)}`);
    return config.docker;
}
