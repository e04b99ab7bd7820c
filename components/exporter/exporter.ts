import * as pulumi from "@pulumi/pulumi";
import { EXPORTER_SERVICE, splitFrontBudget } from "../../config";
import { DeployedService } from "../platforms/platform";
import { RenderedServiceArgs, renderSecretFiles } from "../platforms/serviceArgs";
import { CA_CERT_FILE, renderExporterFiles } from "../render";

/** postgres_exporter for Prometheus, scraping every PostgreSQL node, with replication lag queries. */
export class Exporter extends pulumi.ComponentResource {
    public readonly service: DeployedService;

    constructor(name: string, args: RenderedServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pg-ha:exporter:Exporter", name, {}, opts);
        const { context } = args;
        const budget = splitFrontBudget(context.config.frontSizing).exporter;
        const port = context.topology.exporter.port;
        this.service = args.platform.deploy(name, {
            name: EXPORTER_SERVICE,
            kind: "exporter",
            files: renderSecretFiles(args, renderExporterFiles),
            configDir: context.layout.exporter().configDir,
            ports: [{ port, published: true }],
            cpus: budget.cpus,
            memoryMb: budget.memoryMb,
            healthCheck: ["curl", "-fsS", "-o", "/dev/null", "--cacert", `${context.layout.exporter().runDir}/${CA_CERT_FILE}`, `https://localhost:${port}/metrics`],
            stopSignal: "SIGTERM",
        }, this, args.after ?? []);
        this.registerOutputs({});
    }
}
