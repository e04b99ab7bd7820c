/**
 * A bash script without its comment-only lines, for EC2 user data (16 KB gzipped at most): the
 * commands are the same text, the explanation stays in the repository. A line is dropped only
 * when it starts outside any quoted string (a `#` line inside a multi-line string is kept); the
 * shebang stays. A here-document is refused: its lines are data, which this scanner does not follow.
 */
export function withoutCommentLines(script: string): string {
    let quote: "'" | '"' | undefined;
    const kept: string[] = [];
    script.split("\n").forEach((line, index) => {
        const commentOnly = quote === undefined && /^\s*#/.test(line) && !(index === 0 && line.startsWith("#!"));
        if (!commentOnly) kept.push(line);
        quote = quoteAtEnd(line, quote);
    });
    return kept.join("\n");
}

/** The quote still open at the end of `line`, given the one open at its start. */
function quoteAtEnd(line: string, open: "'" | '"' | undefined): "'" | '"' | undefined {
    let quote = open;
    for (let i = 0; i < line.length; i++) {
        const char = line[i]!;
        if (quote === "'") {
            if (char === "'") quote = undefined;
        } else if (quote === '"') {
            if (char === "\\") i++;
            else if (char === '"') quote = undefined;
        } else if (char === "\\") {
            i++;
        } else if (char === "'" || char === '"') {
            quote = char;
        } else if (char === "#" && (i === 0 || /\s/.test(line[i - 1]!))) {
            break;
        } else if (line.startsWith("<<", i) && !line.startsWith("<<<", i)) {
            throw new Error(`a here-document at "${line.trim()}": withoutCommentLines cannot tell its lines from comments`);
        } else if (line.startsWith("<<<", i)) {
            i += 2;
        }
    }
    return quote;
}
