import { REMOVE_FROM_CRL, REVOCATION_REASONS, releaseHold, revokeCertificate, type CertificateRecord } from "../ca/certificate_record.js";
import { RegistryError, deleteEndEntity, registerEndEntity, resetEndEntity, setEndEntityProfiles, type RegistryContext } from "../ca/registry.js";
import { decidePendingRequest, type AnyPendingRequest } from "../cmp/pending_request.js";
import { currentCrl, type CrlContext, type PublishedCrl } from "../crl/crl_publisher.js";
import { SignerError } from "../kms/signer.js";
import { StoreError } from "../store/store.js";
import { permits, type AdminAction, type Operator } from "./operators.js";
import { publicEntity, type PublicEntity } from "./public_entity.js";

/**
 * Every change an operator makes, from the admin API or the web console:
 * the one place where it is permitted by the operator's role, applied,
 * recorded with the operator's name (decidedBy, revokedBy) and written to
 * the audit log with what changed and the outcome. Refusals are logged too:
 * an operator trying what their role does not allow is worth seeing.
 */

export interface AdminActionDeps {
  registry: () => RegistryContext | Promise<RegistryContext>;
  /** What the CA's CRL needs; without it there is no CRL to regenerate. */
  crl?: () => CrlContext | Promise<CrlContext>;
  log: (line: object) => void;
}

export type CertificateView = Omit<CertificateRecord, "der">;

export interface AdminActions {
  decideRequest(id: string, decision: "approve" | "reject", reason?: string): Promise<AnyPendingRequest>;
  /** reason 8 (removeFromCRL) lifts a hold; 6 (certificateHold) suspends (RFC 5280 §5.3.1). */
  revokeCertificate(serial: string, reason: number): Promise<CertificateView>;
  addEntity(input: Record<string, unknown>): Promise<{ entity: PublicEntity; enrollmentCode?: string }>;
  resetEntity(username: string, enrollmentCode?: unknown): Promise<{ entity: PublicEntity; enrollmentCode?: string }>;
  setEntityProfiles(username: string, input: Record<string, unknown>): Promise<PublicEntity>;
  removeEntity(username: string): Promise<void>;
  regenerateCrl(): Promise<PublishedCrl>;
}

const MAX_DECISION_REASON = 500;

export function adminActions(deps: AdminActionDeps, operator: Operator): AdminActions {
  /**
   * Runs one change: refused before anything is read when the role does not
   * allow it, and logged whatever the outcome. `change` says what was asked;
   * `summary` what the result was, for the log (never a secret: no codes).
   */
  async function act<T>(action: AdminAction, name: string, change: Record<string, unknown>, work: () => Promise<T>, summary?: (result: T) => Record<string, unknown>): Promise<T> {
    const line = { time: new Date().toISOString(), admin: true, operator: operator.name, role: operator.role, action: name, ...change };
    if (!permits(operator.role, action)) {
      deps.log({ ...line, outcome: "forbidden" });
      throw new RegistryError("forbidden", `operator "${operator.name}" (${operator.role}) may not ${describe(action)}`);
    }
    try {
      const result = await work();
      deps.log({ ...line, outcome: "done", ...summary?.(result) });
      return result;
    } catch (error) {
      const outage = asOutage(error);
      deps.log({ ...line, outcome: outage ? "unavailable" : error instanceof RegistryError ? error.kind : "error", error: error instanceof Error ? error.message : String(error) });
      throw outage ?? error;
    }
  }

  return {
    decideRequest(id, decision, reason) {
      return act("decide", `request.${decision}`, { request: id, ...(reason ? { reason } : {}) }, async () => {
        if (reason !== undefined && (typeof reason !== "string" || reason.length > MAX_DECISION_REASON)) {
          throw new RegistryError("invalid", `reason: a string of at most ${MAX_DECISION_REASON} characters`);
        }
        if (decision === "reject" && !reason) throw new RegistryError("invalid", "reason: a rejection needs a reason the client will see");
        const registry = await deps.registry();
        const result = await decidePendingRequest(registry.store, id, decision === "approve" ? "approved" : "rejected", reason || undefined, registry.now(), operator.name);
        if (result === "notFound") throw new RegistryError("notFound", `no request ${id}`);
        if (result === "notPending") throw new RegistryError("conflict", "the request is not waiting for a decision");
        return result;
      });
    },

    revokeCertificate(serial, reason) {
      const name = reason === REMOVE_FROM_CRL ? "certificate.release-hold" : "certificate.revoke";
      return act("administer", name, { serial, reason }, async () => {
        if (!REVOCATION_REASONS.has(reason) && reason !== REMOVE_FROM_CRL) {
          throw new RegistryError("invalid", "reason: a CRLReason 0-6, 8 (lifts a hold), 9 or 10");
        }
        const registry = await deps.registry();
        const key = serial.toLowerCase();
        if (reason === REMOVE_FROM_CRL) {
          const release = await releaseHold(registry.store, key);
          if (release.outcome === "unknown") throw new RegistryError("notFound", `no certificate with serial ${serial}`);
          if (release.outcome === "notHeld") throw new RegistryError("conflict", `not on hold (status ${release.record.status}); only a certificateHold can be lifted`);
          return withoutDer(release.record);
        }
        const result = await revokeCertificate(registry.store, key, reason, registry.now(), operator.name);
        if (result.outcome === "unknown") throw new RegistryError("notFound", `no certificate with serial ${serial}`);
        if (result.outcome === "alreadyRevoked") throw new RegistryError("conflict", `already revoked at ${result.record.revokedAt}`);
        return withoutDer(result.record);
      });
    },

    addEntity(input) {
      return act("administer", "entity.add", { username: input.username, profiles: input.profiles ?? input.profile }, async () => {
        const { entity, enrollmentCode } = await registerEndEntity(await deps.registry(), input as never);
        return { entity: publicEntity(entity), enrollmentCode };
      });
    },

    resetEntity(username, enrollmentCode) {
      return act("administer", "entity.reset", { username, chosenCode: enrollmentCode !== undefined }, async () => {
        const reset = await resetEndEntity(await deps.registry(), username, enrollmentCode);
        return { entity: publicEntity(reset.entity), enrollmentCode: reset.enrollmentCode };
      });
    },

    setEntityProfiles(username, input) {
      return act("administer", "entity.profiles", { username, profiles: input.profiles ?? input.profile }, async () => {
        const unknown = Object.keys(input).filter((field) => field !== "profiles" && field !== "profile");
        if (unknown.length > 0) throw new RegistryError("invalid", `${unknown[0]}: only profiles can be changed`);
        return publicEntity(await setEndEntityProfiles(await deps.registry(), username, input));
      });
    },

    removeEntity(username) {
      return act("administer", "entity.remove", { username }, async () => deleteEndEntity(await deps.registry(), username));
    },

    regenerateCrl() {
      return act(
        "administer",
        "crl.regenerate",
        {},
        async () => {
          if (!deps.crl) throw new RegistryError("notFound", "this server publishes no CRL");
          const crl = await currentCrl(await deps.crl(), { force: true });
          if (!crl) throw new RegistryError("unavailable", "another instance is building the first CRL; try again shortly");
          return crl;
        },
        (crl) => ({ crlNumber: crl.number.toString(), entries: crl.entries }),
      );
    },
  };
}

function describe(action: AdminAction): string {
  return { read: "read", decide: "approve or reject requests", administer: "revoke certificates, manage end entities or sign CRLs" }[action];
}

function withoutDer(record: CertificateRecord): CertificateView {
  const { der: _der, ...view } = record;
  return view;
}

/**
 * The store or the signer being down is an outage to retry, not a bug: 503
 * with a reason that names which, the detail only in the log.
 */
export function asOutage(error: unknown): RegistryError | undefined {
  if (!(error instanceof StoreError || error instanceof SignerError)) return undefined;
  const what = error instanceof StoreError ? "the store" : "the CA's signer";
  return new RegistryError("unavailable", `${what} is unavailable right now; try again shortly`);
}
