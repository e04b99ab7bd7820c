import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { PASSWORD_LENGTH } from "../../config";
import { ClusterPasswords, PASSWORD_NAMES } from "../render";

export interface ClusterSecretsArgs {
    /** Characters in every generated password. Defaults to PASSWORD_LENGTH (32). */
    readonly length?: number;
}

function kebab(name: string): string {
    return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/**
 * Every password of the cluster (superuser, replication, application, pgpool checks, PCP admin,
 * monitoring) and pgpool's AES key: RandomPasswords of letters and digits only (PASSWORD_ALPHABET),
 * so that they need no quoting in connection strings, conf files or pgpass lines.
 */
export class ClusterSecrets extends pulumi.ComponentResource {
    /** Each password, marked secret. */
    public readonly passwords: Readonly<Record<keyof ClusterPasswords, pulumi.Output<string>>>;

    constructor(name: string, args: ClusterSecretsArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("pg-ha:secrets:ClusterSecrets", name, {}, opts);
        const length = args.length ?? PASSWORD_LENGTH;
        const passwords: Partial<Record<keyof ClusterPasswords, pulumi.Output<string>>> = {};
        for (const passwordName of PASSWORD_NAMES) {
            const password = new random.RandomPassword(`${name}-${kebab(passwordName)}`, {
                length, special: false, minLower: 1, minUpper: 1, minNumeric: 1,
            }, { parent: this });
            passwords[passwordName] = pulumi.secret(password.result);
        }
        this.passwords = passwords as Record<keyof ClusterPasswords, pulumi.Output<string>>;
        this.registerOutputs({});
    }

    /** All passwords as one secret value, for renderers. */
    public all(): pulumi.Output<ClusterPasswords> {
        const p = this.passwords;
        const all = pulumi.all([p.superuser, p.replication, p.app, p.pgpoolCheck, p.pcpAdmin, p.monitoring, p.pgpoolAesKey])
            .apply(([superuser, replication, app, pgpoolCheck, pcpAdmin, monitoring, pgpoolAesKey]): ClusterPasswords =>
                ({ superuser, replication, app, pgpoolCheck, pcpAdmin, monitoring, pgpoolAesKey }));
        return pulumi.secret(all);
    }
}
