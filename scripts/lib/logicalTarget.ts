import * as fs from "fs";
import * as path from "path";
import { debianProgramPaths } from "../../components/platforms/debianPaths";
import { StackOutputs } from "../../components/render";
import { parsePostgresUri, withClient } from "./pg";

/**
 * Before pg_dump or pg_restore runs (libpq would wait on a server that never answers): the tool is
 * installed, and pgpool answers a query within the connect timeout.
 */
export async function checkLogicalTarget(tool: "pg_dump" | "pg_restore", outputs: StackOutputs, postgresVersion: number): Promise<void> {
    const binary = path.join(debianProgramPaths(postgresVersion).clientBinDir, tool);
    if (!fs.existsSync(binary)) throw new Error(`${tool} of PostgreSQL ${postgresVersion} is not installed (no ${binary}): install it with apt-get install -y postgresql-client-${postgresVersion}`);
    const pgpool = parsePostgresUri(outputs.pgpoolConnectionString);
    await withClient(pgpool, { caPem: outputs.caCertificate, applicationName: `pg-ha-${tool}-check` }, (client) => client.query("SELECT 1")).catch((error: Error) => {
        throw new Error(`cannot reach the application database through pgpool at ${pgpool.host}:${pgpool.port}, so ${tool} did not run: ${error.message}`);
    });
}
