import * as assert from "assert";
import { createHmac } from "crypto";
import { scramVerifier, scramVerifierWithSalt } from "../../components/render";

describe("SCRAM-SHA-256 verifiers", () => {
    it("derives the keys of RFC 7677's example: its server signature checks out", () => {
        const verifier = scramVerifierWithSalt("pencil", Buffer.from("W22ZaJ0SNY7soEsUEjb6gQ==", "base64"));
        const match = /^SCRAM-SHA-256\$4096:W22ZaJ0SNY7soEsUEjb6gQ==\$([^:]+):(.+)$/.exec(verifier);
        assert.ok(match, verifier);
        const nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
        const authMessage = `n=user,r=rOprNGfwEbeRWgbNEkqO,r=${nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=${nonce}`;
        const serverSignature = createHmac("sha256", Buffer.from(match[2]!, "base64")).update(authMessage).digest("base64");
        assert.strictEqual(serverSignature, "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    });

    it("is the same for the same role and password, and differs per role", () => {
        assert.strictEqual(scramVerifier("replicator", "Secret1"), scramVerifier("replicator", "Secret1"));
        assert.notStrictEqual(scramVerifier("replicator", "Secret1"), scramVerifier("pgha_monitor", "Secret1"));
        assert.ok(!scramVerifier("replicator", "Secret1").includes("Secret1"));
    });
});
