import * as https from "https";

export interface HttpsResponse {
    readonly status: number;
    readonly body: string;
}

/** GET over TLS verified against `caPem`; the whole exchange, not only each silence, ends within `timeoutMs`. */
export function httpsGet(url: string, caPem: string, timeoutMs = 5000): Promise<HttpsResponse> {
    return new Promise((resolve, reject) => {
        const request = https.get(url, { ca: caPem, signal: AbortSignal.timeout(timeoutMs) }, (response) => {
            const chunks: Buffer[] = [];
            response.on("data", (chunk: Buffer) => chunks.push(chunk));
            response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
            response.on("error", reject);
        });
        request.on("error", (error) => reject(error.name === "AbortError" || error.name === "TimeoutError" ? new Error(`no answer from ${url} within ${timeoutMs} ms`) : error));
    });
}

/** Prometheus text format: the samples of one metric name, with their label text. */
export function metricSamples(body: string, name: string): { labels: string; value: number }[] {
    const samples: { labels: string; value: number }[] = [];
    for (const line of body.split("\n")) {
        if (line.startsWith("#")) continue;
        const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
        if (match && match[1] === name) samples.push({ labels: match[2] ?? "", value: Number(match[3]) });
    }
    return samples;
}
