import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs, ParseArgsConfig } from "util";
import { PROJECT_ROOT } from "../../config/projectRoot";

/**
 * Runs a script's main, printing an error's message (not its stack) and exiting 1 on failure.
 * Errors nothing caught (a socket's, say) end the same way, in one line.
 */
export function runMain(main: () => Promise<number | void>): void {
    const fail = (error: unknown): never => {
        process.stderr.write(`error: ${describeError(error)}\n`);
        process.exit(1);
    };
    process.on("uncaughtException", fail);
    process.on("unhandledRejection", fail);
    main().then((code) => process.exit(code ?? 0), fail);
}

/** What the user should read for an error: its message, with a system error's code put in words. */
export function describeError(error: unknown): string {
    if (!(error instanceof Error)) return String(error);
    const { code, syscall, path: file } = error as NodeJS.ErrnoException;
    if (code === "ENOENT" && typeof syscall === "string" && syscall.startsWith("spawn")) return `${file ?? syscall.slice(6)} is not installed (or not on PATH): install it and try again`;
    if (typeof code === "string" && typeof syscall === "string" && SYSTEM_REASONS[code] !== undefined) {
        return `could not ${SYSCALL_VERBS[syscall] ?? syscall}${file ? ` ${file}` : ""}: ${SYSTEM_REASONS[code]}; check the path and its permissions`;
    }
    return error.message;
}

/** Who runs this, for messages about permissions (a uid without a passwd entry has no name). */
function userName(): string {
    try {
        return os.userInfo().username;
    } catch {
        return `uid ${process.getuid?.() ?? "?"}`;
    }
}

/** System error codes a user meets on paths, in words. */
const SYSTEM_REASONS: Readonly<Record<string, string>> = {
    ENOENT: "no such file or folder",
    EACCES: "permission denied",
    EPERM: "the operation is not permitted there",
    EISDIR: "it is a folder, not a file",
    ENOTDIR: "a part of the path is a file, not a folder",
    EEXIST: "it already exists",
    EROFS: "the file system is read-only",
    ENOSPC: "no space is left on the device",
    ENAMETOOLONG: "the path is too long",
    ELOOP: "the path has a loop of symbolic links",
};

const SYSCALL_VERBS: Readonly<Record<string, string>> = {
    open: "open", read: "read", write: "write to", mkdir: "create the folder", rmdir: "remove the folder", unlink: "remove", rename: "rename",
    chmod: "change the mode of", chown: "change the owner of", scandir: "list the folder", stat: "find", lstat: "find", access: "check", copyfile: "copy",
};

function errorCode(error: unknown): string | undefined {
    const code = (error as { code?: unknown } | undefined)?.code;
    return typeof code === "string" ? code : undefined;
}

/** parseArgs' complaints, in one line each. */
function describeParseError(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    const option = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
    switch (errorCode(error)) {
        case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
            return `unknown option ${option ?? message}`;
        case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
            return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? message}: every value follows its --option`;
        case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
            if (/does not take an argument/.test(message)) return `${option} takes no value`;
            if (/argument missing/.test(message)) return `${option} needs a value`;
            if (/ambiguous/.test(message)) return `${option} needs a value, and one that starts with "-" must be given as ${option}=VALUE`;
            return message.split("\n")[0]!;
        default:
            return message.split("\n")[0]!;
    }
}

export function parseCommandLine<T extends NonNullable<ParseArgsConfig["options"]>>(options: T, usage: string) {
    try {
        return parseArgs({ options, strict: true, allowPositionals: false }).values;
    } catch (error) {
        throw new Error(`${describeParseError(error)}; usage: ${usage}`);
    }
}

export function requireOption(value: string | undefined, name: string, usage: string): string {
    if (value === undefined || value === "") throw new Error(`--${name} is required; usage: ${usage}`);
    return value;
}

export interface IntegerRange {
    readonly min?: number;
    readonly max?: number;
}

/** A whole number option, within `range` when given. */
export function integerOption(value: string | undefined, name: string, range: IntegerRange = {}): number | undefined {
    if (value === undefined) return undefined;
    const number = /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
    const { min, max } = range;
    if (!Number.isSafeInteger(number) || (min !== undefined && number < min) || (max !== undefined && number > max)) {
        const span = min !== undefined && max !== undefined ? ` ${min}..${max}` : min !== undefined ? ` of at least ${min}` : max !== undefined ? ` of at most ${max}` : "";
        throw new Error(`--${name} must be a whole number${span}, got ${JSON.stringify(value)}`);
    }
    return number;
}

/** A TCP port option: 1..65535, or from `min` (1024 for a server an unprivileged user starts). */
export function portOption(value: string | undefined, name: string, min = 1): number | undefined {
    if (value === undefined) return undefined;
    const number = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
    if (!(number >= min && number <= 65535)) {
        throw new Error(`--${name} must be a port number ${min}..65535, got ${JSON.stringify(value)}${min > 1 && number >= 1 && number < min ? " (ports under 1024 need root, and the server runs as an ordinary user)" : ""}`);
    }
    return number;
}

function daysIn(year: number, month: number): number {
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    return month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/**
 * An ISO 8601 date and time with a zone (2026-11-28T10:00:00Z, 2026-11-28 11:00+01:00), read
 * strictly: a day or time that does not exist (30 February, 24:30) is refused, not moved to
 * another, and a time without a zone is refused rather than read in this machine's zone.
 */
export function dateTimeOption(value: string | undefined, name: string): Date | undefined {
    if (value === undefined) return undefined;
    const example = "such as 2026-11-28T10:00:00Z";
    const match = DATE_TIME.exec(value.trim());
    if (match === null) throw new Error(`--${name} must be a date and time in ISO 8601 with a time zone, ${example}, got ${JSON.stringify(value)}`);
    const [, year, month, day, hour, minute, second, fraction, utc, sign, offsetHours, offsetMinutes] = match;
    if (utc === undefined && sign === undefined) throw new Error(`--${name} ${JSON.stringify(value)} has no time zone: add Z for UTC or an offset such as +01:00, as in 2026-11-28T10:00:00Z`);
    const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, second ?? "0"].map(Number) as [number, number, number, number, number, number];
    if (mo < 1 || mo > 12) throw new Error(`--${name} ${JSON.stringify(value)} has no month ${month}: months are 01..12, ${example}`);
    const daysInMonth = daysIn(y, mo);
    if (d < 1 || d > daysInMonth) throw new Error(`--${name} ${JSON.stringify(value)} names a day that does not exist: ${MONTHS[mo - 1]} ${y} has ${daysInMonth} days`);
    if (h > 23 || mi > 59 || s > 59) throw new Error(`--${name} ${JSON.stringify(value)} names a time that does not exist: hours are 00..23, minutes and seconds 00..59`);
    const offset = sign === undefined ? 0 : (sign === "-" ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes ?? "0"));
    if (Number(offsetHours ?? "0") > 14 || Number(offsetMinutes ?? "0") > 59) throw new Error(`--${name} ${JSON.stringify(value)} has an offset no zone has: offsets run from -14:00 to +14:00`);
    const date = new Date(0);
    date.setUTCFullYear(y, mo - 1, d);
    date.setUTCHours(h, mi, s, Number((fraction ?? "0").padEnd(3, "0").slice(0, 3)));
    // The round trip: the fields read back are the ones given, so nothing rolled over.
    if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || date.getUTCHours() !== h || date.getUTCMinutes() !== mi) {
        throw new Error(`--${name} ${JSON.stringify(value)} is not a date and time that exists, ${example}`);
    }
    return new Date(date.getTime() - offset * 60_000);
}

/** The stacks this project has: one Pulumi.<stack>.yaml each beside Pulumi.yaml. */
export function stackNames(): string[] {
    let entries: string[];
    try {
        entries = fs.readdirSync(PROJECT_ROOT);
    } catch {
        return [];
    }
    return entries.map((entry) => /^Pulumi\.(.+)\.yaml$/.exec(entry)?.[1]).filter((name): name is string => name !== undefined).sort();
}

/** The --stack option (or `fallback`), refused unless its stack file exists, naming those that do. */
export function stackOption(value: string | undefined, fallback = "dev"): string {
    const stack = value ?? fallback;
    const names = stackNames();
    const known = names.length === 0 ? `there is no Pulumi.<stack>.yaml in ${PROJECT_ROOT}` : `the stack files here are ${names.map((name) => `Pulumi.${name}.yaml`).join(", ")} (--stack ${names.join(" or ")})`;
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(stack)) throw new Error(`--stack must be a stack's name, got ${JSON.stringify(stack)}: ${known}`);
    if (!names.includes(stack)) throw new Error(`there is no stack ${stack} (no Pulumi.${stack}.yaml in ${PROJECT_ROOT}): ${known}`);
    return stack;
}

/**
 * Reads a text file a user named, every way it can fail said in words: `label` says what the
 * file should be, without an article ("outputs file"), `hint` what to do instead.
 */
export function readUserFile(file: string, label: string, hint: string): string {
    let stat: fs.Stats;
    try {
        stat = fs.statSync(file);
    } catch (error) {
        const code = errorCode(error);
        if (code === "ENOENT" || code === "ENOTDIR") throw new Error(`no ${label} at ${file}: ${hint}`);
        throw new Error(`cannot read ${file}: ${code === "EACCES" ? `permission denied for user ${userName()}` : SYSTEM_REASONS[code ?? ""] ?? (error as Error).message}; ${hint}`);
    }
    if (stat.isDirectory()) throw new Error(`${file} is a folder, not a file: ${hint}`);
    try {
        return fs.readFileSync(file, "utf8");
    } catch (error) {
        throw new Error(`cannot read ${file}: ${errorCode(error) === "EACCES" ? `permission denied for user ${userName()}` : SYSTEM_REASONS[errorCode(error) ?? ""] ?? (error as Error).message}; ${hint}`);
    }
}

/** A JSON file a user named, read as for {@link readUserFile}; an empty file and bad JSON are said so. */
export function readUserJson(file: string, label: string, hint: string): unknown {
    const text = readUserFile(file, label, hint);
    if (text.trim() === "") throw new Error(`${file} is empty: ${hint}`);
    try {
        return JSON.parse(text) as unknown;
    } catch {
        throw new Error(`${file} is not valid JSON: ${hint}`);
    }
}

/** An existing file named by --`name`, refused in words when it is missing, a folder or unreadable. */
export function existingFileOption(value: string, name: string, hint: string): string {
    const file = path.resolve(value);
    try {
        fs.statSync(file);
    } catch (error) {
        const code = errorCode(error);
        if (code === "ENOENT" || code === "ENOTDIR") throw new Error(`--${name} ${file}: there is no such file; ${hint}`);
    }
    readUserFile(file, "file", hint);
    return file;
}

/** Why `dir`, an existing folder, cannot take a new entry; undefined when it can. */
function whyNotWritable(dir: string): string | undefined {
    const reason = (error: unknown): string => {
        switch (errorCode(error)) {
            case "EROFS": return `${dir} is on a read-only file system`;
            case "EACCES": return `user ${userName()} may not write in ${dir}`;
            case "EPERM": return `${dir} does not accept new folders (operation not permitted)`;
            case "ENOENT": return `${dir} does not accept new folders (it is a virtual file system, such as /proc)`;
            case "ENOSPC": return `no space is left on the device of ${dir}`;
            default: return `${dir} does not accept new folders (${(error as Error).message})`;
        }
    };
    try {
        fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
        // Root passes every access check: only making a folder shows a read-only or virtual file system.
        fs.rmdirSync(fs.mkdtempSync(path.join(dir, ".pg-ha-probe-")));
        return undefined;
    } catch (error) {
        return reason(error);
    }
}

/**
 * Refuses, creating nothing, a folder that cannot be used: a file in its place or on its path, a
 * parent that cannot be written, a read-only or virtual file system. `label` names it (--state-dir).
 */
export function checkUsableFolder(dir: string, label: string): void {
    const target = path.resolve(dir);
    const advice = `choose a folder that user ${userName()} can write to on a writable disk, such as one under ${os.tmpdir()}`;
    let existing = target;
    for (;;) {
        let stat: fs.Stats | undefined;
        try {
            stat = fs.statSync(existing);
        } catch (error) {
            const code = errorCode(error);
            if ((code === "ENOENT" || code === "ENOTDIR") && path.dirname(existing) !== existing) {
                existing = path.dirname(existing);
                continue;
            }
            throw new Error(`${label} ${target} cannot be used: ${SYSTEM_REASONS[code ?? ""] ?? (error as Error).message} at ${existing}; ${advice}`);
        }
        if (!stat.isDirectory()) {
            throw new Error(existing === target
                ? `${label} ${target} is a file, not a folder: give a new folder or an existing one`
                : `${label} ${target} cannot be made: ${existing} is a file, not a folder; ${advice}`);
        }
        break;
    }
    const problem = whyNotWritable(existing);
    if (problem !== undefined) throw new Error(`${label} ${target} cannot be ${existing === target ? "written" : "made"}: ${problem}; ${advice}`);
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdir never returns for a path in /proc. Run
 * {@link checkUsableFolder} first; the folders it makes get `mode`.
 */
export function makeFolder(dir: string, mode = 0o755): void {
    const missing: string[] = [];
    for (let current = path.resolve(dir); !fs.existsSync(current); current = path.dirname(current)) {
        missing.unshift(current);
        if (path.dirname(current) === current) break;
    }
    for (const folder of missing) fs.mkdirSync(folder, { mode });
}
