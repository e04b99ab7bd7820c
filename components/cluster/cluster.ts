import * as pulumi from "@pulumi/pulumi";
import { buildTopology, ClusterConfig, EXPORTER_SERVICE, PGPOOL_SERVICE } from "../../config";
import { Exporter } from "../exporter";
import { Pgpool } from "../pgpool";
import { ClusterPki } from "../pki";
import { Platform } from "../platforms/platform";
import { PostgresPrimary, PostgresReplica } from "../postgres";
import { connectionString, metricsUrl, RenderContext } from "../render";
import { ClusterSecrets } from "../secrets";

export interface ClusterArgs {
    /** The validated stack configuration (see config/load.ts for every key and its default). */
    readonly config: ClusterConfig;
    /** Where the cluster runs: Docker in dev, EC2 in prod. */
    readonly platform: Platform;
}

/**
 * The whole cluster: secrets, PKI, one primary, N replicas, pgpool and the exporter. Exposes the
 * stack outputs; every one that embeds a password is a secret.
 */
export class Cluster extends pulumi.ComponentResource {
    public readonly pgpoolConnectionString: pulumi.Output<string>;
    public readonly primaryConnectionString: pulumi.Output<string>;
    public readonly replicaConnectionStrings: pulumi.Output<string[]>;
    public readonly exporterMetricsUrl: pulumi.Output<string>;
    public readonly caCertificate: pulumi.Output<string>;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pg-ha:cluster:Cluster", name, {}, opts);
        const { config, platform } = args;
        const topology = buildTopology(config, (service) => platform.hostFor(service));
        const context: RenderContext = { config, topology, layout: platform.layout };
        const secrets = new ClusterSecrets(`${name}-secrets`, {}, { parent: this });
        const passwords = secrets.all();
        const services = [...topology.nodes.map((node) => node.name), PGPOOL_SERVICE, EXPORTER_SERVICE];
        const pki = new ClusterPki(`${name}-pki`, {
            servers: services.map((service) => ({ name: service, ...platform.certificateNamesFor(service) })),
        }, { parent: this });

        const [primaryNode, ...replicaNodes] = topology.nodes;
        if (primaryNode === undefined) throw new Error("the topology has no PostgreSQL node");
        const primary = new PostgresPrimary(`${name}-${primaryNode.name}`, {
            context, node: primaryNode, passwords, tls: pki.tlsFor(primaryNode.name), platform,
        }, { parent: this });
        const replicas = replicaNodes.map((node) => new PostgresReplica(`${name}-${node.name}`, {
            context, node, passwords, tls: pki.tlsFor(node.name), platform, after: primary.service.resources,
        }, { parent: this }));
        const allNodes = [primary, ...replicas].flatMap((component) => component.service.resources);
        new Pgpool(`${name}-pgpool`, { context, passwords, tls: pki.tlsFor(PGPOOL_SERVICE), platform, after: allNodes }, { parent: this });
        new Exporter(`${name}-exporter`, { context, passwords, tls: pki.tlsFor(EXPORTER_SERVICE), platform, after: primary.service.resources }, { parent: this });

        const appConnection = (service: string, port: number) => pulumi.secret(secrets.passwords.app.apply((password) => connectionString({
            user: config.appUser, password, host: platform.clientHostFor(service), port, database: config.databaseName,
        })));
        this.pgpoolConnectionString = appConnection(PGPOOL_SERVICE, topology.pgpool.port);
        this.primaryConnectionString = appConnection(primaryNode.name, primaryNode.port);
        this.replicaConnectionStrings = pulumi.secret(pulumi.all(replicaNodes.map((node) => appConnection(node.name, node.port))));
        this.exporterMetricsUrl = pulumi.output(metricsUrl(platform.clientHostFor(EXPORTER_SERVICE), topology.exporter.port));
        this.caCertificate = pki.caCertPem;
        this.registerOutputs({
            pgpoolConnectionString: this.pgpoolConnectionString,
            primaryConnectionString: this.primaryConnectionString,
            replicaConnectionStrings: this.replicaConnectionStrings,
            exporterMetricsUrl: this.exporterMetricsUrl,
            caCertificate: this.caCertificate,
        });
    }
}
