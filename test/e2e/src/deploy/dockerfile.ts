/**
 * A Dockerfile read line by line, enough to check it without a Docker engine: instructions
 * (continuation lines joined, comments dropped), grouped into stages by FROM, and COPY's
 * flags, sources and destination in both the shell and the JSON form.
 */

export interface Instruction {
  /** Upper case: FROM, RUN, COPY, ... */
  readonly keyword: string;
  readonly args: string;
  /** 1-based line of the instruction's first line. */
  readonly line: number;
}

export interface Stage {
  /** The image or earlier stage it starts from, as written (`${NODE_IMAGE}` unexpanded). */
  readonly base: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM: they parameterise FROM lines only. */
  readonly globalArgs: readonly Instruction[];
  readonly stages: readonly Stage[];
}

export interface Copy {
  readonly from: string | undefined;
  readonly sources: readonly string[];
  readonly dest: string;
  readonly line: number;
}

export function parseDockerfile(text: string): Dockerfile {
  const globalArgs: Instruction[] = [];
  const stages: { base: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const instruction of instructionsOf(text)) {
    if (instruction.keyword === "FROM") {
      const match = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?\s*$/i.exec(instruction.args);
      if (match === null) throw new Error(`line ${instruction.line}: cannot read FROM ${instruction.args}`);
      stages.push({ base: match[1] ?? "", name: match[2]?.toLowerCase(), instructions: [] });
      continue;
    }
    const current = stages.at(-1);
    if (current !== undefined) current.instructions.push(instruction);
    else if (instruction.keyword === "ARG") globalArgs.push(instruction);
    else throw new Error(`line ${instruction.line}: ${instruction.keyword} before the first FROM`);
  }
  return { globalArgs, stages };
}

/** Joins `\`-continued lines and skips blank and comment lines (also between continuations). */
function instructionsOf(text: string): Instruction[] {
  const result: Instruction[] = [];
  let pending: { parts: string[]; line: number } | undefined;
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const continued = trimmed.endsWith("\\");
    const part = continued ? trimmed.slice(0, -1).trim() : trimmed;
    pending ??= { parts: [], line: i + 1 };
    pending.parts.push(part);
    if (continued) continue;
    const joined = pending.parts.join(" ");
    const space = joined.search(/\s/);
    result.push({
      keyword: (space < 0 ? joined : joined.slice(0, space)).toUpperCase(),
      args: space < 0 ? "" : joined.slice(space + 1).trim(),
      line: pending.line,
    });
    pending = undefined;
  }
  if (pending !== undefined) throw new Error(`line ${pending.line}: the file ends inside a continued instruction`);
  return result;
}

/** COPY or ADD: `--from=stage` and other flags, then sources and the destination. */
export function parseCopy(instruction: Instruction): Copy {
  const words = instruction.args.startsWith("[") ? jsonWords(instruction) : instruction.args.split(/\s+/);
  let from: string | undefined;
  let i = 0;
  for (; i < words.length && (words[i] ?? "").startsWith("--"); i++) {
    const flag = /^--from=(.+)$/.exec(words[i] ?? "");
    if (flag !== null) from = flag[1];
  }
  const paths = words.slice(i);
  const dest = paths.pop();
  if (dest === undefined || paths.length === 0) throw new Error(`line ${instruction.line}: COPY needs a source and a destination`);
  return { from, sources: paths, dest, line: instruction.line };
}

function jsonWords(instruction: Instruction): string[] {
  const parsed: unknown = JSON.parse(instruction.args);
  if (!Array.isArray(parsed) || !parsed.every((w): w is string => typeof w === "string")) {
    throw new Error(`line ${instruction.line}: expected a JSON array of strings`);
  }
  return parsed;
}

/** True when an instruction's arguments are the JSON (exec) form: ["node", "main.js"]. */
export function isExecForm(instruction: Instruction): boolean {
  try {
    jsonWords(instruction);
    return true;
  } catch {
    return false;
  }
}

export function execWords(instruction: Instruction): string[] {
  return jsonWords(instruction);
}
