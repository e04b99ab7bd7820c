import { randomUUID } from "crypto";

/** The instance behind a session token: its role, and the parameter path the role may read. */
export interface SsmCaller {
    readonly role: string;
    /** Ends with "/": the role's policy allows ssm:GetParameter on parameters under it. */
    readonly parameterPrefix: string;
    readonly instanceId: string;
}

/** What Parameter Store needs to know; the AWS emulator owns these facts. */
export interface SsmFacts {
    readonly region: string;
    readonly accountId: string;
    /** Parameter name -> value, all SecureString. */
    readonly parameters: Readonly<Record<string, string>>;
    /** When the parameters were written. */
    readonly lastModified: Date;
    /** The caller holding a session token, or undefined for a token the metadata service never gave. */
    callerWithSessionToken(token: string): SsmCaller | undefined;
}

/** One call of the SSM JSON 1.1 API: the `X-Amz-Target` and `X-Amz-Security-Token` headers and the body. */
export interface SsmRequest {
    readonly target: string | undefined;
    readonly sessionToken: string | undefined;
    readonly body: string;
}

/** The API's answer, and the parameter the call named (for the request log). */
export interface SsmAnswer {
    readonly status: number;
    readonly headers: Readonly<Record<string, string>>;
    readonly body: string;
    readonly parameterName?: string;
}

const GET_PARAMETER_TARGET = "AmazonSSM.GetParameter";

function answer(status: number, document: object, parameterName?: string): SsmAnswer {
    return {
        status,
        headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": randomUUID() },
        body: JSON.stringify(document),
        ...(parameterName === undefined ? {} : { parameterName }),
    };
}

function failure(type: string, message: string, parameterName?: string): SsmAnswer {
    return answer(400, { __type: type, message }, parameterName);
}

/** The name in a GetParameter body, or undefined when the body is not JSON or names nothing. */
function requestedName(body: string): string | undefined {
    try {
        const name: unknown = JSON.parse(body)?.Name;
        return typeof name === "string" && name !== "" ? name : undefined;
    } catch {
        return undefined;
    }
}

/**
 * Answers one call to SSM Parameter Store as AWS would for an instance role that may read only
 * its host's parameters: GetParameter alone, the caller known by the session token of the
 * credentials the metadata service gave it. Never puts a value anywhere but the success body.
 */
export function answerSsm(facts: SsmFacts, request: SsmRequest): SsmAnswer {
    const caller = request.sessionToken === undefined ? undefined : facts.callerWithSessionToken(request.sessionToken);
    if (caller === undefined) return failure("UnrecognizedClientException", "The security token included in the request is invalid.");
    if (request.target !== GET_PARAMETER_TARGET) return answer(400, { __type: "InvalidAction" });
    const name = requestedName(request.body);
    if (name === undefined) return failure("ValidationException", "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null");
    const arn = `arn:aws:ssm:${facts.region}:${facts.accountId}:parameter${name.startsWith("/") ? "" : "/"}${name}`;
    if (!name.startsWith(caller.parameterPrefix)) {
        const user = `arn:aws:sts::${facts.accountId}:assumed-role/${caller.role}/${caller.instanceId}`;
        return failure("AccessDeniedException", `User: ${user} is not authorized to perform: ssm:GetParameter on resource: ${arn} because no identity-based policy allows the ssm:GetParameter action`, name);
    }
    if (!Object.hasOwn(facts.parameters, name)) return failure("ParameterNotFound", "", name);
    return answer(200, {
        Parameter: {
            Name: name,
            Type: "SecureString",
            Value: facts.parameters[name],
            Version: 1,
            LastModifiedDate: Math.floor(facts.lastModified.getTime() / 1000),
            ARN: arn,
            DataType: "text",
        },
    }, name);
}
