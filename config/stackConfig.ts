import * as pulumi from "@pulumi/pulumi";
import { parseClusterConfig, projectKeys } from "./load";
import { ClusterConfig } from "./types";

/** Reads the selected stack's configuration once, through Pulumi, and validates it. */
export function readStackConfig(): ClusterConfig {
    return parseClusterConfig(projectKeys(pulumi.runtime.allConfig()));
}
