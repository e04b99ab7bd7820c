import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { buildTopology, ClusterConfig, Ec2Settings, hostPackages } from "../../../config";
import { BackupRepository, gzipUserData, HostLayout, HostService, hostServiceUnit, renderBackupTimers, renderCloudConfig } from "../../render";
import { DeployedService, Platform, ServiceKind, ServiceSpec } from "../platform";
import { BackupStorage, createBackupStorage } from "./backupBucket";
import { EC2_DATA_MOUNT, ec2Layout } from "./layout";
import { createNetwork, Network } from "./network";
import { createSecurityGroups, SecurityGroups } from "./securityGroups";

export interface Ec2PlatformArgs {
    /** The validated stack configuration; its `ec2` and `backup` settings must be present. */
    readonly config: ClusterConfig;
}

/** Debian's AMIs, published by the Debian project's AWS account. */
export const DEBIAN_AMI_OWNER = "136693071363";

/** What pgpool and the exporter wait for until both have asked to be deployed. */
interface PendingFrontService {
    readonly spec: ServiceSpec;
    readonly resourceName: string;
    readonly parent: pulumi.ComponentResource;
    readonly dependsOn: readonly pulumi.Resource[];
}

/**
 * The prod substrate: private subnets over at least two zones, one instance per PostgreSQL node
 * (spread over the zones) with a separate encrypted gp3 data volume, one front instance for pgpool
 * and the exporter, private DNS names, an S3 backup bucket and an instance role limited to its
 * prefix. IMDSv2 only, no SSH key and no port 22 (SSM Session Manager instead).
 *
 * A change of user data replaces the instance (cloud-init writes files only on an instance's first
 * boot, so an in-place change would silently not apply). Data never lives on the instance: the
 * data volume is kept, detached from the stopped old instance and attached to the new one, whose
 * boot mounts it without formatting (it already has a filesystem) and starts PostgreSQL on it.
 */
export class Ec2Platform extends pulumi.ComponentResource implements Platform {
    public readonly layout: HostLayout;
    public readonly backupBucketName: pulumi.Output<string>;
    public readonly backupRepository: pulumi.Output<BackupRepository>;
    private readonly settings: Ec2Settings;
    private readonly config: ClusterConfig;
    private readonly network: Network;
    private readonly securityGroups: SecurityGroups;
    private readonly storage: BackupStorage;
    private readonly zone: aws.route53.Zone;
    private readonly amiId: pulumi.Output<string>;
    private readonly frontResources: pulumi.Resource[] = [];
    private readonly pendingFront = new Map<ServiceKind, PendingFrontService>();
    private nodesPlaced = 0;

    constructor(name: string, args: Ec2PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pg-ha:ec2:Ec2Platform", name, {}, opts);
        const settings = args.config.ec2;
        const backup = args.config.backup;
        if (settings === undefined) throw new Error("the ec2 platform needs the pg-ha:ec2 settings");
        this.settings = settings;
        this.config = args.config;
        this.layout = ec2Layout(args.config.postgresVersion, settings.vpcCidr);
        this.network = createNetwork(name, settings, this);
        const topology = buildTopology(args.config, (service) => this.hostFor(service));
        this.securityGroups = createSecurityGroups(name, args.config, topology, this.network.vpcId, this);
        this.storage = createBackupStorage(name, backup, this);
        this.backupBucketName = this.storage.bucket.bucket;
        // The instance role's credentials (pgBackRest asks the metadata service with IMDSv2),
        // virtual-host addressing, and only the stack's prefix (all the role may touch).
        this.backupRepository = pulumi.all([this.storage.bucket.bucket, this.storage.bucket.region]).apply(([bucket, region]): BackupRepository => ({
            type: "s3", bucket, path: backup.prefix, endpoint: `s3.${region}.amazonaws.com`, region, keyType: "auto", uriStyle: "host",
        }));
        this.zone = new aws.route53.Zone(`${name}-zone`, { name: settings.dnsZoneName, vpcs: [{ vpcId: this.network.vpcId }], comment: "pg-ha cluster members" }, { parent: this });
        this.amiId = aws.ec2.getAmiOutput({
            owners: [DEBIAN_AMI_OWNER],
            mostRecent: true,
            filters: [{ name: "name", values: ["debian-12-amd64-*"] }, { name: "architecture", values: ["x86_64"] }],
        }, { parent: this }).id;
        this.registerOutputs({ backupBucketName: this.backupBucketName });
    }

    public hostFor(service: string): string {
        return `${service}.${this.settings.dnsZoneName}`;
    }

    public clientHostFor(service: string): string {
        return this.hostFor(service);
    }

    public certificateNamesFor(service: string): { dnsNames: string[]; ipAddresses: string[] } {
        return { dnsNames: [this.hostFor(service), "localhost"], ipAddresses: ["127.0.0.1"] };
    }

    public deploy(resourceName: string, spec: ServiceSpec, parent: pulumi.ComponentResource, dependsOn: readonly pulumi.Resource[]): DeployedService {
        if (spec.kind === "postgres") return this.deployNode(resourceName, spec, parent, dependsOn);
        // pgpool and the exporter share the front instance: it is made once both are known.
        this.pendingFront.set(spec.kind, { spec, resourceName, parent, dependsOn });
        if (this.pendingFront.size === 2) this.deployFront();
        return { name: spec.name, resources: this.frontResources };
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
        return new aws.route53.Record(name, { zoneId: this.zone.zoneId, name: this.hostFor(service), type: "A", ttl: 30, records: [instance.privateIp] }, { parent });
    }

    private deployNode(resourceName: string, spec: ServiceSpec, parent: pulumi.ComponentResource, dependsOn: readonly pulumi.Resource[]): DeployedService {
        const subnet = this.network.subnets[this.nodesPlaced++ % this.network.subnets.length]!;
        const volume = new aws.ebs.Volume(`${resourceName}-data`, {
            availabilityZone: subnet.availabilityZone,
            size: spec.data?.sizeGb ?? this.config.nodeSizing.diskGb,
            type: "gp3",
            encrypted: true,
            tags: { Name: `${this.hostFor(spec.name)} data` },
        }, { parent, retainOnDelete: this.settings.keepDataVolumesOnDestroy });
        const userData = pulumi.secret(pulumi.all([spec.files, volume.id]).apply(([files, volumeId]) => gzipUserData(renderCloudConfig({
            hostname: spec.name,
            packages: hostPackages(this.config.postgresVersion).postgres,
            conflictingServices: [],
            dataVolume: { volumeId, mountPath: EC2_DATA_MOUNT },
            serviceUser: this.layout.serviceUser,
            services: [{ name: spec.name, configDir: spec.configDir, files, stopSignal: spec.stopSignal }],
            extraUnits: renderBackupTimers({
                nodeName: spec.name,
                serverUnit: hostServiceUnit(spec.name),
                configDir: spec.configDir,
                serviceUser: this.layout.serviceUser,
                fullSchedule: this.config.backup.fullSchedule,
                differentialSchedule: this.config.backup.differentialSchedule,
            }),
        }))));
        const instance = this.instance(`${resourceName}-instance`, this.hostFor(spec.name), this.settings.nodeInstanceType, subnet.id, this.securityGroups.database, userData, parent, dependsOn);
        const attachment = new aws.ec2.VolumeAttachment(`${resourceName}-data`, {
            deviceName: "/dev/sdf", volumeId: volume.id, instanceId: instance.id, stopInstanceBeforeDetaching: true,
        }, { parent, deleteBeforeReplace: true });
        this.record(`${resourceName}-dns`, spec.name, instance, parent);
        return { name: spec.name, resources: [instance, attachment] };
    }

    private deployFront(): void {
        const services = [...this.pendingFront.values()];
        const first = services[0]!;
        const userData = pulumi.secret(pulumi.all(services.map((service) => service.spec.files)).apply((fileSets) => gzipUserData(renderCloudConfig({
            hostname: "front",
            packages: hostPackages(this.config.postgresVersion).front,
            conflictingServices: ["pgpool2", "prometheus-postgres-exporter"],
            serviceUser: this.layout.serviceUser,
            services: services.map((service, i): HostService => ({ name: service.spec.name, configDir: service.spec.configDir, files: fileSets[i]!, stopSignal: service.spec.stopSignal })),
        }))));
        const dependsOn = services.flatMap((service) => service.dependsOn);
        const instance = this.instance(`${first.resourceName}-front-instance`, this.hostFor("front"), this.settings.frontInstanceType, this.network.subnets[0]!.id, this.securityGroups.front, userData, first.parent, dependsOn);
        for (const service of services) this.record(`${service.resourceName}-dns`, service.spec.name, instance, service.parent);
        this.frontResources.push(instance);
    }
}
