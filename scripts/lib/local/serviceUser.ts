import { spawn } from "child_process";

/** A command that ran and failed; exitCode is undefined when a signal (or the deadline) ended it. */
export class CommandFailedError extends Error {
    constructor(message: string, public readonly exitCode: number | undefined) {
        super(message);
    }
}

/**
 * Runs a command as the cluster's service user (through setpriv when we are root), with a
 * deadline; resolves with its output, rejects with it when the command fails.
 */
export function runAsServiceUser(serviceUser: string, asRoot: boolean, command: readonly string[], timeoutMs = 120_000, env: Readonly<Record<string, string>> = {}): Promise<string> {
    const argv = asRoot ? ["setpriv", "--reuid", serviceUser, "--regid", serviceUser, "--init-groups", "--", ...command] : [...command];
    return new Promise((resolve, reject) => {
        const child = spawn(argv[0]!, argv.slice(1), { env: { PATH: process.env.PATH, LANG: "C.UTF-8", ...env }, stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => { output += chunk.toString(); });
        child.stderr.on("data", (chunk: Buffer) => { output += chunk.toString(); });
        child.on("error", reject);
        child.on("close", (code, signal) => (code === 0 ? resolve(output) : reject(new CommandFailedError(`${command.join(" ")} failed (${signal ?? `exit ${code}`}):\n${output.trim()}`, code ?? undefined))));
    });
}
