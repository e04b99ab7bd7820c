import * as pulumi from "@pulumi/pulumi";
import { ServiceComponent, ServiceComponentArgs } from "../platforms/serviceComponent";

/** Pgpool-II in front of the cluster: pooling, read/write split, load balancing, health checks, failover. */
export class Pgpool extends ServiceComponent {
    constructor(name: string, args: ServiceComponentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pg-ha:pgpool:Pgpool", name, args, ["pgpool"], opts);
    }
}
