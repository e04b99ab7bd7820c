import { PassThrough } from "stream";
import Docker from "dockerode";
import { CommandFailedError, runAsServiceUser } from "../local/serviceUser";

/** What a command run on a host printed, and how it ended. */
export interface ShellResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

/**
 * The one seam through which operations act on a deployed cluster: runs a command on the host of
 * a service, as that service's user. A process on this machine for the local run, `docker exec`
 * through the engine's API for the dev stack.
 */
export interface HostShell {
    /** Where commands run, for messages: "container pg-ha-dev-pgpool". */
    readonly where: string;
    run(argv: readonly string[], timeoutMs: number): Promise<ShellResult>;
}

/** Thrown when the host does not answer at all: nothing was run there. */
export class HostUnreachable extends Error {}

/** A service of the local run: a process of this machine, as the cluster's service user. */
export function localHost(serviceUser: string, asRoot: boolean): HostShell {
    return {
        where: `this machine, as ${serviceUser}`,
        run: async (argv, timeoutMs) => {
            try {
                return { code: 0, ...(await runAsServiceUser(serviceUser, asRoot, argv, timeoutMs)) };
            } catch (error) {
                if (!(error instanceof CommandFailedError) || error.exitCode === undefined) throw error;
                return { code: error.exitCode, stdout: "", stderr: error.message };
            }
        },
    };
}

/** A container of the dev stack: `docker exec` through the engine's API, as `user`. */
export function dockerContainer(docker: Docker, name: string, user: string): HostShell {
    const where = `container ${name}`;
    return {
        where,
        run: async (argv, timeoutMs) => {
            const container = docker.getContainer(name);
            const state = await container.inspect().catch((error: Error) => {
                throw new HostUnreachable(`${where} cannot be reached through the Docker engine: ${error.message}`);
            });
            if (!state.State.Running) throw new HostUnreachable(`${where} is not running (${state.State.Status}): nothing was run`);
            const exec = await container.exec({ Cmd: [...argv], User: user, AttachStdout: true, AttachStderr: true, WorkingDir: "/" });
            const stream = await exec.start({ hijack: true, stdin: false });
            const stdout = new PassThrough();
            const stderr = new PassThrough();
            const out: Buffer[] = [];
            const err: Buffer[] = [];
            stdout.on("data", (chunk: Buffer) => out.push(chunk));
            stderr.on("data", (chunk: Buffer) => err.push(chunk));
            docker.modem.demuxStream(stream, stdout, stderr);
            await new Promise<void>((resolve, reject) => {
                const timer = setTimeout(() => {
                    stream.destroy();
                    reject(new Error(`${argv.join(" ")} in ${where} gave no answer within ${timeoutMs} ms`));
                }, timeoutMs);
                stream.on("end", () => { clearTimeout(timer); resolve(); });
                stream.on("error", (error: Error) => { clearTimeout(timer); reject(error); });
            });
            const { ExitCode } = await exec.inspect();
            return { code: ExitCode ?? -1, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
        },
    };
}
