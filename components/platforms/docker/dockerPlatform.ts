import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, dockerSettingsOf, imagePackages } from "../../../config";
import { PROJECT_ROOT } from "../../../config/projectRoot";
import { ClusterPlan, PlannedHost, ServiceKind } from "../../plan";
import { BackupRepository, HostAccess, START_SCRIPT } from "../../render";
import { dockerHostAccess } from "../hostAccess";
import { HostMember, Platform } from "../platform";
import { DOCKER_BACKUP_REPOSITORY, dockerNamePrefix } from "./layout";
import { IMAGES_DOCKERFILE, INSTALL_SCRIPT, PACKAGES_FOLDER, PGDG_KEY } from "../../packages";

export interface DockerPlatformArgs {
    /** The cluster's plan: image, network CIDR and bind address come from its config. */
    readonly plan: ClusterPlan;
    /** Prefix of container names. Defaults to "pg-ha-<stack>". */
    readonly containerPrefix?: string;
    /** /dev/shm of PostgreSQL containers in MB (parallel queries use it). Defaults to 256. */
    readonly postgresShmSizeMb?: number;
}

/** The build arguments of an image: the base image, and every package with its pin from config/packages.ts. */
export function imageBuildArgs(kind: ServiceKind, config: ClusterConfig): Record<string, string> {
    return { BASE_IMAGE: dockerSettingsOf(config).baseImage, PACKAGES: imagePackages(kind, config.postgresVersion).join(" ") };
}

/**
 * Local name of a built image: its kind, the PostgreSQL major, and a digest of what it is built
 * from (base image, packages and pins, Dockerfile and install script), so a change builds a new
 * tag and an unchanged one reuses the image.
 */
export function builtImageName(kind: ServiceKind, config: ClusterConfig): string {
    const context = path.join(PROJECT_ROOT, PACKAGES_FOLDER);
    const digest = createHash("sha256").update(JSON.stringify(imageBuildArgs(kind, config)));
    for (const file of [IMAGES_DOCKERFILE, INSTALL_SCRIPT, PGDG_KEY]) digest.update(fs.readFileSync(path.join(context, file)));
    return `pg-ha/${kind}:pg${config.postgresVersion}-${digest.digest("hex").slice(0, 12)}`;
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
    private readonly plan: ClusterPlan;
    private readonly containerPrefix: string;
    private readonly postgresShmSizeMb: number;

    constructor(name: string, args: DockerPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pg-ha:docker:DockerPlatform", name, {}, opts);
        const { config } = args.plan;
        this.config = config;
        this.plan = args.plan;
        this.containerPrefix = args.containerPrefix ?? dockerNamePrefix(pulumi.getStack());
        this.postgresShmSizeMb = args.postgresShmSizeMb ?? 256;
        this.network = new docker.Network(`${name}-net`, {
            name: `${this.containerPrefix}-net`,
            driver: "bridge",
            ipamConfigs: [{ subnet: dockerSettingsOf(config).networkCidr }],
        }, { parent: this });
        this.backupVolume = new docker.Volume(`${name}-backups`, { name: `${this.containerPrefix}-backups` }, { parent: this });
        this.backupRepository = pulumi.output<BackupRepository>({ type: "posix", path: DOCKER_BACKUP_REPOSITORY });
        const context = path.join(PROJECT_ROOT, PACKAGES_FOLDER);
        const built = (kind: ServiceKind) => {
            return new docker.RemoteImage(`${name}-${kind}-image`, {
                name: builtImageName(kind, config),
                build: { context, dockerfile: path.join(context, IMAGES_DOCKERFILE), target: kind, buildArgs: imageBuildArgs(kind, config) },
                keepLocally: true,
            }, { parent: this });
        };
        this.images = { postgres: built("postgres"), pgpool: built("pgpool"), exporter: built("exporter"), monitor: built("monitor"), "node-exporter": built("node-exporter") };
        this.registerOutputs({ networkName: this.network.name, backupVolumeName: this.backupVolume.name });
    }

    public hostAccess(): pulumi.Output<HostAccess> {
        return pulumi.output(dockerHostAccess(this.plan, this.containerPrefix));
    }

    /**
     * A container per member: the plan's hosts group services for EC2; here each service is a
     * container of its own, and a member that observes another's data volume mounts it read-only.
     */
    public deployHost(_host: PlannedHost, members: readonly HostMember[]): ReadonlyMap<string, readonly pulumi.Resource[]> {
        const volumes = new Map(members.filter((member) => member.service.data !== undefined).map((member) => [member.service.name, new docker.Volume(`${member.resourceName}-data`, {
            name: `${this.containerPrefix}-${member.service.name}-data`,
        }, { parent: member.parent })]));
        // An observer starts after the service whose volume it mounts: the first container to mount
        // a new named volume gives it its image's owner and mode, which must be PostgreSQL's.
        const containers = new Map<string, docker.Container>();
        for (const member of [...members].sort((a, b) => Number(a.service.observes !== undefined) - Number(b.service.observes !== undefined))) {
            const observed = member.service.observes === undefined ? undefined : containers.get(member.service.observes.service);
            containers.set(member.service.name, this.container(member, volumes, observed === undefined ? [] : [observed]));
        }
        return new Map(members.map((member) => [member.service.name, [containers.get(member.service.name)!]]));
    }

    private container(member: HostMember, volumes: ReadonlyMap<string, docker.Volume>, after: readonly docker.Container[]): docker.Container {
        const { service, resourceName, parent } = member;
        const volume = volumes.get(service.name);
        const observed = service.observes === undefined ? undefined : volumes.get(service.observes.service);
        if (service.observes !== undefined && observed === undefined) throw new Error(`${service.name} observes ${service.observes.service}, which has no data volume on its host`);
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
                ...(observed === undefined || service.observes === undefined ? [] : [{ volumeName: observed.name, containerPath: service.observes.mountPath, readOnly: true }]),
            ],
            cpus: String(service.cpus),
            memory: service.memoryMb,
            memorySwap: service.memoryMb,
            shmSize: isPostgres ? this.postgresShmSizeMb : undefined,
            // Docker's init as PID 1, the server its child: a signal from inside the container
            // reaches the server (PID 1 ignores SIGKILL sent from its own namespace), and a crash
            // of the server ends the container, which its restart policy starts again.
            init: isPostgres ? true : undefined,
            restart: "unless-stopped",
            stopSignal: service.stopSignal,
            stopTimeout: 60,
            // No start interval: engines before API 1.44 (Debian 12's docker.io is 1.41) refuse it.
            healthcheck: {
                tests: ["CMD", ...service.healthCheck],
                interval: "2s",
                timeout: "3s",
                retries: 3,
                startPeriod: "300s",
            },
            wait: true,
            waitTimeout: 360,
            logOpts: { "max-size": "10m", "max-file": "3" },
        }, { parent, dependsOn: [...member.dependsOn, ...after], deleteBeforeReplace: true });
    }
}
