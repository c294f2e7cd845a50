/**
 * Throwaway certificates for TLS tests, made with `openssl` in a folder of the test's: a CA, a
 * server certificate for 127.0.0.1 and localhost signed by it, a client certificate signed by it,
 * and a second CA that signed nothing here, for a client that must not trust the server.
 */
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface TestCertificates {
  readonly caFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** A CA that did not sign the server's certificate. */
  readonly otherCaFile: string;
}

/** Short-lived EC keys: fast to make, and nothing outlives the test. */
const DAYS = "2";

export async function makeCertificates(dir: string): Promise<TestCertificates> {
  const path = (name: string): string => join(dir, name);
  await selfSigned(path("ca"), "micro test CA");
  await selfSigned(path("other-ca"), "micro untrusted CA");
  await writeFile(path("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  await writeFile(path("client.ext"), "extendedKeyUsage=clientAuth\n");
  await signed(path("server"), "127.0.0.1", path("ca"), path("server.ext"));
  await signed(path("client"), "micro test client", path("ca"), path("client.ext"));
  return {
    caFile: path("ca.pem"),
    serverCertFile: path("server.pem"),
    serverKeyFile: path("server.key"),
    clientCertFile: path("client.pem"),
    clientKeyFile: path("client.key"),
    otherCaFile: path("other-ca.pem"),
  };
}

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function selfSigned(base: string, name: string): Promise<void> {
  await run("openssl", ["req", "-x509", ...EC_KEY, "-keyout", `${base}.key`, "-out", `${base}.pem`, "-days", DAYS, "-subj", `/CN=${name}`]);
}

async function signed(base: string, name: string, ca: string, extensions: string): Promise<void> {
  await run("openssl", ["req", ...EC_KEY, "-keyout", `${base}.key`, "-out", `${base}.csr`, "-subj", `/CN=${name}`]);
  await run("openssl", [
    "x509", "-req", "-in", `${base}.csr`, "-CA", `${ca}.pem`, "-CAkey", `${ca}.key`, "-CAcreateserial",
    "-out", `${base}.pem`, "-days", DAYS, "-extfile", extensions,
  ]);
}
