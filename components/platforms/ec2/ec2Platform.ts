import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, Ec2Settings, hostPackages } from "../../../config";
import { Addressing, ClusterPlan, PlannedHost } from "../../plan";
import { BackupRepository, gzipUserData, HostService, hostServiceUnit, renderBackupTimers, renderCloudConfig } from "../../render";
import { HostMember, Platform } from "../platform";
import { ec2Addressing } from "./addressing";
import { BackupStorage, createBackupStorage } from "./backupBucket";
import { EC2_DATA_MOUNT } from "./layout";
import { createNetwork, Network } from "./network";
import { createSecurityGroups, SecurityGroups } from "./securityGroups";

export interface Ec2PlatformArgs {
    /** The cluster's plan; its config's `ec2` and `backup` settings must be present. */
    readonly plan: ClusterPlan;
}

/** Debian's AMIs, published by the Debian project's AWS account. */
export const DEBIAN_AMI_OWNER = "136693071363";

/**
 * The prod substrate: private subnets over at least two zones, one instance per plan host (a
 * PostgreSQL node, spread over the zones by its placement, with a separate encrypted gp3 data
 * volume; the front host with pgpool and the exporter), private DNS names, an S3 backup bucket and
 * an instance role limited to its prefix. IMDSv2 only, no SSH key and no port 22 (SSM Session
 * Manager instead).
 *
 * A change of user data replaces the instance (cloud-init writes files only on an instance's first
 * boot, so an in-place change would silently not apply). Data never lives on the instance: the
 * data volume is kept, detached from the stopped old instance and attached to the new one, whose
 * boot mounts it without formatting (it already has a filesystem) and starts PostgreSQL on it.
 */
export class Ec2Platform extends pulumi.ComponentResource implements Platform {
    public readonly backupBucketName: pulumi.Output<string>;
    public readonly backupRepository: pulumi.Output<BackupRepository>;
    private readonly addressing: Addressing;
    private readonly settings: Ec2Settings;
    private readonly config: ClusterConfig;
    private readonly network: Network;
    private readonly securityGroups: SecurityGroups;
    private readonly storage: BackupStorage;
    private readonly zone: aws.route53.Zone;
    private readonly amiId: pulumi.Output<string>;

    constructor(name: string, args: Ec2PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pg-ha:ec2:Ec2Platform", name, {}, opts);
        const { config } = args.plan;
        const settings = config.ec2;
        if (settings === undefined) throw new Error("the ec2 platform needs the pg-ha:ec2 settings");
        this.addressing = ec2Addressing(config);
        this.settings = settings;
        this.config = config;
        this.network = createNetwork(name, settings, this);
        this.securityGroups = createSecurityGroups(name, args.plan, this.network.vpcId, this);
        this.storage = createBackupStorage(name, config.backup, this);
        this.backupBucketName = this.storage.bucket.bucket;
        // The instance role's credentials (pgBackRest asks the metadata service with IMDSv2),
        // virtual-host addressing, and only the stack's prefix (all the role may touch).
        this.backupRepository = pulumi.all([this.storage.bucket.bucket, this.storage.bucket.region]).apply(([bucket, region]): BackupRepository => ({
            type: "s3", bucket, path: config.backup.prefix, endpoint: `s3.${region}.amazonaws.com`, region, keyType: "auto", uriStyle: "host",
        }));
        this.zone = new aws.route53.Zone(`${name}-zone`, { name: settings.dnsZoneName, vpcs: [{ vpcId: this.network.vpcId }], comment: "pg-ha cluster members" }, { parent: this });
        this.amiId = aws.ec2.getAmiOutput({
            owners: [DEBIAN_AMI_OWNER],
            mostRecent: true,
            filters: [{ name: "name", values: ["debian-12-amd64-*"] }, { name: "architecture", values: ["x86_64"] }],
        }, { parent: this }).id;
        this.registerOutputs({ backupBucketName: this.backupBucketName });
    }

    public deployHost(host: PlannedHost, members: readonly HostMember[]): ReadonlyMap<string, readonly pulumi.Resource[]> {
        return host.kind === "node" ? this.deployNode(host, members[0]!) : this.deployFront(host, members);
    }

    private instance(name: string, host: string, instanceType: string, subnetId: pulumi.Input<string>, securityGroup: aws.ec2.SecurityGroup, userData: pulumi.Output<string>, parent: pulumi.Resource, dependsOn: readonly pulumi.Resource[]): aws.ec2.Instance {
        return new aws.ec2.Instance(name, {
            ami: this.amiId,
            instanceType,
            subnetId,
            vpcSecurityGroupIds: [securityGroup.id],
            iamInstanceProfile: this.storage.instanceProfile.name,
            userDataBase64: userData,
            userDataReplaceOnChange: true,
            metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
            rootBlockDevice: { encrypted: true, volumeType: "gp3", volumeSize: this.settings.rootVolumeGb, deleteOnTermination: true },
            tags: { Name: host },
        }, { parent, dependsOn: [...dependsOn] });
    }

    private record(name: string, service: string, instance: aws.ec2.Instance, parent: pulumi.Resource): aws.route53.Record {
        return new aws.route53.Record(name, { zoneId: this.zone.zoneId, name: this.addressing.hostFor(service), type: "A", ttl: 30, records: [instance.privateIp] }, { parent });
    }

    private deployNode(host: PlannedHost, member: HostMember): ReadonlyMap<string, readonly pulumi.Resource[]> {
        const { service, resourceName, parent } = member;
        const subnet = this.network.subnets[host.placement % this.network.subnets.length]!;
        const volume = new aws.ebs.Volume(`${resourceName}-data`, {
            availabilityZone: subnet.availabilityZone,
            size: service.data?.sizeGb ?? this.config.nodeSizing.diskGb,
            type: "gp3",
            encrypted: true,
            tags: { Name: `${this.addressing.hostFor(service.name)} data` },
        }, { parent, retainOnDelete: this.settings.keepDataVolumesOnDestroy });
        const userData = pulumi.secret(pulumi.all([member.files, volume.id]).apply(([files, volumeId]) => gzipUserData(renderCloudConfig({
            hostname: host.name,
            packages: hostPackages(this.config.postgresVersion).postgres,
            conflictingServices: [],
            dataVolume: { volumeId, mountPath: EC2_DATA_MOUNT },
            serviceUser: this.addressing.layout.serviceUser,
            services: [{ name: service.name, configDir: service.configDir, files, stopSignal: service.stopSignal }],
            extraUnits: renderBackupTimers({
                nodeName: service.name,
                serverUnit: hostServiceUnit(service.name),
                configDir: service.configDir,
                serviceUser: this.addressing.layout.serviceUser,
                fullSchedule: this.config.backup.fullSchedule,
                differentialSchedule: this.config.backup.differentialSchedule,
            }),
        }))));
        const instance = this.instance(`${resourceName}-instance`, this.addressing.hostFor(service.name), this.settings.nodeInstanceType, subnet.id, this.securityGroups.database, userData, parent, member.dependsOn);
        const attachment = new aws.ec2.VolumeAttachment(`${resourceName}-data`, {
            deviceName: "/dev/sdf", volumeId: volume.id, instanceId: instance.id, stopInstanceBeforeDetaching: true,
        }, { parent, deleteBeforeReplace: true });
        this.record(`${resourceName}-dns`, service.name, instance, parent);
        return new Map([[service.name, [instance, attachment]]]);
    }

    private deployFront(host: PlannedHost, members: readonly HostMember[]): ReadonlyMap<string, readonly pulumi.Resource[]> {
        // The host's resources belong to its first member in the plan's own start order.
        const first = members[0]!;
        const userData = pulumi.secret(pulumi.all(members.map((member) => member.files)).apply((fileSets) => gzipUserData(renderCloudConfig({
            hostname: host.name,
            packages: hostPackages(this.config.postgresVersion).front,
            conflictingServices: ["pgpool2", "prometheus-postgres-exporter"],
            serviceUser: this.addressing.layout.serviceUser,
            services: members.map((member, i): HostService => ({ name: member.service.name, configDir: member.service.configDir, files: fileSets[i]!, stopSignal: member.service.stopSignal })),
        }))));
        const dependsOn = [...new Set(members.flatMap((member) => member.dependsOn))];
        const instance = this.instance(`${first.resourceName}-front-instance`, this.addressing.hostFor(host.name), this.settings.frontInstanceType, this.network.subnets[0]!.id, this.securityGroups.front, userData, first.parent, dependsOn);
        for (const member of members) this.record(`${member.resourceName}-dns`, member.service.name, instance, member.parent);
        return new Map(members.map((member) => [member.service.name, [instance]]));
    }
}
