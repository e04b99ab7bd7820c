/**
 * The one home of every Debian package the cluster runs, and of the versions pinned where an image
 * is built: the Docker images take them as build arguments, EC2's cloud-init installs the same
 * names, and the integration tests check the pins against what the test machine runs.
 */
export const PINNED_DEBIAN_VERSIONS = {
    pgpool2: "4.3.5-1+deb12u1",
    pgbackrest: "2.45-1",
    "prometheus-postgres-exporter": "0.11.1-3+b5",
    // The alert rules are checked with this promtool; Alertmanager's config with this amtool.
    prometheus: "2.42.0+ds-5+deb12u1",
    "prometheus-alertmanager": "0.25.0-1+b4",
    "prometheus-node-exporter": "1.5.0-1+b6",
} as const;

export type PinnedPackage = keyof typeof PINNED_DEBIAN_VERSIONS;

/** The PostgreSQL major Debian bookworm ships; any other comes from the PostgreSQL apt repository. */
export const DEBIAN_POSTGRES_MAJOR = 15;

/** Whether a host of this major needs the PostgreSQL apt repository (and so its key). */
export function needsPostgresRepository(postgresVersion: number): boolean {
    return postgresVersion !== DEBIAN_POSTGRES_MAJOR;
}

/** The PostgreSQL server package of a major version. */
export function postgresServerPackage(postgresVersion: number): string {
    return `postgresql-${postgresVersion}`;
}

/** psql, pg_isready and the other clients of a major version (failover scripts call this one). */
export function postgresClientPackage(postgresVersion: number): string {
    return `postgresql-client-${postgresVersion}`;
}

/** Packages of each kind of host, by what it runs. */
export function hostPackages(postgresVersion: number) {
    return {
        postgres: [postgresServerPackage(postgresVersion), postgresClientPackage(postgresVersion), "pgbackrest", "prometheus-node-exporter"],
        front: ["pgpool2", "haproxy", postgresClientPackage(postgresVersion), "prometheus-postgres-exporter", "prometheus", "prometheus-alertmanager"],
    } as const;
}

/** The hosts' packages that only the exporters' and the monitoring servers' images take. */
const MONITORING_PACKAGES: readonly string[] = ["prometheus-postgres-exporter", "prometheus", "prometheus-alertmanager", "prometheus-node-exporter"];

/** What each Docker image installs: the host's packages, pinned where config pins them. */
export function imagePackages(kind: "postgres" | "pgpool" | "exporter" | "monitor" | "node-exporter", postgresVersion: number): string[] {
    const pinned = (name: string) => (name in PINNED_DEBIAN_VERSIONS ? `${name}=${PINNED_DEBIAN_VERSIONS[name as PinnedPackage]}` : name);
    const hosts = hostPackages(postgresVersion);
    switch (kind) {
        case "postgres":
            return hosts.postgres.filter((name) => !MONITORING_PACKAGES.includes(name)).map(pinned);
        case "pgpool":
            return hosts.front.filter((name) => !MONITORING_PACKAGES.includes(name)).map(pinned);
        case "exporter":
            // curl for the container's health check.
            return ["prometheus-postgres-exporter", "curl", "ca-certificates"].map(pinned);
        case "monitor":
            // curl for the containers' health checks.
            return ["prometheus", "prometheus-alertmanager", "curl", "ca-certificates"].map(pinned);
        case "node-exporter":
            return ["prometheus-node-exporter", "curl", "ca-certificates"].map(pinned);
    }
}
