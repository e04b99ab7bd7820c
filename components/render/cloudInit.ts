import { gzipSync } from "zlib";
import { stringify } from "yaml";
import { assetText } from "./assets";
import { SystemdUnitFile } from "./backupTimers";
import { RenderedFile } from "./types";

/** One service of a host: its rendered files land in configDir, start.sh runs under systemd. */
export interface HostService {
    readonly name: string;
    readonly configDir: string;
    readonly files: readonly RenderedFile[];
    /** Signal for a fast stop (SIGINT for PostgreSQL and pgpool). */
    readonly stopSignal: string;
}

export interface CloudInitInput {
    readonly hostname: string;
    /** Debian packages to install (PostgreSQL's from the PGDG repository). */
    readonly packages: readonly string[];
    /** Debian services the packages start on their own and that would take our ports. */
    readonly conflictingServices: readonly string[];
    /** The data volume: found by EBS volume id, formatted only when it has no filesystem. */
    readonly dataVolume?: { readonly volumeId: string; readonly mountPath: string };
    readonly serviceUser: string;
    readonly services: readonly HostService[];
    /** More systemd units (the backup timers and their services); every .timer is enabled. Defaults to none. */
    readonly extraUnits?: readonly SystemdUnitFile[];
}

/** The systemd unit that runs one service of a host. */
export function hostServiceUnit(serviceName: string): string {
    return `pg-ha-${serviceName}.service`;
}

/** Where Debian puts an attached EBS volume on Nitro instances, by volume id. */
export function ebsDevicePath(volumeId: string): string {
    return `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${volumeId.replace("-", "")}`;
}

export const MOUNT_DATA_SCRIPT = "/usr/local/sbin/pg-ha-mount-data";

/** Seconds the first boot waits for the data volume to be attached. */
export const VOLUME_WAIT_SECONDS = 600;

function systemdUnit(service: HostService, afterMount: boolean): string {
    return [
        "[Unit]",
        `Description=pg-ha ${service.name}`,
        "Wants=network-online.target",
        `After=network-online.target${afterMount ? " local-fs.target" : ""}`,
        "",
        "[Service]",
        "Type=simple",
        `ExecStart=/bin/bash ${service.configDir}/start.sh`,
        `KillSignal=${service.stopSignal}`,
        "TimeoutStopSec=90",
        "Restart=on-failure",
        "RestartSec=5",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ].join("\n");
}

/** The #cloud-config document of one host: files, packages, data volume, systemd units. */
export function renderCloudConfig(input: CloudInitInput): string {
    const writeFiles: Record<string, unknown>[] = [
        // Before the packages: no default cluster on 5432 beside ours.
        { path: "/etc/postgresql-common/createcluster.conf", content: "create_main_cluster = false\n", permissions: "0644" },
        // Pgpool-II (4.3) and pgBackRest (2.45) from Debian, the versions the project's tests run,
        // not PGDG's newer ones.
        { path: "/etc/apt/preferences.d/pg-ha-debian-packages", content: "Package: pgpool2 libpgpool2 pgbackrest\nPin: release o=Debian\nPin-Priority: 1001\n", permissions: "0644" },
        { path: MOUNT_DATA_SCRIPT, content: assetText("mount-data.sh"), permissions: "0755" },
    ];
    for (const service of input.services) {
        for (const file of service.files) {
            writeFiles.push({ path: `${service.configDir}/${file.name}`, encoding: "b64", content: Buffer.from(file.content, "utf8").toString("base64"), permissions: `0${file.mode.toString(8)}`, owner: "root:root" });
        }
        writeFiles.push({ path: `/etc/systemd/system/${hostServiceUnit(service.name)}`, content: systemdUnit(service, input.dataVolume !== undefined), permissions: "0644" });
    }
    for (const unit of input.extraUnits ?? []) writeFiles.push({ path: `/etc/systemd/system/${unit.name}`, content: unit.content, permissions: "0644" });
    const units = [
        ...input.services.map((service) => hostServiceUnit(service.name)),
        ...(input.extraUnits ?? []).map((unit) => unit.name).filter((name) => name.endsWith(".timer")),
    ];
    const runcmd: string[][] = [
        ["sh", "-c", `id -u ${input.serviceUser} >/dev/null 2>&1 || useradd --system --user-group --home-dir /var/lib/postgresql ${input.serviceUser}`],
        ...(input.conflictingServices.length > 0 ? [["systemctl", "disable", "--now", ...input.conflictingServices]] : []),
        ...(input.dataVolume ? [[MOUNT_DATA_SCRIPT, ebsDevicePath(input.dataVolume.volumeId), input.dataVolume.mountPath, input.serviceUser, String(VOLUME_WAIT_SECONDS)]] : []),
        ["systemctl", "daemon-reload"],
        ["systemctl", "enable", "--now", ...units],
    ];
    const document = {
        hostname: input.hostname,
        preserve_hostname: false,
        apt: {
            sources: {
                pgdg: {
                    source: "deb http://apt.postgresql.org/pub/repos/apt $RELEASE-pgdg main",
                    keyid: "B97B0AFCAA1A47F044F244A07FCC7D46ACCC4CF8",
                },
            },
        },
        package_update: true,
        packages: [...input.packages],
        write_files: writeFiles,
        runcmd,
    };
    return `#cloud-config\n${stringify(document, { lineWidth: 0 })}`;
}

/** EC2 user data: the cloud-config gzipped (cloud-init detects it), base64 for userDataBase64. */
export function gzipUserData(cloudConfig: string): string {
    return gzipSync(Buffer.from(cloudConfig, "utf8"), { level: 9 }).toString("base64");
}
