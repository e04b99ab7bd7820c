import * as pulumi from "@pulumi/pulumi";
import { ServiceComponent, ServiceComponentArgs } from "../platforms/serviceComponent";

/** postgres_exporter for Prometheus, scraping every PostgreSQL node, with replication lag queries. */
export class Exporter extends ServiceComponent {
    constructor(name: string, args: ServiceComponentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pg-ha:exporter:Exporter", name, args, ["exporter"], opts);
    }
}
