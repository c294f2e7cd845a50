/**
 * Start-up failures as one line naming what to change, and the launcher's notice that a program
 * listens. Every program's start goes through these.
 */
export { RefusedError, StartupError, exitOnStartupFailure, startupFailureLine } from "./error.js";
export { type ListenSetting, listenFailure } from "./listen.js";
export { type ListeningMessage, notifyListening } from "./supervisor.js";
export { listenOrExit } from "./listen-or-exit.js";
