import * as path from "path";
import { ALERTMANAGER_SERVICE, EXPORTER_SERVICE, nodeExporterServiceName, PGPOOL_SERVICE, POOL_EXPORTER_SERVICE, PROMETHEUS_SERVICE } from "../../../config";
import { debianProgramPaths, hostProgramPaths } from "../../../components/platforms/debianPaths";
import { HostLayout, PostgresPaths, ServicePaths } from "../../../components/render";


/** Folder of one service inside the state dir: config/ (rendered files), run/ (private), data/. */
export function serviceDir(stateDir: string, service: string): string {
    return path.join(stateDir, service);
}

/** Where a local service's output goes. */
export function serviceLogFile(stateDir: string, service: string): string {
    return path.join(serviceDir(stateDir, service), `${service}.log`);
}

function servicePaths(stateDir: string, service: string): ServicePaths {
    return { configDir: path.join(serviceDir(stateDir, service), "config"), runDir: path.join(serviceDir(stateDir, service), "run") };
}

/** The local run's hosts: every service on 127.0.0.1, its files under the state dir. */
export function localLayout(stateDir: string, serviceUser: string, postgresVersion: number): HostLayout {
    const programs = debianProgramPaths(postgresVersion);
    return {
        listenAddress: "127.0.0.1",
        clusterCidrs: ["127.0.0.1/32"],
        serviceUser,
        ...hostProgramPaths(postgresVersion),
        postgres: (nodeName: string): PostgresPaths => ({
            ...servicePaths(stateDir, nodeName),
            dataDir: path.join(serviceDir(stateDir, nodeName), "data"),
            binDir: programs.postgresBinDir,
        }),
        pgpool: () => servicePaths(stateDir, PGPOOL_SERVICE),
        exporter: () => servicePaths(stateDir, EXPORTER_SERVICE),
        poolExporter: () => servicePaths(stateDir, POOL_EXPORTER_SERVICE),
        nodeExporter: (nodeName: string) => servicePaths(stateDir, nodeExporterServiceName(nodeName)),
        prometheus: () => ({ ...servicePaths(stateDir, PROMETHEUS_SERVICE), dataDir: path.join(serviceDir(stateDir, PROMETHEUS_SERVICE), "data") }),
        alertmanager: () => servicePaths(stateDir, ALERTMANAGER_SERVICE),
    };
}
