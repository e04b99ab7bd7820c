import { ClusterConfig } from "../../config";
import { DockerPlatform } from "./docker";
import { Ec2Platform } from "./ec2";
import { Platform } from "./platform";

export * from "./platform";
export * from "./serviceArgs";
export * from "./docker";
export * from "./ec2";

/** The one place that maps `pg-ha:platform` to a substrate. */
export function createPlatform(config: ClusterConfig, name: string): Platform {
    switch (config.platform) {
        case "docker":
            return new DockerPlatform(`${name}-docker`, { config });
        case "ec2":
            return new Ec2Platform(`${name}-ec2`, { config });
    }
}
