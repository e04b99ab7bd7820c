import { gzipSync } from "fflate";
import { stringify } from "yaml";
import { assetText } from "./assets";
import { INSTALL_SCRIPT_PATH, PGDG_KEY_PATH } from "../packages";
import { withoutCommentLines } from "./shellComments";
import { SystemdUnitFile } from "./backupTimers";
import { renderEnvFile } from "./envFile";
import { SERVER_CERT_FILE } from "./fileNames";
import { ALERT_RULES_FILE } from "./monitoring/monitorFiles";
import { RenderedFile } from "./types";

/** One service of a host: its rendered files land in configDir, start.sh runs under systemd. */
export interface HostService {
    readonly name: string;
    readonly configDir: string;
    readonly files: readonly RenderedFile[];
    /** Signal for a fast stop (SIGINT for PostgreSQL and pgpool). */
    readonly stopSignal: string;
}

/** Where a host's secret files wait for it: the secret store's region and the host's own path. */
export interface SecretStore {
    readonly region: string;
    /** The host's parameter path (`/pg-ha/<stack>/<host>`); only this host's role may read under it. */
    readonly hostPath: string;
}

/** What installs a host's packages: install-packages.sh and the PostgreSQL apt key, from components/packages. */
export interface PackageInstall {
    readonly script: string;
    /** The PostgreSQL apt repository's key, for a major Debian lacks. Defaults to none (user data holds 16 KB; the key, a minimal export, takes 1.3 of them gzipped). */
    readonly pgdgKey?: string;
}

export interface CloudInitInput {
    readonly hostname: string;
    /** Debian packages to install, with their pins. */
    readonly packages: readonly string[];
    readonly packageInstall: PackageInstall;
    /** Units of Debian's packages that the stack replaces: masked before the install, so they never start. */
    readonly maskedUnits: readonly string[];
    /** The data volume: found by EBS volume id, formatted only when it has no filesystem. */
    readonly dataVolume?: { readonly volumeId: string; readonly mountPath: string };
    readonly serviceUser: string;
    readonly services: readonly HostService[];
    /** Where the services' secret files are fetched from at boot: none of them is in the user data. */
    readonly secretStore: SecretStore;
    /** The SSM agent's Debian package for the host's region (Session Manager); "" installs none. */
    readonly ssmAgentUrl: string;
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

/** The secret store parameter that holds the files one service of a host fetches at boot. */
export function secretParameterName(store: SecretStore, service: string): string {
    return `${store.hostPath}/${service}`;
}

/**
 * Public files that go with the secret ones rather than in user data, which holds 16 KB: server
 * certificates (random bytes gzip cannot pack, one per service) and the alert rules (the largest
 * data file). Everything else that is not secret is written by cloud-init.
 */
const FETCHED_PUBLIC_FILES: readonly string[] = [SERVER_CERT_FILE, ALERT_RULES_FILE];

/** Whether a host fetches the file from its parameter at boot instead of finding it in user data. */
export function isFetchedAtBoot(file: RenderedFile): boolean {
    return file.secret || FETCHED_PUBLIC_FILES.includes(file.name);
}

/**
 * The files a service fetches at boot (its secret ones and FETCHED_PUBLIC_FILES) as the value of
 * its parameter: JSON of name -> mode and the gzipped bytes in base64 (exact bytes back, whatever
 * a file ends with; gzip keeps the alert rules within the parameter's tier). host-boot.sh writes
 * them into the config folder.
 */
export function bootFilesBundle(files: readonly RenderedFile[]): string {
    const bundle: Record<string, { mode: string; gzipBase64: string }> = {};
    for (const file of files.filter(isFetchedAtBoot)) {
        bundle[file.name] = { mode: `0${file.mode.toString(8)}`, gzipBase64: Buffer.from(gzipSync(Buffer.from(file.content, "utf8"), { level: 9, mtime: 0 })).toString("base64") };
    }
    return JSON.stringify(bundle);
}

/** The SSM agent's package for a region, from AWS's regional bucket (reached through the S3 endpoint). */
export function ssmAgentUrl(region: string): string {
    return `https://s3.${region}.amazonaws.com/amazon-ssm-${region}/latest/debian_amd64/amazon-ssm-agent.deb`;
}

export const MOUNT_DATA_SCRIPT = "/usr/local/sbin/pg-ha-mount-data";
/** The first-boot script and its values. */
export const BOOT_DIR = "/etc/pg-ha/boot";

/** Seconds the first boot waits for the data volume to be attached. */
export const VOLUME_WAIT_SECONDS = 600;
/** Seconds the first boot waits for the secret store, retrying every 10 s. */
export const SECRET_WAIT_SECONDS = 3600;
/** Attempts of each package download at first boot, up to 30 s apart: about 45 minutes. */
export const INSTALL_ATTEMPTS = 90;

function systemdUnit(service: HostService, dataMount: string | undefined): string {
    // A node never starts on the root disk: without its data volume mounted, PostgreSQL would
    // initdb there (a primary) or clone the cluster onto it.
    const mountGuard = dataMount === undefined ? [] : [
        `ExecStartPre=/bin/sh -c 'mountpoint -q ${dataMount} || { echo "pg-ha: the data volume is not mounted at ${dataMount}: ${service.name} does not start on the root disk" >&2; exit 1; }'`,
    ];
    return [
        "[Unit]",
        `Description=pg-ha ${service.name}`,
        "Wants=network-online.target",
        "After=network-online.target",
        ...(dataMount === undefined ? [] : [`RequiresMountsFor=${dataMount}`]),
        "",
        "[Service]",
        "Type=simple",
        ...mountGuard,
        `ExecStart=/bin/bash ${service.configDir}/start.sh`,
        `KillSignal=${service.stopSignal}`,
        "TimeoutStopSec=90",
        // Always, as Docker's unless-stopped: a stale primary that pgpool's host shuts down exits
        // cleanly, and must come back as a standby (systemctl stop still stops it for good).
        "Restart=always",
        "RestartSec=5",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ].join("\n");
}

/**
 * The #cloud-config document of one host: the files (secret ones by name only: the boot fetches
 * them from the secret store), the systemd units, and one first-boot script that installs,
 * fetches, mounts and starts, in that order, stopping at the first failure.
 */
export function renderCloudConfig(input: CloudInitInput): string {
    const writeFiles: Record<string, unknown>[] = [
        { path: INSTALL_SCRIPT_PATH, content: withoutCommentLines(input.packageInstall.script), permissions: "0755" },
        { path: MOUNT_DATA_SCRIPT, content: withoutCommentLines(assetText("mount-data.sh")), permissions: "0755" },
        ...(input.packageInstall.pgdgKey === undefined ? [] : [{ path: PGDG_KEY_PATH, content: input.packageInstall.pgdgKey, permissions: "0644" }]),
    ];
    const secrets: string[] = [];
    for (const service of input.services) {
        if (service.files.some(isFetchedAtBoot)) secrets.push(`${secretParameterName(input.secretStore, service.name)}|${service.configDir}`);
        for (const file of service.files.filter((candidate) => !isFetchedAtBoot(candidate))) {
            // As text, not base64: gzip packs text several times smaller, and user data holds 16 KB;
            // scripts without their comment lines, for the same reason.
            const content = file.name.endsWith(".sh") ? withoutCommentLines(file.content) : file.content;
            writeFiles.push({ path: `${service.configDir}/${file.name}`, content, permissions: `0${file.mode.toString(8)}`, owner: "root:root" });
        }
        writeFiles.push({ path: `/etc/systemd/system/${hostServiceUnit(service.name)}`, content: systemdUnit(service, input.dataVolume?.mountPath), permissions: "0644" });
    }
    for (const unit of input.extraUnits ?? []) writeFiles.push({ path: `/etc/systemd/system/${unit.name}`, content: unit.content, permissions: "0644" });
    const units = [
        ...input.services.map((service) => hostServiceUnit(service.name)),
        ...(input.extraUnits ?? []).map((unit) => unit.name).filter((name) => name.endsWith(".timer")),
    ];
    const bootEnv = renderEnvFile("Values of the first boot of this host.", {
        SERVICE_USER: input.serviceUser,
        MASKED_UNITS: input.maskedUnits,
        INSTALL_SCRIPT: INSTALL_SCRIPT_PATH,
        INSTALL_ATTEMPTS,
        PACKAGES: input.packages,
        REGION: input.secretStore.region,
        SECRETS: secrets,
        SECRET_WAIT_SECONDS,
        MOUNT_DATA_SCRIPT,
        DATA_DEVICE: input.dataVolume === undefined ? "" : ebsDevicePath(input.dataVolume.volumeId),
        DATA_MOUNT: input.dataVolume?.mountPath ?? "",
        VOLUME_WAIT_SECONDS,
        SSM_AGENT_URL: input.ssmAgentUrl,
        UNITS: units,
    }, "PG_HA_BOOT_ENV_SOURCED");
    writeFiles.push({ path: `${BOOT_DIR}/boot.env`, content: bootEnv, permissions: "0644" });
    writeFiles.push({ path: `${BOOT_DIR}/host-boot.sh`, content: withoutCommentLines(assetText("host-boot.sh")), permissions: "0755" });
    const document = {
        hostname: input.hostname,
        preserve_hostname: false,
        write_files: writeFiles,
        runcmd: [[`${BOOT_DIR}/host-boot.sh`]],
    };
    return `#cloud-config\n${stringify(document, { lineWidth: 0 })}`;
}

/**
 * EC2 user data: the cloud-config gzipped (cloud-init detects it), base64 for userDataBase64.
 * The gzip is fflate's, pure JavaScript pinned by package-lock.json, with no name and no time in
 * its header: the same document gives the same bytes on every machine and Node.js version, so
 * an instance is replaced only when its rendered files change (Node's zlib differs by build).
 */
export function gzipUserData(cloudConfig: string): string {
    return Buffer.from(gzipSync(Buffer.from(cloudConfig, "utf8"), { level: 9, mtime: 0 })).toString("base64");
}
