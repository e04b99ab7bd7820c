import { execFile } from "child_process";

/** Runs the docker CLI; resolves with its stdout, rejects with its stderr. */
export function docker(args: readonly string[], options: { timeoutMs?: number; input?: string } = {}): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = execFile("docker", args, { maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 120_000 }, (error, stdout, stderr) => {
            if (error) reject(new Error(`docker ${args.slice(0, 3).join(" ")} failed: ${(stderr || error.message).trim()}`));
            else resolve(stdout);
        });
        if (options.input !== undefined) child.stdin!.end(options.input);
    });
}

/** A command in a running container: its exit code and output (never rejects on a non-zero exit). */
export function dockerExec(container: string, command: readonly string[], timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile("docker", ["exec", container, ...command], { maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs }, (error, stdout, stderr) => {
            const code = error === null ? 0 : typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : -1;
            resolve({ code, stdout, stderr });
        });
    });
}
