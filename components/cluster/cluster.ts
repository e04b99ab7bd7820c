import * as pulumi from "@pulumi/pulumi";
import { Exporter, NodeExporter } from "../exporter";
import { Monitor } from "../monitor";
import { Pgpool } from "../pgpool";
import { ClusterPki } from "../pki";
import { ClusterPlan, PlannedService, PlanSecrets } from "../plan";
import { HostMember, Platform } from "../platforms/platform";
import { PostgresPrimary, PostgresReplica } from "../postgres";
import { ClusterSecrets } from "../secrets";
import { ServiceComponent, ServiceComponentArgs } from "../platforms/serviceComponent";

export interface ClusterArgs {
    /** The cluster's plan: every service, host, port and output (components/plan). */
    readonly plan: ClusterPlan;
    /** Where the cluster runs: Docker in dev, EC2 in prod. */
    readonly platform: Platform;
}

/** The resources of a service deployed earlier; the plan's order puts every service after what it needs. */
function resourcesOf(deployed: ReadonlyMap<string, readonly pulumi.Resource[]>, service: string): readonly pulumi.Resource[] {
    const resources = deployed.get(service);
    if (resources === undefined) throw new Error(`the plan deploys a host before ${service}, which one of its services starts after`);
    return resources;
}

/** The component class that models each role of the plan. */
const COMPONENTS: Readonly<Record<PlannedService["role"], new (name: string, args: ServiceComponentArgs, opts?: pulumi.ComponentResourceOptions) => ServiceComponent>> = {
    "initial-primary": PostgresPrimary,
    replica: PostgresReplica,
    pgpool: Pgpool,
    exporter: Exporter,
    "pool-exporter": Exporter,
    "node-exporter": NodeExporter,
    prometheus: Monitor,
    alertmanager: Monitor,
};

/**
 * The whole cluster as its plan describes it: secrets, PKI, a component per service (the primary,
 * the replicas, pgpool, the exporter, Prometheus and Alertmanager), and the platform's resources per plan host, each after
 * what its services start after. Exposes the stack outputs; every one that embeds a password is a
 * secret.
 */
export class Cluster extends pulumi.ComponentResource {
    public readonly pgpoolConnectionString: pulumi.Output<string>;
    public readonly primaryConnectionString: pulumi.Output<string>;
    public readonly replicaConnectionStrings: pulumi.Output<string[]>;
    public readonly exporterMetricsUrl: pulumi.Output<string>;
    public readonly prometheusUrl: pulumi.Output<string>;
    public readonly alertmanagerUrl: pulumi.Output<string>;
    public readonly caCertificate: pulumi.Output<string>;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pg-ha:cluster:Cluster", name, {}, opts);
        const { plan, platform } = args;
        const secrets = new ClusterSecrets(`${name}-secrets`, {}, { parent: this });
        const pki = new ClusterPki(`${name}-pki`, {
            servers: plan.services.map((service) => ({ name: service.name, ...service.certificate })),
        }, { parent: this });
        const tls = pulumi.all(Object.fromEntries(plan.services.map((service) => [service.name, pki.tlsFor(service.name)])));
        const planSecrets: pulumi.Output<PlanSecrets> = pulumi.secret(pulumi.all([secrets.all(), tls, platform.backupRepository])
            .apply(([passwords, material, backupRepository]) => ({ passwords, tls: material, backupRepository })));

        const components = new Map(plan.services.map((service) => [service.name, new COMPONENTS[service.role](`${name}-${service.name}`, { service, secrets: planSecrets }, { parent: this })]));
        const deployed = new Map<string, readonly pulumi.Resource[]>();
        for (const host of plan.hosts) {
            const members = host.services.map((serviceName): HostMember => {
                const service = plan.service(serviceName);
                const component = components.get(serviceName)!;
                return { service, files: component.files, parent: component, resourceName: component.resourceName, dependsOn: service.after.flatMap((before) => resourcesOf(deployed, before)) };
            });
            for (const [serviceName, resources] of platform.deployHost(host, members)) deployed.set(serviceName, resources);
        }

        // The outputs embed the application password: secret, but for the two that hold none.
        const outputs = pulumi.all([secrets.passwords.app, pki.caCertPem]).apply(([appPassword, caCertPem]) => plan.outputs(appPassword, caCertPem));
        this.pgpoolConnectionString = pulumi.secret(outputs.pgpoolConnectionString);
        this.primaryConnectionString = pulumi.secret(outputs.primaryConnectionString);
        this.replicaConnectionStrings = pulumi.secret(outputs.replicaConnectionStrings.apply((strings) => [...strings]));
        this.exporterMetricsUrl = pulumi.unsecret(outputs.exporterMetricsUrl);
        this.prometheusUrl = pulumi.unsecret(outputs.prometheusUrl);
        this.alertmanagerUrl = pulumi.unsecret(outputs.alertmanagerUrl);
        this.caCertificate = pulumi.unsecret(outputs.caCertificate);
        this.registerOutputs({
            pgpoolConnectionString: this.pgpoolConnectionString,
            primaryConnectionString: this.primaryConnectionString,
            replicaConnectionStrings: this.replicaConnectionStrings,
            exporterMetricsUrl: this.exporterMetricsUrl,
            prometheusUrl: this.prometheusUrl,
            alertmanagerUrl: this.alertmanagerUrl,
            caCertificate: this.caCertificate,
        });
    }
}
