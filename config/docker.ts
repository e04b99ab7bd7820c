import { bindAddressExposureProblem, prefixOf, rangeExposureProblem } from "./addresses";
import { CONFIG_NAMESPACE, LIMITS, POSTGRES_IMAGES } from "./defaults";
import { postgresImageProblem } from "./postgresImage";
import { ClusterConfig, DockerSettings } from "./types";
import { checkCidr, checkIpv4, orDefault, show } from "./validators";

/** The defaults of `pg-ha:docker`; the image's follows postgresVersion (POSTGRES_IMAGES). */
export const DOCKER_DEFAULTS = {
    bindAddress: "127.0.0.1",
    networkCidr: "172.28.40.0/24",
} as const;

/** The fields of `pg-ha:docker`. */
export const DOCKER_FIELDS: readonly (keyof DockerSettings)[] = ["bindAddress", "networkCidr", "postgresImage"];

const key = (field: string): string => `${CONFIG_NAMESPACE}:docker${field === "" ? "" : `.${field}`}`;

/** What the Docker settings are checked against: the rest of the configuration. */
export interface DockerContext {
    /** PostgreSQL nodes, primary and replicas: the network must hold them all. */
    readonly nodeCount: number;
    /** postgresVersion, which the image must match; undefined when postgresVersion is itself wrong. */
    readonly postgresVersion: number | undefined;
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
        if (!(DOCKER_FIELDS as readonly string[]).includes(field)) problems.push(`${key(field)} is not a known setting (known: ${DOCKER_FIELDS.join(", ")})`);
    }

    const bindAddress = orDefault(given.bindAddress, DOCKER_DEFAULTS.bindAddress);
    const bindProblem = checkIpv4(key("bindAddress"), bindAddress) ?? bindAddressExposureProblem(key("bindAddress"), bindAddress as string, context.allowPublicAccess);
    if (bindProblem !== undefined) problems.push(bindProblem);

    const networkCidr = orDefault(given.networkCidr, DOCKER_DEFAULTS.networkCidr);
    networkProblems(problems, networkCidr, context.nodeCount, context.allowPublicAccess);

    const version = context.postgresVersion;
    const postgresImage = orDefault(given.postgresImage, version === undefined ? "" : POSTGRES_IMAGES[version]);
    // With postgresVersion wrong there is no default to check; a given image is still checked.
    if (given.postgresImage !== undefined || version !== undefined) {
        const imageProblem = postgresImageProblem(postgresImage, version);
        if (imageProblem !== undefined) problems.push(imageProblem);
    }
    return { bindAddress, networkCidr, postgresImage } as DockerSettings;
}

/** The Docker settings of a config on platform docker (the loader sets them there and nowhere else). */
export function dockerSettingsOf(config: ClusterConfig): DockerSettings {
    if (config.docker === undefined) throw new Error(`the docker platform needs the ${key("")} settings, but this config is for platform ${show(config.platform)}`);
    return config.docker;
}
