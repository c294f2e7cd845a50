/**
 * `micro generate`: rewrites every file that depends on the list of services (the root
 * tsconfig.json's references and the deploy files); `--check` only says which differ, exit 1 then.
 */
import { generate } from "../generate/index.js";
import type { Command } from "./command.js";
import { UsageError } from "./command.js";

export const generateCommand: Command = {
  name: "generate",
  usage: "generate [--check]",
  summary: "write the root tsconfig.json references and the deploy files from the list of services",
  async run(args, { root, io }) {
    const unknown = args.filter((a) => a !== "--check");
    if (unknown.length > 0) throw new UsageError(`generate: unknown argument ${unknown[0]}; usage: micro generate [--check]`);
    const check = args.includes("--check");
    const changed = generate(root, { dryRun: check }).filter((o) => o.changed);
    if (check) {
      for (const o of changed) io.err(`micro generate: ${o.path} differs from what the list of services gives; run npm run deploy:generate`);
      return changed.length === 0 ? 0 : 1;
    }
    io.out(changed.length === 0 ? "generated files are up to date" : `wrote ${changed.map((o) => o.path).join(", ")}`);
    return 0;
  },
};
