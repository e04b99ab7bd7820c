import * as fs from "fs";
import * as path from "path";
import { ClusterPasswords, StackOutputs } from "../../../components/render";
import { LocalPki } from "./pki";
import { startTime } from "./processes";

/** One process the local run started. */
export interface ServiceRecord {
    readonly name: string;
    readonly pid: number;
    /** From /proc: with the pid, proves a later pid is still this process. */
    readonly startTime: string;
    readonly port: number;
    readonly logFile: string;
    /** Fast shutdown: SIGINT for PostgreSQL and pgpool, SIGTERM for the exporter. */
    readonly stopSignal: NodeJS.Signals;
}

/** Where the local run keeps backups: a folder, or an S3-compatible server of its own (s3rver). */
export type LocalRepositoryKind = "posix" | "s3";

/** The record of a process just started: its start time from /proc pins the pid to it. */
export function serviceRecord(name: string, pid: number, port: number, logFile: string, stopSignal: NodeJS.Signals): ServiceRecord {
    return { name, pid, startTime: startTime(pid) ?? "", port, logFile, stopSignal };
}

export interface LocalState {
    readonly stack: string;
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

function readJson<T>(file: string): T | undefined {
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as T) : undefined;
}

function writePrivateJson(file: string, value: unknown): void {
    const temporary = `${file}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(temporary, file);
}

export const readState = (stateDir: string): LocalState | undefined => readJson<LocalState>(path.join(stateDir, STATE_FILE));
export const writeState = (stateDir: string, state: LocalState): void => writePrivateJson(path.join(stateDir, STATE_FILE), state);
export const readSecrets = (stateDir: string): LocalSecrets | undefined => readJson<LocalSecrets>(path.join(stateDir, SECRETS_FILE));
export const writeSecrets = (stateDir: string, secrets: LocalSecrets): void => writePrivateJson(path.join(stateDir, SECRETS_FILE), secrets);
export const writeOutputs = (stateDir: string, outputs: StackOutputs): void => writePrivateJson(path.join(stateDir, OUTPUTS_FILE), outputs);
