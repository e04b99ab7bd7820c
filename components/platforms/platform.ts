import * as pulumi from "@pulumi/pulumi";
import { BackupRepository, HostLayout, RenderedFile } from "../render";

/** Which image or package set a service runs from. */
export type ServiceKind = "postgres" | "pgpool" | "exporter";

export interface ServicePort {
    readonly port: number;
    /** Published to clients outside the cluster (in dev: on the bind address). */
    readonly published: boolean;
}

/** What runs: a node component describes its service; a platform decides where. */
export interface ServiceSpec {
    /** Service name; also the host name other members use. */
    readonly name: string;
    readonly kind: ServiceKind;
    /** Rendered files, start script included; secret as a whole. */
    readonly files: pulumi.Output<RenderedFile[]>;
    /** Folder on the host the files go into. */
    readonly configDir: string;
    readonly ports: readonly ServicePort[];
    readonly cpus: number;
    readonly memoryMb: number;
    /** Persistent data, for PostgreSQL nodes. */
    readonly data?: { readonly mountPath: string; readonly sizeGb: number };
    /** Command that exits 0 while the service is healthy. */
    readonly healthCheck: readonly string[];
    /** Signal for a fast stop: SIGINT makes PostgreSQL and pgpool stop without waiting for clients. */
    readonly stopSignal: "SIGINT" | "SIGTERM";
}

/** Where a service ended up. */
export interface DeployedService {
    readonly name: string;
    /** The resources that run it; dependents wait for these. */
    readonly resources: readonly pulumi.Resource[];
}

/** A substrate the cluster runs on: Docker for dev, EC2 for prod. */
export interface Platform {
    /** Paths, users and listen addresses on this platform's hosts. */
    readonly layout: HostLayout;
    /** Where every node archives WAL and takes backups (a volume in dev, the S3 bucket in prod). */
    readonly backupRepository: pulumi.Output<BackupRepository>;
    /** The bucket backups go to, where the platform makes one. */
    readonly backupBucketName?: pulumi.Output<string>;
    /** Address cluster members use to reach a service. */
    hostFor(service: string): string;
    /** Address clients outside the cluster use (connection string outputs). */
    clientHostFor(service: string): string;
    /** DNS names and IP addresses a service's certificate must carry. */
    certificateNamesFor(service: string): { dnsNames: string[]; ipAddresses: string[] };
    /**
     * Creates what runs `spec`, as children of `parent`, their names prefixed with `resourceName`,
     * after `dependsOn` is up.
     */
    deploy(resourceName: string, spec: ServiceSpec, parent: pulumi.ComponentResource, dependsOn: readonly pulumi.Resource[]): DeployedService;
}
