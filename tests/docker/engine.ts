import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Docker from "dockerode";

/** Label on everything the real-engine tests create, so that they can remove it all. */
export const TEST_LABEL = "pg-ha-test";

export function engine(): Docker {
    return new Docker();
}

/** The engine's API version as a number (1.41 for Debian 12's docker.io 20.10). */
export async function apiVersion(docker: Docker): Promise<number> {
    return Number((await docker.version()).ApiVersion);
}

/** Removes every container, volume and network labelled with this run's label; returns what it removed. */
export async function removeLabelled(docker: Docker, label: string): Promise<string[]> {
    const filters = { label: [`${TEST_LABEL}=${label}`] };
    const removed: string[] = [];
    for (const container of await docker.listContainers({ all: true, filters })) {
        await docker.getContainer(container.Id).remove({ force: true, v: false });
        removed.push(`container ${container.Names[0]}`);
    }
    for (const volume of (await docker.listVolumes({ filters })).Volumes ?? []) {
        await docker.getVolume(volume.Name).remove();
        removed.push(`volume ${volume.Name}`);
    }
    for (const network of await docker.listNetworks({ filters })) {
        await docker.getNetwork(network.Id).remove();
        removed.push(`network ${network.Name}`);
    }
    return removed;
}

/** The last lines a container printed, for error messages. */
export async function containerLogs(docker: Docker, name: string, tail = 30): Promise<string> {
    const buffer = await docker.getContainer(name).logs({ stdout: true, stderr: true, tail, follow: false }) as unknown as Buffer;
    return demultiplex(buffer);
}

/**
 * Runs `body`; when it fails, saves each container's whole log to a file of the temporary folder
 * and prints the lines that tell what the cluster's scripts and servers did, then fails the same.
 */
export async function withLogsOnFailure<T>(docker: Docker, containers: readonly string[], body: () => Promise<T>): Promise<T> {
    try {
        return await body();
    } catch (error) {
        for (const name of containers) {
            const log = await containerLogs(docker, name, 200_000).catch((logError: Error) => `no log: ${logError.message}`);
            const saved = path.join(os.tmpdir(), `${name}.log`);
            fs.writeFileSync(saved, log);
            const telling = log.split("\n").filter((line) => /pg-ha|failover|follow|promot|detach|attach|rejoin|rewind|clon|slot|timeline|FATAL|ERROR/i.test(line) && !/verify_backend_node_status|find_primary_node:/.test(line));
            process.stderr.write(`--- ${name} (whole log: ${saved})\n${telling.slice(-60).join("\n")}\n`);
        }
        throw error;
    }
}

/** Docker's log stream without its 8-byte frame headers. */
export function demultiplex(buffer: Buffer): string {
    const parts: string[] = [];
    for (let offset = 0; offset + 8 <= buffer.length;) {
        const size = buffer.readUInt32BE(offset + 4);
        parts.push(buffer.subarray(offset + 8, offset + 8 + size).toString("utf8"));
        offset += 8 + size;
    }
    return parts.join("");
}
