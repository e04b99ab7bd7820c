import * as pulumi from "@pulumi/pulumi";
import { DeployedService } from "../platforms/platform";
import { deployPostgresNode, PostgresNodeArgs } from "./postgresNode";

/** The node that starts as primary: initialises the cluster and creates roles and database. */
export class PostgresPrimary extends pulumi.ComponentResource {
    public readonly service: DeployedService;

    constructor(name: string, args: PostgresNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pg-ha:postgres:Primary", name, {}, opts);
        if (args.node.index !== 0) throw new Error(`the primary must be node 0 of the topology, got ${args.node.name}`);
        this.service = deployPostgresNode(name, this, args);
        this.registerOutputs({});
    }
}
