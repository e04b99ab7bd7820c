import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bootFilesBundle, RenderedFile, secretParameterName, SecretStore } from "../../render";

/** SSM's Standard tier holds up to 4096 characters; a larger value needs the Advanced tier. */
const STANDARD_TIER_LIMIT = 4096;

/**
 * The files one service of a host fetches at boot (its secret files, its certificate and any
 * alert rules) as one SecureString parameter under the host's path (see bootFilesBundle). The host's first boot fetches it (host-boot.sh); user data only names it.
 */
export function createServiceSecrets(name: string, store: SecretStore, service: string, files: pulumi.Output<readonly RenderedFile[]>, parent: pulumi.Resource): aws.ssm.Parameter {
    const value = pulumi.secret(files.apply(bootFilesBundle));
    return new aws.ssm.Parameter(`${name}-secrets`, {
        name: secretParameterName(store, service),
        type: "SecureString",
        value,
        tier: value.apply((text) => (text.length > STANDARD_TIER_LIMIT ? "Advanced" : "Standard")),
        description: `pg-ha ${service}: its secret files and the files fetched with them`,
    }, { parent });
}
