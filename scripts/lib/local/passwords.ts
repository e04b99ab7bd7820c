import { randomInt } from "crypto";
import { PASSWORD_ALPHABET, PASSWORD_LENGTH } from "../../../config";
import { ClusterPasswords, PASSWORD_NAMES } from "../../../components/render";

/** A password as the Pulumi secrets component makes them: PASSWORD_LENGTH letters and digits. */
export function generatePassword(): string {
    return Array.from({ length: PASSWORD_LENGTH }, () => PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)]).join("");
}

export function generateClusterPasswords(): ClusterPasswords {
    return Object.fromEntries(PASSWORD_NAMES.map((name) => [name, generatePassword()])) as unknown as ClusterPasswords;
}
