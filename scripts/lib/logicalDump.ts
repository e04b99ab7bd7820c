import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { debianProgramPaths } from "../../components/platforms/debianPaths";
import { StackOutputs } from "../../components/render";
import { parsePostgresUri } from "./pg";

/** Seconds pg_dump and pg_restore may take to connect; a silent server fails them instead of holding them. */
const CONNECT_TIMEOUT_SECONDS = 5;

/**
 * pg_dump / pg_restore through pgpool (which sends writes to whichever node is primary) with the
 * outputs' credentials, TLS verify-full: for small moves of the application database. The connect
 * is bounded; the work itself is not (a dump of a large database takes as long as it takes).
 */
export async function runLogical(tool: "pg_dump" | "pg_restore", outputs: StackOutputs, postgresVersion: number, args: readonly string[]): Promise<void> {
    const target = parsePostgresUri(outputs.pgpoolConnectionString);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-logical-"));
    const caFile = path.join(dir, "ca.crt");
    fs.writeFileSync(caFile, outputs.caCertificate);
    try {
        await new Promise<void>((resolve, reject) => {
            const child = spawn(path.join(debianProgramPaths(postgresVersion).clientBinDir, tool), ["-h", target.host, "-p", String(target.port), "-U", target.user, "-d", target.database, ...args], {
                env: { PATH: process.env.PATH, PGPASSWORD: target.password, PGSSLMODE: "verify-full", PGSSLROOTCERT: caFile, PGCONNECT_TIMEOUT: String(CONNECT_TIMEOUT_SECONDS) },
                stdio: ["ignore", "inherit", "inherit"],
            });
            child.on("error", reject);
            child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${tool} exited ${code}`))));
        });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
