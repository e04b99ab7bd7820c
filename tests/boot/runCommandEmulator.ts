import { randomUUID } from "crypto";
import * as http from "http";
import { AddressInfo } from "net";
import { docker, dockerExec } from "./dockerCli";

/** SSM keeps this much of each output stream in GetCommandInvocation. */
const OUTPUT_LIMIT = 24_000;

/** One command SSM was asked to run, as the request log keeps it. */
export interface SentCommand {
    readonly instanceId: string;
    readonly commands: readonly string[];
}

interface Invocation {
    status: "InProgress" | "Success" | "Failed";
    code: number;
    stdout: string;
    stderr: string;
}

export interface RunCommandEmulator {
    /** The endpoint to give an SSMClient (plain HTTP on loopback). */
    readonly url: string;
    /** Every SendCommand that reached an instance. */
    readonly sent: readonly SentCommand[];
    close(): Promise<void>;
}

function reply(response: http.ServerResponse, status: number, document: object): void {
    response.writeHead(status, { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": randomUUID() });
    response.end(JSON.stringify(document));
}

/**
 * AWS SSM Run Command for the boot harness's hosts, as their agents would run it: SendCommand of
 * the AWS-RunShellScript document runs the commands with sh as root in the instance's container
 * (the agent runs as root), GetCommandInvocation answers InProgress until they end, then Success
 * or Failed with the exit status and the first 24,000 characters of each stream. An instance id
 * no container answers to, or whose container is stopped, is InvalidInstanceId (no agent online),
 * as is a request without a SigV4 signature refused. Listens on loopback for the test process.
 */
export async function startRunCommandEmulator(containerOf: (instanceId: string) => string | undefined, accountId: string): Promise<RunCommandEmulator> {
    const invocations = new Map<string, Invocation>();
    const sent: SentCommand[] = [];
    const server = http.createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", () => {
            void (async () => {
                if (!/^AWS4-HMAC-SHA256 Credential=/.test(request.headers.authorization ?? "")) {
                    return reply(response, 400, { __type: "MissingAuthenticationTokenException", message: "Missing Authentication Token" });
                }
                const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, any>;
                switch (request.headers["x-amz-target"]) {
                    case "AmazonSSM.SendCommand": {
                        const instanceId = String(body.InstanceIds?.[0]);
                        if (body.DocumentName !== "AWS-RunShellScript") return reply(response, 400, { __type: "InvalidDocument", message: `Document ${body.DocumentName} does not exist in your account` });
                        const container = containerOf(instanceId);
                        const running = container !== undefined && (await docker(["inspect", "-f", "{{.State.Running}}", container]).catch(() => "false")).trim() === "true";
                        if (!running) return reply(response, 400, { __type: "InvalidInstanceId", message: `Instances [[${instanceId}]] not in a valid state for account ${accountId}` });
                        const commands = (body.Parameters?.commands ?? []) as string[];
                        const seconds = Number(body.Parameters?.executionTimeout?.[0] ?? 3600);
                        const commandId = randomUUID();
                        const invocation: Invocation = { status: "InProgress", code: -1, stdout: "", stderr: "" };
                        invocations.set(`${commandId}/${instanceId}`, invocation);
                        sent.push({ instanceId, commands });
                        void dockerExec(container!, ["timeout", String(seconds), "sh", "-c", commands.join("\n")], (seconds + 10) * 1000).then((result) => {
                            Object.assign(invocation, { status: result.code === 0 ? "Success" : "Failed", code: result.code, stdout: result.stdout.slice(0, OUTPUT_LIMIT), stderr: result.stderr.slice(0, OUTPUT_LIMIT) });
                        });
                        return reply(response, 200, { Command: { CommandId: commandId, DocumentName: body.DocumentName, InstanceIds: [instanceId], Status: "Pending" } });
                    }
                    case "AmazonSSM.GetCommandInvocation": {
                        const invocation = invocations.get(`${body.CommandId}/${body.InstanceId}`);
                        if (invocation === undefined) return reply(response, 400, { __type: "InvocationDoesNotExist" });
                        return reply(response, 200, {
                            CommandId: body.CommandId, InstanceId: body.InstanceId, DocumentName: "AWS-RunShellScript",
                            Status: invocation.status, StatusDetails: invocation.status, ResponseCode: invocation.code,
                            StandardOutputContent: invocation.stdout, StandardErrorContent: invocation.stderr,
                        });
                    }
                    default:
                        return reply(response, 400, { __type: "InvalidAction", message: `${request.headers["x-amz-target"]} is not emulated` });
                }
            })().catch((error: Error) => reply(response, 500, { __type: "InternalServerError", message: error.message }));
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        sent,
        close: () => new Promise((resolve) => server.close(() => resolve())),
    };
}
