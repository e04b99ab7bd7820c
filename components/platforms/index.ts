import { ClusterConfig, CONFIG_NAMESPACE } from "../../config";
import { DockerPlatform } from "./docker";
import { Platform } from "./platform";

export * from "./platform";
export * from "./serviceArgs";
export * from "./docker";

/** The one place that maps `pg-ha:platform` to a substrate. */
export function createPlatform(config: ClusterConfig, name: string): Platform {
    switch (config.platform) {
        case "docker":
            return new DockerPlatform(`${name}-docker`, { config });
        case "ec2":
            throw new Error(`${CONFIG_NAMESPACE}:platform "ec2" (the prod stack) is not built yet; deploy the dev stack (platform "docker") for now`);
    }
}
