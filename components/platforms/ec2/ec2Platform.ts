import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, Ec2Settings, hostPackages, needsPostgresRepository } from "../../../config";
import { Addressing, ClusterPlan, PlannedHost, PlannedService } from "../../plan";
import { operatedServices } from "../hostAccess";
import { INSTALL_SCRIPT, packagesFile, PGDG_KEY } from "../../packages";
import { BackupRepository, CloudInitInput, HostAccess, HostInstance, gzipUserData, HostService, hostServiceUnit, renderBackupTimers, renderCloudConfig, SecretStore, ssmAgentUrl } from "../../render";
import { HostMember, Platform } from "../platform";
import { ec2Addressing } from "./addressing";
import { BackupStorage, createBackupStorage } from "./backupBucket";
import { EC2_DATA_MOUNT } from "./layout";
import { createHostIdentity } from "./hostIdentity";
import { createServiceSecrets } from "./hostSecrets";
import { createNetwork, Network } from "./network";
import { createSecurityGroups, SecurityGroups } from "./securityGroups";

export interface Ec2PlatformArgs {
    /** The cluster's plan; its config's `ec2` and `backup` settings must be present. */
    readonly plan: ClusterPlan;
}

/** Debian's AMIs, published by the Debian project's AWS account. */
export const DEBIAN_AMI_OWNER = "136693071363";

/** Units of Debian's node packages that the node's own units replace. */
export const NODE_PACKAGED_UNITS = ["prometheus-node-exporter.service"];

/** Units of Debian's front-host packages that the front services' own units replace. */
export const FRONT_PACKAGED_UNITS = ["pgpool2.service", "haproxy.service", "prometheus-postgres-exporter.service", "prometheus.service", "prometheus-alertmanager.service"];

/**
 * The prod substrate: private subnets over at least two zones, one instance per plan host (a
 * PostgreSQL node, spread over the zones by its placement, with a separate encrypted gp3 data
 * volume and node_exporter beside it; the front host with pgpool, the exporters, Prometheus and
 * Alertmanager), private DNS names, an S3 backup bucket,
 * and per host an IAM role and its secrets in SSM Parameter Store: user data carries no secret,
 * each host reads only its own, and only nodes touch the bucket's prefix. IMDSv2 only, no SSH key
 * and no port 22 (SSM Session Manager; the first boot installs its agent). The AMI is pinned by
 * name in config: a newer Debian image never replaces a host by surprise.
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
    private readonly plan: ClusterPlan;
    private readonly network: Network;
    private readonly securityGroups: SecurityGroups;
    private readonly storage: BackupStorage;
    private readonly zone: aws.route53.Zone;
    private readonly amiId: pulumi.Output<string>;
    private readonly region: string;
    private readonly stack: string;
    /** Each host's instance and its own resources, as deployed. */
    private readonly hosts = new Map<string, { instance: aws.ec2.Instance; own: pulumi.Resource[] }>();

    constructor(name: string, args: Ec2PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pg-ha:ec2:Ec2Platform", name, {}, opts);
        const { config } = args.plan;
        const settings = config.ec2;
        if (settings === undefined) throw new Error("the ec2 platform needs the pg-ha:ec2 settings");
        this.addressing = ec2Addressing(config);
        this.settings = settings;
        this.config = config;
        this.plan = args.plan;
        this.region = new pulumi.Config("aws").require("region");
        this.network = createNetwork(name, settings, this.region, this);
        this.securityGroups = createSecurityGroups(name, args.plan, this.network.vpcId, this);
        this.storage = createBackupStorage(name, config.backup, this);
        this.backupBucketName = this.storage.bucket.bucket;
        // The instance role's credentials (pgBackRest asks the metadata service with IMDSv2),
        // virtual-host addressing, and only the stack's prefix (all the role may touch).
        this.backupRepository = pulumi.all([this.storage.bucket.bucket, this.storage.bucket.region]).apply(([bucket, region]): BackupRepository => ({
            type: "s3", bucket, path: config.backup.prefix, endpoint: `s3.${region}.amazonaws.com`, region, keyType: "auto", uriStyle: "host",
        }));
        this.zone = new aws.route53.Zone(`${name}-zone`, { name: settings.dnsZoneName, vpcs: [{ vpcId: this.network.vpcId }], comment: "pg-ha cluster members" }, { parent: this });
        this.stack = pulumi.getStack();
        // One image by its exact name: the same id on every `pulumi up` until the name changes.
        this.amiId = aws.ec2.getAmiOutput({
            owners: [DEBIAN_AMI_OWNER],
            filters: [{ name: "name", values: [settings.amiName] }, { name: "architecture", values: ["x86_64"] }],
        }, { parent: this }).id;
        this.registerOutputs({ backupBucketName: this.backupBucketName });
    }

    public hostInstances(): pulumi.Output<Record<string, HostInstance>> {
        return pulumi.all([...this.hosts].map(([host, { instance, own }]) => pulumi.all([instance.id, pulumi.all(own.map((resource) => resource.urn))])
            .apply(([instanceId, urns]): [string, HostInstance] => [host, { instanceId, instanceUrn: urns[own.indexOf(instance)]!, urns }])))
            .apply((entries) => Object.fromEntries(entries));
    }

    public hostAccess(): pulumi.Output<HostAccess> {
        const services = operatedServices(this.plan);
        // A node's service runs on its own instance; pgpool on the front host's.
        const instanceOf = (service: PlannedService) => (this.hosts.get(service.name) ?? this.hosts.get(service.host))?.instance;
        return pulumi.all(services.map((service) => instanceOf(service)!.id)).apply((ids): HostAccess => ({
            serviceUser: this.addressing.layout.serviceUser,
            region: this.region,
            nodes: this.plan.topology.nodes.map((node) => node.name),
            services: Object.fromEntries(services.map((service, i) => [service.name, { instanceId: ids[i]!, host: this.addressing.hostFor(this.hosts.has(service.name) ? service.name : service.host), configDir: service.configDir }])),
        }));
    }

    public deployHost(host: PlannedHost, members: readonly HostMember[]): ReadonlyMap<string, readonly pulumi.Resource[]> {
        return host.kind === "node" ? this.deployNode(host, members) : this.deployFront(host, members);
    }

    private instance(name: string, host: string, instanceType: string, subnetId: pulumi.Input<string>, securityGroup: aws.ec2.SecurityGroup, userData: pulumi.Output<string>, profile: aws.iam.InstanceProfile, parent: pulumi.Resource, dependsOn: readonly pulumi.Resource[]): aws.ec2.Instance {
        return new aws.ec2.Instance(name, {
            ami: this.amiId,
            instanceType,
            subnetId,
            vpcSecurityGroupIds: [securityGroup.id],
            iamInstanceProfile: profile.name,
            userDataBase64: userData,
            userDataReplaceOnChange: true,
            metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
            rootBlockDevice: { encrypted: true, volumeType: "gp3", volumeSize: this.settings.rootVolumeGb, deleteOnTermination: true },
            tags: { Name: host },
        }, { parent, dependsOn: [...dependsOn, ...this.network.egress] });
    }

    /**
     * User data made from files that include secrets, which renderCloudConfig leaves out (it only
     * names their parameter; the prod tests search every host's user data for every password and
     * key): not a secret, so previews show what changes in it.
     */
    private withoutSecrets(userData: pulumi.Output<string>): pulumi.Output<string> {
        return pulumi.unsecret(userData);
    }

    /** The host's place in the secret store: only its own role may read under it. */
    private secretStore(host: string): SecretStore {
        return { region: this.region, hostPath: `/pg-ha/${this.stack}/${host}` };
    }

    /** What every host's cloud-config has beside its own services. */
    private hostBoot(host: string): Pick<CloudInitInput, "hostname" | "packageInstall" | "serviceUser" | "secretStore" | "ssmAgentUrl"> {
        return {
            hostname: host,
            packageInstall: { script: packagesFile(INSTALL_SCRIPT), pgdgKey: needsPostgresRepository(this.config.postgresVersion) ? packagesFile(PGDG_KEY) : undefined },
            serviceUser: this.addressing.layout.serviceUser,
            secretStore: this.secretStore(host),
            ssmAgentUrl: ssmAgentUrl(this.region),
        };
    }

    private record(name: string, service: string, instance: aws.ec2.Instance, parent: pulumi.Resource): aws.route53.Record {
        return new aws.route53.Record(name, { zoneId: this.zone.zoneId, name: this.addressing.hostFor(service), type: "A", ttl: 30, records: [instance.privateIp] }, { parent });
    }

    /** A PostgreSQL node's instance: its first member is PostgreSQL (the data volume, the backups), the others run beside it (node_exporter). */
    private deployNode(host: PlannedHost, members: readonly HostMember[]): ReadonlyMap<string, readonly pulumi.Resource[]> {
        const member = members[0]!;
        const { service, resourceName, parent } = member;
        const subnet = this.network.subnets[host.placement % this.network.subnets.length]!;
        const volume = new aws.ebs.Volume(`${resourceName}-data`, {
            availabilityZone: subnet.availabilityZone,
            size: service.data?.sizeGb ?? this.config.nodeSizing.diskGb,
            type: "gp3",
            encrypted: true,
            tags: { Name: `${this.addressing.hostFor(service.name)} data` },
        }, { parent, retainOnDelete: this.settings.keepDataVolumesOnDestroy });
        const store = this.secretStore(host.name);
        const secrets = members.map((each) => createServiceSecrets(each.resourceName, store, each.service.name, each.files, each.parent));
        const profile = createHostIdentity(resourceName, { region: this.region, secretPath: store.hostPath, extraPolicy: this.storage.accessPolicy }, parent);
        const userData = this.withoutSecrets(pulumi.all([pulumi.all(members.map((each) => each.files)), volume.id]).apply(([fileSets, volumeId]) => gzipUserData(renderCloudConfig({
            ...this.hostBoot(host.name),
            packages: hostPackages(this.config.postgresVersion).postgres,
            maskedUnits: NODE_PACKAGED_UNITS,
            dataVolume: { volumeId, mountPath: EC2_DATA_MOUNT },
            services: members.map((each, i): HostService => ({ name: each.service.name, configDir: each.service.configDir, files: fileSets[i]!, stopSignal: each.service.stopSignal })),
            extraUnits: renderBackupTimers({
                nodeName: service.name,
                serverUnit: hostServiceUnit(service.name),
                configDir: service.configDir,
                serviceUser: this.addressing.layout.serviceUser,
                fullSchedule: this.config.backup.fullSchedule,
                differentialSchedule: this.config.backup.differentialSchedule,
            }),
        }))));
        const instance = this.instance(`${resourceName}-instance`, this.addressing.hostFor(service.name), this.settings.nodeInstanceType, subnet.id, this.securityGroups.database, userData, profile, parent, [...new Set(members.flatMap((each) => each.dependsOn)), ...secrets]);
        const attachment = new aws.ec2.VolumeAttachment(`${resourceName}-data`, {
            deviceName: "/dev/sdf", volumeId: volume.id, instanceId: instance.id, stopInstanceBeforeDetaching: true,
        }, { parent, deleteBeforeReplace: true });
        const records = members.map((each) => this.record(`${each.resourceName}-dns`, each.service.name, instance, each.parent));
        this.hosts.set(service.name, { instance, own: [...secrets, instance, attachment, ...records] });
        return new Map(members.map((each) => [each.service.name, [instance, attachment]]));
    }

    private deployFront(host: PlannedHost, members: readonly HostMember[]): ReadonlyMap<string, readonly pulumi.Resource[]> {
        // The host's resources belong to its first member in the plan's own start order.
        const first = members[0]!;
        const store = this.secretStore(host.name);
        const secrets = members.map((member) => createServiceSecrets(member.resourceName, store, member.service.name, member.files, member.parent));
        const profile = createHostIdentity(`${first.resourceName}-front`, { region: this.region, secretPath: store.hostPath }, first.parent);
        const userData = this.withoutSecrets(pulumi.all(members.map((member) => member.files)).apply((fileSets) => gzipUserData(renderCloudConfig({
            ...this.hostBoot(host.name),
            packages: hostPackages(this.config.postgresVersion).front,
            maskedUnits: FRONT_PACKAGED_UNITS,
            services: members.map((member, i): HostService => ({ name: member.service.name, configDir: member.service.configDir, files: fileSets[i]!, stopSignal: member.service.stopSignal })),
        }))));
        const dependsOn = [...new Set(members.flatMap((member) => member.dependsOn)), ...secrets];
        const instance = this.instance(`${first.resourceName}-front-instance`, this.addressing.hostFor(host.name), this.settings.frontInstanceType, this.network.subnets[0]!.id, this.securityGroups.front, userData, profile, first.parent, dependsOn);
        const records = members.map((member) => this.record(`${member.resourceName}-dns`, member.service.name, instance, member.parent));
        this.hosts.set(host.name, { instance, own: [...secrets, instance, ...records] });
        return new Map(members.map((member) => [member.service.name, [instance]]));
    }
}
