/**
 * Auth middleware: the client side signs a credential for every outgoing call, for its callee and
 * the account it acts for; the server side refuses, with a 401, any call whose credential does not
 * verify, whatever else its metadata says, and hands the verified account to the handler.
 */
import { type CredentialProblem, type CredentialSigner, type CredentialVerifier, CREDENTIAL } from "../auth/index.js";
import type { CallWrapper } from "../client/middleware.js";
import { unauthorized } from "../errors/index.js";
import type { HandlerWrapper } from "../server/middleware.js";

const DETAIL: Readonly<Record<CredentialProblem, string>> = {
  missing: "a call credential is required",
  malformed: "the call credential is malformed",
  signature: "the call credential's signature is invalid",
  expired: "the call credential has expired",
  audience: "the call credential is for another service",
};

export function clientAuth(signer: CredentialSigner): CallWrapper {
  return (next) => (call) => next({ ...call, metadata: { ...call.metadata, [CREDENTIAL]: signer.credentialFor(call.service, call.account) } });
}

export function serverAuth(verifier: CredentialVerifier): HandlerWrapper {
  return (next) => (call) => {
    const check = verifier.verify(call.metadata[CREDENTIAL]);
    if (!check.ok) {
      const reason = check.problem === "missing" ? "credential_required" : "credential_invalid";
      return Promise.reject(unauthorized(call.service, DETAIL[check.problem], { reason }));
    }
    call.account = check.account;
    return next(call);
  };
}
