import { POSTGRES_KEYWORDS, POSTGRES_KEYWORDS_VERSION } from "./keywords";

/**
 * Small checks that each return an error sentence naming the key, the value given and what is
 * allowed, or undefined when the value is fine. The loader collects them so that one `pulumi
 * preview` reports every bad key at once.
 */

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** A value as the user wrote it: JSON, except NaN, Infinity and undefined, which JSON cannot show. */
export function show(value: unknown): string {
    if (typeof value === "number" && !Number.isFinite(value)) return String(value);
    return JSON.stringify(value) ?? String(value);
}

/** The default applies to a key that is absent, not to one given as null: null is a wrong value. */
export function orDefault(value: unknown, fallback: unknown): unknown {
    return value === undefined ? fallback : value;
}

export function isIpv4(value: string): boolean {
    return IPV4.test(value);
}

export function checkInteger(key: string, value: unknown, min: number, max: number): string | undefined {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        return `${key} must be an integer ${min}..${max}, got ${show(value)}`;
    }
    return undefined;
}

export function checkNumber(key: string, value: unknown, min: number, max: number): string | undefined {
    if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
        return `${key} must be a number ${min}..${max}, got ${show(value)}`;
    }
    return undefined;
}

export function checkOneOf(key: string, value: unknown, allowed: readonly (string | number)[]): string | undefined {
    if (!allowed.includes(value as string | number)) {
        return `${key} must be one of ${allowed.map(show).join(", ")}, got ${show(value)}`;
    }
    return undefined;
}

/**
 * PostgreSQL identifiers we create unquoted: lower case, starting with a letter or underscore, and
 * no key word that PostgreSQL reserves (the bootstrap SQL would not parse).
 */
export function checkIdentifier(key: string, value: unknown, reserved: readonly string[]): string | undefined {
    if (typeof value !== "string" || !IDENTIFIER.test(value)) {
        return `${key} must be a PostgreSQL identifier (a-z, 0-9 and _, starting with a letter or _, at most 63 characters), got ${show(value)}`;
    }
    if (value.startsWith("pg_") || reserved.includes(value)) {
        return `${key} must not be a reserved name (pg_*, ${reserved.join(", ")}), got ${show(value)}`;
    }
    if (POSTGRES_KEYWORDS.includes(value)) {
        return `${key} must not be an SQL key word that PostgreSQL ${POSTGRES_KEYWORDS_VERSION} reserves (the bootstrap SQL writes it unquoted), got ${show(value)}`;
    }
    return undefined;
}

export function checkIpv4(key: string, value: unknown): string | undefined {
    if (typeof value !== "string" || !isIpv4(value)) {
        return `${key} must be an IPv4 address such as 127.0.0.1, got ${show(value)}`;
    }
    return undefined;
}

/** An IPv4 CIDR whose address has no bits set beyond its prefix (10.0.0.0/8, not 10.0.0.1/8). */
export function checkCidr(key: string, value: unknown): string | undefined {
    const allowed = `${key} must be an IPv4 CIDR such as 10.0.0.0/16, got ${show(value)}`;
    if (typeof value !== "string") return allowed;
    const [address, prefixText, ...rest] = value.split("/");
    if (rest.length > 0 || address === undefined || prefixText === undefined || !isIpv4(address) || !/^\d{1,2}$/.test(prefixText)) {
        return allowed;
    }
    const prefix = Number(prefixText);
    if (prefix > 32) return allowed;
    const hostBits = 32 - prefix;
    const numeric = address.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);
    if (hostBits > 0 && numeric % 2 ** hostBits !== 0) {
        return `${key} has host bits set beyond its /${prefix} prefix: ${show(value)}`;
    }
    return undefined;
}

/** A list given where a list belongs, each entry a non-empty string; the problem otherwise. */
export function checkStringList(key: string, value: unknown): string | undefined {
    if (!Array.isArray(value) || value.some((entry) => typeof entry !== "string" || entry === "")) {
        return `${key} must be a list of non-empty strings, got ${show(value)}`;
    }
    return undefined;
}

/** Lists whose entries must be unique (zones, CIDRs, ids): the first repeated entry. */
export function checkUnique(key: string, list: readonly unknown[], entry: (item: unknown) => unknown = (item) => item): string | undefined {
    const seen = new Set<unknown>();
    for (const item of list) {
        const value = entry(item);
        if (seen.has(value)) return `${key} must not list ${show(value)} more than once, got ${show(list)}`;
        seen.add(value);
    }
    return undefined;
}
