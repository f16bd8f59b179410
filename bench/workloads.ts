import { CmpClient, type Fetch } from "../src/client/index.js";
import type { LocalSigner } from "../src/kms/local.js";
import { deviceSubject, KeyPool, runLoad, type Transaction } from "./load.js";

/**
 * The three workloads as transactions against one target. Jellyfish
 * issues a certificate for whatever key is asked, so each transaction
 * certifies the next key of a pre-generated pool; the OpenSSL mock answers
 * every request with its one fixed -rsp_cert, so against it the client
 * always asks for that certificate's key (otherwise the client would
 * rightly refuse the answer).
 */

export type WorkloadName = "mac-ir" | "sig-cr" | "rr";
export const WORKLOADS: readonly WorkloadName[] = ["mac-ir", "sig-cr", "rr"];

export interface Credential {
  signer: LocalSigner;
  certificate: Uint8Array;
}

export interface WorkloadSetup {
  url: string;
  mac: { reference: string; secret: string };
  /** Trust for signed answers: the anchor the server's certificate chains to. */
  anchor: Uint8Array;
  fetch?: Fetch;
  /** Jellyfish: fresh keys from the pool. The mock: always its fixed key. */
  keys: { next(): LocalSigner };
  /** For the mock: the credential the client signs with (openssl-made); for Jellyfish one is enrolled first. */
  signerCredential?: Credential;
  /** For the mock: the certificate to revoke each time (it keeps no state to refuse a second rr). */
  fixedRevocationTarget?: Credential;
}

function macClient(setup: WorkloadSetup): CmpClient {
  // 500 PBM rounds, as `openssl cmp` sends by default: the server's cost per
  // MAC message follows the client's choice, and the mock is driven the same way.
  return new CmpClient({ url: setup.url, protection: { mac: { ...setup.mac, iterations: OPENSSL_PBM_ROUNDS } }, fetch: setup.fetch });
}

function signatureClient(setup: WorkloadSetup, credential: Credential): CmpClient {
  return new CmpClient({
    url: setup.url,
    protection: { signature: { signer: credential.signer, certificates: [credential.certificate] } },
    trust: { anchors: [setup.anchor] },
    fetch: setup.fetch,
  });
}

async function enroll(setup: WorkloadSetup): Promise<Credential> {
  const signer = setup.keys.next();
  const result = await macClient(setup).ir({ subject: deviceSubject(), key: { signer } });
  return { signer, certificate: result.certificate };
}

/**
 * Everything a workload needs made before the clock starts, then its
 * transaction. `rrPool`: how many certificates to enroll for rr (each is
 * revoked once; the run ends early if they run out).
 */
export async function prepare(name: WorkloadName, setup: WorkloadSetup, workers: number, rrPool: number): Promise<Transaction> {
  switch (name) {
    case "mac-ir": {
      const client = macClient(setup);
      return async () => void (await client.ir({ subject: deviceSubject(), key: { signer: setup.keys.next() } }));
    }
    case "sig-cr": {
      const client = signatureClient(setup, setup.signerCredential ?? (await enroll(setup)));
      return async () => void (await client.cr({ subject: deviceSubject(), key: { signer: setup.keys.next() } }));
    }
    case "rr": {
      if (setup.fixedRevocationTarget) {
        const target = setup.fixedRevocationTarget;
        const client = signatureClient(setup, setup.signerCredential ?? target);
        return async () => void (await client.rr({ certificate: target.certificate }));
      }
      // Enrolled concurrently, as fast as the server allows, then used up one by one.
      const pool: Credential[] = [];
      const made = await runLoad(async () => {
        if (pool.length >= rrPool) return false;
        pool.push(await enroll(setup));
      }, workers, 120_000);
      if (pool.length === 0) throw new Error(`could not enroll certificates to revoke: ${made.firstError}`);
      return async () => {
        const credential = pool.pop();
        if (!credential) return false;
        await signatureClient(setup, credential).rr({ certificate: credential.certificate, reason: "superseded" });
      };
    }
  }
}

export { KeyPool };

/** openssl cmp's default PBM iteration count (OSSL_CMP_CTX's pbm_itercnt). */
export const OPENSSL_PBM_ROUNDS = 500;
