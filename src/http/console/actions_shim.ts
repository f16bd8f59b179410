import { REMOVE_FROM_CRL, REVOCATION_REASONS, releaseHold, revokeCertificate, type CertificateRecord } from "../../ca/certificate_record.js";
import type { EndEntity } from "../../ca/end_entity.js";
import { RegistryError, deleteEndEntity, registerEndEntity, resetEndEntity, type RegistryContext } from "../../ca/registry.js";
import { decidePendingRequest, type AnyPendingRequest } from "../../cmp/pending_request.js";
import { currentCrl, type CrlContext } from "../../crl/crl_publisher.js";
import { permits, type AdminAction, type Operator } from "../operators.js";

/**
 * Stand-in for src/http/admin_actions.ts (being written on main): the same
 * contract, so the console switches to the real module by changing one
 * import. Until then the permission checks and the audit line are here.
 */

export type PublicEntity = Omit<EndEntity, "enrollmentCode" | "usedEnrollmentCode"> & { hasEnrollmentCode: boolean };

export interface AdminActionDeps {
  registry: () => RegistryContext | Promise<RegistryContext>;
  crl?: () => CrlContext | Promise<CrlContext>;
  log: (line: object) => void;
}

export interface AdminActions {
  decideRequest(id: string, decision: "approve" | "reject", reason?: string): Promise<AnyPendingRequest>;
  revokeCertificate(serial: string, reason: number): Promise<Omit<CertificateRecord, "der">>;
  addEntity(input: Record<string, unknown>): Promise<{ entity: PublicEntity; enrollmentCode?: string }>;
  resetEntity(username: string, enrollmentCode?: unknown): Promise<{ entity: PublicEntity; enrollmentCode?: string }>;
  removeEntity(username: string): Promise<void>;
  regenerateCrl(): Promise<unknown>;
}

export function adminActions(deps: AdminActionDeps, operator: Operator): AdminActions {
  const must = (action: AdminAction): void => {
    if (!permits(operator.role, action)) throw new RegistryError("forbidden" as never, `${operator.name} (${operator.role}) may not do this`);
  };
  const audit = (fields: object): void => deps.log({ time: new Date().toISOString(), admin: true, operator: operator.name, role: operator.role, ...fields });

  return {
    async decideRequest(id, decision, reason) {
      must("decide");
      if (reason !== undefined && reason.length > 500) throw new RegistryError("invalid", "reason: at most 500 characters");
      if (decision === "reject" && !reason) throw new RegistryError("invalid", "reason: a rejection needs a reason the client will see");
      const registry = await deps.registry();
      const result = await decidePendingRequest(registry.store, id, decision === "approve" ? "approved" : "rejected", reason, registry.now());
      if (result === "notFound") throw new RegistryError("notFound", `no request ${id}`);
      if (result === "notPending") throw new RegistryError("conflict", "the request is not waiting for a decision");
      audit({ outcome: `request-${decision}d`, request: id });
      return result;
    },
    async revokeCertificate(serial, reason) {
      must("administer");
      if (!REVOCATION_REASONS.has(reason) && reason !== REMOVE_FROM_CRL) throw new RegistryError("invalid", "reason: a CRLReason 0-6, 8 (lifts a hold), 9 or 10");
      const registry = await deps.registry();
      if (reason === REMOVE_FROM_CRL) {
        const release = await releaseHold(registry.store, serial);
        if (release.outcome === "unknown") throw new RegistryError("notFound", `no certificate with serial ${serial}`);
        if (release.outcome === "notHeld") throw new RegistryError("conflict", `not on hold (status ${release.record.status})`);
        audit({ outcome: "hold-released", serial });
        const { der: _der, ...record } = release.record;
        return record;
      }
      const result = await revokeCertificate(registry.store, serial, reason, registry.now());
      if (result.outcome === "unknown") throw new RegistryError("notFound", `no certificate with serial ${serial}`);
      if (result.outcome === "alreadyRevoked") throw new RegistryError("conflict", `already revoked at ${result.record.revokedAt}`);
      audit({ outcome: "revoked", serial, reason });
      const { der: _der, ...record } = result.record;
      return record;
    },
    async addEntity(input) {
      must("administer");
      const { entity, enrollmentCode } = await registerEndEntity(await deps.registry(), input as never);
      audit({ outcome: "entity-added", entity: entity.username });
      return { entity: publicEntity(entity), enrollmentCode };
    },
    async resetEntity(username, enrollmentCode) {
      must("administer");
      const result = await resetEndEntity(await deps.registry(), username, enrollmentCode);
      audit({ outcome: "entity-reset", entity: username });
      return { entity: publicEntity(result.entity), enrollmentCode: result.enrollmentCode };
    },
    async removeEntity(username) {
      must("administer");
      await deleteEndEntity(await deps.registry(), username);
      audit({ outcome: "entity-removed", entity: username });
    },
    async regenerateCrl() {
      must("administer");
      if (!deps.crl) throw new RegistryError("notFound", "this server publishes no CRL");
      const crl = await currentCrl(await deps.crl(), { force: true });
      if (!crl) throw new RegistryError("unavailable", "another instance is building the first CRL; try again shortly");
      audit({ outcome: "crl-regenerated", crlNumber: crl.number.toString() });
      return crl;
    },
  };
}

function publicEntity(entity: EndEntity): PublicEntity {
  const { enrollmentCode, usedEnrollmentCode: _used, ...rest } = entity;
  return { ...rest, hasEnrollmentCode: enrollmentCode !== undefined };
}
