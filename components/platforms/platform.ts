import * as pulumi from "@pulumi/pulumi";
import { PlannedHost, PlannedService } from "../plan";
import { BackupRepository, HostAccess, HostInstance, RenderedFile } from "../render";

/** One service of a host being deployed, with what Pulumi adds to the plan. */
export interface HostMember {
    readonly service: PlannedService;
    /** Its rendered files, secret as a whole. */
    readonly files: pulumi.Output<RenderedFile[]>;
    /** The component its resources belong to; their names start with `resourceName`. */
    readonly parent: pulumi.ComponentResource;
    readonly resourceName: string;
    /** Resources that must exist first: those of the services it starts after. */
    readonly dependsOn: readonly pulumi.Resource[];
}

/**
 * A substrate the cluster runs on: Docker for dev, EC2 for prod. Stateless: which services share
 * a host, their ports and their order come from the plan (made with the substrate's addressing,
 * see addressingFor); a platform only translates it into resources.
 */
export interface Platform {
    /** Where every node archives WAL and takes backups (a volume in dev, the S3 bucket in prod). */
    readonly backupRepository: pulumi.Output<BackupRepository>;
    /** The bucket backups go to, where the platform makes one. */
    readonly backupBucketName?: pulumi.Output<string>;
    /**
     * The machine of every host deployed so far, by host name (a node's name, "front"), where
     * hosts are machines of their own. Defaults to none (Docker's containers are not).
     */
    hostInstances?(): pulumi.Output<Record<string, HostInstance>>;
    /** Where the operations reach each node and pgpool, once every host is deployed. */
    hostAccess(): pulumi.Output<HostAccess>;
    /** Creates what runs one plan host and its members; returns the resources of each service by name. */
    deployHost(host: PlannedHost, members: readonly HostMember[]): ReadonlyMap<string, readonly pulumi.Resource[]>;
}
