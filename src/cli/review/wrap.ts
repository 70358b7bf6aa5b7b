// Fitting the reviewer's text to the terminal: a line longer than the terminal is broken at a
// space, not wherever the terminal happens to cut it, and its continuation keeps its indentation
// (a quoted "| " block stays a quoted block). Without a terminal (a pipe, a file) lines are left
// whole, for grep and for tools that wrap on their own.

/** The narrowest width worth wrapping to; narrower terminals get lines of this length. */
const MIN_WIDTH = 40;

// Leading spaces, then a marker whose continuation lines are indented past it.
const HEAD = /^( *)(\| |[-*] |\d+\) )?/;

function continuation(line: string): string {
  const [, lead = "", marker = ""] = HEAD.exec(line) ?? [];
  if (marker === "| ") return `${lead}| `;
  return `${lead}${" ".repeat(marker === "" ? 2 : marker.length)}`;
}

/** One line as lines of at most `width` characters, broken at spaces where there are any. */
export function wrapLine(line: string, width: number): string[] {
  const max = Math.max(MIN_WIDTH, Math.floor(width));
  if (line.length <= max) return [line];
  const next = continuation(line);
  const indent = next.length <= max / 2 ? next : "";
  const out: string[] = [];
  let rest = line;
  let head = (HEAD.exec(line)?.[0] ?? "").length;
  while (rest.length > max) {
    const space = rest.lastIndexOf(" ", max);
    const cut = space > head ? space : max;
    out.push(rest.slice(0, cut).trimEnd());
    rest = indent + rest.slice(cut).trimStart();
    head = indent.length;
  }
  if (rest.trim() !== "") out.push(rest);
  return out;
}

/** Every line of `text` fitted to `width`; unchanged when there is no width (not a terminal). */
export function fit(text: string, width: number | undefined): string {
  if (width === undefined) return text;
  return text
    .split("\n")
    .flatMap((line) => wrapLine(line, width))
    .join("\n");
}
