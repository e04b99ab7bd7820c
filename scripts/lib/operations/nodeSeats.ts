import * as path from "path";
import { SSMClient } from "@aws-sdk/client-ssm";
import Docker from "dockerode";
import { PGPOOL_SERVICE } from "../../../config";
import { loadStackFile } from "../../../config/stackFile";
import { dockerAddressing } from "../../../components/platforms/docker/addressing";
import { dockerNamePrefix } from "../../../components/platforms/docker/layout";
import { dockerHostAccess } from "../../../components/platforms/hostAccess";
import { planCluster } from "../../../components/plan";
import { HostAccess, StackOutputs, SWITCHOVER_SCRIPT } from "../../../components/render";
import { readPulumiOutputs } from "../verify/outputsSource";
import { dockerContainer, HostShell } from "./hostShell";
import { ssmInstance } from "./ssmShell";

/** A PostgreSQL node of a deployed stack: where its commands run, and its config folder there. */
export interface NodeSeat {
    readonly name: string;
    readonly host: HostShell;
    readonly configDir: string;
}

/** Where the switchover script runs on a stack: the pgpool host, and the script's path there. */
export interface SwitchoverSeat {
    readonly host: HostShell;
    readonly script: string;
}

/** How operations reach the hosts of a deployed stack. */
export interface StackReach {
    readonly access: HostAccess;
    /** The host that runs `service` (a node, pgpool), as the services' user. */
    shellFor(service: string): HostShell;
}

/** The engine and SSM clients a reach uses; made with their defaults when not given. */
export interface ReachClients {
    docker?: Docker;
    ssm?: SSMClient;
}

/**
 * The hosts named by a stack's `hostAccess` output: containers of the local Docker engine through
 * its API, or EC2 instances through SSM Run Command in the output's region, with the AWS
 * credentials of the environment.
 */
export function reachOf(access: HostAccess, clients: ReachClients = {}): StackReach {
    return {
        access,
        shellFor: (service) => {
            const host = access.services[service];
            if (host === undefined) throw new Error(`the stack's hostAccess output names no ${service}`);
            if ("container" in host) return dockerContainer(clients.docker ??= new Docker(), host.container, access.serviceUser);
            return ssmInstance(clients.ssm ??= new SSMClient({ region: access.region }), host.instanceId, host.host, access.serviceUser);
        },
    };
}

/**
 * The hosts of the stack `stack`: a dev stack's containers from its Pulumi.<stack>.yaml alone (no
 * Pulumi CLI needed); any other stack's from its hostAccess output (pulumi stack output).
 */
export function stackReach(stack: string): StackReach {
    const config = loadStackFile(stack);
    if (config.platform === "docker") return reachOf(dockerHostAccess(planCluster(config, dockerAddressing(config)), dockerNamePrefix(stack)));
    return outputsReach(readPulumiOutputs(stack), `the outputs of --stack ${stack}`);
}

/** The hosts of a deployed stack from its saved outputs (`pulumi stack output --json --show-secrets`). */
export function outputsReach(outputs: StackOutputs, source: string): StackReach {
    if (outputs.hostAccess === undefined) throw new Error(`${source} have no hostAccess (a stack deployed by an older version of this program): run pulumi up once`);
    return reachOf(outputs.hostAccess);
}

/** Every PostgreSQL node of a deployed stack and its config folder. */
export function nodeSeatsOf(reach: StackReach): NodeSeat[] {
    return reach.access.nodes.map((name) => ({ name, host: reach.shellFor(name), configDir: reach.access.services[name]!.configDir }));
}

/** pgpool's host of a deployed stack and the switchover script there. */
export function switchoverSeatOf(reach: StackReach): SwitchoverSeat {
    return { host: reach.shellFor(PGPOOL_SERVICE), script: path.posix.join(reach.access.services[PGPOOL_SERVICE]!.configDir, SWITCHOVER_SCRIPT) };
}
