import { SKIPPED_ON_STANDBY } from "./backupScripts";
import { BACKUP_SCRIPT } from "./fileNames";

/** A systemd unit file for /etc/systemd/system. */
export interface SystemdUnitFile {
    readonly name: string;
    readonly content: string;
}

export interface BackupTimersInput {
    /** The node (service) name; the units are named pg-ha-<node>-backup-<type>. */
    readonly nodeName: string;
    /** The unit that runs the node's PostgreSQL server. */
    readonly serverUnit: string;
    /** Folder holding the node's rendered backup.sh. */
    readonly configDir: string;
    /** OS user the backups run as (the one PostgreSQL runs as). */
    readonly serviceUser: string;
    /** systemd calendar expressions (validated by the config loader). */
    readonly fullSchedule: string;
    readonly differentialSchedule: string;
}

/** Hours one scheduled backup may run before systemd stops it: bounded, and far above 100 GB at disk speed. */
export const BACKUP_TIMEOUT_HOURS = 12;

const TYPES = [
    { type: "full", label: "full", schedule: (input: BackupTimersInput) => input.fullSchedule },
    { type: "diff", label: "differential", schedule: (input: BackupTimersInput) => input.differentialSchedule },
] as const;

export function backupTimerName(nodeName: string, type: "full" | "diff"): string {
    return `pg-ha-${nodeName}-backup-${type}.timer`;
}

/**
 * A oneshot service and its timer per backup type, on every PostgreSQL host: each runs backup.sh,
 * which acts only on the node that is primary at that moment (a standby exits SKIPPED_ON_STANDBY,
 * counted as success), so the schedule follows a failover. Persistent timers catch up on a run
 * missed while the host was down; backups run at low CPU and I/O priority.
 */
export function renderBackupTimers(input: BackupTimersInput): SystemdUnitFile[] {
    return TYPES.flatMap(({ type, label, schedule }) => {
        const timer = backupTimerName(input.nodeName, type);
        const service = timer.replace(/\.timer$/, ".service");
        return [
            {
                name: service,
                content: [
                    "[Unit]",
                    `Description=pg-ha ${label} backup, taken only while ${input.nodeName} is the primary`,
                    `After=${input.serverUnit}`,
                    "",
                    "[Service]",
                    "Type=oneshot",
                    `User=${input.serviceUser}`,
                    `Group=${input.serviceUser}`,
                    `ExecStart=/bin/bash ${input.configDir}/${BACKUP_SCRIPT} ${type}`,
                    `SuccessExitStatus=${SKIPPED_ON_STANDBY}`,
                    `TimeoutStartSec=${BACKUP_TIMEOUT_HOURS}h`,
                    "Nice=10",
                    "IOSchedulingClass=best-effort",
                    "IOSchedulingPriority=7",
                    "",
                ].join("\n"),
            },
            {
                name: timer,
                content: [
                    "[Unit]",
                    `Description=pg-ha ${label} backup schedule of ${input.nodeName}`,
                    "",
                    "[Timer]",
                    `OnCalendar=${schedule(input)}`,
                    "Persistent=true",
                    `Unit=${service}`,
                    "",
                    "[Install]",
                    "WantedBy=timers.target",
                    "",
                ].join("\n"),
            },
        ];
    });
}
