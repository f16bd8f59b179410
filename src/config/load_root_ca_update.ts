import { bytesEqual } from "../asn1/bytes.js";
import { parseCertificate } from "../crypto/parsed_certificate.js";
import { allowOnly, asObject, ConfigError, decodeCertificates, resolveText, type ConfigSource } from "./json_fields.js";
import type { RootCaUpdate } from "./profile.js";

const FIELD = "rootCaUpdate";

/**
 * `rootCaUpdate`: the operator's root CA key rollover, answered to genm
 * id-it-rootCaCert with id-it-rootCaKeyUpdate (RFC 9810 §5.3.19.15, RFC
 * 9483 §4.3.2). Each certificate is PEM text or "env:NAME". What can be
 * checked without the CA is checked here (one certificate each; newWithNew
 * self-issued; newWithOld certifies newWithNew's key; oldWithNew is issued by newWithNew). The signatures and the relation
 * to the CA's current root need the CA and WebCrypto: checkRootCaUpdate
 * (src/ca/root_ca_update.ts) does them when the CA is composed.
 */
export function loadRootCaUpdate(value: unknown, source: ConfigSource): RootCaUpdate | undefined {
  if (value === undefined) return undefined;
  const object = asObject(value, FIELD);
  allowOnly(object, ["newWithNew", "newWithOld", "oldWithNew"], FIELD);
  const newWithNew = one(object.newWithNew, "newWithNew", source);
  // RFC 9483 §4.3.2: newWithOld is what lets a client that trusts the old root accept the new one.
  if (object.newWithOld === undefined) throw new ConfigError(`${FIELD}.newWithOld`, "is required: the new root certificate signed by the current root key");
  const newWithOld = one(object.newWithOld, "newWithOld", source);
  const oldWithNew = object.oldWithNew === undefined ? undefined : one(object.oldWithNew, "oldWithNew", source);

  const nwn = parsed(newWithNew, "newWithNew");
  if (!bytesEqual(nwn.subject, nwn.issuer)) throw new ConfigError(`${FIELD}.newWithNew`, "must be self-issued (the new root certificate, subject = issuer)");
  const nwo = parsed(newWithOld, "newWithOld");
  if (!bytesEqual(nwo.spki, nwn.spki)) throw new ConfigError(`${FIELD}.newWithOld`, "must certify the public key of newWithNew");
  if (oldWithNew) {
    const own = parsed(oldWithNew, "oldWithNew");
    if (!bytesEqual(own.issuer, nwn.subject)) throw new ConfigError(`${FIELD}.oldWithNew`, "must be issued by newWithNew (its issuer must be newWithNew's subject)");
  }
  return { newWithNew, newWithOld, oldWithNew };
}

function one(value: unknown, name: string, source: ConfigSource): Uint8Array {
  const field = `${FIELD}.${name}`;
  const certificates = decodeCertificates(resolveText(value, field, source), field);
  if (certificates.length !== 1) throw new ConfigError(field, `must hold exactly one certificate, not ${certificates.length}`);
  return certificates[0]!;
}

function parsed(der: Uint8Array, name: string): ReturnType<typeof parseCertificate> {
  try {
    return parseCertificate(der);
  } catch (error) {
    throw new ConfigError(`${FIELD}.${name}`, `is not a certificate (${(error as Error).message})`);
  }
}
