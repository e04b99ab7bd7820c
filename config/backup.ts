import { calendarsCoincide, isCalendarExpression } from "./calendar";
import { CONFIG_NAMESPACE } from "./defaults";
import { BackupSettings } from "./types";
import { checkInteger, orDefault, show } from "./validators";

export { isCalendarExpression };

export const BACKUP_DEFAULTS = {
    prefix: "pg-ha",
    retentionDays: 14,
    // Full on Sunday, differential on the other days, at the same hour: never both at once.
    fullSchedule: "Sun *-*-* 01:00:00",
    differentialSchedule: "Mon..Sat *-*-* 01:00:00",
} as const;

const KNOWN_FIELDS = Object.keys(BACKUP_DEFAULTS);
const key = (field: string): string => `${CONFIG_NAMESPACE}:backup.${field}`;

/** The schedule given (or its default); undefined, with the problem, when systemd would refuse it. */
function schedule(problems: string[], field: "fullSchedule" | "differentialSchedule", value: unknown): string | undefined {
    const given = orDefault(value, BACKUP_DEFAULTS[field]);
    if (typeof given !== "string" || !isCalendarExpression(given)) {
        problems.push(`${key(field)} must be a systemd calendar expression such as ${show(BACKUP_DEFAULTS[field])} or "daily", got ${show(given)}`);
        return undefined;
    }
    return given;
}

export function parseBackupSettings(problems: string[], raw: unknown): BackupSettings {
    const given = (typeof raw === "object" && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
    if (raw !== undefined && given !== raw) problems.push(`${CONFIG_NAMESPACE}:backup must be a map of settings, got ${show(raw)}`);
    for (const field of Object.keys(given)) {
        if (!KNOWN_FIELDS.includes(field)) problems.push(`${key(field)} is not a known setting (known: ${KNOWN_FIELDS.join(", ")})`);
    }
    const retentionDays = orDefault(given.retentionDays, BACKUP_DEFAULTS.retentionDays) as number;
    const retentionProblem = checkInteger(key("retentionDays"), retentionDays, 1, 3650);
    if (retentionProblem) problems.push(retentionProblem);
    const prefix = orDefault(given.prefix, BACKUP_DEFAULTS.prefix) as string;
    if (typeof prefix !== "string" || !/^[a-z0-9][a-z0-9/_-]*[a-z0-9]$/.test(prefix)) problems.push(`${key("prefix")} must be a key prefix such as pg-ha/prod (a-z, 0-9, / _ -), got ${show(prefix)}`);
    const fullSchedule = schedule(problems, "fullSchedule", given.fullSchedule);
    const differentialSchedule = schedule(problems, "differentialSchedule", given.differentialSchedule);
    // Both run backup.sh on the primary; started together, one of them fails on pgBackRest's lock.
    const together = fullSchedule && differentialSchedule ? calendarsCoincide(fullSchedule, differentialSchedule) : undefined;
    if (together !== undefined) {
        problems.push(`${key("differentialSchedule")} must never fire at the same moment as ${key("fullSchedule")} (${show(fullSchedule)}); both fire at ${together}, got ${show(differentialSchedule)}`);
    }
    return {
        prefix,
        retentionDays,
        fullSchedule: fullSchedule ?? BACKUP_DEFAULTS.fullSchedule,
        differentialSchedule: differentialSchedule ?? BACKUP_DEFAULTS.differentialSchedule,
    };
}
