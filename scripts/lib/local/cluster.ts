import * as fs from "fs";
import * as path from "path";
import { ClusterConfig, CONFIG_NAMESPACE, everyPort, parseStackConfig, PGPOOL_SERVICE } from "../../../config";
import { PROJECT_ROOT } from "../../../config/projectRoot";
import { readStackFileConfig } from "../../../config/stackFile";
import { ClusterPlan, planCluster, PlannedService, PlanSecrets } from "../../../components/plan";
import { BackupRepository, RenderedFile, StackOutputs, START_SCRIPT } from "../../../components/render";
import { checkUsableFolder, makeFolder, stackOption } from "../cli";
import { httpsGet } from "../https";
import { progress, sleep, waitUntil } from "../wait";
import { localAddressing } from "./addressing";
import { archiveFirstSegment } from "./backup";
import { serviceDir, serviceLogFile } from "./layout";
import { LocalCluster } from "./localCluster";
import { generateClusterPasswords } from "./passwords";
import { CertificateIdentity, generateLocalPki } from "./pki";
import {
    checkBinaries, checkPortFree, checkReachable, checkSearchableByOthers, ensureServiceUser, isRoot, serviceUserName, userIds,
} from "./prerequisites";
import { descendantsOf, isSameProcess, logTail, startDetached, StartedProcess, stopProcess } from "./processes";
import { isReady } from "./readiness";
import {
    isSupervised, LocalRepositoryKind, LocalSecrets, LocalState, readSecrets, SECRETS_FILE, serverPidOf, serviceRecord, readState, ServiceRecord, STATE_FILE, writeOutputs, writeSecrets, writeState,
} from "./state";

export type { LocalCluster } from "./localCluster";
export { streamingReplicas } from "./readiness";

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
    /**
     * Project keys (without `pg-ha:`) set over the stack file's, such as `{ durability: { mode:
     * "preferred" } }`; kept in the state dir for every later command. Defaults to none.
     */
    readonly configOverrides?: Readonly<Record<string, unknown>>;
    /**
     * Run each service under a supervisor that starts it again whenever it exits (supervise.sh),
     * as Docker and systemd do on the stacks. Defaults to true; false leaves restarts to the
     * caller (tests that restart a node at a chosen moment).
     */
    readonly supervise?: boolean;
}

/** The stack file's config with `overrides` set over its project keys, checked as the program checks it. */
function localConfig(stack: string, overrides: Readonly<Record<string, unknown>> = {}): ClusterConfig {
    const namespaced = Object.fromEntries(Object.entries(overrides).map(([name, value]) => [`${CONFIG_NAMESPACE}:${name}`, value]));
    return parseStackConfig({ ...readStackFileConfig(stack), ...namespaced });
}

/** The local S3 server listens this far above pgpool's port. */
export const LOCAL_S3_PORT_OFFSET = 90;
export const LOCAL_S3_BUCKET = "pg-ha-backups";
export const S3_SERVICE = "s3";
/** s3rver's built-in credentials; it answers on 127.0.0.1 only. */
const S3RVER_KEY = "S3RVER";

function portOffsetFor(config: ClusterConfig, portBase: number | undefined): number {
    if (portBase === undefined) return 0;
    if (!Number.isInteger(portBase) || portBase < 1024 || portBase > 65000) {
        throw new Error(`--port-base must be an integer 1024..65000, got ${portBase}`);
    }
    const offset = portBase - config.ports.pgpool;
    const ports = everyPort(config.ports).map((port) => port + offset);
    const outOfRange = ports.find((port) => port < 1024 || port > 65535);
    if (outOfRange !== undefined) throw new Error(`--port-base ${portBase} shifts a port to ${outOfRange}, outside 1024..65535`);
    return offset;
}

/** Every port of the plan with the service that uses it. */
export function planPorts(plan: ClusterPlan): [number, string][] {
    return plan.services.flatMap((service) => service.ports.map((port): [number, string] => [port.port, port.audience === "host" ? `${service.name} admin` : service.name]));
}

/** The plan of a local cluster: the stack's config on 127.0.0.1, ports shifted, files in the state dir. */
function localPlan(stateDir: string, config: ClusterConfig, serviceUser: string, portOffset: number): ClusterPlan {
    return planCluster(config, localAddressing(stateDir, serviceUser, config.postgresVersion, portOffset));
}

/** The local run's backup repository: a folder in the state dir (pgBackRest posix repository). */
export function localBackupRepository(stateDir: string): string {
    return path.join(stateDir, "backups");
}

function localS3Port(plan: ClusterPlan): number {
    return plan.topology.pgpool.port + LOCAL_S3_PORT_OFFSET;
}

function localRepository(stateDir: string, plan: ClusterPlan, kind: LocalRepositoryKind): BackupRepository {
    if (kind === "posix") return { type: "posix", path: localBackupRepository(stateDir) };
    // localhost, not 127.0.0.1: pgBackRest 2.45 does not match an IP address against a certificate.
    return {
        type: "s3", bucket: LOCAL_S3_BUCKET, path: plan.config.backup.prefix, endpoint: "localhost", region: "us-east-1",
        keyType: "shared", key: S3RVER_KEY, secretKey: S3RVER_KEY, uriStyle: "path", port: localS3Port(plan), verifyWithClusterCa: true,
    };
}

/** A local cluster from its plan: the renderer input carries the run's backup repository. */
function localCluster(stateDir: string, plan: ClusterPlan, secrets: LocalSecrets, serviceUser: string, owner: LocalCluster["owner"], kind: LocalRepositoryKind): LocalCluster {
    return {
        stateDir,
        config: plan.config,
        plan,
        topology: plan.topology,
        context: { ...plan.context, backup: { repository: localRepository(stateDir, plan, kind), retentionDays: plan.config.backup.retentionDays } },
        secrets,
        serviceUser,
        owner,
        backupRepository: kind,
    };
}

/** A local cluster that local:up started, as its state dir records it. */
export function openLocalCluster(stateDirGiven: string): LocalCluster & { readonly state: LocalState } {
    const stateDir = path.resolve(stateDirGiven);
    const state = readState(stateDir);
    const secrets = readSecrets(stateDir);
    if (state === undefined || secrets === undefined) throw new Error(`${stateDir} holds no local cluster (no state.json or secrets.json): start one with npm run local:up`);
    const plan = localPlan(stateDir, localConfig(state.stack, state.configOverrides), state.serviceUser, state.portOffset);
    const owner = isRoot() ? userIds(state.serviceUser) : undefined;
    return { ...localCluster(stateDir, plan, secrets, state.serviceUser, owner, state.backupRepository ?? "posix"), state };
}

/**
 * The local cluster whose outputs.json is `outputsFile` (the state dir holds both). A stack's
 * outputs have no local cluster beside them: the error says where those stacks back up instead.
 */
export function openLocalClusterOfOutputs(outputsFile: string): LocalCluster & { readonly state: LocalState } {
    const stateDir = path.dirname(path.resolve(outputsFile));
    if (readState(stateDir) === undefined) {
        throw new Error(`${outputsFile} is not the outputs.json of a local run (no state.json beside it), nor a deployed stack's outputs that name its hosts (hostAccess): `
            + "pass a local run's outputs.json, a stack's outputs saved with pulumi stack output --json --show-secrets by this version, or --stack NAME");
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
    const config = localConfig(stack, options.configOverrides);
    const portOffset = portOffsetFor(config, options.portBase);
    checkUsableFolder(stateDir, "--state-dir");
    if (isRoot()) checkSearchableByOthers(stateDir, serviceUserName());
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
    const plan = localPlan(stateDir, config, serviceUser, portOffset);
    const backupRepository = options.backupRepository ?? "posix";
    const ports: [number, string][] = [...planPorts(plan), ...(backupRepository === "s3" ? [[localS3Port(plan), "S3 server"] as [number, string]] : [])];
    await Promise.all(ports.map(([port, role]) => checkPortFree(port, role)));
    const primary = plan.topology.nodes[0]!;
    const socketPath = path.join(plan.context.layout.postgres(primary.name).runDir, `.s.PGSQL.${primary.port}`);
    if (socketPath.length > 100) {
        throw new Error(`state dir ${stateDir} is too long: PostgreSQL's socket path ${socketPath} must stay under 100 characters`);
    }
    // Every check that can refuse has passed: from here on things are made.
    const owner = isRoot() ? ensureServiceUser(serviceUser) : undefined;
    makeFolder(stateDir, 0o755);
    // The service user must pass through the state dir to its own folder; listing it is not needed.
    if (owner !== undefined) fs.chmodSync(stateDir, fs.statSync(stateDir).mode & 0o777 | 0o711);
    const secrets = existingSecrets ?? await newSecrets(stateDir, plan);
    return localCluster(stateDir, plan, secrets, serviceUser, owner, backupRepository);
}

async function newSecrets(stateDir: string, plan: ClusterPlan): Promise<LocalSecrets> {
    progress("generating passwords and a private CA");
    const identities: CertificateIdentity[] = [
        ...plan.services.map((service) => ({ name: service.name, ...service.certificate })),
        { name: S3_SERVICE, dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] },
    ];
    const secrets: LocalSecrets = { passwords: generateClusterPasswords(), pki: await generateLocalPki(path.join(stateDir, "pki"), identities) };
    writeSecrets(stateDir, secrets);
    return secrets;
}

/** What the plan renders the services' files from, on the local run. */
function planSecrets(cluster: LocalCluster): PlanSecrets {
    const { pki } = cluster.secrets;
    const tls = Object.fromEntries(cluster.plan.services.map((service) => {
        const issued = pki.certificates[service.name];
        if (issued === undefined) throw new Error(`no certificate for ${service.name} in ${cluster.stateDir}/${SECRETS_FILE}`);
        return [service.name, { caCertPem: pki.caCertPem, ...issued }];
    }));
    return { passwords: cluster.secrets.passwords, tls, backupRepository: cluster.context.backup!.repository };
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

/** The local run's stack outputs: the plan's, with its secrets. */
export function localOutputs(cluster: LocalCluster): StackOutputs {
    return cluster.plan.outputs(cluster.secrets.passwords.app, cluster.secrets.pki.caCertPem);
}

/** Starts every service of a local cluster from its rendered files; returns the outputs once healthy. */
export async function localUp(options: LocalUpOptions): Promise<StackOutputs> {
    const cluster = await prepare(options);
    const timeoutMs = options.waitTimeoutMs ?? 60_000;
    const secrets = planSecrets(cluster);
    for (const service of cluster.plan.services) installFiles(cluster, service.name, service.configDir, service.render(secrets));

    const started: ServiceRecord[] = [];
    const processes = new Map<string, StartedProcess>();
    const supervised = options.supervise ?? true;
    const record = (): void => writeState(cluster.stateDir, { stack: stackOption(options.stack), ...(options.configOverrides === undefined ? {} : { configOverrides: options.configOverrides }), backupRepository: cluster.backupRepository, portOffset: cluster.topology.pgpool.port - cluster.config.ports.pgpool, serviceUser: cluster.serviceUser, services: started });
    const track = (name: string, child: StartedProcess, entry: ServiceRecord): void => {
        processes.set(name, child);
        started.push(entry);
        record();
    };
    const abortIfExited = (name: string) => () => {
        const code = processes.get(name)?.exitCode();
        if (code !== undefined) {
            const log = serviceLogFile(cluster.stateDir, name);
            throw new Error(`${name} exited (code ${code}) while starting; last lines of ${log}:\n${logTail(log)}`);
        }
    };
    const startService = (service: PlannedService): void => {
        disarm(cluster.stateDir, service.name);
        const { process: child, record: entry } = startPlannedService(cluster.stateDir, service, supervised);
        track(service.name, child, entry);
    };
    const ready = (service: PlannedService): Promise<number> => waitUntil(`${service.name} to be ready (${service.readiness.kind})`, () => isReady(cluster, service), { timeoutMs, intervalMs: 200, abortIf: abortIfExited(service.name) });

    const ca = cluster.secrets.pki.caCertPem;
    try {
        if (cluster.backupRepository === "s3") {
            const port = localS3Port(cluster.plan);
            const pki = path.join(cluster.stateDir, "pki");
            fs.mkdirSync(serviceDir(cluster.stateDir, S3_SERVICE), { recursive: true });
            progress(`starting the S3 server for backups on https://localhost:${port}`);
            const logFile = serviceLogFile(cluster.stateDir, S3_SERVICE);
            const child = startDetached([process.execPath, path.join(__dirname, "..", "..", "s3-server.js"), "--port", String(port), "--dir", path.join(serviceDir(cluster.stateDir, S3_SERVICE), "data"),
                "--cert", path.join(pki, `${S3_SERVICE}.crt`), "--key", path.join(pki, `${S3_SERVICE}.key`), "--bucket", LOCAL_S3_BUCKET], logFile);
            track(S3_SERVICE, child, serviceRecord(S3_SERVICE, child.pid, port, logFile, "SIGTERM"));
            await waitUntil("the S3 server to answer", async () => (await httpsGet(`https://localhost:${port}/`, ca, 1000)).status > 0, { timeoutMs, abortIf: abortIfExited(S3_SERVICE) });
        }
        // The plan's order, in waves: each service starts once everything it starts after is ready.
        const readyServices = new Set<string>();
        let archiving: Promise<Error | undefined> | undefined;
        for (let pending = [...cluster.plan.services]; pending.length > 0;) {
            const wave = pending.filter((service) => service.after.every((name) => readyServices.has(name)));
            if (wave.length === 0) throw new Error(`the plan's order cannot be met: ${pending.map((service) => `${service.name} after ${service.after.join(", ")}`).join("; ")}`);
            pending = pending.filter((service) => !wave.includes(service));
            progress(`starting ${wave.map((service) => `${service.name} on 127.0.0.1:${service.ports[0]!.port}`).join(", ")}`);
            for (const service of wave) startService(service);
            if (wave.some((service) => service.name === PGPOOL_SERVICE)) {
                // The first archived segment creates the backup stanza; done while pgpool starts
                // (off the cores the replicas' cloning needs).
                archiving = archiveFirstSegment(cluster, cluster.topology.nodes[0]!, timeoutMs).then(() => undefined, (error: Error) => error);
            }
            const took = await Promise.all(wave.map(ready));
            for (const service of wave) {
                readyServices.add(service.name);
                if (supervised) arm(cluster.stateDir, service.name);
            }
            progress(`${wave.map((service, i) => `${service.name} ready after ${took[i]} ms`).join(", ")}`);
        }
        const archivingError = await archiving;
        if (archivingError !== undefined) throw new Error(`the primary could not start archiving into the backup repository: ${archivingError.message}`);
        progress("every service ready, the first WAL segment archived");
        const outputs = localOutputs(cluster);
        writeOutputs(cluster.stateDir, outputs);
        return outputs;
    } catch (error) {
        progress("start failed; stopping what was started (data and logs stay in the state dir)");
        await stopServices(started);
        throw error;
    }
}

/**
 * Starts one service of a local cluster again from its start script, as a supervisor restarts a
 * service that exited, and records the new process in the state dir (local:down stops it).
 */
export function restartService(stateDir: string, name: string): StartedProcess {
    const cluster = openLocalCluster(stateDir);
    const supervised = isSupervised(cluster.state);
    // A second supervisor would start a second server on the same data.
    const running = cluster.state.services.find((service) => service.name === name && isSameProcess(service.pid, service.startTime));
    if (supervised && running !== undefined) throw new Error(`${name}'s supervisor still runs (pid ${running.pid}): stop it before starting it again`);
    if (supervised) arm(cluster.stateDir, name);
    const { process: started, record } = startPlannedService(cluster.stateDir, cluster.plan.service(name), supervised);
    const others = cluster.state.services.filter((entry) => entry.name !== name);
    writeState(cluster.stateDir, { ...cluster.state, services: [...others, record] });
    return started;
}

/** The supervisor of the local run's services (see the script). */
const SUPERVISE_SCRIPT = path.join(PROJECT_ROOT, "scripts", "lib", "local", "supervise.sh");

/** The file whose presence tells a service's supervisor to restart it when it exits (it was ready once). */
function armedFile(stateDir: string, name: string): string {
    return path.join(serviceDir(stateDir, name), "supervise.armed");
}

function arm(stateDir: string, name: string): void {
    fs.writeFileSync(armedFile(stateDir, name), "");
}

function disarm(stateDir: string, name: string): void {
    fs.rmSync(armedFile(stateDir, name), { force: true });
}

/**
 * A service of the plan started from its start script, under its supervisor when `supervised`,
 * with the record the state dir keeps of it.
 */
function startPlannedService(stateDir: string, service: PlannedService, supervised: boolean): { process: StartedProcess; record: ServiceRecord } {
    const logFile = serviceLogFile(stateDir, service.name);
    const start = ["/bin/bash", path.join(service.configDir, START_SCRIPT)];
    if (!supervised) {
        const started = startDetached(start, logFile);
        return { process: started, record: serviceRecord(service.name, started.pid, service.ports[0]!.port, logFile, service.stopSignal) };
    }
    const pidFile = path.join(serviceDir(stateDir, service.name), "server.pid");
    fs.rmSync(pidFile, { force: true });
    const started = startDetached(["/bin/bash", SUPERVISE_SCRIPT, pidFile, armedFile(stateDir, service.name), service.stopSignal, ...start], logFile);
    return { process: started, record: serviceRecord(service.name, started.pid, service.ports[0]!.port, logFile, service.stopSignal, pidFile) };
}

/**
 * Stops services in reverse start order (pgpool and the exporter first, the primary last), then
 * SIGKILLs what each had started and left behind a moment after it ended: a server killed after
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
        // Children told of their parent's end (pgpool's attach-backends.sh) take a moment to go.
        const alive = () => children.filter((child) => isSameProcess(child.pid, child.startTime));
        for (let wait = 0; wait < 10 && alive().length > 0; wait++) await sleep(100);
        const leftovers = alive();
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

/** Stops one service of a local cluster (its stop signal, then SIGKILL after 20 s); how it ended. */
export async function stopService(stateDir: string, name: string): Promise<string> {
    const record = readState(path.resolve(stateDir))?.services.find((service) => service.name === name);
    if (record === undefined) throw new Error(`${stateDir} records no service ${name}`);
    return (await stopServices([record]))[0]!.result;
}

/** Stops every process the state dir records, by pid; safe to run twice. */
export async function localDown(stateDir: string): Promise<{ name: string; result: string }[]> {
    const state = readState(path.resolve(stateDir));
    if (state === undefined) return [];
    return stopServices(state.services);
}

export interface ServiceStatus {
    readonly name: string;
    /** The supervisor's pid on a supervised run, else the server's. */
    readonly pid: number;
    /** The server's pid now (restarts change it); undefined while none runs. */
    readonly serverPid?: number;
    readonly port: number;
    /** Its supervisor, or the server itself when unsupervised, runs. */
    readonly running: boolean;
    readonly logFile: string;
}

export function localStatus(stateDir: string): ServiceStatus[] {
    const state = readState(path.resolve(stateDir));
    return (state?.services ?? []).map((service) => ({
        name: service.name, pid: service.pid, serverPid: serverPidOf(service), port: service.port, running: isSameProcess(service.pid, service.startTime), logFile: service.logFile,
    }));
}
