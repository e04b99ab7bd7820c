import { createHash, createHmac, pbkdf2Sync } from "crypto";

/** PostgreSQL's default scram_iterations. */
export const SCRAM_ITERATIONS = 4096;

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802 and 7677, as
 * src/common/scram-common.c builds it). `CREATE ROLE ... PASSWORD '<verifier>'` stores it as is, so
 * no statement text, log line or statistics view ever holds the password itself. The salt is
 * derived from the password and the role (unique to both, secret like them) so that the renderer
 * stays pure: the same inputs give the same bytes, and a deploy changes no file it need not.
 */
export function scramVerifier(role: string, password: string): string {
    return scramVerifierWithSalt(password, createHmac("sha256", password).update(`pg-ha scram salt of ${role}`).digest().subarray(0, 16));
}

/** The verifier for a given salt: `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, base64. */
export function scramVerifierWithSalt(password: string, salt: Buffer): string {
    const salted = pbkdf2Sync(Buffer.from(password, "utf8"), salt, SCRAM_ITERATIONS, 32, "sha256");
    const clientKey = createHmac("sha256", salted).update("Client Key").digest();
    const storedKey = createHash("sha256").update(clientKey).digest();
    const serverKey = createHmac("sha256", salted).update("Server Key").digest();
    return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}
