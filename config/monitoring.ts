import { CONFIG_NAMESPACE } from "./defaults";
import { MonitoringSettings } from "./types";
import { checkInteger, checkNumber, orDefault, show } from "./validators";

/** The defaults of `pg-ha:monitoring`: page at 100 MB or 60 s of replication lag. */
export const MONITORING_DEFAULTS: MonitoringSettings = {
    lagBytes: 100 * 1024 * 1024,
    lagSeconds: 60,
    connectionsRatio: 0.8,
    diskFreeRatio: 0.15,
    certificateDays: 14,
    archiveFailureMinutes: 10,
    webhookUrl: "",
};

/** What each numeric field of `pg-ha:monitoring` accepts. */
const LIMITS = {
    /** Up to 1 TiB of WAL behind. */
    lagBytes: { min: 1, max: 1024 ** 4 },
    /** Up to a day behind. */
    lagSeconds: { min: 1, max: 86400 },
    connectionsRatio: { min: 0.1, max: 1 },
    diskFreeRatio: { min: 0.01, max: 0.9 },
    /** Server certificates are valid for a year. */
    certificateDays: { min: 1, max: 365 },
    /** Up to a day of failures. */
    archiveFailureMinutes: { min: 1, max: 1440 },
} as const;

const FIELDS = Object.keys(MONITORING_DEFAULTS);
const key = (field: string): string => `${CONFIG_NAMESPACE}:monitoring${field === "" ? "" : `.${field}`}`;

/** A webhook Alertmanager can post to: an http(s) URL, or empty for none. */
function webhookUrlProblem(value: unknown): string | undefined {
    if (value === "") return undefined;
    const allowed = `${key("webhookUrl")} must be an http or https URL such as https://alerts.example.com/hook, or "" for no notification (alerts then show only in Alertmanager and Prometheus), got ${show(value)}`;
    if (typeof value !== "string") return allowed;
    try {
        const url = new URL(value);
        return url.protocol === "http:" || url.protocol === "https:" ? undefined : allowed;
    } catch {
        return allowed;
    }
}

/** The monitoring settings (`pg-ha:monitoring`), validated and defaulted; problems go to `problems`. */
export function parseMonitoringSettings(problems: string[], raw: unknown): MonitoringSettings {
    const given = (typeof raw === "object" && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
    if (raw !== undefined && given !== raw) problems.push(`${key("")} must be an object, got ${show(raw)}`);
    for (const field of Object.keys(given)) {
        if (!FIELDS.includes(field)) problems.push(`${key(field)} is not a known setting (known: ${FIELDS.join(", ")})`);
    }
    const settings = Object.fromEntries(FIELDS.map((field) => [field, orDefault(given[field], MONITORING_DEFAULTS[field as keyof MonitoringSettings])])) as Record<keyof MonitoringSettings, unknown>;
    const checks = [
        checkInteger(key("lagBytes"), settings.lagBytes, LIMITS.lagBytes.min, LIMITS.lagBytes.max),
        checkInteger(key("lagSeconds"), settings.lagSeconds, LIMITS.lagSeconds.min, LIMITS.lagSeconds.max),
        checkNumber(key("connectionsRatio"), settings.connectionsRatio, LIMITS.connectionsRatio.min, LIMITS.connectionsRatio.max),
        checkNumber(key("diskFreeRatio"), settings.diskFreeRatio, LIMITS.diskFreeRatio.min, LIMITS.diskFreeRatio.max),
        checkInteger(key("certificateDays"), settings.certificateDays, LIMITS.certificateDays.min, LIMITS.certificateDays.max),
        checkInteger(key("archiveFailureMinutes"), settings.archiveFailureMinutes, LIMITS.archiveFailureMinutes.min, LIMITS.archiveFailureMinutes.max),
        webhookUrlProblem(settings.webhookUrl),
    ];
    for (const problem of checks) if (problem !== undefined) problems.push(problem);
    return settings as unknown as MonitoringSettings;
}
