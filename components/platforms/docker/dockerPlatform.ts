import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, dockerSettingsOf, PINNED_DEBIAN_VERSIONS, postgresClientPackage } from "../../../config";
import { PROJECT_ROOT } from "../../../config/projectRoot";
import { ClusterPlan, PlannedHost, ServiceKind } from "../../plan";
import { BackupRepository, START_SCRIPT } from "../../render";
import { HostMember, Platform } from "../platform";
import { DOCKER_BACKUP_REPOSITORY } from "./layout";

export interface DockerPlatformArgs {
    /** The cluster's plan: image, network CIDR and bind address come from its config. */
    readonly plan: ClusterPlan;
    /** Prefix of container names. Defaults to "pg-ha-<stack>". */
    readonly containerPrefix?: string;
    /** /dev/shm of PostgreSQL containers in MB (parallel queries use it). Defaults to 256. */
    readonly postgresShmSizeMb?: number;
}

/** Where each image's Dockerfile is; it names no version: every one comes from {@link imageBuildArgs}. */
export const IMAGE_CONTEXTS: Readonly<Record<ServiceKind, string>> = {
    postgres: "components/platforms/docker/images/postgres",
    pgpool: "components/platforms/docker/images/pgpool",
    exporter: "components/platforms/docker/images/exporter",
};

/** The build arguments of each image: every package and version from config/packages.ts. */
export function imageBuildArgs(kind: ServiceKind, config: ClusterConfig): Record<string, string> {
    switch (kind) {
        case "postgres":
            return { POSTGRES_IMAGE: dockerSettingsOf(config).postgresImage, PGBACKREST_VERSION: PINNED_DEBIAN_VERSIONS.pgbackrest };
        case "pgpool":
            return { PGPOOL_VERSION: PINNED_DEBIAN_VERSIONS.pgpool2, POSTGRES_CLIENT_PACKAGE: postgresClientPackage(config.postgresVersion) };
        case "exporter":
            return { EXPORTER_VERSION: PINNED_DEBIAN_VERSIONS["prometheus-postgres-exporter"] };
    }
}

/** A tag from a version: Docker tags take [A-Za-z0-9_.-] only. */
function tagOf(text: string): string {
    return text.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 128);
}

/** Local names of the built images, tagged with what they were built from. */
export function builtImageName(kind: ServiceKind, config: ClusterConfig): string {
    switch (kind) {
        case "postgres":
            return `pg-ha/postgres-pgbackrest:${tagOf(dockerSettingsOf(config).postgresImage)}`;
        case "pgpool":
            return `pg-ha/pgpool:${tagOf(`${PINNED_DEBIAN_VERSIONS.pgpool2}-pg${config.postgresVersion}`)}`;
        case "exporter":
            return `pg-ha/postgres-exporter:${tagOf(PINNED_DEBIAN_VERSIONS["prometheus-postgres-exporter"])}`;
    }
}

function octalMode(mode: number): string {
    return `0${mode.toString(8)}`;
}

/**
 * The dev substrate: one Docker network with a fixed subnet, a container per service of the plan
 * reachable by its service name, data in named volumes, ports published on the bind address
 * (every port but those for its own host only). Backups go to a pgBackRest posix repository on
 * one named volume that every PostgreSQL container mounts, so whichever node is primary archives
 * into, and backs up to, the same place.
 */
export class DockerPlatform extends pulumi.ComponentResource implements Platform {
    public readonly network: docker.Network;
    public readonly backupRepository: pulumi.Output<BackupRepository>;
    /** The named volume holding the backup repository; it outlives no stack (destroyed with it). */
    public readonly backupVolume: docker.Volume;
    private readonly images: Readonly<Record<ServiceKind, docker.RemoteImage>>;
    private readonly config: ClusterConfig;
    private readonly containerPrefix: string;
    private readonly postgresShmSizeMb: number;

    constructor(name: string, args: DockerPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pg-ha:docker:DockerPlatform", name, {}, opts);
        const { config } = args.plan;
        this.config = config;
        this.containerPrefix = args.containerPrefix ?? `pg-ha-${pulumi.getStack()}`;
        this.postgresShmSizeMb = args.postgresShmSizeMb ?? 256;
        this.network = new docker.Network(`${name}-net`, {
            name: `${this.containerPrefix}-net`,
            driver: "bridge",
            ipamConfigs: [{ subnet: dockerSettingsOf(config).networkCidr }],
        }, { parent: this });
        this.backupVolume = new docker.Volume(`${name}-backups`, { name: `${this.containerPrefix}-backups` }, { parent: this });
        this.backupRepository = pulumi.output<BackupRepository>({ type: "posix", path: DOCKER_BACKUP_REPOSITORY });
        const built = (kind: ServiceKind) => {
            const context = path.join(PROJECT_ROOT, IMAGE_CONTEXTS[kind]);
            return new docker.RemoteImage(`${name}-${kind}-image`, {
                name: builtImageName(kind, config),
                build: { context, dockerfile: path.join(context, "Dockerfile"), buildArgs: imageBuildArgs(kind, config) },
                keepLocally: true,
            }, { parent: this });
        };
        this.images = { postgres: built("postgres"), pgpool: built("pgpool"), exporter: built("exporter") };
        this.registerOutputs({ networkName: this.network.name, backupVolumeName: this.backupVolume.name });
    }

    /** A container per member: the plan's hosts group services for EC2; here each service is a container of its own. */
    public deployHost(_host: PlannedHost, members: readonly HostMember[]): ReadonlyMap<string, readonly pulumi.Resource[]> {
        return new Map(members.map((member) => [member.service.name, [this.container(member)]]));
    }

    private container(member: HostMember): docker.Container {
        const { service, resourceName, parent } = member;
        const volume = service.data === undefined ? undefined : new docker.Volume(`${resourceName}-data`, {
            name: `${this.containerPrefix}-${service.name}-data`,
        }, { parent });
        const isPostgres = service.kind === "postgres";
        return new docker.Container(`${resourceName}-container`, {
            name: `${this.containerPrefix}-${service.name}`,
            hostname: service.name,
            image: this.images[service.kind].imageId,
            entrypoints: ["/bin/bash", `${service.configDir}/${START_SCRIPT}`],
            command: [],
            uploads: member.files.apply((files) => files.map((file) => ({
                file: `${service.configDir}/${file.name}`,
                content: file.content,
                permissions: octalMode(file.mode),
            }))),
            networksAdvanced: [{ name: this.network.name, aliases: [service.name] }],
            ports: service.ports.filter((port) => port.audience !== "host").map((port) => ({
                internal: port.port, external: port.port, ip: dockerSettingsOf(this.config).bindAddress, protocol: "tcp",
            })),
            volumes: [
                ...(volume === undefined || service.data === undefined ? [] : [{ volumeName: volume.name, containerPath: service.data.mountPath }]),
                ...(isPostgres ? [{ volumeName: this.backupVolume.name, containerPath: DOCKER_BACKUP_REPOSITORY }] : []),
            ],
            cpus: String(service.cpus),
            memory: service.memoryMb,
            memorySwap: service.memoryMb,
            shmSize: isPostgres ? this.postgresShmSizeMb : undefined,
            restart: "unless-stopped",
            stopSignal: service.stopSignal,
            stopTimeout: 60,
            healthcheck: {
                tests: ["CMD", ...service.healthCheck],
                interval: "5s",
                timeout: "3s",
                retries: 3,
                startPeriod: "300s",
                startInterval: "1s",
            },
            wait: true,
            waitTimeout: 360,
            logOpts: { "max-size": "10m", "max-file": "3" },
        }, { parent, dependsOn: [...member.dependsOn], deleteBeforeReplace: true });
    }
}
