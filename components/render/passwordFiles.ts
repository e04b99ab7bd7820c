import { createHash } from "crypto";

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

export function md5Hex(text: string): string {
    return createHash("md5").update(text, "utf8").digest("hex");
}
