import * as fs from "fs";
import * as path from "path";
import {
    buildTopology, ClusterConfig, EXPORTER_SERVICE, PGPOOL_SERVICE, Topology,
} from "../../../config";
import { loadStackFile } from "../../../config/stackFile";
import {
    ClusterPasswords, connectionString, metricsUrl, RenderContext, RenderedFile, renderExporterFiles,
    renderPgpoolFiles, renderPostgresNodeFiles, replicationSlotName, StackOutputs, START_SCRIPT,
} from "../../../components/render";
import { httpsGet, metricSamples } from "../https";
import { checkUsableFolder, makeFolder, stackOption } from "../cli";
import { ConnectionParts, withClient } from "../pg";
import { progress, waitUntil } from "../wait";
import { BackupRepository } from "../../../components/render";
import { archiveFirstSegment } from "./backup";
import { localLayout, serviceDir, serviceLogFile } from "./layout";
import { generateClusterPasswords } from "./passwords";
import { generateLocalPki } from "./pki";
import {
    checkBinaries, checkPortFree, checkReachable, ensureServiceUser, isRoot, serviceUserName, UserIds, userIds,
} from "./prerequisites";
import { descendantsOf, isSameProcess, logTail, startDetached, StartedProcess, stopProcess } from "./processes";
import { poolNodes, superuserOn } from "./pgpoolControl";
import {
    LocalRepositoryKind, LocalSecrets, LocalState, readSecrets, SECRETS_FILE, serviceRecord, readState, ServiceRecord, STATE_FILE, writeOutputs, writeSecrets, writeState,
} from "./state";

export interface LocalUpOptions {
    readonly stateDir: string;
    /** Port pgpool gets; every other port shifts by the same amount. Defaults to the stack's own ports. */
    readonly portBase?: number;
    /** Stack file whose config the local run follows. Defaults to "dev". */
    readonly stack?: string;
    /** Deadline for each readiness wait. Defaults to 60 s. */
    readonly waitTimeoutMs?: number;
    /** Backup repository: a folder in the state dir, or S3 on an s3rver of the run's own. Defaults to "posix". */
    readonly backupRepository?: LocalRepositoryKind;
}

/** The local S3 server listens this far above pgpool's port. */
export const LOCAL_S3_PORT_OFFSET = 90;
export const LOCAL_S3_BUCKET = "pg-ha-backups";
export const S3_SERVICE = "s3";
/** s3rver's built-in credentials; it answers on 127.0.0.1 only. */
const S3RVER_KEY = "S3RVER";

/** A local cluster being started: its config, where things are, and the secrets. */
export interface LocalCluster {
    readonly stateDir: string;
    readonly config: ClusterConfig;
    readonly topology: Topology;
    readonly context: RenderContext;
    readonly secrets: LocalSecrets;
    readonly serviceUser: string;
    readonly owner: UserIds | undefined;
    readonly backupRepository: LocalRepositoryKind;
}

function portOffsetFor(config: ClusterConfig, portBase: number | undefined): number {
    if (portBase === undefined) return 0;
    if (!Number.isInteger(portBase) || portBase < 1024 || portBase > 65000) {
        throw new Error(`--port-base must be an integer 1024..65000, got ${portBase}`);
    }
    const offset = portBase - config.ports.pgpool;
    const ports = [config.ports.primary, ...config.ports.replicas, config.ports.metrics, config.ports.pcp].map((port) => port + offset);
    const outOfRange = ports.find((port) => port < 1024 || port > 65535);
    if (outOfRange !== undefined) throw new Error(`--port-base ${portBase} shifts a port to ${outOfRange}, outside 1024..65535`);
    return offset;
}

/** Every port of the topology with the role that uses it. */
export function topologyPorts(topology: Topology): [number, string][] {
    return [
        [topology.pgpool.port, "pgpool"],
        [topology.pgpool.pcpPort, "pgpool PCP"],
        ...topology.nodes.map((node): [number, string] => [node.port, node.name]),
        [topology.exporter.port, "exporter"],
    ];
}

function localTopology(config: ClusterConfig, portOffset: number): Topology {
    return buildTopology(config, () => "127.0.0.1", portOffset);
}

/** The local run's backup repository: a folder in the state dir (pgBackRest posix repository). */
export function localBackupRepository(stateDir: string): string {
    return path.join(stateDir, "backups");
}

function localS3Port(topology: Topology): number {
    return topology.pgpool.port + LOCAL_S3_PORT_OFFSET;
}

function localRepository(stateDir: string, config: ClusterConfig, topology: Topology, kind: LocalRepositoryKind): BackupRepository {
    if (kind === "posix") return { type: "posix", path: localBackupRepository(stateDir) };
    // localhost, not 127.0.0.1: pgBackRest 2.45 does not match an IP address against a certificate.
    return {
        type: "s3", bucket: LOCAL_S3_BUCKET, path: config.backup.prefix, endpoint: "localhost", region: "us-east-1",
        keyType: "shared", key: S3RVER_KEY, secretKey: S3RVER_KEY, uriStyle: "path", port: localS3Port(topology), verifyWithClusterCa: true,
    };
}

function localContext(stateDir: string, config: ClusterConfig, topology: Topology, serviceUser: string, kind: LocalRepositoryKind): RenderContext {
    return {
        config,
        topology,
        layout: localLayout(stateDir, serviceUser, config.postgresVersion),
        backup: { repository: localRepository(stateDir, config, topology, kind), retentionDays: config.backup.retentionDays },
    };
}

/** A local cluster that local:up started, as its state dir records it. */
export function openLocalCluster(stateDirGiven: string): LocalCluster & { readonly state: LocalState } {
    const stateDir = path.resolve(stateDirGiven);
    const state = readState(stateDir);
    const secrets = readSecrets(stateDir);
    if (state === undefined || secrets === undefined) throw new Error(`${stateDir} holds no local cluster (no state.json or secrets.json): start one with npm run local:up`);
    const config = loadStackFile(state.stack);
    const topology = localTopology(config, state.portOffset);
    const owner = isRoot() ? userIds(state.serviceUser) : undefined;
    const kind = state.backupRepository ?? "posix";
    return { stateDir, config, topology, context: localContext(stateDir, config, topology, state.serviceUser, kind), secrets, serviceUser: state.serviceUser, owner, state, backupRepository: kind };
}

/**
 * The local cluster whose outputs.json is `outputsFile` (the state dir holds both). A stack's
 * outputs have no local cluster beside them: the error says where those stacks back up instead.
 */
export function openLocalClusterOfOutputs(outputsFile: string): LocalCluster & { readonly state: LocalState } {
    const stateDir = path.dirname(path.resolve(outputsFile));
    if (readState(stateDir) === undefined) {
        throw new Error(`${outputsFile} is not the outputs.json of a local run (no state.json beside it): this command drives the local run; `
            + "on the Docker and EC2 stacks backups run on the nodes (backup.sh, the prod timers; README: Backups and restore)");
    }
    return openLocalCluster(stateDir);
}

function runningServices(stateDir: string): ServiceRecord[] {
    return (readState(stateDir)?.services ?? []).filter((service) => isSameProcess(service.pid, service.startTime));
}

/**
 * Every check that can refuse, before anything is written or created (the state dir, the service
 * user, secrets): the stack, the ports, the state dir (a file in its place, a read-only or virtual
 * file system, a folder that cannot be written, damaged state files), a cluster still running, the
 * binaries.
 */
async function prepare(options: LocalUpOptions): Promise<LocalCluster> {
    const stateDir = path.resolve(options.stateDir);
    const stack = stackOption(options.stack);
    const config = loadStackFile(stack);
    const portOffset = portOffsetFor(config, options.portBase);
    checkUsableFolder(stateDir, "--state-dir");
    // A state dir that exists must be empty or a local run's: its files are never mixed with others.
    const entries = fs.existsSync(stateDir) ? fs.readdirSync(stateDir) : [];
    if (entries.length > 0 && !entries.includes(STATE_FILE) && !entries.includes(SECRETS_FILE)) {
        throw new Error(`--state-dir ${stateDir} holds other files and no local run (no ${STATE_FILE} or ${SECRETS_FILE}): give a new or empty folder, so that the cluster's files mix with nothing of yours`);
    }
    const running = runningServices(stateDir);
    if (running.length > 0) {
        throw new Error(`the cluster in ${stateDir} is still running (${running.map((s) => `${s.name} pid ${s.pid}`).join(", ")}); run npm run local:down -- --state-dir ${stateDir} first`);
    }
    const existingSecrets = readSecrets(stateDir);
    checkBinaries(config.postgresVersion);
    const serviceUser = serviceUserName();
    const topology = localTopology(config, portOffset);
    const backupRepository = options.backupRepository ?? "posix";
    const ports: [number, string][] = [...topologyPorts(topology), ...(backupRepository === "s3" ? [[localS3Port(topology), "S3 server"] as [number, string]] : [])];
    await Promise.all(ports.map(([port, role]) => checkPortFree(port, role)));
    const context = localContext(stateDir, config, topology, serviceUser, backupRepository);
    const socketPath = path.join(context.layout.postgres(topology.nodes[0]!.name).runDir, `.s.PGSQL.${topology.nodes[0]!.port}`);
    if (socketPath.length > 100) {
        throw new Error(`state dir ${stateDir} is too long: PostgreSQL's socket path ${socketPath} must stay under 100 characters`);
    }
    // Every check that can refuse has passed: from here on things are made.
    const owner = isRoot() ? ensureServiceUser(serviceUser) : undefined;
    makeFolder(stateDir, 0o755);
    // The service user must pass through the state dir to its own folder; listing it is not needed.
    if (owner !== undefined) fs.chmodSync(stateDir, fs.statSync(stateDir).mode & 0o777 | 0o711);
    const secrets = existingSecrets ?? await newSecrets(stateDir, topology);
    return { stateDir, config, topology, context, secrets, serviceUser, owner, backupRepository };
}

async function newSecrets(stateDir: string, topology: Topology): Promise<LocalSecrets> {
    progress("generating passwords and a private CA");
    const services = [...topology.nodes.map((node) => node.name), PGPOOL_SERVICE, EXPORTER_SERVICE, S3_SERVICE];
    const secrets: LocalSecrets = { passwords: generateClusterPasswords(), pki: await generateLocalPki(path.join(stateDir, "pki"), services) };
    writeSecrets(stateDir, secrets);
    return secrets;
}

function tlsFor(cluster: LocalCluster, service: string) {
    const issued = cluster.secrets.pki.certificates[service];
    if (issued === undefined) throw new Error(`no certificate for ${service} in ${cluster.stateDir}/secrets.json`);
    return { caCertPem: cluster.secrets.pki.caCertPem, ...issued };
}

/** Writes a service's rendered files into its config folder and hands its folder to the service user. */
function installFiles(cluster: LocalCluster, service: string, configDir: string, files: readonly RenderedFile[]): void {
    const dir = serviceDir(cluster.stateDir, service);
    fs.mkdirSync(configDir, { recursive: true, mode: 0o755 });
    if (cluster.owner) {
        fs.chownSync(dir, cluster.owner.uid, cluster.owner.gid);
        fs.chmodSync(dir, 0o755);
    }
    for (const file of files) {
        const target = path.join(configDir, file.name);
        fs.writeFileSync(target, file.content, { mode: file.mode });
        fs.chmodSync(target, file.mode);
    }
    if (cluster.owner) checkReachable(dir, cluster.serviceUser);
}

function renderAll(cluster: LocalCluster): Map<string, { configDir: string; files: RenderedFile[] }> {
    const { context } = cluster;
    const passwords: ClusterPasswords = cluster.secrets.passwords;
    const rendered = new Map<string, { configDir: string; files: RenderedFile[] }>();
    for (const node of cluster.topology.nodes) {
        rendered.set(node.name, { configDir: context.layout.postgres(node.name).configDir, files: renderPostgresNodeFiles(context, node, passwords, tlsFor(cluster, node.name)) });
    }
    rendered.set(PGPOOL_SERVICE, { configDir: context.layout.pgpool().configDir, files: renderPgpoolFiles(context, passwords, tlsFor(cluster, PGPOOL_SERVICE)) });
    rendered.set(EXPORTER_SERVICE, { configDir: context.layout.exporter().configDir, files: renderExporterFiles(context, passwords, tlsFor(cluster, EXPORTER_SERVICE)) });
    return rendered;
}

export function localOutputs(cluster: { topology: Topology; config: ClusterConfig; secrets: LocalSecrets }): StackOutputs {
    const { topology, config } = cluster;
    const app = (host: string, port: number) => connectionString({ user: config.appUser, password: cluster.secrets.passwords.app, host, port, database: config.databaseName });
    return {
        pgpoolConnectionString: app(topology.pgpool.host, topology.pgpool.port),
        primaryConnectionString: app(topology.nodes[0]!.host, topology.nodes[0]!.port),
        replicaConnectionStrings: topology.nodes.slice(1).map((node) => app(node.host, node.port)),
        exporterMetricsUrl: metricsUrl(topology.exporter.host, topology.exporter.port),
        caCertificate: cluster.secrets.pki.caCertPem,
    };
}

/**
 * Replicas streaming from the primary through their own slots, seen from the primary in one
 * query. The clone's WAL stream uses the slot too, but under another application_name.
 */
export async function streamingReplicas(primary: ConnectionParts, caPem: string): Promise<Set<string>> {
    const rows = await withClient(primary, { caPem, connectTimeoutMs: 1000 }, async (client) => (await client.query<{ application_name: string; slot_name: string }>(
        "SELECT r.application_name, s.slot_name FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid WHERE r.state = 'streaming'",
    )).rows);
    return new Set(rows.filter((row) => row.slot_name === replicationSlotName(row.application_name)).map((row) => row.application_name));
}

/** Starts every service of a local cluster from its rendered files; returns the outputs once healthy. */
export async function localUp(options: LocalUpOptions): Promise<StackOutputs> {
    const cluster = await prepare(options);
    const timeoutMs = options.waitTimeoutMs ?? 60_000;
    const rendered = renderAll(cluster);
    for (const [service, { configDir, files }] of rendered) installFiles(cluster, service, configDir, files);

    const started: ServiceRecord[] = [];
    const processes = new Map<string, StartedProcess>();
    const record = (): void => writeState(cluster.stateDir, { stack: options.stack ?? "dev", backupRepository: cluster.backupRepository, portOffset: cluster.topology.pgpool.port - cluster.config.ports.pgpool, serviceUser: cluster.serviceUser, services: started });
    const start = (service: string, port: number, stopSignal: NodeJS.Signals, command?: readonly string[]): void => {
        const logFile = serviceLogFile(cluster.stateDir, service);
        const process = startDetached(command ?? path.join(rendered.get(service)!.configDir, START_SCRIPT), logFile);
        processes.set(service, process);
        started.push(serviceRecord(service, process.pid, port, logFile, stopSignal));
        record();
    };
    const abortIfExited = (...services: string[]) => () => {
        for (const service of services) {
            const code = processes.get(service)?.exitCode();
            if (code !== undefined) {
                const log = serviceLogFile(cluster.stateDir, service);
                throw new Error(`${service} exited (code ${code}) while starting; last lines of ${log}:\n${logTail(log)}`);
            }
        }
    };

    const { topology, secrets } = cluster;
    const primary = topology.nodes[0]!;
    const replicas = topology.nodes.slice(1);
    const ca = secrets.pki.caCertPem;
    try {
        if (cluster.backupRepository === "s3") {
            const port = localS3Port(topology);
            const pki = path.join(cluster.stateDir, "pki");
            fs.mkdirSync(serviceDir(cluster.stateDir, S3_SERVICE), { recursive: true });
            progress(`starting the S3 server for backups on https://localhost:${port}`);
            start(S3_SERVICE, port, "SIGTERM", [process.execPath, path.join(__dirname, "..", "..", "s3-server.js"), "--port", String(port), "--dir", path.join(serviceDir(cluster.stateDir, S3_SERVICE), "data"),
                "--cert", path.join(pki, `${S3_SERVICE}.crt`), "--key", path.join(pki, `${S3_SERVICE}.key`), "--bucket", LOCAL_S3_BUCKET]);
            await waitUntil("the S3 server to answer", async () => (await httpsGet(`https://localhost:${port}/`, ca, 1000)).status > 0, { timeoutMs, abortIf: abortIfExited(S3_SERVICE) });
        }
        progress(`starting ${primary.name} (primary) on 127.0.0.1:${primary.port}`);
        start(primary.name, primary.port, "SIGINT");
        let took = await waitUntil(`${primary.name} to accept TLS connections`, () => withClient(superuserOn(cluster, primary), { caPem: ca, connectTimeoutMs: 1000 }, async (client) => (await client.query("SELECT 1")).rowCount === 1), { timeoutMs, abortIf: abortIfExited(primary.name) });
        progress(`${primary.name} ready after ${took} ms; cloning ${replicas.map((node) => node.name).join(", ")}, starting the exporter on ${topology.exporter.port}`);

        for (const replica of replicas) start(replica.name, replica.port, "SIGINT");
        start(EXPORTER_SERVICE, topology.exporter.port, "SIGTERM");
        took = await waitUntil("every replica to stream from the primary through its slot", async () => {
            const streaming = await streamingReplicas(superuserOn(cluster, primary), ca);
            const missing = replicas.filter((node) => !streaming.has(node.name)).map((node) => node.name);
            return missing.length === 0 || `not streaming yet: ${missing.join(", ")}`;
        }, { timeoutMs, abortIf: abortIfExited(...replicas.map((node) => node.name)) });
        progress(`replicas streaming after ${took} ms; starting pgpool on ${topology.pgpool.port}`);

        // pgpool last: started before the replicas stream, its health check would detach them.
        start(PGPOOL_SERVICE, topology.pgpool.port, "SIGINT");
        // The first archived segment creates the backup stanza; done while pgpool starts (off
        // the cores the replicas' cloning needs).
        const archiving = archiveFirstSegment(cluster, primary, timeoutMs).then(() => undefined, (error: Error) => error);
        const outputs = localOutputs(cluster);
        took = await waitUntil("pgpool to see every node up with one primary", async () => {
            const nodes = await poolNodes(cluster);
            const up = nodes.filter((node) => node.status === "up" || node.status === "waiting").length;
            const primaries = nodes.filter((node) => node.role === "primary").length;
            return (up === topology.nodes.length && primaries === 1) || `${up}/${topology.nodes.length} nodes up, ${primaries} primary`;
        }, { timeoutMs, abortIf: abortIfExited(PGPOOL_SERVICE) });
        await waitUntil("the exporter to serve /metrics", async () => {
            const response = await httpsGet(outputs.exporterMetricsUrl, ca, 2000);
            return (response.status === 200 && metricSamples(response.body, "pg_up").some((sample) => sample.value === 1)) || `HTTP ${response.status}`;
        }, { timeoutMs, abortIf: abortIfExited(EXPORTER_SERVICE) });
        const archivingError = await archiving;
        if (archivingError !== undefined) throw new Error(`the primary could not start archiving into the backup repository: ${archivingError.message}`);
        progress(`pgpool and exporter ready after ${took} ms, the first WAL segment archived`);
        writeOutputs(cluster.stateDir, outputs);
        return outputs;
    } catch (error) {
        progress("start failed; stopping what was started (data and logs stay in the state dir)");
        await stopServices(started);
        throw error;
    }
}

/** Stops services in reverse start order: pgpool and exporter first, the primary last. */
/**
 * Stops each service, then SIGKILLs what it had started and left behind: a server killed after
 * the stop timeout leaves its children, such as an archiver waiting on an archive_command that
 * cannot reach the repository.
 */
async function stopServices(services: readonly ServiceRecord[]): Promise<{ name: string; result: string }[]> {
    const results: { name: string; result: string }[] = [];
    for (const service of [...services].reverse()) {
        if (!isSameProcess(service.pid, service.startTime)) {
            results.push({ name: service.name, result: "not running" });
            continue;
        }
        const children = descendantsOf(service.pid);
        const result = await stopProcess(service.pid, service.stopSignal, 20_000);
        const leftovers = children.filter((child) => isSameProcess(child.pid, child.startTime));
        for (const child of leftovers) {
            try {
                process.kill(child.pid, "SIGKILL");
            } catch {
                // It ended between the check and the signal.
            }
        }
        results.push({ name: service.name, result: leftovers.length === 0 ? result : `${result}; ${leftovers.length} leftover process(es) killed` });
    }
    return results;
}

/** Stops every process the state dir records, by pid; safe to run twice. */
export async function localDown(stateDir: string): Promise<{ name: string; result: string }[]> {
    const state = readState(path.resolve(stateDir));
    if (state === undefined) return [];
    return stopServices(state.services);
}

export interface ServiceStatus {
    readonly name: string;
    readonly pid: number;
    readonly port: number;
    readonly running: boolean;
    readonly logFile: string;
}

export function localStatus(stateDir: string): ServiceStatus[] {
    const state = readState(path.resolve(stateDir));
    return (state?.services ?? []).map((service) => ({
        name: service.name, pid: service.pid, port: service.port, running: isSameProcess(service.pid, service.startTime), logFile: service.logFile,
    }));
}
