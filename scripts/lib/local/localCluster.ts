import { ClusterConfig, Topology } from "../../../config";
import { ClusterPlan } from "../../../components/plan";
import { RenderContext } from "../../../components/render";
import { UserIds } from "./prerequisites";
import { LocalRepositoryKind, LocalSecrets } from "./state";

/** A local cluster: its plan on this machine, where things are, and its secrets. */
export interface LocalCluster {
    readonly stateDir: string;
    readonly config: ClusterConfig;
    /** The cluster's one description, addressed to 127.0.0.1 and the state dir. */
    readonly plan: ClusterPlan;
    readonly topology: Topology;
    /** Renderer input with the run's backup repository. */
    readonly context: RenderContext;
    readonly secrets: LocalSecrets;
    readonly serviceUser: string;
    readonly owner: UserIds | undefined;
    readonly backupRepository: LocalRepositoryKind;
}
