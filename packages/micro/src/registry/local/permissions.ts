/**
 * Who may write the local registry decides who receives callers' traffic: a record file is an
 * address that callers dial, with the caller's identity in the call's metadata. So the folder is
 * created for its owner only (0700, records 0600), and a folder that another user could write to,
 * or that another user owns, is refused rather than trusted: the same rule OpenSSH applies to
 * `~/.ssh`. Read access is not checked: a registration holds addresses, not secrets, and a folder
 * made by an older version with mode 0755 stays usable.
 */
import * as fs from "node:fs";
import { join } from "node:path";

/** The registry folder and each service folder in it. */
export const FOLDER_MODE = 0o700;
/** Each node's record file. */
export const RECORD_MODE = 0o600;
/** Write permission for the group or for others. */
const WRITABLE_BY_OTHERS = 0o022;

/**
 * Creates `directory` (0700) when missing, then checks it and every service folder in it.
 * Returns what is wrong in one sentence, or undefined when only this program's user (or root) can
 * change what it holds. Errors reading the folder are thrown as they are.
 */
export function folderProblem(directory: string): string | undefined {
  const uid = process.getuid?.();
  // No owners or mode bits to check (Windows): the folder's ACL is the system's business.
  if (uid === undefined) return undefined;
  fs.mkdirSync(directory, { recursive: true, mode: FOLDER_MODE });
  const problem = problemOf(directory, uid);
  if (problem !== undefined) return problem;
  for (const entry of fs.readdirSync(directory)) {
    const path = join(directory, entry);
    const stat = fs.statSync(path, { throwIfNoEntry: false });
    if (!stat?.isDirectory()) continue;
    const inner = problemOf(path, uid, stat);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

function problemOf(path: string, uid: number, stat: fs.Stats = fs.statSync(path)): string | undefined {
  const mode = `mode 0${(stat.mode & 0o777).toString(8)}`;
  const rule = `it must be owned by uid ${uid} and writable by its owner only`;
  if (stat.uid !== uid) return `${path} is owned by uid ${stat.uid} (${mode}), not by this program's user; ${rule}`;
  if ((stat.mode & WRITABLE_BY_OTHERS) !== 0) {
    const who = (stat.mode & 0o002) !== 0 ? "other users" : "its group";
    return `${path} is writable by ${who} (${mode}); ${rule}`;
  }
  return undefined;
}
