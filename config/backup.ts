import { CONFIG_NAMESPACE } from "./defaults";
import { checkInteger, show } from "./validators";

/** Backups on every platform: where in the repository, how long, and when. */
export interface BackupSettings {
    /** Key prefix (S3) or folder name the cluster's backups live under. */
    readonly prefix: string;
    /** Days full backups (and the differentials and WAL that depend on them) are kept. */
    readonly retentionDays: number;
    /** systemd calendar expression of the full backup. */
    readonly fullSchedule: string;
    /** systemd calendar expression of the differential backup. */
    readonly differentialSchedule: string;
}

export const BACKUP_DEFAULTS = {
    prefix: "pg-ha",
    retentionDays: 14,
    // Full on Sunday, differential on the other days, at the same hour: never both at once.
    fullSchedule: "Sun *-*-* 01:00:00",
    differentialSchedule: "Mon..Sat *-*-* 01:00:00",
} as const;

const KNOWN_FIELDS = Object.keys(BACKUP_DEFAULTS);
const key = (field: string): string => `${CONFIG_NAMESPACE}:backup.${field}`;

const SHORTHANDS = ["minutely", "hourly", "daily", "weekly", "monthly", "yearly", "annually", "quarterly", "semiannually"];
const WEEKDAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const WEEKDAYS = new RegExp(`^${WEEKDAY}(?:\\.\\.${WEEKDAY})?(?:,${WEEKDAY}(?:\\.\\.${WEEKDAY})?)*$`);

/** One field of a date or time: `*`, or a comma list of N, N..M and N/STEP within min..max. */
function fieldIsValid(text: string, min: number, max: number): boolean {
    if (text === "*") return true;
    return text.split(",").every((item) => {
        const match = /^(\d{1,4})(?:\.\.(\d{1,4})|\/(\d{1,4}))?$/.exec(item);
        if (match === null) return false;
        const [first, last] = [Number(match[1]), match[2] === undefined ? undefined : Number(match[2])];
        const step = match[3] === undefined ? undefined : Number(match[3]);
        return first >= min && first <= max && (last === undefined || (last >= first && last <= max)) && (step === undefined || step >= 1);
    });
}

/**
 * True for the systemd calendar expressions the backup timers take: a shorthand (`daily`,
 * `weekly`), or `[WEEKDAYS] [YEAR-MONTH-DAY] [HOUR:MINUTE[:SECOND]] [UTC]`. Checked here so that a
 * typo fails `pulumi preview`, not a timer on a host at its first boot.
 */
export function isCalendarExpression(text: string): boolean {
    if (SHORTHANDS.includes(text)) return true;
    const words = text.split(" ");
    if (words.length > 1 && words[words.length - 1] === "UTC") words.pop();
    const weekdays = words.length > 0 && WEEKDAYS.test(words[0]!) ? words.shift() : undefined;
    const date = words.length > 0 && words[0]!.includes("-") ? words.shift()!.split("-") : undefined;
    const time = words.length > 0 ? words.shift()!.split(":") : undefined;
    if (words.length > 0 || (weekdays === undefined && date === undefined && time === undefined)) return false;
    const dateRanges: [number, number][] = [[1970, 2199], [1, 12], [1, 31]];
    const timeRanges: [number, number][] = [[0, 23], [0, 59], [0, 59]];
    return (date === undefined || (date.length === 3 && date.every((field, i) => fieldIsValid(field, ...dateRanges[i]!))))
        && (time === undefined || ((time.length === 2 || time.length === 3) && time.every((field, i) => fieldIsValid(field, ...timeRanges[i]!))));
}

function schedule(problems: string[], field: "fullSchedule" | "differentialSchedule", value: unknown): string {
    const given = value ?? BACKUP_DEFAULTS[field];
    if (typeof given !== "string" || !isCalendarExpression(given)) {
        problems.push(`${key(field)} must be a systemd calendar expression such as ${show(BACKUP_DEFAULTS[field])} or "daily", got ${show(given)}`);
        return BACKUP_DEFAULTS[field];
    }
    return given;
}

export function parseBackupSettings(problems: string[], raw: unknown): BackupSettings {
    const given = (typeof raw === "object" && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
    if (raw !== undefined && given !== raw) problems.push(`${CONFIG_NAMESPACE}:backup must be a map of settings, got ${show(raw)}`);
    for (const field of Object.keys(given)) {
        if (!KNOWN_FIELDS.includes(field)) problems.push(`${key(field)} is not a known setting (known: ${KNOWN_FIELDS.join(", ")})`);
    }
    const retentionDays = (given.retentionDays ?? BACKUP_DEFAULTS.retentionDays) as number;
    const retentionProblem = checkInteger(key("retentionDays"), retentionDays, 1, 3650);
    if (retentionProblem) problems.push(retentionProblem);
    const prefix = (given.prefix ?? BACKUP_DEFAULTS.prefix) as string;
    if (typeof prefix !== "string" || !/^[a-z0-9][a-z0-9/_-]*[a-z0-9]$/.test(prefix)) problems.push(`${key("prefix")} must be a key prefix such as pg-ha/prod (a-z, 0-9, / _ -), got ${show(prefix)}`);
    return {
        prefix,
        retentionDays,
        fullSchedule: schedule(problems, "fullSchedule", given.fullSchedule),
        differentialSchedule: schedule(problems, "differentialSchedule", given.differentialSchedule),
    };
}
