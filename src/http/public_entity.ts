import type { EndEntity } from "../ca/end_entity.js";

export type PublicEntity = Omit<EndEntity, "enrollmentCode" | "usedEnrollmentCode"> & { hasEnrollmentCode: boolean };

/** What the admin API and the console show of an entity: never the sealed code, only whether there is one. */
export function publicEntity(entity: EndEntity): PublicEntity {
  const { enrollmentCode, usedEnrollmentCode: _used, ...rest } = entity;
  return { ...rest, hasEnrollmentCode: enrollmentCode !== undefined };
}
