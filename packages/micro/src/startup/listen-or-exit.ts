/**
 * A program's listen at start, in one call: on success the launcher hears where it listens; on
 * failure the program prints the one line naming the variable to change, and exits 1.
 */
import type { Logger } from "../logger/index.js";
import { exitOnStartupFailure } from "./error.js";
import { type ListenSetting, listenFailure } from "./listen.js";
import { notifyListening } from "./supervisor.js";

/** Resolves with the bound address `listen` resolves with; never resolves when it fails. */
export async function listenOrExit(listen: () => Promise<string>, setting: ListenSetting, logger: Logger): Promise<string> {
  let address: string;
  try {
    address = await listen();
  } catch (error) {
    return exitOnStartupFailure(setting.program, listenFailure(error, setting), logger);
  }
  notifyListening(address);
  return address;
}
