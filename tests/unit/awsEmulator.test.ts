import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { generateLocalPki } from "../../scripts/lib/local/pki";
import { EmulatorConfig, RequestLogEntry, RunningAwsEmulator, startAwsEmulator } from "../boot/awsEmulator";

const REGION = "eu-west-1";
const SSM_HOST = `ssm.${REGION}.amazonaws.com`;
const BUCKET = "pg-ha-prod-backups-abcd";
const NODE0_ROLE = "pg-ha-prod-node0-role";
const NODE0_PREFIX = "/pg-ha/prod/node0.pg-ha.internal/";
const NODE1_PREFIX = "/pg-ha/prod/node1.pg-ha.internal/";
const NODE0_SECRET = "node0-secret-bundle-value";
const NODE1_SECRET = "node1-secret-bundle-value";
/** A loopback address no host of the configuration has. */
const STRANGER_IP = "127.0.0.2";

interface Reply {
    readonly status: number;
    readonly headers: http.IncomingHttpHeaders;
    readonly body: string;
}

function collect(request: http.ClientRequest, body?: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
        request.on("response", (response) => {
            const chunks: Buffer[] = [];
            response.on("data", (chunk: Buffer) => chunks.push(chunk))
                .on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }));
        }).on("error", reject);
        request.end(body);
    });
}

describe("AWS emulator of the boot harness", function () {
    this.timeout(30_000);
    let dir: string;
    let caPem: string;
    let emulator: RunningAwsEmulator;
    const printed: string[] = [];
    const issuedTokens: string[] = [];

    const imds = (method: string, urlPath: string, headers: http.OutgoingHttpHeaders = {}, localAddress = "127.0.0.1") =>
        collect(http.request({ host: "127.0.0.1", port: emulator.ports.imds, method, path: urlPath, headers, localAddress, agent: false }));
    const control = (method: string, urlPath: string) =>
        collect(http.request({ host: "127.0.0.1", port: emulator.ports.control, method, path: urlPath, agent: false }));
    const aws = (hostname: string, method: string, urlPath: string, headers: http.OutgoingHttpHeaders = {}, body?: string) =>
        collect(https.request({ host: "127.0.0.1", port: emulator.ports.https, servername: hostname, ca: caPem, method, path: urlPath, headers: { host: hostname, ...headers }, agent: false }), body);

    async function tokenFor(localAddress = "127.0.0.1"): Promise<string> {
        const reply = await imds("PUT", "/latest/api/token", { "x-aws-ec2-metadata-token-ttl-seconds": "300" }, localAddress);
        assert.strictEqual(reply.status, 200);
        issuedTokens.push(reply.body);
        return reply.body;
    }

    async function sessionToken(): Promise<string> {
        const credentials = await imds("GET", `/latest/meta-data/iam/security-credentials/${NODE0_ROLE}`, { "x-aws-ec2-metadata-token": await tokenFor() });
        return JSON.parse(credentials.body).Token;
    }

    function getParameter(name: string, headers: http.OutgoingHttpHeaders): Promise<Reply> {
        return aws(SSM_HOST, "POST", "/", { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AmazonSSM.GetParameter", ...headers }, JSON.stringify({ Name: name, WithDecryption: true }));
    }

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-ha-aws-emulator-"));
        const pki = await generateLocalPki(path.join(dir, "pki"), [{ name: "emulator", dnsNames: [SSM_HOST, `s3.${REGION}.amazonaws.com`, `*.s3.${REGION}.amazonaws.com`], ipAddresses: [] }]);
        caPem = pki.caCertPem;
        fs.writeFileSync(path.join(dir, "emulator.crt"), pki.certificates["emulator"]!.certPem);
        fs.writeFileSync(path.join(dir, "emulator.key"), pki.certificates["emulator"]!.keyPem);
        const config: EmulatorConfig = {
            region: REGION,
            accountId: "123456789012",
            certFile: path.join(dir, "emulator.crt"),
            keyFile: path.join(dir, "emulator.key"),
            s3Directory: path.join(dir, "s3"),
            buckets: [BUCKET],
            hosts: [
                { ip: "127.0.0.1", role: NODE0_ROLE, parameterPrefix: NODE0_PREFIX },
                { ip: "127.0.0.3", role: "pg-ha-prod-node1-role", parameterPrefix: NODE1_PREFIX },
            ],
            parameters: { [`${NODE0_PREFIX}postgres`]: NODE0_SECRET, [`${NODE1_PREFIX}postgres`]: NODE1_SECRET },
        };
        emulator = await startAwsEmulator(config, { host: "127.0.0.1", imds: 0, https: 0, control: 0 }, (line) => printed.push(line));
    });

    after(async () => {
        await emulator?.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    describe("IMDSv2", () => {
        it("issues a token only for a TTL of 1..21600 seconds and never through a proxy", async () => {
            for (const ttl of [undefined, "0", "21601", "abc", "1.5"]) {
                const reply = await imds("PUT", "/latest/api/token", ttl === undefined ? {} : { "x-aws-ec2-metadata-token-ttl-seconds": ttl });
                assert.strictEqual(reply.status, 400, `TTL ${ttl}`);
            }
            const proxied = await imds("PUT", "/latest/api/token", { "x-aws-ec2-metadata-token-ttl-seconds": "60", "x-forwarded-for": "10.0.0.1" });
            assert.strictEqual(proxied.status, 403);
            const reply = await imds("PUT", "/latest/api/token", { "x-aws-ec2-metadata-token-ttl-seconds": "21600" });
            assert.strictEqual(reply.status, 200);
            assert.strictEqual(reply.headers["x-aws-ec2-metadata-token-ttl-seconds"], "21600");
            assert.match(reply.body, /^\S{20,}$/);
            issuedTokens.push(reply.body);
        });

        it("answers no GET without a token it gave to the caller's address", async () => {
            assert.strictEqual((await imds("GET", "/latest/meta-data/placement/region")).status, 401);
            assert.strictEqual((await imds("GET", "/latest/meta-data/placement/region", { "x-aws-ec2-metadata-token": "made-up" })).status, 401);
            const token = await tokenFor();
            assert.strictEqual((await imds("GET", "/latest/meta-data/placement/region", { "x-aws-ec2-metadata-token": token }, STRANGER_IP)).status, 401);
            const reply = await imds("GET", "/latest/meta-data/placement/region", { "x-aws-ec2-metadata-token": token });
            assert.deepStrictEqual([reply.status, reply.body], [200, REGION]);
        });

        it("names the caller's role, with or without the trailing slash, and none for an unknown address", async () => {
            const token = await tokenFor();
            for (const listing of ["/latest/meta-data/iam/security-credentials", "/latest/meta-data/iam/security-credentials/"]) {
                const reply = await imds("GET", listing, { "x-aws-ec2-metadata-token": token });
                assert.deepStrictEqual([reply.status, reply.body], [200, NODE0_ROLE], listing);
            }
            const stranger = await imds("GET", "/latest/meta-data/iam/security-credentials/", { "x-aws-ec2-metadata-token": await tokenFor(STRANGER_IP) }, STRANGER_IP);
            assert.strictEqual(stranger.status, 404);
        });

        it("gives the caller's role S3RVER credentials for six hours, and no other role's", async () => {
            const token = await tokenFor();
            const reply = await imds("GET", `/latest/meta-data/iam/security-credentials/${NODE0_ROLE}`, { "x-aws-ec2-metadata-token": token });
            assert.strictEqual(reply.status, 200);
            const credentials = JSON.parse(reply.body);
            assert.deepStrictEqual(
                [credentials.Code, credentials.Type, credentials.AccessKeyId, credentials.SecretAccessKey, credentials.Token],
                ["Success", "AWS-HMAC", "S3RVER", "S3RVER", `harness-session-${NODE0_ROLE}`],
            );
            for (const field of ["LastUpdated", "Expiration"]) assert.match(credentials[field], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, field);
            const lifetimeHours = (Date.parse(credentials.Expiration) - Date.parse(credentials.LastUpdated)) / 3_600_000;
            assert.strictEqual(lifetimeHours, 6);
            const otherRole = await imds("GET", "/latest/meta-data/iam/security-credentials/pg-ha-prod-node1-role", { "x-aws-ec2-metadata-token": token });
            assert.strictEqual(otherRole.status, 404);
        });

        it("tells the instance id, stable per address, its identity document, and 404 elsewhere", async () => {
            const token = await tokenFor();
            const first = await imds("GET", "/latest/meta-data/instance-id", { "x-aws-ec2-metadata-token": token });
            const second = await imds("GET", "/latest/meta-data/instance-id", { "x-aws-ec2-metadata-token": token });
            assert.match(first.body, /^i-[0-9a-f]{17}$/);
            assert.strictEqual(second.body, first.body);
            const document = await imds("GET", "/latest/dynamic/instance-identity/document", { "x-aws-ec2-metadata-token": token });
            assert.deepStrictEqual(JSON.parse(document.body), { region: REGION, instanceId: first.body, accountId: "123456789012", availabilityZone: `${REGION}a`, privateIp: "127.0.0.1" });
            assert.strictEqual((await imds("GET", "/latest/meta-data/ami-id", { "x-aws-ec2-metadata-token": token })).status, 404);
        });
    });

    describe("SSM Parameter Store", () => {
        it("gives a parameter under the caller's prefix to the holder of its session token", async () => {
            const reply = await getParameter(`${NODE0_PREFIX}postgres`, { "x-amz-security-token": await sessionToken() });
            assert.strictEqual(reply.status, 200);
            assert.strictEqual(reply.headers["content-type"], "application/x-amz-json-1.1");
            assert.match(String(reply.headers["x-amzn-requestid"]), /^[0-9a-f-]{36}$/);
            const { Parameter: parameter } = JSON.parse(reply.body);
            assert.deepStrictEqual({ ...parameter, LastModifiedDate: typeof parameter.LastModifiedDate }, {
                Name: `${NODE0_PREFIX}postgres`, Type: "SecureString", Value: NODE0_SECRET, Version: 1, LastModifiedDate: "number",
                ARN: `arn:aws:ssm:${REGION}:123456789012:parameter${NODE0_PREFIX}postgres`, DataType: "text",
            });
        });

        it("refuses a missing or unknown session token, another host's parameter, an unknown name and another action", async () => {
            const failure = (reply: Reply) => [reply.status, JSON.parse(reply.body).__type];
            assert.deepStrictEqual(failure(await getParameter(`${NODE0_PREFIX}postgres`, {})), [400, "UnrecognizedClientException"]);
            assert.deepStrictEqual(failure(await getParameter(`${NODE0_PREFIX}postgres`, { "x-amz-security-token": "harness-session-nobody" })), [400, "UnrecognizedClientException"]);
            const token = await sessionToken();
            const denied = await getParameter(`${NODE1_PREFIX}postgres`, { "x-amz-security-token": token });
            assert.deepStrictEqual(failure(denied), [400, "AccessDeniedException"]);
            assert.match(JSON.parse(denied.body).message, new RegExp(`${NODE0_ROLE}.* is not authorized to perform: ssm:GetParameter on resource: .*${NODE1_PREFIX}postgres`));
            assert.ok(!denied.body.includes(NODE1_SECRET));
            assert.deepStrictEqual(failure(await getParameter(`${NODE0_PREFIX}missing`, { "x-amz-security-token": token })), [400, "ParameterNotFound"]);
            const putParameter = await aws(SSM_HOST, "POST", "/", { "x-amz-target": "AmazonSSM.PutParameter", "x-amz-security-token": token }, "{}");
            assert.deepStrictEqual(failure(putParameter), [400, "InvalidAction"]);
        });

        it("drops every SSM connection while switched down, and answers again when switched up", async () => {
            const token = await sessionToken();
            assert.strictEqual((await control("POST", "/ssm/down")).status, 204);
            await assert.rejects(getParameter(`${NODE0_PREFIX}postgres`, { "x-amz-security-token": token }), /socket hang up|ECONNRESET/);
            assert.strictEqual((await control("POST", "/ssm/up")).status, 204);
            assert.strictEqual((await getParameter(`${NODE0_PREFIX}postgres`, { "x-amz-security-token": token })).status, 200);
        });
    });

    describe("S3", () => {
        const virtualHost = `${BUCKET}.s3.${REGION}.amazonaws.com`;

        it("keeps an object put host-style in the configured bucket, readable both styles", async () => {
            assert.strictEqual((await aws(virtualHost, "PUT", "/backup/hello.txt", { "content-type": "text/plain" }, "hello")).status, 200);
            assert.deepStrictEqual((await aws(virtualHost, "GET", "/backup/hello.txt")).body, "hello");
            assert.deepStrictEqual((await aws(`s3.${REGION}.amazonaws.com`, "GET", `/${BUCKET}/backup/hello.txt`)).body, "hello");
        });

        it("accepts a SigV4 request with the S3RVER key, and refuses another key", async () => {
            const signed = (accessKeyId: string) => ({
                authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20260101/${REGION}/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=${"0".repeat(64)}`,
                "x-amz-date": new Date().toISOString().replace(/[-:]|\.\d+/g, ""),
                "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
            });
            const reply = await aws(virtualHost, "GET", "/backup/hello.txt", signed("S3RVER"));
            assert.deepStrictEqual([reply.status, reply.body], [200, "hello"]);
            const stranger = await aws(virtualHost, "GET", "/backup/hello.txt", signed("AKIANOBODY"));
            assert.strictEqual(stranger.status, 403);
            assert.match(stranger.body, /InvalidAccessKeyId/);
        });
    });

    describe("control and log", () => {
        it("answers its health check and 404 elsewhere", async () => {
            assert.deepStrictEqual(await control("GET", "/health").then((reply) => [reply.status, reply.body]), [200, "ok"]);
            assert.strictEqual((await control("GET", "/nothing")).status, 404);
        });

        it("logs every request of each service, dropped ones as status 0, S3 path-style, and prints no secret", async () => {
            const reply = await control("GET", "/log");
            const log: RequestLogEntry[] = JSON.parse(reply.body);
            assert.deepStrictEqual(new Set(log.map((entry) => entry.service)), new Set(["imds", "ssm", "s3"]));
            assert.ok(log.some((entry) => entry.service === "imds" && entry.method === "PUT" && entry.status === 403), "the proxied token request");
            assert.ok(log.some((entry) => entry.service === "ssm" && entry.target === "AmazonSSM.GetParameter" && entry.name === `${NODE0_PREFIX}postgres` && entry.status === 200));
            assert.ok(log.some((entry) => entry.service === "ssm" && entry.status === 0), "the dropped call");
            assert.ok(log.some((entry) => entry.service === "s3" && entry.method === "PUT" && entry.path === `/${BUCKET}/backup/hello.txt` && entry.status === 200));
            assert.ok(log.every((entry) => typeof entry.at === "number" && [STRANGER_IP, "127.0.0.1"].includes(entry.ip)));
            assert.strictEqual(printed.length, log.length);
            for (const secret of [NODE0_SECRET, NODE1_SECRET, "harness-session-", ...issuedTokens]) {
                assert.ok(!reply.body.includes(secret), `the log holds ${secret}`);
                assert.ok(!printed.some((line) => line.includes(secret)), `a printed line holds ${secret}`);
            }
        });
    });
});
