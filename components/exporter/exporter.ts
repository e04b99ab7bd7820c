import * as pulumi from "@pulumi/pulumi";
import { splitFrontBudget } from "../../config";
import { DeployedService, Platform } from "../platforms/platform";
import { CA_CERT_FILE, ClusterPasswords, RenderContext, renderExporterFiles, TlsMaterial } from "../render";

export interface ExporterArgs {
    /** Config, topology and host layout the exporter's files are rendered from. */
    readonly context: RenderContext;
    /** The cluster's passwords, secret (the monitoring role's). */
    readonly passwords: pulumi.Input<ClusterPasswords>;
    /** The exporter's CA, certificate and key, secret; /metrics is served over TLS. */
    readonly tls: pulumi.Input<TlsMaterial>;
    /** Where the exporter runs. */
    readonly platform: Platform;
    /** Resources that must be up first. Defaults to none. */
    readonly after?: readonly pulumi.Resource[];
}

/** postgres_exporter for Prometheus, scraping every PostgreSQL node, with replication lag queries. */
export class Exporter extends pulumi.ComponentResource {
    public readonly service: DeployedService;

    constructor(name: string, args: ExporterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pg-ha:exporter:Exporter", name, {}, opts);
        const { context } = args;
        const budget = splitFrontBudget(context.config.frontSizing).exporter;
        const files = pulumi.secret(pulumi.all([args.passwords, args.tls]).apply(([passwords, tls]) => renderExporterFiles(context, passwords, tls)));
        const port = context.topology.exporter.port;
        this.service = args.platform.deploy(name, {
            name: "exporter",
            kind: "exporter",
            files,
            configDir: context.layout.exporter().configDir,
            ports: [{ port, published: true }],
            cpus: budget.cpus,
            memoryMb: budget.memoryMb,
            healthCheck: ["curl", "-fsS", "-o", "/dev/null", "--cacert", `${context.layout.exporter().runDir}/${CA_CERT_FILE}`, `https://localhost:${port}/metrics`],
        }, this, args.after ?? []);
        this.registerOutputs({});
    }
}
