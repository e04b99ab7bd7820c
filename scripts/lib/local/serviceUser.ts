import { spawn } from "child_process";

/** A command that ran and failed; exitCode is undefined when a signal (or the deadline) ended it. */
export class CommandFailedError extends Error {
    constructor(message: string, public readonly exitCode: number | undefined) {
        super(message);
    }
}

/** What a command printed, kept apart: callers parse stdout only. */
export interface CommandOutput {
    readonly stdout: string;
    readonly stderr: string;
}

/**
 * Where service-user commands run. The caller's working directory is often one the service user
 * cannot enter (a checkout in /root, a 0700 temporary folder): libpq and psql then print "could
 * not change directory" and pgBackRest refuses to run. "/" is enterable by everyone.
 */
export const SERVICE_USER_CWD = "/";

/**
 * Runs a command as the cluster's service user (through setpriv when we are root), from
 * SERVICE_USER_CWD, with a deadline; resolves with its stdout and stderr apart, rejects with both
 * when the command fails.
 */
export function runAsServiceUser(serviceUser: string, asRoot: boolean, command: readonly string[], timeoutMs = 120_000, env: Readonly<Record<string, string>> = {}): Promise<CommandOutput> {
    const argv = asRoot ? ["setpriv", "--reuid", serviceUser, "--regid", serviceUser, "--init-groups", "--", ...command] : [...command];
    return new Promise((resolve, reject) => {
        const child = spawn(argv[0]!, argv.slice(1), { cwd: SERVICE_USER_CWD, env: { PATH: process.env.PATH, LANG: "C.UTF-8", ...env }, stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => { stdout += chunk.toString(); });
        child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
        child.on("error", reject);
        child.on("close", (code, signal) => (code === 0
            ? resolve({ stdout, stderr })
            : reject(new CommandFailedError(`${command.join(" ")} failed (${signal === "SIGTERM" && code === null ? `no answer within ${timeoutMs} ms` : signal ?? `exit ${code}`}):\n${`${stderr}${stdout}`.trim()}`, code ?? undefined))));
    });
}
