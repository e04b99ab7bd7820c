/**
 * The `name = value` syntax shared by postgresql.conf and pgpool.conf: strings in single quotes
 * with quotes doubled, numbers and booleans bare.
 */
export type ConfValue = string | number | boolean;

export function quoteConfString(value: string): string {
    return `'${value.replace(/'/g, "''")}'`;
}

export function confLine(name: string, value: ConfValue): string {
    const text = typeof value === "string" ? quoteConfString(value) : typeof value === "boolean" ? (value ? "on" : "off") : String(value);
    return `${name} = ${text}`;
}

/** Renders settings in order, with a header naming what made the file. */
export function renderSettings(header: string, sections: readonly (readonly [string, Readonly<Record<string, ConfValue>>])[]): string {
    const lines = [`# ${header}`, "# Rendered by pg-ha-stack; edits are overwritten on the next deploy.", ""];
    for (const [title, settings] of sections) {
        lines.push(`# ${title}`);
        for (const [name, value] of Object.entries(settings)) lines.push(confLine(name, value));
        lines.push("");
    }
    return lines.join("\n");
}

/** Single-quoted shell word. */
export function shellQuote(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A libpq connection string value: quoted when it holds spaces, quotes or backslashes. */
export function conninfoValue(value: string): string {
    return /^[^\s'\\]+$/.test(value) && value !== "" ? value : `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

export function conninfo(settings: Readonly<Record<string, string | number>>): string {
    return Object.entries(settings).map(([name, value]) => `${name}=${conninfoValue(String(value))}`).join(" ");
}
