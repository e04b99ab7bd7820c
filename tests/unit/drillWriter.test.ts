import * as assert from "assert";
import * as net from "net";
import { NumberedWriter } from "../../scripts/lib/drill/writer";
import { sleep } from "../../scripts/lib/wait";

/** A loopback port with nothing listening: every connection the writer tries is refused at once. */
async function closedPort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
}

/** How many errors the writer counts over `ms`: 0 once it has stopped. */
async function errorsOver(writer: NumberedWriter, ms: number): Promise<number> {
    const before = writer.errors;
    await sleep(ms);
    return writer.errors - before;
}

describe("the drill writer", function () {
    this.timeout(10_000);
    const target = async () => ({ host: "127.0.0.1", port: await closedPort(), user: "nobody", password: "unused", database: "postgres" });

    it("stops by itself at its bound when nobody stops it", async () => {
        const writer = new NumberedWriter(await target(), "", 400);
        writer.start();
        assert.ok(await errorsOver(writer, 200) > 0, "the writer was not retrying");
        await sleep(400);
        assert.strictEqual(await errorsOver(writer, 300), 0, "the writer still runs past its bound");
    });

    it("stops writing when the body it runs during throws, and passes the error on", async () => {
        const writer = new NumberedWriter(await target(), "");
        await assert.rejects(writer.during(async () => {
            await sleep(200);
            throw new Error("the drill failed");
        }), /the drill failed/);
        assert.ok(writer.errors > 0, "the writer never ran");
        assert.strictEqual(await errorsOver(writer, 300), 0, "the writer still runs after the body threw");
    });
});
