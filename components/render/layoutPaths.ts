import * as path from "path";
import { HostLayout } from "./types";

/**
 * host:port for a server's listen setting: the layout's `*` (every address, in a container or
 * VM) is the empty host that HAProxy and the Go servers take.
 */
export function listenHostPort(layout: HostLayout, port: number): string {
    return `${layout.listenAddress === "*" ? "" : layout.listenAddress}:${port}`;
}

/** The mount point of a PostgreSQL node's data volume: the parent of its data directory. */
export function dataMountPoint(layout: HostLayout, nodeName: string): string {
    return path.posix.dirname(layout.postgres(nodeName).dataDir);
}
