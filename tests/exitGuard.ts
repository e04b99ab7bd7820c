/**
 * Mocha root hook, loaded with `--require` by the test command: a run whose process is still held
 * open after its last test (a writer, a socket or a timer that a failed test left running) ends
 * with exit code 1 after a grace period and names what holds it, instead of running on until CI's
 * time limit with its results already printed.
 */

/** How long a finished run may take to let go of its handles; `PG_HA_TEST_EXIT_GRACE_MS` overrides it. */
export const EXIT_GRACE_MS = 30_000;

function graceMs(): number {
    const configured = Number(process.env.PG_HA_TEST_EXIT_GRACE_MS);
    return Number.isFinite(configured) && configured > 0 ? configured : EXIT_GRACE_MS;
}

export const mochaHooks = {
    afterAll(): void {
        const grace = graceMs();
        // Unreferenced: a run that holds nothing else exits at once, as without this hook.
        setTimeout(() => {
            process.stderr.write(`the test process still runs ${grace} ms after its last test, held by: ${process.getActiveResourcesInfo().join(", ")}; a test left it running (exit code 1)\n`);
            // Mocha sets the exit code from its failure count in an exit listener: this one runs after it.
            process.on("exit", () => { process.exitCode = 1; });
            process.exit(1);
        }, grace).unref();
    },
};
