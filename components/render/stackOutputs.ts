/** The stack outputs users read; the local run writes a file with exactly these keys. */
export interface StackOutputs {
    readonly pgpoolConnectionString: string;
    readonly primaryConnectionString: string;
    readonly replicaConnectionStrings: readonly string[];
    readonly exporterMetricsUrl: string;
    readonly caCertificate: string;
}

export const STACK_OUTPUT_KEYS: readonly (keyof StackOutputs)[] = [
    "pgpoolConnectionString", "primaryConnectionString", "replicaConnectionStrings", "exporterMetricsUrl", "caCertificate",
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
