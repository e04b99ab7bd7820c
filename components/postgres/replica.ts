import * as pulumi from "@pulumi/pulumi";
import { ServiceComponent, ServiceComponentArgs } from "../platforms/serviceComponent";

/** A streaming replica: cloned from the primary with pg_basebackup into its own slot. */
export class PostgresReplica extends ServiceComponent {
    constructor(name: string, args: ServiceComponentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pg-ha:postgres:Replica", name, args, ["replica"], opts);
    }
}
