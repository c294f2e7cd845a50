/**
 * .dockerignore rules, enough to tell whether a path reaches the build context: patterns in
 * order, the last match wins, `!` re-includes, `*` and `?` stay within one path segment, `**`
 * spans segments, and a rule that matches a folder covers everything inside it.
 */

interface Rule {
  readonly negated: boolean;
  readonly pattern: RegExp;
}

export function parseDockerignore(text: string): (path: string) => boolean {
  const rules: Rule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const negated = line.startsWith("!");
    const glob = (negated ? line.slice(1) : line).trim().replace(/^\/+/, "").replace(/\/+$/, "");
    rules.push({ negated, pattern: globToRegExp(glob) });
  }
  return (path: string) => {
    const segments = path.replace(/^\.\//, "").split("/").filter((s) => s !== "");
    // The path itself and each folder above it: excluding a folder excludes its contents.
    const candidates = segments.map((_, i) => segments.slice(0, i + 1).join("/"));
    let excluded = false;
    for (const rule of rules) {
      if (candidates.some((c) => rule.pattern.test(c))) excluded = !rule.negated;
    }
    return excluded;
  };
}

function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? "";
    if (c === "*" && glob[i + 1] === "*") {
      // `**/` matches zero or more folders; a trailing `**` matches everything below.
      const slash = glob[i + 2] === "/";
      source += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else source += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}
