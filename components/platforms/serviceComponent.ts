import * as pulumi from "@pulumi/pulumi";
import { PlannedService, PlanSecrets, ServiceRole } from "../plan";
import { RenderedFile } from "../render";

export interface ServiceComponentArgs {
    /** The service as the cluster's plan describes it (components/plan). */
    readonly service: PlannedService;
    /** Passwords, TLS material and the backup repository its files are rendered from; secret. */
    readonly secrets: pulumi.Input<PlanSecrets>;
}

/**
 * A service of the plan as a Pulumi component: its rendered files (secret as a whole) and the
 * parent of the resources its platform creates for it.
 */
export abstract class ServiceComponent extends pulumi.ComponentResource {
    /** The files its host gets, secret as a whole. */
    public readonly files: pulumi.Output<RenderedFile[]>;
    /** Prefix of its children's names. */
    public readonly resourceName: string;

    protected constructor(type: string, name: string, args: ServiceComponentArgs, roles: readonly ServiceRole[], opts?: pulumi.ComponentResourceOptions) {
        super(type, name, {}, opts);
        if (!roles.includes(args.service.role)) {
            throw new Error(`${type} models ${roles.join(" or ")}; ${args.service.name} is ${args.service.role}`);
        }
        this.resourceName = name;
        this.files = pulumi.secret(pulumi.output(args.secrets).apply((secrets) => args.service.render(secrets)));
        this.registerOutputs({});
    }
}
