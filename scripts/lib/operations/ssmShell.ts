import { GetCommandInvocationCommand, GetCommandInvocationCommandOutput, SendCommandCommand, SSMClient } from "@aws-sdk/client-ssm";
import { sleep } from "../wait";
import { HostShell, HostUnreachable } from "./hostShell";

/** Seconds SSM may take to hand a command to the instance's agent before it gives up on it. */
const DELIVERY_SECONDS = 60;
/** Statuses of an invocation still under way. */
const UNDER_WAY = new Set(["Pending", "InProgress", "Delayed"]);

/** `word` quoted for sh: the agent runs the command line with sh. */
function shellQuote(word: string): string {
    return `'${word.replace(/'/g, "'\\''")}'`;
}

/**
 * An EC2 host of the prod stack: AWS SSM Run Command (the AWS-RunShellScript document) to the
 * instance's agent, which runs as root; the command runs as `user` through runuser. Its exit
 * status, stdout and stderr come back from GetCommandInvocation (SSM keeps the first 24,000
 * characters of each). An instance that is not running or has no registered agent is
 * HostUnreachable, as is a command SSM could not deliver: nothing ran there.
 */
export function ssmInstance(client: SSMClient, instanceId: string, host: string, user: string): HostShell {
    const where = `${host} (instance ${instanceId}, through SSM Run Command)`;
    return {
        where,
        run: async (argv, timeoutMs) => {
            const command = `runuser -u ${shellQuote(user)} -- ${argv.map(shellQuote).join(" ")}`;
            const sent = await client.send(new SendCommandCommand({
                DocumentName: "AWS-RunShellScript",
                InstanceIds: [instanceId],
                Parameters: { commands: [command], executionTimeout: [String(Math.ceil(timeoutMs / 1000))] },
                TimeoutSeconds: DELIVERY_SECONDS,
                Comment: `pg-ha-stack: ${argv.slice(0, 3).join(" ")}`.slice(0, 100),
            })).catch((error: Error) => {
                if (error.name === "InvalidInstanceId") throw new HostUnreachable(`${where} cannot be reached: the instance is not running or its SSM agent is not registered (${error.message})`);
                throw error;
            });
            const commandId = sent.Command?.CommandId;
            if (commandId === undefined) throw new Error(`SSM answered SendCommand for ${where} without a command id`);
            const deadline = Date.now() + timeoutMs + DELIVERY_SECONDS * 1000;
            for (;;) {
                await sleep(1000);
                let invocation: GetCommandInvocationCommandOutput;
                try {
                    invocation = await client.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
                } catch (error) {
                    // Asked too soon after SendCommand, SSM does not know the invocation yet.
                    if ((error as Error).name !== "InvocationDoesNotExist" || Date.now() > deadline) throw error;
                    continue;
                }
                const status = invocation.Status ?? "Pending";
                if (status === "Success" || status === "Failed") {
                    return { code: invocation.ResponseCode ?? -1, stdout: invocation.StandardOutputContent ?? "", stderr: invocation.StandardErrorContent ?? "" };
                }
                if (invocation.StatusDetails === "Undeliverable" || invocation.StatusDetails === "DeliveryTimedOut" || invocation.StatusDetails === "Terminated") {
                    throw new HostUnreachable(`${where}: SSM could not deliver the command (${invocation.StatusDetails}): nothing was run`);
                }
                if (!UNDER_WAY.has(status)) throw new Error(`${argv.join(" ")} on ${where} ended ${status} (${invocation.StatusDetails ?? "no detail"})`);
                if (Date.now() > deadline) throw new Error(`${argv.join(" ")} on ${where} gave no answer within ${timeoutMs} ms (SSM command ${commandId})`);
            }
        },
    };
}
