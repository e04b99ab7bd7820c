import Docker from "dockerode";
import { ClusterConfig, CONFIG_NAMESPACE, dockerSettingsOf } from "../../../config";
import { dockerAddressing } from "../../../components/platforms/docker/addressing";
import { dockerContainerName } from "../../../components/platforms/docker/layout";
import { planCluster } from "../../../components/plan";
import { checkPortFree } from "../local/prerequisites";

/** The oldest engine API the dev stack is run on: Debian 12's docker.io (20.10). */
export const MINIMUM_DOCKER_API = 1.41;

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
    return Promise.race([work, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms).unref())]).catch((error: Error) => {
        throw new Error(`${what}: ${error.message}`);
    });
}

/** Where the client looks for the engine, in words. */
function engineAddress(): string {
    return process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
}

/**
 * What `pulumi up` of the dev stack needs from the Docker engine, checked before any resource
 * exists, each refusal one sentence naming the fix: an engine that answers, with API 1.41 or
 * later; the base image on it (no registry may be reachable); and every published host port free,
 * unless the stack's own container holds it (a re-deploy).
 */
export async function dockerPreflight(config: ClusterConfig, stack: string, docker = new Docker()): Promise<void> {
    const settings = dockerSettingsOf(config);
    const version = await withTimeout(docker.version(), 5000, `no Docker engine answers at ${engineAddress()}`).catch((error: Error) => {
        throw new Error(`${error.message.replace(/: (connect )?(ENOENT|ECONNREFUSED).*$/, " (nothing listens there)")}: start the Docker engine (systemctl start docker, or dockerd), then run this again`);
    });
    const api = Number(version.ApiVersion);
    if (!(api >= MINIMUM_DOCKER_API)) throw new Error(`the Docker engine at ${engineAddress()} speaks API ${version.ApiVersion} (Docker ${version.Version}); the dev stack needs API ${MINIMUM_DOCKER_API} (Docker 20.10) or later: upgrade Docker`);
    await docker.getImage(settings.baseImage).inspect().catch((error: { statusCode?: number; message: string }) => {
        if (error.statusCode !== 404) throw new Error(`cannot ask the Docker engine for image ${settings.baseImage}: ${error.message}`);
        throw new Error(`the base image ${settings.baseImage} (${CONFIG_NAMESPACE}:docker.baseImage) is not on the Docker engine: pull it (docker pull ${settings.baseImage}) or, where no registry is reachable, make it with scripts/docker-base-image.sh ${settings.baseImage}`);
    });
    const prefix = dockerContainerName(stack, "");
    const ours = new Set((await docker.listContainers()).filter((container) => container.Names.some((name) => name.startsWith(`/${prefix}`)))
        .flatMap((container) => container.Ports.map((port) => port.PublicPort)));
    const plan = planCluster(config, dockerAddressing(config));
    for (const service of plan.services) {
        for (const port of service.ports.filter((candidate) => candidate.audience !== "host" && !ours.has(candidate.port))) {
            await checkPortFree(port.port, `${service.name}, published by the dev stack`, settings.bindAddress, `free it, or give the stack other ports (pulumi config set --path ${CONFIG_NAMESPACE}:ports...)`);
        }
    }
}
