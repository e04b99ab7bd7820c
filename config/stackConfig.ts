import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig } from "./load";
import { ClusterConfig } from "./types";

/** Reads the selected stack's whole configuration once, through Pulumi, and validates it. */
export function readStackConfig(): ClusterConfig {
    return parseStackConfig(pulumi.runtime.allConfig());
}
