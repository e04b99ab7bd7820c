import * as pulumi from "@pulumi/pulumi";
import { ServiceComponent, ServiceComponentArgs } from "../platforms/serviceComponent";

/** postgres_exporter for Prometheus: the exporter scraping every PostgreSQL node (replication, backups, certificates), or the pool exporter asking pgpool for its backends. */
export class Exporter extends ServiceComponent {
    constructor(name: string, args: ServiceComponentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pg-ha:exporter:Exporter", name, args, ["exporter", "pool-exporter"], opts);
    }
}
