import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { PostgresEndpoint } from "../../config";
import { renderPostgresNodeFiles } from "../render";
import { DeployedService, ServiceSpec } from "../platforms/platform";
import { RenderedServiceArgs, renderSecretFiles } from "../platforms/serviceArgs";

export interface PostgresNodeArgs extends RenderedServiceArgs {
    /** This node in the topology (index 0 starts as the primary). */
    readonly node: PostgresEndpoint;
}

/** The service a PostgreSQL node runs: its rendered files, port, budget and data volume. */
export function postgresServiceSpec(args: PostgresNodeArgs): ServiceSpec {
    const { context, node } = args;
    const paths = context.layout.postgres(node.name);
    const files = renderSecretFiles(args, (renderContext, passwords, tls) => renderPostgresNodeFiles(renderContext, node, passwords, tls));
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
        stopSignal: "SIGINT",
    };
}

/** Deploys a node for a component and returns what dependents wait for. */
export function deployPostgresNode(name: string, component: pulumi.ComponentResource, args: PostgresNodeArgs): DeployedService {
    return args.platform.deploy(name, postgresServiceSpec(args), component, args.after ?? []);
}
