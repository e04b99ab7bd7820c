/**
 * Where Debian's packages put the programs the cluster runs. Every substrate installs the same
 * packages (the official postgres image is Debian too), so all layouts take these paths from here.
 */
export function debianProgramPaths(postgresVersion: number) {
    return {
        postgresBinDir: `/usr/lib/postgresql/${postgresVersion}/bin`,
        clientBinDir: `/usr/lib/postgresql/${postgresVersion}/bin`,
        pgpoolBinary: "/usr/sbin/pgpool",
        pcpBinDir: "/usr/sbin",
        exporterBinary: "/usr/bin/prometheus-postgres-exporter",
    } as const;
}
