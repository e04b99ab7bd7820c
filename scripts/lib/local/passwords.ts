import { randomInt } from "crypto";
import { ClusterPasswords, PASSWORD_NAMES } from "../../../components/render";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
export const PASSWORD_LENGTH = 32;

/** A 32-character password from the same alphabet as the Pulumi secrets component (no specials). */
export function generatePassword(): string {
    return Array.from({ length: PASSWORD_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
}

export function generateClusterPasswords(): ClusterPasswords {
    return Object.fromEntries(PASSWORD_NAMES.map((name) => [name, generatePassword()])) as unknown as ClusterPasswords;
}
