import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { PostgresEndpoint } from "../../config";
import { ClusterPasswords, RenderContext, renderPostgresNodeFiles, TlsMaterial } from "../render";
import { DeployedService, Platform, ServiceSpec } from "../platforms/platform";

export interface PostgresNodeArgs {
    /** Config, topology and host layout the node's files are rendered from. */
    readonly context: RenderContext;
    /** This node in the topology (index 0 starts as the primary). */
    readonly node: PostgresEndpoint;
    /** The cluster's passwords, secret. */
    readonly passwords: pulumi.Input<ClusterPasswords>;
    /** The node's CA, certificate and key, secret. */
    readonly tls: pulumi.Input<TlsMaterial>;
    /** Where the node runs. */
    readonly platform: Platform;
    /** Resources that must be up first (replicas wait for the primary). Defaults to none. */
    readonly after?: readonly pulumi.Resource[];
}

/** The service a PostgreSQL node runs: its rendered files, port, budget and data volume. */
export function postgresServiceSpec(args: PostgresNodeArgs): ServiceSpec {
    const { context, node } = args;
    const paths = context.layout.postgres(node.name);
    const files = pulumi.secret(pulumi.all([args.passwords, args.tls]).apply(([passwords, tls]) => renderPostgresNodeFiles(context, node, passwords, tls)));
    return {
        name: node.name,
        kind: "postgres",
        files,
        configDir: paths.configDir,
        ports: [{ port: node.port, published: true }],
        cpus: context.config.nodeSizing.cpus,
        memoryMb: context.config.nodeSizing.memoryMb,
        data: { mountPath: path.posix.dirname(paths.dataDir), sizeGb: context.config.nodeSizing.diskGb },
        healthCheck: [`${paths.binDir}/pg_isready`, "-q", "-h", "127.0.0.1", "-p", String(node.port)],
    };
}

/** Deploys a node for a component and returns what dependents wait for. */
export function deployPostgresNode(name: string, component: pulumi.ComponentResource, args: PostgresNodeArgs): DeployedService {
    return args.platform.deploy(name, postgresServiceSpec(args), component, args.after ?? []);
}
