import * as path from "path";
import { EXPORTER_SERVICE, PGPOOL_SERVICE } from "../../../config";
import { HostLayout, PostgresPaths, ServicePaths } from "../../../components/render";

export const PGPOOL_BINARY = "/usr/sbin/pgpool";
export const EXPORTER_BINARY = "/usr/bin/prometheus-postgres-exporter";

export function postgresBinDir(version: number): string {
    return `/usr/lib/postgresql/${version}/bin`;
}

/** Folder of one service inside the state dir: config/ (rendered files), run/ (private), data/. */
export function serviceDir(stateDir: string, service: string): string {
    return path.join(stateDir, service);
}

function servicePaths(stateDir: string, service: string): ServicePaths {
    return { configDir: path.join(serviceDir(stateDir, service), "config"), runDir: path.join(serviceDir(stateDir, service), "run") };
}

/** The local run's hosts: every service on 127.0.0.1, its files under the state dir. */
export function localLayout(stateDir: string, serviceUser: string, postgresVersion: number): HostLayout {
    return {
        listenAddress: "127.0.0.1",
        clusterCidrs: ["127.0.0.1/32"],
        serviceUser,
        pgpoolBinary: PGPOOL_BINARY,
        clientBinDir: postgresBinDir(postgresVersion),
        pcpBinDir: "/usr/sbin",
        exporterBinary: EXPORTER_BINARY,
        postgres: (nodeName: string): PostgresPaths => ({
            ...servicePaths(stateDir, nodeName),
            dataDir: path.join(serviceDir(stateDir, nodeName), "data"),
            binDir: postgresBinDir(postgresVersion),
        }),
        pgpool: () => servicePaths(stateDir, PGPOOL_SERVICE),
        exporter: () => servicePaths(stateDir, EXPORTER_SERVICE),
    };
}
