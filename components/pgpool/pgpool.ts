import * as pulumi from "@pulumi/pulumi";
import { PGPOOL_SERVICE, splitFrontBudget } from "../../config";
import { DeployedService } from "../platforms/platform";
import { RenderedServiceArgs, renderSecretFiles } from "../platforms/serviceArgs";
import { renderPgpoolFiles } from "../render";

/** Pgpool-II in front of the cluster: pooling, read/write split, load balancing, health checks. */
export class Pgpool extends pulumi.ComponentResource {
    public readonly service: DeployedService;

    constructor(name: string, args: RenderedServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pg-ha:pgpool:Pgpool", name, {}, opts);
        const { context } = args;
        const budget = splitFrontBudget(context.config.frontSizing).pgpool;
        this.service = args.platform.deploy(name, {
            name: PGPOOL_SERVICE,
            kind: "pgpool",
            files: renderSecretFiles(args, renderPgpoolFiles),
            configDir: context.layout.pgpool().configDir,
            ports: [{ port: context.topology.pgpool.port, published: true }, { port: context.topology.pgpool.pcpPort, published: false }],
            cpus: budget.cpus,
            memoryMb: budget.memoryMb,
            healthCheck: ["pg_isready", "-q", "-h", "127.0.0.1", "-p", String(context.topology.pgpool.port)],
            stopSignal: "SIGINT",
        }, this, args.after ?? []);
        this.registerOutputs({});
    }
}
