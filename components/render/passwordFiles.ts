import { createHash } from "crypto";
import { ROLE_NAMES } from "../../config";
import { PGPASS_FILE } from "./fileNames";
import { ClusterPasswords, RenderedFile } from "./types";

/** One line of a libpq password file; `*` matches any host, port or database. */
export interface PgpassEntry {
    readonly user: string;
    readonly password: string;
    readonly host?: string;
    readonly port?: number;
    readonly database?: string;
}

function escapePgpass(value: string): string {
    return value.replace(/\\/g, "\\\\").replace(/:/g, "\\:");
}

/** A libpq password file (also the format of pgpool's .pcppass). */
export function renderPgpass(entries: readonly PgpassEntry[]): string {
    return entries
        .map((entry) => [entry.host ?? "*", entry.port === undefined ? "*" : String(entry.port), entry.database ?? "*", entry.user, entry.password].map(escapePgpass).join(":"))
        .join("\n") + "\n";
}

/** The exporters' password file: the monitoring role's password, for libpq (PGPASSFILE). */
export function monitoringPgpassFile(passwords: ClusterPasswords): RenderedFile {
    return { name: PGPASS_FILE, content: renderPgpass([{ user: ROLE_NAMES.monitoring, password: passwords.monitoring }]), mode: 0o600, secret: true };
}

export function md5Hex(text: string): string {
    return createHash("md5").update(text, "utf8").digest("hex");
}
