import { randomBytes } from "crypto";
import type { IncomingHttpHeaders } from "http";

/** What the metadata service needs to know of the instances; the AWS emulator owns these facts. */
export interface ImdsFacts {
    readonly region: string;
    readonly accountId: string;
    /** The IAM role of the instance at a private address, or undefined when no host has it. */
    roleAt(ip: string): string | undefined;
    /** The id of the instance at a private address. */
    instanceIdAt(ip: string): string;
    /** The session token handed out with a role's credentials. */
    sessionTokenOf(role: string): string;
}

/** One request to the metadata service: `path` is without its query. */
export interface ImdsRequest {
    readonly method: string;
    readonly path: string;
    readonly callerIp: string;
    readonly headers: IncomingHttpHeaders;
}

/** The metadata service's answer: always text, as the real one serves even its JSON documents. */
export interface ImdsAnswer {
    readonly status: number;
    readonly headers: Readonly<Record<string, string>>;
    readonly body: string;
}

const TOKEN_PATH = "/latest/api/token";
const TOKEN_TTL_HEADER = "x-aws-ec2-metadata-token-ttl-seconds";
const TOKEN_HEADER = "x-aws-ec2-metadata-token";
const MAX_TOKEN_TTL_SECONDS = 21_600;
const CREDENTIALS_PATH = "/latest/meta-data/iam/security-credentials";
const CREDENTIALS_LIFETIME_MS = 6 * 3_600_000;

function text(status: number, body: string, headers: Readonly<Record<string, string>> = {}): ImdsAnswer {
    return { status, headers: { "content-type": "text/plain", ...headers }, body };
}

const NOT_FOUND = text(404, "Not Found");

/** A time as IMDS writes it: ISO 8601 in UTC, whole seconds. */
function wholeSecondsIso(time: Date): string {
    return time.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
}

/**
 * An IMDSv2 metadata service as an instance with `httpTokens: required` sees it: a session token
 * from `PUT /latest/api/token` (bound to the caller's address, for its TTL) is needed for every
 * GET; the caller's role, credentials, region, instance id and identity document. Returns the
 * function that answers one request; it keeps the tokens it issued.
 */
export function createImdsEmulator(facts: ImdsFacts): (request: ImdsRequest) => ImdsAnswer {
    const tokens = new Map<string, { readonly ip: string; readonly expiresAtMs: number }>();

    function issueToken(request: ImdsRequest): ImdsAnswer {
        if (request.headers["x-forwarded-for"] !== undefined) return text(403, "Forbidden");
        const ttl = headerValue(request.headers, TOKEN_TTL_HEADER) ?? "";
        const ttlSeconds = /^\d+$/.test(ttl) ? Number(ttl) : NaN;
        if (!(ttlSeconds >= 1 && ttlSeconds <= MAX_TOKEN_TTL_SECONDS)) return text(400, "Bad Request");
        const token = randomBytes(42).toString("base64url");
        tokens.set(token, { ip: request.callerIp, expiresAtMs: Date.now() + ttlSeconds * 1000 });
        return text(200, token, { [TOKEN_TTL_HEADER]: String(ttlSeconds) });
    }

    function hasValidToken(request: ImdsRequest): boolean {
        const token = headerValue(request.headers, TOKEN_HEADER);
        const issued = token === undefined ? undefined : tokens.get(token);
        return issued !== undefined && issued.ip === request.callerIp && issued.expiresAtMs > Date.now();
    }

    function credentials(role: string): ImdsAnswer {
        const now = new Date();
        return text(200, JSON.stringify({
            Code: "Success",
            LastUpdated: wholeSecondsIso(now),
            Type: "AWS-HMAC",
            // s3rver's only key: it checks that the key exists, not the signature.
            AccessKeyId: "S3RVER",
            SecretAccessKey: "S3RVER",
            Token: facts.sessionTokenOf(role),
            Expiration: wholeSecondsIso(new Date(now.getTime() + CREDENTIALS_LIFETIME_MS)),
        }, null, 2));
    }

    function metadata(path: string, callerIp: string): ImdsAnswer {
        const role = facts.roleAt(callerIp);
        const instanceId = facts.instanceIdAt(callerIp);
        switch (path) {
            case CREDENTIALS_PATH:
            case `${CREDENTIALS_PATH}/`:
                return role === undefined ? NOT_FOUND : text(200, role);
            case "/latest/meta-data/placement/region":
                return text(200, facts.region);
            case "/latest/meta-data/instance-id":
                return text(200, instanceId);
            case "/latest/dynamic/instance-identity/document":
                return text(200, JSON.stringify({
                    region: facts.region,
                    instanceId,
                    accountId: facts.accountId,
                    availabilityZone: `${facts.region}a`,
                    privateIp: callerIp,
                }, null, 2));
            default:
                return role !== undefined && path === `${CREDENTIALS_PATH}/${role}` ? credentials(role) : NOT_FOUND;
        }
    }

    return (request) => {
        if (request.path === TOKEN_PATH) return request.method === "PUT" ? issueToken(request) : text(405, "Method Not Allowed", { allow: "PUT" });
        if (request.method !== "GET") return text(405, "Method Not Allowed", { allow: "GET" });
        if (!hasValidToken(request)) return text(401, "Unauthorized");
        return metadata(request.path, request.callerIp);
    };
}
