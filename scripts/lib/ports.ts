import { randomInt } from "crypto";
import * as fs from "fs";
import { everyPort, parseClusterConfig } from "../../config";
import { checkPortFree } from "./local/prerequisites";

/** Offsets of every default port from pgpool's, so a base can be checked as a whole. */
const DEFAULT_PORTS = parseClusterConfig({}).ports;
const SPAN = everyPort(DEFAULT_PORTS).map((port) => port - DEFAULT_PORTS.pgpool);

/** Ports past the last of the span that callers take from a base (a restore's, the S3 server's at base + 50 and 51). */
const EXTRA_PORTS = 100;

/** The lowest and highest base tried, and the step between bases. */
const LOWEST_BASE = 10_000;
const BASE_STEP = 100;

/** The ports the kernel gives outgoing connections (net.ipv4.ip_local_port_range); Linux's default when unreadable. */
export function ephemeralPortRange(file = "/proc/sys/net/ipv4/ip_local_port_range"): [number, number] {
    try {
        const [low, high] = fs.readFileSync(file, "utf8").trim().split(/\s+/).map(Number);
        if (Number.isInteger(low) && Number.isInteger(high)) return [low!, high!];
    } catch {
        // Not Linux, or no /proc: the default below.
    }
    return [32768, 60999];
}

/**
 * The bases whose every port lies outside the kernel's ephemeral range, below it where there is
 * room: a port there can be held by a client's connection (or its TIME_WAIT) when a service
 * starts or restarts, and that service then fails to bind it. Without room on either side, any.
 */
export function candidateBases(ephemeral: readonly [number, number]): { readonly first: number; readonly last: number } {
    const width = Math.max(...SPAN) + EXTRA_PORTS;
    const below = { first: LOWEST_BASE, last: Math.floor((ephemeral[0] - 1 - width) / BASE_STEP) * BASE_STEP };
    if (below.last - below.first >= 20 * BASE_STEP) return below;
    const above = { first: Math.ceil((ephemeral[1] + 1) / BASE_STEP) * BASE_STEP, last: Math.floor((65535 - width) / BASE_STEP) * BASE_STEP };
    if (above.last - above.first >= 20 * BASE_STEP) return above;
    return { first: LOWEST_BASE, last: Math.floor((65535 - width) / BASE_STEP) * BASE_STEP };
}

/** A port base whose shifted ports are all free on 127.0.0.1 and outside the ephemeral range where it can be (20 tries at most). */
export async function freePortBase(): Promise<number> {
    const { first, last } = candidateBases(ephemeralPortRange());
    for (let attempt = 0; attempt < 20; attempt++) {
        const base = randomInt(first / BASE_STEP, last / BASE_STEP + 1) * BASE_STEP;
        const free = await Promise.all(SPAN.map((offset) => checkPortFree(base + offset, "probe").then(() => true, () => false)));
        if (free.every(Boolean)) return base;
    }
    throw new Error("no free port base found in 20 tries");
}
