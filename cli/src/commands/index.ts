/** The commands `micro` knows, in the order its help lists them. */
import { callCommand } from "./call.js";
import type { Command } from "./command.js";
import { describeCommand } from "./describe.js";
import { generateCommand } from "./generate.js";
import { healthCommand } from "./health.js";
import { newCommand } from "./new.js";
import { servicesCommand } from "./services.js";

export const COMMANDS: readonly Command[] = [servicesCommand, describeCommand, callCommand, healthCommand, newCommand, generateCommand];
