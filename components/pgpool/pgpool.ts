import * as pulumi from "@pulumi/pulumi";
import { splitFrontBudget } from "../../config";
import { DeployedService, Platform } from "../platforms/platform";
import { ClusterPasswords, RenderContext, renderPgpoolFiles, TlsMaterial } from "../render";

export interface PgpoolArgs {
    /** Config, topology and host layout pgpool's files are rendered from. */
    readonly context: RenderContext;
    /** The cluster's passwords, secret (pool_passwd, pcp.conf). */
    readonly passwords: pulumi.Input<ClusterPasswords>;
    /** pgpool's CA, certificate and key, secret. */
    readonly tls: pulumi.Input<TlsMaterial>;
    /** Where pgpool runs. */
    readonly platform: Platform;
    /** Resources that must be up first: every PostgreSQL node. Defaults to none. */
    readonly after?: readonly pulumi.Resource[];
}

/** Pgpool-II in front of the cluster: pooling, read/write split, load balancing, health checks. */
export class Pgpool extends pulumi.ComponentResource {
    public readonly service: DeployedService;

    constructor(name: string, args: PgpoolArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pg-ha:pgpool:Pgpool", name, {}, opts);
        const { context } = args;
        const budget = splitFrontBudget(context.config.frontSizing).pgpool;
        const files = pulumi.secret(pulumi.all([args.passwords, args.tls]).apply(([passwords, tls]) => renderPgpoolFiles(context, passwords, tls)));
        this.service = args.platform.deploy(name, {
            name: "pgpool",
            kind: "pgpool",
            files,
            configDir: context.layout.pgpool().configDir,
            ports: [{ port: context.topology.pgpool.port, published: true }, { port: context.topology.pgpool.pcpPort, published: false }],
            cpus: budget.cpus,
            memoryMb: budget.memoryMb,
            healthCheck: ["pg_isready", "-q", "-h", "127.0.0.1", "-p", String(context.topology.pgpool.port)],
        }, this, args.after ?? []);
        this.registerOutputs({});
    }
}
