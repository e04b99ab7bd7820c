import { createCipheriv, createHash } from "crypto";

/**
 * pgpool's AES pool_passwd entry, as `pg_enc -m -k KEYFILE` writes it: AES-256-CBC with key and
 * IV from OpenSSL's EVP_BytesToKey(sha1, no salt, one round) over the key file's text, base64,
 * prefixed with "AES" (Pgpool-II src/utils/ssl_utils.c). Deterministic, so a pure renderer can
 * make it and a test can compare it with pg_enc byte for byte.
 */
export function pgpoolAesPassword(password: string, aesKey: string): string {
    const keyMaterial = evpBytesToKey(Buffer.from(aesKey, "utf8"), 32 + 16);
    const cipher = createCipheriv("aes-256-cbc", keyMaterial.subarray(0, 32), keyMaterial.subarray(32, 48));
    const encrypted = Buffer.concat([cipher.update(password, "utf8"), cipher.final()]);
    return `AES${encrypted.toString("base64")}`;
}

function evpBytesToKey(secret: Buffer, length: number): Buffer {
    const blocks: Buffer[] = [];
    let previous = Buffer.alloc(0);
    while (Buffer.concat(blocks).length < length) {
        previous = createHash("sha1").update(Buffer.concat([previous, secret])).digest();
        blocks.push(previous);
    }
    return Buffer.concat(blocks).subarray(0, length);
}

export interface PoolPasswdEntry {
    readonly user: string;
    readonly password: string;
}

/** pool_passwd: one `user:AES...` line for every user that logs in through pgpool. */
export function renderPoolPasswd(entries: readonly PoolPasswdEntry[], aesKey: string): string {
    return entries.map((entry) => `${entry.user}:${pgpoolAesPassword(entry.password, aesKey)}`).join("\n") + "\n";
}
