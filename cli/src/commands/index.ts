/** The commands `micro` knows, in the order its help lists them. */
import type { Command } from "./command.js";
import { generateCommand } from "./generate.js";
import { newCommand } from "./new.js";

export const COMMANDS: readonly Command[] = [newCommand, generateCommand];
