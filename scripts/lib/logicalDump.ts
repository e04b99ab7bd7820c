import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { debianProgramPaths } from "../../components/platforms/debianPaths";
import { StackOutputs } from "../../components/render";
import { parsePostgresUri } from "./pg";

/**
 * pg_dump / pg_restore through pgpool (which sends writes to whichever node is primary) with the
 * outputs' credentials, TLS verify-full: for small moves of the application database.
 */
export async function runLogical(tool: "pg_dump" | "pg_restore", outputs: StackOutputs, postgresVersion: number, args: readonly string[]): Promise<void> {
    const target = parsePostgresUri(outputs.pgpoolConnectionString);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-logical-"));
    const caFile = path.join(dir, "ca.crt");
    fs.writeFileSync(caFile, outputs.caCertificate);
    try {
        await new Promise<void>((resolve, reject) => {
            const child = spawn(path.join(debianProgramPaths(postgresVersion).clientBinDir, tool), ["-h", target.host, "-p", String(target.port), "-U", target.user, "-d", target.database, ...args], {
                env: { PATH: process.env.PATH, PGPASSWORD: target.password, PGSSLMODE: "verify-full", PGSSLROOTCERT: caFile },
                stdio: ["ignore", "inherit", "inherit"],
            });
            child.on("error", reject);
            child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${tool} exited ${code}`))));
        });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
