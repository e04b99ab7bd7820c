/**
 * Where Debian's packages put the programs the cluster runs. Every substrate installs the same
 * packages (the official postgres image is Debian too), so all layouts take these paths from here.
 */
export function debianProgramPaths(postgresVersion: number) {
    return {
        postgresBinDir: `/usr/lib/postgresql/${postgresVersion}/bin`,
        clientBinDir: `/usr/lib/postgresql/${postgresVersion}/bin`,
        pgpoolBinary: "/usr/sbin/pgpool",
        gateBinary: "/usr/sbin/haproxy",
        pcpBinDir: "/usr/sbin",
        exporterBinary: "/usr/bin/prometheus-postgres-exporter",
        prometheusBinary: "/usr/bin/prometheus",
        alertmanagerBinary: "/usr/bin/prometheus-alertmanager",
        nodeExporterBinary: "/usr/bin/prometheus-node-exporter",
    } as const;
}

/** The program paths a HostLayout carries, to spread into each substrate's layout. */
export function hostProgramPaths(postgresVersion: number) {
    const programs = debianProgramPaths(postgresVersion);
    return {
        pgpoolBinary: programs.pgpoolBinary,
        gateBinary: programs.gateBinary,
        clientBinDir: programs.clientBinDir,
        pcpBinDir: programs.pcpBinDir,
        exporterBinary: programs.exporterBinary,
        prometheusBinary: programs.prometheusBinary,
        alertmanagerBinary: programs.alertmanagerBinary,
        nodeExporterBinary: programs.nodeExporterBinary,
    } as const;
}
