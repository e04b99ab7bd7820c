import * as pulumi from "@pulumi/pulumi";
import { ClusterPasswords, RenderContext, RenderedFile, TlsMaterial } from "../render";
import { Platform } from "./platform";

/** What every node component needs: the inputs of its renderer and where it runs. */
export interface RenderedServiceArgs {
    /** Config, topology and host layout the service's files are rendered from. */
    readonly context: RenderContext;
    /** The cluster's passwords, secret. */
    readonly passwords: pulumi.Input<ClusterPasswords>;
    /** The service's CA, certificate and key, secret. */
    readonly tls: pulumi.Input<TlsMaterial>;
    /** Where the service runs. */
    readonly platform: Platform;
    /** Resources that must be up first (replicas wait for the primary, pgpool for every node). Defaults to none. */
    readonly after?: readonly pulumi.Resource[];
}

/**
 * Runs a renderer once passwords, TLS material and the platform's backup repository are known
 * (the repository names a bucket the platform creates); the files are secret as a whole.
 */
export function renderSecretFiles(
    args: RenderedServiceArgs,
    render: (context: RenderContext, passwords: ClusterPasswords, tls: TlsMaterial) => RenderedFile[],
): pulumi.Output<RenderedFile[]> {
    return pulumi.secret(pulumi.all([args.passwords, args.tls, args.platform.backupRepository]).apply(([passwords, tls, repository]) => render(
        { ...args.context, backup: { repository, retentionDays: args.context.config.backup.retentionDays } }, passwords, tls,
    )));
}
