import { randomBytes } from "crypto";
import * as fs from "fs";
import { mockState, promiseOf, RecordedResource, runProgram, unwrapSecrets } from "../stacks/stackHarness";
import { realTlsState } from "../docker/realTls";
import { harnessAddress, ProdHost, ProdHosts } from "./prodHosts";

/**
 * `node prodHostsProcess.js REQUEST.json HOSTS.json`: the prod program under mocks, answered as
 * AWS would (instance ids and harness addresses, EBS volume ids, real TLS material), and what the
 * boot harness needs from it written to HOSTS.json (0600).
 */
type Inputs = Record<string, any>;

function hex(bytes: number): string {
    return randomBytes(bytes).toString("hex");
}

function answer(type: string, name: string, inputs: Inputs, config: Readonly<Record<string, string>>): { id: string; state: Inputs } {
    const tls = realTlsState(type, inputs);
    if (tls !== undefined) return { id: `${name}-id`, state: tls };
    switch (type) {
        case "aws:ec2/instance:Instance":
            return { id: `i-0${hex(8)}`, state: { ...inputs, privateIp: harnessAddress(inputs.tags.Name) } };
        case "aws:ebs/volume:Volume":
            return { id: `vol-0${hex(8)}`, state: { ...inputs } };
        default:
            return { id: `${name}-id`, state: mockState(type, name, inputs, config["aws:region"]) };
    }
}

function only<T>(items: readonly T[], what: string): T {
    if (items.length !== 1) throw new Error(`expected one ${what}, found ${items.length}`);
    return items[0]!;
}

/** The parameter path an instance's role may read: from the role policy the program gave it. */
function roleOf(resources: readonly RecordedResource[], instance: RecordedResource): { role: string; parameterPrefix: string } {
    const profile = only(resources.filter((resource) => resource.type === "aws:iam/instanceProfile:InstanceProfile" && resource.state.name === instance.inputs.iamInstanceProfile), `profile of ${instance.name}`);
    const role = only(resources.filter((resource) => resource.type === "aws:iam/role:Role" && resource.state.name === profile.inputs.role), `role of ${instance.name}`);
    const grants = resources.filter((resource) => resource.type === "aws:iam/rolePolicy:RolePolicy" && resource.inputs.role === `${role.name}-id`)
        .flatMap((policy) => (JSON.parse(policy.inputs.policy).Statement as { Action: string[]; Resource: string }[]))
        .filter((statement) => [statement.Action].flat().includes("ssm:GetParameter"));
    const resource = only(grants, `ssm:GetParameter grant of ${role.name}`).Resource;
    const match = /^arn:aws:ssm:[^:]+:\d+:parameter(\/.*\/)\*$/.exec(resource);
    if (match === null) throw new Error(`unexpected parameter grant ${resource}`);
    return { role: role.name, parameterPrefix: match[1]! };
}

async function main(): Promise<void> {
    const [requestFile, hostsFile] = process.argv.slice(2);
    if (requestFile === undefined || hostsFile === undefined) throw new Error("usage: prodHostsProcess.js REQUEST.json HOSTS.json");
    const request = JSON.parse(fs.readFileSync(requestFile, "utf8")) as { config: Record<string, unknown> };
    const resources: RecordedResource[] = [];
    let region = "";
    const run = await runProgram("prod", request.config, resources, async (type, name, inputs, config) => {
        region = config["aws:region"] ?? "";
        return answer(type, name, inputs, config);
    });
    const ofType = (type: string) => resources.filter((resource) => resource.type === type);
    const attachments = ofType("aws:ec2/volumeAttachment:VolumeAttachment");
    const hosts: ProdHost[] = ofType("aws:ec2/instance:Instance").map((instance) => {
        // A node's volume and its attachment are named after the instance (<node>-data).
        const attachment = attachments.find((candidate) => candidate.name === instance.name.replace(/-instance$/, "-data"));
        return {
            name: instance.inputs.tags.Name as string,
            ip: instance.state.privateIp as string,
            userDataBase64: instance.inputs.userDataBase64 as string,
            ...(attachment === undefined ? {} : { volumeId: attachment.inputs.volumeId as string }),
            ...roleOf(resources, instance),
        };
    });
    const outputs: Record<string, any> = {};
    for (const [key, output] of Object.entries(run.program)) {
        if (output !== undefined) outputs[key] = unwrapSecrets(await promiseOf(output));
    }
    const result: ProdHosts = {
        region,
        accountId: "123456789012",
        hosts,
        records: Object.fromEntries(ofType("aws:route53/record:Record").map((record) => [record.inputs.name, record.inputs.records[0]])),
        parameters: Object.fromEntries(ofType("aws:ssm/parameter:Parameter").map((parameter) => [parameter.inputs.name, parameter.inputs.value])),
        generatedSecrets: [
            ...ofType("random:index/randomPassword:RandomPassword").map((password) => password.state.result as string),
            ...ofType("tls:index/privateKey:PrivateKey").flatMap((key) => (key.state.privateKeyPem as string).split("\n").filter((line) => line !== "" && !line.startsWith("-----"))),
        ],
        backupBucket: only(ofType("aws:s3/bucket:Bucket"), "backup bucket").state.bucket,
        outputs,
    };
    fs.writeFileSync(hostsFile, JSON.stringify(result, null, 1), { mode: 0o600 });
}

main().then(() => process.exit(0), (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
});
