import * as pulumi from "@pulumi/pulumi";
import { ServiceComponent, ServiceComponentArgs } from "../platforms/serviceComponent";

/** node_exporter beside a PostgreSQL node: its host's filesystems (the data volume's free space), memory and CPU. */
export class NodeExporter extends ServiceComponent {
    constructor(name: string, args: ServiceComponentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pg-ha:exporter:NodeExporter", name, args, ["node-exporter"], opts);
    }
}
