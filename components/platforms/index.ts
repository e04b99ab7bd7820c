import { ClusterConfig } from "../../config";
import { Addressing, ClusterPlan } from "../plan";
import { DockerPlatform, dockerAddressing } from "./docker";
import { Ec2Platform, ec2Addressing } from "./ec2";
import { Platform } from "./platform";

export * from "./platform";
export * from "./serviceComponent";
export * from "./docker";
export * from "./ec2";

/** Where `pg-ha:platform` puts services, before any resource exists (the plan is made from it). */
export function addressingFor(config: ClusterConfig): Addressing {
    switch (config.platform) {
        case "docker":
            return dockerAddressing(config);
        case "ec2":
            return ec2Addressing(config);
    }
}

/** The one place that maps `pg-ha:platform` to a substrate, which runs the plan. */
export function createPlatform(plan: ClusterPlan, name: string): Platform {
    switch (plan.config.platform) {
        case "docker":
            return new DockerPlatform(`${name}-docker`, { plan });
        case "ec2":
            return new Ec2Platform(`${name}-ec2`, { plan });
    }
}
