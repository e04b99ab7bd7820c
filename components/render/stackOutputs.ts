/** The stack outputs users read; the local run writes a file with exactly these keys. */
export interface StackOutputs {
    readonly pgpoolConnectionString: string;
    readonly primaryConnectionString: string;
    readonly replicaConnectionStrings: readonly string[];
    readonly exporterMetricsUrl: string;
    /** Prometheus's web UI and API (HTTPS, the cluster CA). */
    readonly prometheusUrl: string;
    /** Alertmanager's web UI and API (HTTPS, the cluster CA). */
    readonly alertmanagerUrl: string;
    readonly caCertificate: string;
    /** prod only: each host's machine, by host name (node0.., front). */
    readonly hostInstances?: Readonly<Record<string, HostInstance>>;
    /** Deployed stacks: where the operations run each node's and pgpool's commands. */
    readonly hostAccess?: HostAccess;
}

/** A host's machine as Pulumi and the cloud know it: what a rolling replacement targets, and what SSM addresses. */
export interface HostInstance {
    readonly instanceId: string;
    /** The instance resource's URN. */
    readonly instanceUrn: string;
    /**
     * URNs of the host's own resources, for `pulumi up --target`: its services' secret files,
     * the instance, and what hangs on it (data volume attachment, DNS names).
     */
    readonly urns: readonly string[];
}

/** Where the operations run a service's commands, and its config folder there. */
export type ServiceHost =
    /** A container of the local Docker engine (docker exec). */
    | { readonly container: string; readonly configDir: string }
    /** An EC2 instance (SSM Run Command), with its private DNS name for messages. */
    | { readonly instanceId: string; readonly host: string; readonly configDir: string };

/** How `npm run switchover|backup|restore|drill:restore` reach a deployed stack's hosts. */
export interface HostAccess {
    /** The services' user on every host, which the commands run as. */
    readonly serviceUser: string;
    /** ec2: the region of the instances (SSM's endpoint). */
    readonly region?: string;
    /** The PostgreSQL nodes, in their order. */
    readonly nodes: readonly string[];
    /** By service name: every node, and pgpool. */
    readonly services: Readonly<Record<string, ServiceHost>>;
}

export const STACK_OUTPUT_KEYS: readonly (keyof StackOutputs)[] = [
    "pgpoolConnectionString", "primaryConnectionString", "replicaConnectionStrings", "exporterMetricsUrl", "prometheusUrl", "alertmanagerUrl", "caCertificate",
];

export interface ConnectionTarget {
    readonly user: string;
    readonly password: string;
    readonly host: string;
    readonly port: number;
    readonly database: string;
}

/**
 * A libpq URI with sslmode=verify-full. The CA is the `caCertificate` output: save it and pass
 * sslrootcert, or put it in ~/.postgresql/root.crt where libpq looks by default.
 */
export function connectionString(target: ConnectionTarget): string {
    const user = encodeURIComponent(target.user);
    const password = encodeURIComponent(target.password);
    return `postgresql://${user}:${password}@${target.host}:${target.port}/${encodeURIComponent(target.database)}?sslmode=verify-full`;
}

export function metricsUrl(host: string, port: number): string {
    return `https://${host}:${port}/metrics`;
}

/** The root of a web server over TLS (Prometheus, Alertmanager), without a trailing slash. */
export function httpsUrl(host: string, port: number): string {
    return `https://${host}:${port}`;
}
