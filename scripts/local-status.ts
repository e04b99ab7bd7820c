import { localStatus } from "./lib/local/cluster";
import { stateDirOption } from "./lib/local/state";
import { parseCommandLine, requireOption, runMain } from "./lib/cli";

const USAGE = "npm run local:status -- --state-dir DIR";

runMain(async () => {
    const args = parseCommandLine({ "state-dir": { type: "string" } }, USAGE);
    const services = localStatus(stateDirOption(requireOption(args["state-dir"], "state-dir", USAGE)));
    if (services.length === 0) {
        process.stdout.write("no cluster recorded in that state dir\n");
        return 1;
    }
    process.stdout.write(`${"service".padEnd(10)} ${"state".padEnd(8)} ${"server".padEnd(8)} port   log\n`);
    for (const service of services) {
        // A supervised service between two starts of its server shows no server pid.
        process.stdout.write(`${service.name.padEnd(10)} ${(service.running ? "running" : "stopped").padEnd(8)} ${String(service.serverPid ?? "-").padEnd(8)} ${String(service.port).padEnd(6)} ${service.logFile}\n`);
    }
    return services.every((service) => service.running) ? 0 : 3;
});
