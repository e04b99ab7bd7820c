import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface HostIdentityArgs {
    /** The stack's region (aws:region). */
    readonly region: string;
    /** The host's path in the secret store; the role may read parameters under it and nothing else there. */
    readonly secretPath: string;
    /** A policy document the role gets too (the nodes' backup prefix). Defaults to none. */
    readonly extraPolicy?: pulumi.Input<string>;
}

/**
 * One host's IAM role and instance profile: Session Manager, its own secrets (SecureString
 * parameters under its path, decrypted with the account's aws/ssm key through SSM), and what
 * `extraPolicy` adds. A host reads no other host's secrets; only nodes touch the backup bucket.
 */
export function createHostIdentity(name: string, args: HostIdentityArgs, parent: pulumi.Resource): aws.iam.InstanceProfile {
    const opts = { parent };
    const role = new aws.iam.Role(`${name}-role`, {
        assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
    }, opts);
    new aws.iam.RolePolicyAttachment(`${name}-ssm`, { role: role.name, policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" }, opts);
    const account = aws.getCallerIdentityOutput({}, opts).accountId;
    new aws.iam.RolePolicy(`${name}-secrets`, {
        role: role.id,
        policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [{
                Sid: "OwnSecretsOnly",
                Effect: "Allow",
                Action: ["ssm:GetParameter", "ssm:GetParameters"],
                Resource: pulumi.interpolate`arn:aws:ssm:${args.region}:${account}:parameter${args.secretPath}/*`,
            }],
        }),
    }, opts);
    if (args.extraPolicy !== undefined) new aws.iam.RolePolicy(`${name}-extra`, { role: role.id, policy: args.extraPolicy }, opts);
    return new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name }, opts);
}
