/**
 * Generated regions inside hand-written files. A region starts with a comment line
 * `<comment> begin generated <id> (npm run deploy:generate)` and ends with
 * `<comment> end generated <id>`, where the comment is `#`, `//` or `--`; everything between is
 * rewritten from the list of services, indented as the begin line is. The rest of the file stays
 * as people wrote it, so only what depends on the list is generated.
 */

const BEGIN = /^([ \t]*)(#|\/\/|--) begin generated ([a-z0-9-]+) \(npm run deploy:generate\)$/;
const END = /^[ \t]*(?:#|\/\/|--) end generated ([a-z0-9-]+)$/;

/** Lines of a region, without the region's own indentation (blank lines stay blank). */
export type Produce = (id: string) => readonly string[] | undefined;

/**
 * `text` with every region's lines replaced by `produce(id)`. Throws naming `where` when a region
 * is not closed, is unknown to `produce`, or when one of `required` is missing: a file whose
 * markers were edited away must fail loudly rather than drift.
 */
export function fillRegions(text: string, produce: Produce, where: string, required: readonly string[] = []): string {
  const lines = text.split("\n");
  const out: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const begin = BEGIN.exec(line);
    if (!begin) {
      out.push(line);
      continue;
    }
    const [, indent = "", , id = ""] = begin;
    let end = i + 1;
    while (end < lines.length && END.exec(lines[end] ?? "")?.[1] !== id) end++;
    if (end === lines.length) throw new Error(`${where}: generated region ${id} has no end line`);
    const body = produce(id);
    if (body === undefined) throw new Error(`${where}: unknown generated region ${id}`);
    out.push(line, ...body.map((l) => (l === "" ? "" : indent + l)), lines[end] ?? "");
    seen.add(id);
    i = end;
  }
  const missing = required.filter((id) => !seen.has(id));
  if (missing.length > 0) throw new Error(`${where}: generated region ${missing.join(", ")} is missing`);
  return out.join("\n");
}

/** The begin and end lines of a region, for a generator that writes a whole file. */
export function region(comment: "#" | "//" | "--", id: string, body: readonly string[]): string[] {
  return [`${comment} begin generated ${id} (npm run deploy:generate)`, ...body, `${comment} end generated ${id}`];
}
