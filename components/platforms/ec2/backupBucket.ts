import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BackupSettings } from "../../../config";

export interface BackupStorage {
    readonly bucket: aws.s3.Bucket;
    /** The IAM policy document that lets a node's role use the stack's prefix of the bucket, and nothing else of it. */
    readonly accessPolicy: pulumi.Output<string>;
}

/**
 * The backup bucket (versioned, encrypted, private, TLS only, old versions expired after the
 * retention) and the policy that gives the nodes (only them) its prefix. Current objects are never expired by a rule:
 * pgBackRest keeps its own retention and a rule could break a backup chain.
 */
export function createBackupStorage(name: string, backup: BackupSettings, parent: pulumi.Resource): BackupStorage {
    const opts = { parent };
    const bucket = new aws.s3.Bucket(`${name}-backups`, { forceDestroy: false, tags: { Name: `${name}-backups` } }, opts);
    new aws.s3.BucketVersioning(`${name}-backups`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, opts);
    new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-backups`, {
        bucket: bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }],
    }, opts);
    const publicAccess = new aws.s3.BucketPublicAccessBlock(`${name}-backups`, {
        bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    }, opts);
    new aws.s3.BucketPolicy(`${name}-backups-tls-only`, {
        bucket: bucket.id,
        policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [{
                Sid: "DenyWithoutTls",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            }],
        }),
    }, { parent, dependsOn: [publicAccess] });
    new aws.s3.BucketLifecycleConfiguration(`${name}-backups`, {
        bucket: bucket.id,
        rules: [{
            id: "expire-old-versions",
            status: "Enabled",
            filter: { prefix: `${backup.prefix}/` },
            noncurrentVersionExpiration: { noncurrentDays: backup.retentionDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        }],
    }, opts);

    const accessPolicy = pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
            { Sid: "ListOwnPrefix", Effect: "Allow", Action: "s3:ListBucket", Resource: bucket.arn, Condition: { StringLike: { "s3:prefix": [`${backup.prefix}/*`, backup.prefix] } } },
            { Sid: "ReadWriteOwnPrefix", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: pulumi.interpolate`${bucket.arn}/${backup.prefix}/*` },
        ],
    });
    return { bucket, accessPolicy };
}
