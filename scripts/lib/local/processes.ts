import { spawn } from "child_process";
import * as fs from "fs";
import { sleep } from "../wait";
import { SERVICE_USER_CWD } from "./serviceUser";

export interface StartedProcess {
    readonly pid: number;
    /** Set when the process has exited (while this script still runs). */
    exitCode(): number | null | undefined;
}

/**
 * Starts a command detached, stdout and stderr appended to `logFile`, from a folder every user
 * can enter (start scripts drop to the service user). Start scripts exec the server, so the pid is
 * the server's for as long as it runs.
 */
export function startDetached(command: readonly string[], logFile: string): StartedProcess {
    const log = fs.openSync(logFile, "a", 0o640);
    const child = spawn(command[0]!, command.slice(1), { cwd: SERVICE_USER_CWD, detached: true, stdio: ["ignore", log, log], env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: "C.UTF-8" } });
    fs.closeSync(log);
    let exit: number | null | undefined;
    child.on("exit", (code, signal) => { exit = code ?? (signal ? -1 : null); });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${command.join(" ")}`);
    return { pid: child.pid, exitCode: () => exit };
}

/** Fields of /proc/PID/stat after the command name: [0] is the state, [19] the start time in ticks. */
function procStat(pid: number): string[] | undefined {
    try {
        const text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return text.slice(text.lastIndexOf(")") + 2).split(" ");
    } catch {
        return undefined;
    }
}

/** A process that exists and is not a zombie (orphans may wait unreaped under some init). */
export function isAlive(pid: number): boolean {
    const stat = procStat(pid);
    return stat !== undefined && stat[0] !== "Z" && stat[0] !== "X";
}

/** Start time in clock ticks since boot: with the pid, it names one process for good. */
export function startTime(pid: number): string | undefined {
    return procStat(pid)?.[19];
}

/** The parent pid of a living process, undefined when there is none. */
export function parentOf(pid: number): number | undefined {
    const stat = procStat(pid);
    return stat === undefined || stat[0] === "Z" || stat[0] === "X" ? undefined : Number(stat[1]);
}

/** True when `pid` is still the process that was recorded with `recordedStartTime`. */
export function isSameProcess(pid: number, recordedStartTime: string): boolean {
    return isAlive(pid) && startTime(pid) === recordedStartTime;
}

export interface ProcessIdentity {
    readonly pid: number;
    readonly startTime: string;
}

/** The pid of every process this machine has now. */
export function processIds(): number[] {
    return fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name)).map(Number);
}

/** Every process below `pid` now (children, their children, ...), to recognise them later. */
export function descendantsOf(pid: number): ProcessIdentity[] {
    const children = new Map<number, number[]>();
    for (const id of processIds()) {
        const parent = Number(procStat(id)?.[1]);
        children.set(parent, [...(children.get(parent) ?? []), id]);
    }
    const found: ProcessIdentity[] = [];
    const queue = [...(children.get(pid) ?? [])];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const started = startTime(next);
        if (started !== undefined) found.push({ pid: next, startTime: started });
        queue.push(...(children.get(next) ?? []));
    }
    return found;
}

/**
 * Sends `signal`, waits up to `timeoutMs` for the process to go, then SIGKILLs it.
 * Returns how it ended: "stopped", "killed" or "not running".
 */
export async function stopProcess(pid: number, signal: NodeJS.Signals, timeoutMs: number): Promise<"stopped" | "killed" | "not running"> {
    if (!isAlive(pid)) return "not running";
    try {
        process.kill(pid, signal);
    } catch {
        return "not running";
    }
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (!isAlive(pid)) return "stopped";
        await sleep(50);
    }
    try {
        process.kill(pid, "SIGKILL");
    } catch {
        return "stopped";
    }
    return "killed";
}

/** The last lines of a log, for error messages. */
export function logTail(file: string, lines = 15): string {
    try {
        return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
        return "(no log)";
    }
}
