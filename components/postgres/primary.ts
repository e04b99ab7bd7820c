import * as pulumi from "@pulumi/pulumi";
import { ServiceComponent, ServiceComponentArgs } from "../platforms/serviceComponent";

/** The node that starts as primary: initialises the cluster and creates roles and database. */
export class PostgresPrimary extends ServiceComponent {
    constructor(name: string, args: ServiceComponentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pg-ha:postgres:Primary", name, args, ["initial-primary"], opts);
    }
}
