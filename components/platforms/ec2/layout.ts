import { debianProgramPaths, hostProgramPaths } from "../debianPaths";
import { HostLayout, PostgresPaths, ServicePaths } from "../../render";

/**
 * Paths on the EC2 hosts. Each service keeps its files in /etc/pg-ha/<service> (the front host
 * runs two), data one level below the data volume's mount point, as in the containers.
 */
export function ec2Layout(postgresVersion: number, vpcCidr: string): HostLayout {
    const service = (name: string): ServicePaths => ({ configDir: `/etc/pg-ha/${name}`, runDir: `/run/pg-ha/${name}` });
    const programs = debianProgramPaths(postgresVersion);
    return {
        listenAddress: "*",
        clusterCidrs: [vpcCidr],
        serviceUser: "postgres",
        ...hostProgramPaths(postgresVersion),
        postgres: (nodeName: string): PostgresPaths => ({
            ...service(nodeName),
            dataDir: "/var/lib/postgresql/data/pgdata",
            binDir: programs.postgresBinDir,
        }),
        pgpool: () => service("pgpool"),
        exporter: () => service("exporter"),
        poolExporter: () => service("pool-exporter"),
        nodeExporter: (nodeName: string) => service(`${nodeName}-metrics`),
        prometheus: () => ({ ...service("prometheus"), dataDir: "/var/lib/pg-ha/prometheus" }),
        alertmanager: () => service("alertmanager"),
    };
}

/** The data volume's mount point: the parent of the data directory. */
export const EC2_DATA_MOUNT = "/var/lib/postgresql/data";
