import * as assert from "assert";
import { gunzipSync } from "zlib";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { INSTANCE_TYPES } from "../../config";
import { assetText, HostAccess, HostInstance, STACK_OUTPUT_KEYS } from "../../components/render";
import { rollingPlan } from "../../scripts/lib/operations/rollingReplacement";
import { withoutCommentLines } from "../../components/render/shellComments";
import { ofType, parentTypeOf, promiseOf, RecordedResource, runStack, StackRun } from "./stackHarness";

const INSTANCE = "aws:ec2/instance:Instance";

function cloudConfigOf(instance: RecordedResource): { write_files: { path: string; content: string; encoding?: string; permissions: string }[]; runcmd: string[][] } {
    const text = gunzipSync(Buffer.from(instance.inputs.userDataBase64 as string, "base64")).toString("utf8");
    assert.ok(text.startsWith("#cloud-config\n"));
    return parseYaml(text);
}

function fileIn(instance: RecordedResource, path: string): string | undefined {
    const file = cloudConfigOf(instance).write_files.find((entry) => entry.path === path);
    return file === undefined ? undefined : file.encoding === "b64" ? Buffer.from(file.content, "base64").toString("utf8") : file.content;
}

/** A value of the host's boot.env: a word, or a bash array's items. */
function bootValue(instance: RecordedResource, name: string): string | string[] {
    const env = fileIn(instance, "/etc/pg-ha/boot/boot.env")!;
    const line = env.split("\n").find((candidate) => candidate.startsWith(`readonly ${name}=`));
    assert.ok(line, `boot.env has no ${name}`);
    const value = line.slice(`readonly ${name}=`.length);
    const words = (text: string) => [...text.matchAll(/'([^']*)'/g)].map((match) => match[1]!);
    return value.startsWith("(") ? words(value) : words(value)[0]!;
}

describe("prod stack under mocks (Pulumi.prod.yaml)", function () {
    this.timeout(60_000);
    let run: StackRun;
    let instances: Map<string, RecordedResource>;

    before(async () => {
        run = await runStack("prod");
        instances = new Map(ofType(run, INSTANCE).map((instance) => [instance.inputs.tags.Name as string, instance]));
    });

    it("runs one instance per PostgreSQL node and one front instance, under their components", () => {
        assert.deepStrictEqual([...instances.keys()].sort(), ["front.pg-ha.internal", "node0.pg-ha.internal", "node1.pg-ha.internal", "node2.pg-ha.internal"]);
        for (const instance of instances.values()) {
            const parent = parentTypeOf(run, INSTANCE, instance.name);
            assert.ok(["pg-ha:postgres:Primary", "pg-ha:postgres:Replica", "pg-ha:pgpool:Pgpool"].includes(parent!), `${instance.name} under ${parent}`);
        }
    });

    it("sizes instances and volumes to the budget: 13 GiB, 300 GB, the nodes' 6 vCPU and the front host on a t3.micro (Nitro types only)", () => {
        const types = [...instances.values()].map((instance) => INSTANCE_TYPES[instance.inputs.instanceType as string]!);
        assert.strictEqual(types.reduce((sum, type) => sum + type.memoryMib, 0), 13 * 1024);
        assert.deepStrictEqual(["node0", "node1", "node2"].map((node) => instances.get(`${node}.pg-ha.internal`)!.inputs.instanceType), ["t3.medium", "t3.medium", "t3.medium"]);
        // No Nitro type has 1 vCPU: the front host's budget (1 vCPU, 1 GiB) runs on t3.micro's 2 burstable ones.
        assert.strictEqual(instances.get("front.pg-ha.internal")!.inputs.instanceType, "t3.micro");
        const volumes = ofType(run, "aws:ebs/volume:Volume");
        assert.deepStrictEqual(volumes.map((volume) => [volume.inputs.size, volume.inputs.type]), [[100, "gp3"], [100, "gp3"], [100, "gp3"]]);
    });

    it("encrypts every volume, requires IMDSv2 and sets no SSH key", () => {
        for (const volume of ofType(run, "aws:ebs/volume:Volume")) assert.strictEqual(volume.inputs.encrypted, true);
        for (const instance of instances.values()) {
            assert.strictEqual(instance.inputs.rootBlockDevice.encrypted, true);
            assert.strictEqual(instance.inputs.metadataOptions.httpTokens, "required");
            assert.strictEqual(instance.inputs.keyName, undefined);
            assert.strictEqual(instance.inputs.userDataReplaceOnChange, true);
            assert.ok(!instance.secretInputs.has("userDataBase64"), "user data holds no secret: previews show its changes");
            assert.ok(Buffer.from(instance.inputs.userDataBase64 as string, "base64").length < 16 * 1024, "under EC2's 16 KB user data limit");
        }
    });

    it("spreads the PostgreSQL nodes over different zones, each data volume in its node's zone", () => {
        const subnets = ["node0", "node1", "node2"].map((node) => instances.get(`${node}.pg-ha.internal`)!.inputs.subnetId);
        assert.strictEqual(new Set(subnets).size, 3);
        const zones = ofType(run, "aws:ebs/volume:Volume").map((volume) => volume.inputs.availabilityZone);
        assert.deepStrictEqual(zones, ["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
    });

    it("opens nothing to 0.0.0.0/0 and no port 22; PostgreSQL only from pgpool and the nodes", () => {
        const groups = ofType(run, "aws:ec2/securityGroup:SecurityGroup");
        assert.strictEqual(groups.length, 2);
        for (const group of groups) {
            for (const rule of group.inputs.ingress as { fromPort: number; toPort: number; cidrBlocks?: string[] }[]) {
                assert.ok(!(rule.cidrBlocks ?? []).includes("0.0.0.0/0"), `${group.name} ingress from 0.0.0.0/0`);
                assert.ok(!(rule.fromPort <= 22 && rule.toPort >= 22), `${group.name} opens port 22`);
            }
        }
        const database = groups.find((group) => group.inputs.description === "pg-ha PostgreSQL nodes")!;
        const databaseIngress = database.inputs.ingress as { fromPort: number; toPort: number; cidrBlocks?: string[]; description: string }[];
        assert.ok(databaseIngress.filter((rule) => rule.fromPort <= 5434 && rule.toPort >= 5432).every((rule) => rule.cidrBlocks === undefined), "no CIDR reaches PostgreSQL directly");
        // node_exporter (9100-9102): from the front host's Prometheus and the monitoring networks only.
        assert.deepStrictEqual(databaseIngress.filter((rule) => rule.fromPort === 9100).map((rule) => [rule.toPort, rule.cidrBlocks ?? "front group"]), [[9102, "front group"], [9102, ["10.42.0.0/16"]]]);
        const front = groups.find((group) => group.inputs.description === "pg-ha pgpool and exporter")!;
        assert.deepStrictEqual((front.inputs.ingress as { fromPort: number; cidrBlocks: string[] }[]).map((rule) => [rule.fromPort, rule.cidrBlocks]), [[5430, ["10.42.0.0/16"]], [9187, ["10.42.0.0/16"]], [9719, ["10.42.0.0/16"]], [9093, ["10.42.0.0/16"]], [9090, ["10.42.0.0/16"]]]);
    });

    it("makes a versioned, encrypted, private, TLS-only backup bucket with retention", () => {
        assert.strictEqual(ofType(run, "aws:s3/bucketVersioning:BucketVersioning")[0]!.inputs.versioningConfiguration.status, "Enabled");
        assert.strictEqual(ofType(run, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")[0]!.inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
        const block = ofType(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")[0]!.inputs;
        assert.ok(block.blockPublicAcls && block.blockPublicPolicy && block.ignorePublicAcls && block.restrictPublicBuckets);
        const policy = JSON.parse(ofType(run, "aws:s3/bucketPolicy:BucketPolicy")[0]!.inputs.policy as string);
        assert.deepStrictEqual(policy.Statement[0].Condition, { Bool: { "aws:SecureTransport": "false" } });
        assert.strictEqual(policy.Statement[0].Effect, "Deny");
        const rule = ofType(run, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")[0]!.inputs.rules[0];
        assert.strictEqual(rule.noncurrentVersionExpiration.noncurrentDays, 14);
    });

    /** The inline policies of the role behind an instance's profile. */
    function policiesOf(instance: RecordedResource): { Action: unknown; Resource: unknown; Condition?: unknown }[] {
        const profile = ofType(run, "aws:iam/instanceProfile:InstanceProfile").find((candidate) => candidate.state.name === instance.inputs.iamInstanceProfile)!;
        return ofType(run, "aws:iam/rolePolicy:RolePolicy").filter((policy) => policy.inputs.role === `${profile.inputs.role}-id` || policy.inputs.role === profile.inputs.role)
            .flatMap((policy) => JSON.parse(policy.inputs.policy as string).Statement);
    }

    it("gives each host a role of its own: its own secrets only, and the bucket's prefix to the nodes only", () => {
        const bucketArn = ofType(run, "aws:s3/bucket:Bucket")[0]!.state.arn as string;
        const profiles = new Set([...instances.values()].map((instance) => instance.inputs.iamInstanceProfile));
        assert.strictEqual(profiles.size, 4, "one instance profile per host");
        for (const [host, instance] of instances) {
            const name = host.split(".")[0]!;
            const statements = policiesOf(instance).map((statement) => [statement.Action, statement.Resource]);
            const secrets: unknown[] = [["ssm:GetParameter", "ssm:GetParameters"], `arn:aws:ssm:eu-west-1:123456789012:parameter/pg-ha/prod/${name}/*`];
            const backups = [["s3:ListBucket", bucketArn], [["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], `${bucketArn}/pg-ha/*`]];
            assert.deepStrictEqual(statements, name === "front" ? [secrets] : [secrets, ...backups], host);
        }
        assert.ok(ofType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").every((attachment) => /AmazonSSMManagedInstanceCore$/.test(attachment.inputs.policyArn as string)));
    });

    it("keeps every password and private key out of user data: SecureString parameters under each host's path, fetched at boot", async () => {
        const parameters = ofType(run, "aws:ssm/parameter:Parameter");
        assert.deepStrictEqual(parameters.map((parameter) => parameter.inputs.name).sort(), ["/pg-ha/prod/front/alertmanager", "/pg-ha/prod/front/exporter", "/pg-ha/prod/front/pgpool", "/pg-ha/prod/front/pool-exporter", "/pg-ha/prod/front/prometheus", "/pg-ha/prod/node0/node0", "/pg-ha/prod/node0/node0-metrics", "/pg-ha/prod/node1/node1", "/pg-ha/prod/node1/node1-metrics", "/pg-ha/prod/node2/node2", "/pg-ha/prod/node2/node2-metrics"]);
        const secretValues: string[] = [];
        for (const parameter of parameters) {
            assert.strictEqual(parameter.inputs.type, "SecureString");
            assert.ok(parameter.secretInputs.has("value"), `${parameter.inputs.name} is a secret input`);
            const bundle = JSON.parse(parameter.inputs.value as string) as Record<string, { gzipBase64: string }>;
            for (const file of Object.values(bundle)) secretValues.push(gunzipSync(Buffer.from(file.gzipBase64, "base64")).toString("utf8"));
        }
        // Every generated password and every private key the program made.
        const passwords = ofType(run, "random:index/randomPassword:RandomPassword").map((password) => password.state.result as string);
        const keys = ofType(run, "tls:index/privateKey:PrivateKey").map((key) => key.state.privateKeyPem as string);
        assert.ok(passwords.length >= 5 && keys.length >= 5, `${passwords.length} passwords, ${keys.length} keys`);
        for (const key of keys.slice(1)) assert.ok(secretValues.some((value) => value.includes(key)), "each server key travels in a parameter");
        for (const instance of instances.values()) {
            const text = gunzipSync(Buffer.from(instance.inputs.userDataBase64 as string, "base64")).toString("utf8");
            const written = cloudConfigOf(instance).write_files.map((file) => (file.encoding === "b64" ? Buffer.from(file.content, "base64").toString("utf8") : file.content)).join("\n");
            for (const secret of [...passwords, ...keys]) assert.ok(!text.includes(secret) && !written.includes(secret), `${instance.inputs.tags.Name}: a secret in user data`);
            const host = (instance.inputs.tags.Name as string).split(".")[0]!;
            for (const entry of bootValue(instance, "SECRETS") as string[]) assert.match(entry, new RegExp(`^/pg-ha/prod/${host}/[\\w-]+\\|/etc/pg-ha/[\\w-]+$`));
            assert.strictEqual(bootValue(instance, "REGION"), "eu-west-1");
        }
    });

    it("boots each instance only once its egress exists (NAT, route associations, S3 endpoint) and its secrets are stored", () => {
        const urnOf = (resource: RecordedResource) => run.urns.find((urn) => urn.endsWith(`${resource.type}::${resource.name}`))!;
        const egress = [...ofType(run, "aws:ec2/natGateway:NatGateway"), ...ofType(run, "aws:ec2/routeTableAssociation:RouteTableAssociation").filter((association) => association.name.includes("-private-")), ...ofType(run, "aws:ec2/vpcEndpoint:VpcEndpoint")];
        assert.strictEqual(egress.length, 1 + 3 + 1);
        const endpoint = ofType(run, "aws:ec2/vpcEndpoint:VpcEndpoint")[0]!;
        assert.deepStrictEqual([endpoint.inputs.serviceName, endpoint.inputs.vpcEndpointType], ["com.amazonaws.eu-west-1.s3", "Gateway"]);
        for (const instance of instances.values()) {
            const dependencies = run.dependencies.get(urnOf(instance)) ?? [];
            for (const resource of egress) assert.ok(dependencies.includes(urnOf(resource)), `${instance.inputs.tags.Name} does not wait for ${resource.name}`);
            const host = (instance.inputs.tags.Name as string).split(".")[0]!;
            const own = ofType(run, "aws:ssm/parameter:Parameter").filter((parameter) => (parameter.inputs.name as string).startsWith(`/pg-ha/prod/${host}/`));
            for (const parameter of own) assert.ok(dependencies.includes(urnOf(parameter)), `${host} does not wait for ${parameter.inputs.name}`);
        }
    });

    it("boots the Debian 12 AMI pinned by name in config, never the most recent one", () => {
        const lookups = run.calls.filter((call) => call.token === "aws:ec2/getAmi:getAmi");
        assert.ok(lookups.length >= 1);
        for (const lookup of lookups) {
            assert.notStrictEqual(lookup.inputs.mostRecent, true);
            assert.deepStrictEqual(lookup.inputs.filters[0], { name: "name", values: ["debian-12-amd64-20241201-1948"] });
        }
    });

    it("writes the same rendered files into user data, and mounts the data volume", () => {
        const node1 = instances.get("node1.pg-ha.internal")!;
        assert.match(fileIn(node1, "/etc/pg-ha/node1/postgresql.conf")!, /^primary_conninfo = '.*host=node0\.pg-ha\.internal port=5432 /m);
        assert.match(fileIn(node1, "/etc/pg-ha/node1/pg_hba.conf")!, /^hostssl\s+replication\s+replicator\s+10\.42\.0\.0\/16/m);
        assert.ok(fileIn(node1, "/etc/systemd/system/pg-ha-node1.service")!.includes("ExecStart=/bin/bash /etc/pg-ha/node1/start.sh"));
        assert.match(bootValue(node1, "DATA_DEVICE") as string, /^\/dev\/disk\/by-id\/nvme-Amazon_Elastic_Block_Store_/);
        // node_exporter beside PostgreSQL: its own unit (after the data mount too), Debian's masked.
        assert.deepStrictEqual((bootValue(node1, "PACKAGES") as string[]).map((spec) => spec.split("=")[0]), ["postgresql-15", "postgresql-client-15", "pgbackrest", "prometheus-node-exporter"]);
        assert.deepStrictEqual(bootValue(node1, "MASKED_UNITS"), ["prometheus-node-exporter.service"]);
        assert.ok((bootValue(node1, "UNITS") as string[]).includes("pg-ha-node1-metrics.service"));
        assert.match(fileIn(node1, "/etc/systemd/system/pg-ha-node1-metrics.service")!, /^RequiresMountsFor=\/var\/lib\/postgresql\/data$/m);
        const front = instances.get("front.pg-ha.internal")!;
        assert.match(fileIn(front, "/etc/pg-ha/pgpool/pgpool.conf")!, /^backend_hostname2 = 'node2\.pg-ha\.internal'$/m);
        assert.ok(fileIn(front, "/etc/pg-ha/exporter/queries.yaml") !== undefined, "the exporter shares the front instance");
        assert.deepStrictEqual((bootValue(front, "PACKAGES") as string[]).map((spec) => spec.split("=")[0]), ["pgpool2", "haproxy", "postgresql-client-15", "prometheus-postgres-exporter", "prometheus", "prometheus-alertmanager"]);
        assert.deepStrictEqual(bootValue(front, "MASKED_UNITS"), ["pgpool2.service", "haproxy.service", "prometheus-postgres-exporter.service", "prometheus.service", "prometheus-alertmanager.service"]);
        assert.match(fileIn(front, "/etc/pg-ha/pgpool/client-gate.cfg")!, /^ {4}server pgpool 127\.0\.0\.1:5431$/m);
        assert.strictEqual(fileIn(front, "/etc/pg-ha/pgpool/failover.sh"), withoutCommentLines(assetText("failover.sh")), "scripts go without their comment lines (user data holds 16 KB)");
    });

    it("backs every node up to the stack's bucket and prefix with the instance role's credentials", () => {
        const bucket = ofType(run, "aws:s3/bucket:Bucket")[0]!.state.bucket as string;
        for (const node of ["node0", "node1", "node2"]) {
            const instance = instances.get(`${node}.pg-ha.internal`)!;
            const conf = fileIn(instance, `/etc/pg-ha/${node}/pgbackrest.conf`)!.split("\n");
            for (const line of ["repo1-type=s3", `repo1-s3-bucket=${bucket}`, "repo1-path=/pg-ha", "repo1-s3-endpoint=s3.eu-west-1.amazonaws.com", "repo1-s3-region=eu-west-1",
                "repo1-s3-key-type=auto", "repo1-s3-uri-style=host", "repo1-retention-full=14"]) {
                assert.ok(conf.includes(line), `${node}: ${line}`);
            }
            assert.ok(!conf.some((line) => /^repo1-s3-key(-secret)?=/.test(line)), "no key pair: the instance role");
            assert.match(fileIn(instance, `/etc/pg-ha/${node}/postgresql.conf`)!, new RegExp(`^archive_command = '/etc/pg-ha/${node}/pgbackrest-archive.sh %p'$`, "m"));
            assert.ok((bootValue(instance, "PACKAGES") as string[]).some((spec) => spec.startsWith("pgbackrest")));
        }
    });

    it("schedules a weekly full and a daily differential backup on every node with systemd timers", () => {
        for (const node of ["node0", "node1", "node2"]) {
            const instance = instances.get(`${node}.pg-ha.internal`)!;
            for (const [type, calendar] of [["full", "Sun *-*-* 01:00:00"], ["diff", "Mon..Sat *-*-* 01:00:00"]] as const) {
                const timer = fileIn(instance, `/etc/systemd/system/pg-ha-${node}-backup-${type}.timer`)!;
                const service = fileIn(instance, `/etc/systemd/system/pg-ha-${node}-backup-${type}.service`)!;
                assert.ok(timer.split("\n").includes(`OnCalendar=${calendar}`), `${node} ${type}: ${timer}`);
                assert.ok(service.split("\n").includes(`ExecStart=/bin/bash /etc/pg-ha/${node}/backup.sh ${type}`));
                assert.ok(service.split("\n").includes("SuccessExitStatus=3"), "a standby's skip is a success");
            }
            assert.deepStrictEqual((bootValue(instance, "UNITS") as string[]).filter((unit) => unit.endsWith(".timer")), [`pg-ha-${node}-backup-full.timer`, `pg-ha-${node}-backup-diff.timer`]);
        }
        assert.ok(!cloudConfigOf(instances.get("front.pg-ha.internal")!).write_files.some((file) => file.path.endsWith(".timer")), "no backups from the front host");
    });

    it("exports the connection strings on private names (secret) and the bucket name", async () => {
        assert.deepStrictEqual(Object.keys(run.program).filter((key) => run.program[key] !== undefined).sort(), [...STACK_OUTPUT_KEYS, "backupBucketName", "hostAccess", "hostInstances"].sort());
        // The operations reach each node on its own instance and pgpool on the front one, through SSM in the stack's region.
        const access = await promiseOf(run.program.hostAccess!) as HostAccess;
        const instanceOf = (name: string) => instances.get(`${name}.pg-ha.internal`)!;
        assert.deepStrictEqual(access, {
            serviceUser: "postgres",
            region: "eu-west-1",
            nodes: ["node0", "node1", "node2"],
            services: {
                ...Object.fromEntries(["node0", "node1", "node2"].map((node) => [node, { instanceId: `${ofType(run, INSTANCE).find((instance) => instance === instanceOf(node))!.name}-id`, host: `${node}.pg-ha.internal`, configDir: `/etc/pg-ha/${node}` }])),
                pgpool: { instanceId: `${ofType(run, INSTANCE).find((instance) => instance === instanceOf("front"))!.name}-id`, host: "front.pg-ha.internal", configDir: "/etc/pg-ha/pgpool" },
            },
        });
        assert.strictEqual(await pulumi.isSecret(run.program.pgpoolConnectionString!), true);
        assert.match(await promiseOf(run.program.pgpoolConnectionString!), /@pgpool\.pg-ha\.internal:5430\/edufarm\?sslmode=verify-full$/);
        assert.strictEqual(await promiseOf(run.program.backupBucketName!), ofType(run, "aws:s3/bucket:Bucket")[0]!.state.bucket);
    });

    it("orders a rolling replacement: each standby alone until it streams, a switchover to the first, the former primary, then the rest; each step targets only its host's own resources", async () => {
        const hosts = await promiseOf(run.program.hostInstances!) as Record<string, HostInstance>;
        assert.deepStrictEqual(Object.keys(hosts).sort(), ["front", "node0", "node1", "node2"]);
        const plan = rollingPlan({ stack: "prod", hosts, nodes: ["node0", "node1", "node2"], primary: "node1", force: false });
        assert.deepStrictEqual(plan.map((step) => step.kind === "replace" || step.kind === "await-standby" ? `${step.kind} ${"host" in step ? step.host : step.node}` : step.kind === "switchover" ? `switchover ${step.to}` : step.kind), [
            "replace node0", "await-standby node0", "replace node2", "await-standby node2", "switchover node0", "replace node1", "await-standby node1", "apply-rest",
        ]);
        for (const step of plan) {
            if (step.kind !== "replace") continue;
            const targets = step.argv.flatMap((arg, i) => (step.argv[i - 1] === "--target" ? [arg] : []));
            const names = targets.map((urn) => `${urn.split("::")[2]!.split("$").pop()}::${urn.split("::")[3]}`).sort();
            // Its services' secret files, its instance, its data volume's attachment, its services' DNS names: nothing of another host.
            assert.deepStrictEqual(names, [
                `aws:ec2/instance:Instance::pg-ha-${step.host}-instance`,
                `aws:ec2/volumeAttachment:VolumeAttachment::pg-ha-${step.host}-data`,
                `aws:route53/record:Record::pg-ha-${step.host}-dns`,
                `aws:route53/record:Record::pg-ha-${step.host}-metrics-dns`,
                `aws:ssm/parameter:Parameter::pg-ha-${step.host}-metrics-secrets`,
                `aws:ssm/parameter:Parameter::pg-ha-${step.host}-secrets`,
            ]);
            assert.deepStrictEqual(step.argv.slice(0, 5), ["pulumi", "up", "--stack", "prod", "--yes"]);
            assert.ok(!step.argv.includes("--target-dependents"), "dependents would pull in the front host");
            assert.ok(!step.argv.includes("--replace"));
        }
        const forced = rollingPlan({ stack: "prod", hosts, nodes: ["node0", "node1", "node2"], primary: "node0", force: true });
        const first = forced[0]!;
        assert.ok(first.kind === "replace" && first.host === "node1" && first.argv[first.argv.indexOf("--replace") + 1] === hosts.node1!.instanceUrn);
        assert.deepStrictEqual(forced.at(-1), { kind: "apply-rest", argv: ["pulumi", "up", "--stack", "prod", "--yes"] });
        assert.throws(() => rollingPlan({ stack: "prod", hosts: { node0: hosts.node0! }, nodes: ["node0"], primary: "node0", force: false }), /needs a standby to switch over to/);
        assert.throws(() => rollingPlan({ stack: "prod", hosts, nodes: ["node0", "node1", "node2", "node3"], primary: "node0", force: false }), /names no host for node3: run pulumi up once/);
    });
});
