/**
 * The container image's entry point: runs the program that PROGRAM (or the first argument) names,
 * in this same Node process.
 *
 * Importing the program's main.js, rather than spawning `node <dir>/dist/main.js`, keeps one
 * process: node stays PID 1, the SIGTERM from `docker stop` or the kubelet goes straight to the
 * handlers the program installs, and there is no parent to forward signals or exit codes. The
 * program resolves its migrations and seeds from its own import.meta.url, so where it is imported
 * from does not matter. This file installs no signal handler of its own.
 */
const PROGRAMS = {
  // begin generated programs (npm run deploy:generate)
  gateway: "../gateway/dist/main.js",
  orders: "../services/orders/dist/main.js",
  products: "../services/products/dist/main.js",
  users: "../services/users/dist/main.js",
  // end generated programs
};

const name = (process.argv[2] ?? process.env.PROGRAM ?? "").trim();
if (!Object.hasOwn(PROGRAMS, name)) {
  // One line, like the programs' own configuration errors, so it reads well in `docker logs`.
  const got = name === "" ? "nothing" : JSON.stringify(name);
  process.stderr.write(`entrypoint: PROGRAM: expected one of ${Object.keys(PROGRAMS).join(", ")}, got ${got}\n`);
  process.exit(2);
}
await import(new URL(PROGRAMS[name], import.meta.url).href);
