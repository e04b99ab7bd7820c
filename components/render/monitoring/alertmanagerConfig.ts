import { stringify } from "yaml";
import { RenderedFile } from "../types";

/** Alertmanager's configuration file, in its config folder (and, when secret, its run folder). */
export const ALERTMANAGER_CONFIG_FILE = "alertmanager.yml";

/**
 * How Alertmanager batches alerts into notifications (Alertmanager's own defaults, written out so
 * that the file says what happens).
 */
export const ALERT_GROUPING = {
    /**
     * One notification per alert name and scrape target. postgres_exporter is one target for every
     * node, so a per-node alert firing on two nodes arrives as one notification; an absent() rule
     * has no `instance` and groups by its name alone.
     */
    groupBy: ["alertname", "instance"],
    /** A new group waits this long for alerts that fire with it (a failover fires several) before its first notification. */
    groupWait: "30s",
    /** A group already notified waits this long before telling of alerts added to it or resolved. */
    groupInterval: "5m",
    /** An alert still firing is sent again this often. */
    repeatInterval: "4h",
} as const;

/** The receiver of every alert when `pg-ha:monitoring.webhookUrl` is set. */
const WEBHOOK_RECEIVER = "webhook";
/** The receiver of every alert when it is empty: no notifier, see alertmanagerConfigFile. */
const NO_NOTIFICATION_RECEIVER = "no-notification";

/**
 * alertmanager.yml: every alert through one route to one receiver. With a webhook URL
 * (`pg-ha:monitoring.webhookUrl`), the receiver posts Alertmanager's webhook JSON to it, resolved
 * alerts too; the URL may hold a token, so the file is then secret (mode 0600, copied into the run
 * folder by the start script: Alertmanager must be started with the run folder's copy). With an
 * empty URL the receiver notifies nobody: Alertmanager has no receiver that logs, so alerts show
 * only in Alertmanager's UI and API (/api/v2/alerts, `amtool alert query`) and on Prometheus's
 * /alerts page.
 */
export function alertmanagerConfigFile(webhookUrl: string): RenderedFile {
    const secret = webhookUrl !== "";
    const receiver = secret
        ? { name: WEBHOOK_RECEIVER, webhook_configs: [{ url: webhookUrl, send_resolved: true }] }
        : { name: NO_NOTIFICATION_RECEIVER };
    const content = stringify({
        route: {
            receiver: receiver.name,
            group_by: [...ALERT_GROUPING.groupBy],
            group_wait: ALERT_GROUPING.groupWait,
            group_interval: ALERT_GROUPING.groupInterval,
            repeat_interval: ALERT_GROUPING.repeatInterval,
        },
        receivers: [receiver],
    }, { lineWidth: 0 });
    return { name: ALERTMANAGER_CONFIG_FILE, content, mode: secret ? 0o600 : 0o644, secret };
}
