import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as net from "net";
import * as os from "os";
import { debianProgramPaths } from "../../../components/platforms/debianPaths";

/** The Debian package that brings each binary the local run needs. */
export function requiredBinaries(postgresVersion: number): { path: string; debianPackage: string }[] {
    const programs = debianProgramPaths(postgresVersion);
    return [
        ...["initdb", "pg_ctl", "postgres", "psql", "pg_basebackup", "pg_isready", "pg_rewind"].map((name) => ({ path: `${programs.postgresBinDir}/${name}`, debianPackage: `postgresql-${postgresVersion}` })),
        { path: programs.pgpoolBinary, debianPackage: "pgpool2" },
        { path: `${programs.pcpBinDir}/pcp_attach_node`, debianPackage: "pgpool2" },
        { path: programs.gateBinary, debianPackage: "haproxy" },
        { path: programs.exporterBinary, debianPackage: "prometheus-postgres-exporter" },
        { path: programs.prometheusBinary, debianPackage: "prometheus" },
        { path: programs.alertmanagerBinary, debianPackage: "prometheus-alertmanager" },
        { path: programs.nodeExporterBinary, debianPackage: "prometheus-node-exporter" },
        { path: "/usr/bin/openssl", debianPackage: "openssl" },
        { path: "/usr/bin/setpriv", debianPackage: "util-linux" },
    ];
}

export function checkBinaries(postgresVersion: number): void {
    const missing = requiredBinaries(postgresVersion).filter((binary) => !fs.existsSync(binary.path));
    if (missing.length > 0) {
        const packages = [...new Set(missing.map((binary) => binary.debianPackage))].join(" ");
        throw new Error(`missing binaries: ${missing.map((binary) => binary.path).join(", ")}. Install them with: apt-get install -y ${packages} (or run npm test, which installs them)`);
    }
}

/**
 * Resolves when nothing listens on host:port; rejects naming the role, and `fix` (what to do),
 * otherwise. Defaults: 127.0.0.1, and the local run's --port-base.
 */
export function checkPortFree(port: number, role: string, host = "127.0.0.1", fix = "stop what uses it or pass --port-base to shift every port"): Promise<void> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", (error: NodeJS.ErrnoException) => {
            reject(new Error(error.code === "EADDRINUSE"
                ? `port ${port} (${role}) is already in use on ${host}; ${fix}`
                : `cannot listen on ${host}:${port} (${role}): ${error.message}`));
        });
        server.listen({ port, host, exclusive: true }, () => server.close(() => resolve()));
    });
}

/** The user services run as: a dedicated system user when we are root, else ourselves. */
export const LOCAL_SERVICE_USER = "pgha";

export function isRoot(): boolean {
    return typeof process.getuid === "function" && process.getuid() === 0;
}

export function serviceUserName(): string {
    return isRoot() ? LOCAL_SERVICE_USER : os.userInfo().username;
}

export interface UserIds {
    readonly uid: number;
    readonly gid: number;
}

/** The ids of an existing user; refused in words when there is no such user. */
export function userIds(user: string): UserIds {
    const id = (flag: "-u" | "-g") => spawnSync("id", [flag, user], { encoding: "utf8" });
    const [uid, gid] = [id("-u"), id("-g")];
    if (uid.status !== 0 || gid.status !== 0) {
        throw new Error(`the service user ${user} does not exist on this machine (it was removed after the cluster was made): create it again with useradd --system --user-group ${user}, or start a new cluster in another state dir`);
    }
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Creates the unprivileged service user when running as root (PostgreSQL refuses root). */
export function ensureServiceUser(user: string): UserIds {
    if (spawnSync("id", ["-u", user], { stdio: "ignore" }).status !== 0) {
        execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", user], { stdio: "pipe" });
    }
    return userIds(user);
}

/**
 * Refuses, before anything is made, a state dir that the service user (a dedicated system user,
 * for whom the "others" bits count) could not reach: a folder on its path that others may not
 * search, such as a 0700 folder from mktemp or /root.
 */
export function checkSearchableByOthers(stateDir: string, user: string): void {
    for (let dir = path.dirname(stateDir); ; dir = path.dirname(dir)) {
        if (fs.existsSync(dir) && (fs.statSync(dir).mode & 0o001) === 0) {
            throw new Error(`the service user ${user} could not reach --state-dir ${stateDir}: ${dir} is not searchable by other users (mode ${(fs.statSync(dir).mode & 0o777).toString(8)}); choose a state dir whose every parent folder has o+x, such as /tmp/pg-ha, or chmod o+x ${dir}`);
        }
        if (dir === path.dirname(dir)) return;
    }
}

/** Fails clearly when the service user cannot reach a folder (a parent without o+x, say). */
export function checkReachable(dir: string, user: string): void {
    const probe = spawnSync("setpriv", ["--reuid", user, "--regid", user, "--init-groups", "--", "test", "-w", dir], { stdio: "ignore" });
    if (probe.status !== 0) {
        throw new Error(`user ${user} cannot write to ${dir}: every parent folder must be searchable by it (chmod o+x), or choose a state dir under /tmp`);
    }
}
