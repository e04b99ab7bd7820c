import * as pulumi from "@pulumi/pulumi";
import { DeployedService } from "../platforms/platform";
import { deployPostgresNode, PostgresNodeArgs } from "./postgresNode";

/** A streaming replica: cloned from the primary with pg_basebackup into its own slot. */
export class PostgresReplica extends pulumi.ComponentResource {
    public readonly service: DeployedService;

    constructor(name: string, args: PostgresNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pg-ha:postgres:Replica", name, {}, opts);
        if (args.node.index === 0) throw new Error(`a replica cannot be node 0 of the topology (${args.node.name} starts as primary)`);
        this.service = deployPostgresNode(name, this, args);
        this.registerOutputs({});
    }
}
