import * as fs from "fs";
import * as path from "path";
import { ClusterPasswords, PASSWORD_NAMES, StackOutputs } from "../../../components/render";
import { readUserJson } from "../cli";
import { LocalPki } from "./pki";
import { isSameProcess, parentOf, startTime } from "./processes";

/** One process the local run started: a service's supervisor, or the server itself when unsupervised. */
export interface ServiceRecord {
    readonly name: string;
    /** What to signal to stop the service: its supervisor when supervised. */
    readonly pid: number;
    /** From /proc: with the pid, proves a later pid is still this process. */
    readonly startTime: string;
    readonly port: number;
    readonly logFile: string;
    /** Fast shutdown: SIGINT for PostgreSQL and pgpool, SIGTERM for the exporter. */
    readonly stopSignal: NodeJS.Signals;
    /** Where the supervisor writes the pid of the server it runs now; none when unsupervised. */
    readonly serverPidFile?: string;
}

/** Where the local run keeps backups: a folder, or an S3-compatible server of its own (s3rver). */
export type LocalRepositoryKind = "posix" | "s3";

/** The record of a process just started: its start time from /proc pins the pid to it. */
export function serviceRecord(name: string, pid: number, port: number, logFile: string, stopSignal: NodeJS.Signals, serverPidFile?: string): ServiceRecord {
    return { name, pid, startTime: startTime(pid) ?? "", port, logFile, stopSignal, ...(serverPidFile === undefined ? {} : { serverPidFile }) };
}

/** Whether local:up ran the cluster's services under supervisors (its default): their records name a server pid file. */
export function isSupervised(state: LocalState): boolean {
    return state.services.some((service) => service.serverPidFile !== undefined);
}

/**
 * The pid of the server a service runs now: the one its supervisor started last (a child of it,
 * alive), or the recorded process when unsupervised; undefined when none runs.
 */
export function serverPidOf(record: ServiceRecord): number | undefined {
    if (!isSameProcess(record.pid, record.startTime)) return undefined;
    if (record.serverPidFile === undefined) return record.pid;
    let pid: number;
    try {
        pid = Number(fs.readFileSync(record.serverPidFile, "utf8").trim());
    } catch {
        return undefined;
    }
    return Number.isInteger(pid) && pid > 0 && parentOf(pid) === record.pid ? pid : undefined;
}

export interface LocalState {
    readonly stack: string;
    /** Project keys (without `pg-ha:`) set over the stack file's, as local:up was given them. */
    readonly configOverrides?: Readonly<Record<string, unknown>>;
    readonly backupRepository: LocalRepositoryKind;
    readonly portOffset: number;
    readonly serviceUser: string;
    readonly services: readonly ServiceRecord[];
}

/** Secrets of a local cluster, kept (mode 0600) so that local:up can restart it on its data. */
export interface LocalSecrets {
    readonly passwords: ClusterPasswords;
    readonly pki: LocalPki;
}

export const STATE_FILE = "state.json";
export const SECRETS_FILE = "secrets.json";
export const OUTPUTS_FILE = "outputs.json";

/** What to do about a state dir whose files are damaged. */
function damagedHint(stateDir: string): string {
    return `the state dir is damaged: stop any PostgreSQL, pgpool or exporter process it started, then remove ${stateDir} and run npm run local:up again`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A state or secrets file; undefined when there is none, an error in words when it is damaged. */
function readStateDirFile<T>(stateDir: string, name: string, problemOf: (value: unknown) => string | undefined): T | undefined {
    const file = path.join(stateDir, name);
    if (!fs.existsSync(file)) return undefined;
    const value = readUserJson(file, name === STATE_FILE ? "state file" : "secrets file", damagedHint(stateDir));
    const problem = problemOf(value);
    if (problem !== undefined) throw new Error(`${file} is not a local run's ${name} (${problem}): ${damagedHint(stateDir)}`);
    return value as T;
}

function stateProblem(value: unknown): string | undefined {
    if (!isRecord(value)) return "not a JSON object";
    if (typeof value.stack !== "string") return "no stack";
    if (value.configOverrides !== undefined && !isRecord(value.configOverrides)) return "configOverrides is not a JSON object";
    if (value.backupRepository !== undefined && value.backupRepository !== "posix" && value.backupRepository !== "s3") return "backupRepository is neither posix nor s3";
    if (!Number.isInteger(value.portOffset)) return "no whole-number portOffset";
    if (typeof value.serviceUser !== "string") return "no serviceUser";
    if (!Array.isArray(value.services)) return "no list of services";
    const bad = value.services.findIndex((service: unknown) => !isRecord(service) || typeof service.name !== "string" || !Number.isInteger(service.pid)
        || typeof service.startTime !== "string" || typeof service.logFile !== "string" || typeof service.stopSignal !== "string");
    return bad < 0 ? undefined : `services[${bad}] lacks a name, pid, startTime, logFile or stopSignal`;
}

function secretsProblem(value: unknown): string | undefined {
    if (!isRecord(value)) return "not a JSON object";
    const passwords = value.passwords;
    if (!isRecord(passwords)) return "no passwords";
    const missing = PASSWORD_NAMES.filter((name) => typeof passwords[name] !== "string");
    if (missing.length > 0) return `no password for ${missing.join(", ")}`;
    if (!isRecord(value.pki) || typeof value.pki.caCertPem !== "string" || !isRecord(value.pki.certificates)) return "no pki with a caCertPem and certificates";
    return undefined;
}
function writePrivateJson(file: string, value: unknown): void {
    const temporary = `${file}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(temporary, file);
}

export const readState = (stateDir: string): LocalState | undefined => readStateDirFile<LocalState>(stateDir, STATE_FILE, stateProblem);
export const writeState = (stateDir: string, state: LocalState): void => writePrivateJson(path.join(stateDir, STATE_FILE), state);
export const readSecrets = (stateDir: string): LocalSecrets | undefined => readStateDirFile<LocalSecrets>(stateDir, SECRETS_FILE, secretsProblem);
export const writeSecrets = (stateDir: string, secrets: LocalSecrets): void => writePrivateJson(path.join(stateDir, SECRETS_FILE), secrets);
export const writeOutputs = (stateDir: string, outputs: StackOutputs): void => writePrivateJson(path.join(stateDir, OUTPUTS_FILE), outputs);

/**
 * The state dir a command names, refused when a file stands there; a folder that is not there is
 * fine (it holds no cluster) and is not made.
 */
export function stateDirOption(value: string): string {
    const stateDir = path.resolve(value);
    if (fs.existsSync(stateDir) && !fs.statSync(stateDir).isDirectory()) {
        throw new Error(`--state-dir ${stateDir} is a file, not a folder: give the state dir that npm run local:up was given`);
    }
    return stateDir;
}

/** What a command needs running: every service in `all`, and at least one of `oneOf` when given. */
export interface NeededServices {
    readonly all: readonly string[];
    readonly oneOf?: readonly string[];
}

/**
 * Why a command cannot run on this cluster now: its processes (pid and start time, as recorded)
 * are not all alive. Undefined when everything needed runs. Asks no server, so a cluster that is
 * down is refused at once, with what to do.
 */
export function servicesNotRunning(stateDir: string, state: LocalState, needed: NeededServices): string | undefined {
    const running = (name: string): boolean => state.services.some((service) => service.name === name && isSameProcess(service.pid, service.startTime));
    const restart = `stop what is left with npm run local:down -- --state-dir ${stateDir}, then start it with npm run local:up -- --state-dir ${stateDir}`;
    if (!state.services.some((service) => isSameProcess(service.pid, service.startTime))) {
        return `the local cluster in ${stateDir} is not running (no process it started is alive): start it with npm run local:up -- --state-dir ${stateDir}`;
    }
    const down = needed.all.filter((name) => !running(name));
    if (down.length > 0) return `${down.join(", ")} of the local cluster in ${stateDir} ${down.length === 1 ? "is" : "are"} not running: ${restart}`;
    if (needed.oneOf !== undefined && !needed.oneOf.some(running)) return `none of ${needed.oneOf.join(", ")} of the local cluster in ${stateDir} is running: ${restart}`;
    return undefined;
}

/** Throws {@link servicesNotRunning}'s reason, if any. */
export function assertServicesRunning(stateDir: string, state: LocalState, needed: NeededServices): void {
    const problem = servicesNotRunning(stateDir, state, needed);
    if (problem !== undefined) throw new Error(problem);
}
