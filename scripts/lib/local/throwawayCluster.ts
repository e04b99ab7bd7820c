import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { StackOutputs } from "../../../components/render";
import { freePortBase } from "../ports";
import { localDown, localUp } from "./cluster";

/**
 * Runs `use` on a local cluster of the dev stack started for it in a fresh temporary state dir on
 * free ports, then stops the cluster and removes the folder, whatever `use` did (the benchmarks).
 */
export async function withThrowawayCluster<T>(prefix: string, use: (stateDir: string, outputs: StackOutputs) => Promise<T>): Promise<T> {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    try {
        return await use(stateDir, await localUp({ stateDir, portBase: await freePortBase() }));
    } finally {
        await localDown(stateDir);
        fs.rmSync(stateDir, { recursive: true, force: true });
    }
}
