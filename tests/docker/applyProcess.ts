import * as fs from "fs";
import { ApplyRequest, EngineApply } from "./engineApply";

/**
 * `node applyProcess.js REQUEST.json RESULT.json`: one apply of the program on the Docker engine,
 * in a process of its own (the program is a module and runs once per process, as under
 * `pulumi up`). The result file gets the outputs, the containers and the actions, or the error.
 */
async function main(): Promise<void> {
    const [requestFile, resultFile] = process.argv.slice(2);
    if (requestFile === undefined || resultFile === undefined) throw new Error("usage: applyProcess.js REQUEST.json RESULT.json");
    const request = JSON.parse(fs.readFileSync(requestFile, "utf8")) as ApplyRequest;
    try {
        const result = await new EngineApply(request).run();
        fs.writeFileSync(resultFile, JSON.stringify({ ok: true, ...result }), { mode: 0o600 });
    } catch (error) {
        fs.writeFileSync(resultFile, JSON.stringify({ ok: false, error: error instanceof Error ? error.message : String(error) }), { mode: 0o600 });
    }
}

main().then(() => process.exit(0), (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
});
