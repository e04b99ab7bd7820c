import * as pulumi from "@pulumi/pulumi";
import { ServiceComponent, ServiceComponentArgs } from "../platforms/serviceComponent";

/** Prometheus (the alert rules, scraping postgres_exporter) or Alertmanager (notifying the webhook), on the front host. */
export class Monitor extends ServiceComponent {
    constructor(name: string, args: ServiceComponentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pg-ha:monitor:Monitor", name, args, ["prometheus", "alertmanager"], opts);
    }
}
