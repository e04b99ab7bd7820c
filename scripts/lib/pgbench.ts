import { spawn } from "child_process";
import { debianProgramPaths } from "../../components/platforms/debianPaths";
import { ConnectionParts } from "./pg";

export const PGBENCH = (postgresVersion: number): string => `${debianProgramPaths(postgresVersion).clientBinDir}/pgbench`;

export interface PgbenchRun {
    readonly tps: number;
    readonly output: string;
}

/**
 * Runs pgbench against `target` over TLS verified against `caFile`. Returns the tps that pgbench
 * reports: without connection time for ordinary runs, including reconnections with -C.
 */
export function runPgbench(binary: string, target: ConnectionParts, caFile: string, args: readonly string[]): Promise<PgbenchRun> {
    return new Promise((resolve, reject) => {
        const child = spawn(binary, ["-h", target.host, "-p", String(target.port), "-U", target.user, ...args, target.database], {
            env: { PATH: process.env.PATH, PGPASSWORD: target.password, PGSSLMODE: "verify-full", PGSSLROOTCERT: caFile, PGAPPNAME: "pg-ha-bench" },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => { output += chunk.toString(); });
        child.stderr.on("data", (chunk: Buffer) => { output += chunk.toString(); });
        child.on("error", reject);
        child.on("close", (code) => {
            if (code !== 0) return reject(new Error(`pgbench ${args.join(" ")} exited ${code}:\n${output.slice(-2000)}`));
            const match = /tps = ([\d.]+) \((without initial connection time|including reconnection times)\)/.exec(output);
            if (!match) return reject(new Error(`no tps in pgbench output:\n${output.slice(-2000)}`));
            resolve({ tps: Number(match[1]), output });
        });
    });
}
