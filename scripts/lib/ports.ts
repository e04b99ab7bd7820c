import { randomInt } from "crypto";
import { everyPort, parseClusterConfig } from "../../config";
import { checkPortFree } from "./local/prerequisites";

/** Offsets of every default port from pgpool's, so a base can be checked as a whole. */
const DEFAULT_PORTS = parseClusterConfig({}).ports;
const SPAN = everyPort(DEFAULT_PORTS).map((port) => port - DEFAULT_PORTS.pgpool);

/** A port base whose shifted ports are all free on 127.0.0.1 (20 tries at most). */
export async function freePortBase(): Promise<number> {
    for (let attempt = 0; attempt < 20; attempt++) {
        const base = randomInt(200, 400) * 100;
        const free = await Promise.all(SPAN.map((offset) => checkPortFree(base + offset, "probe").then(() => true, () => false)));
        if (free.every(Boolean)) return base;
    }
    throw new Error("no free port base found in 20 tries");
}
