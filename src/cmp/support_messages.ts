import { AlgorithmIdentifier, Extension, Extensions } from "@peculiar/asn1-x509";
import { decodeDer } from "../asn1/codec/der_decoder.js";
import { certificatePoliciesExtension, extendedKeyUsageExtension } from "../ca/extensions.js";
import { AttributeTypeAndValue, Controls } from "../asn1/attribute_type_and_value.js";
import { bytesEqual } from "../asn1/bytes.js";
import { CertTemplate } from "../asn1/cert_template.js";
import { encodeExplicit, encodeSequence } from "../asn1/der.js";
import { AlgorithmIdentifiers, CertReqTemplateContent } from "../asn1/general_message_values.js";
import { id_regCtrl_algId, id_regCtrl_rsaKeyLen } from "../asn1/oids.js";
import { currentRoot } from "../ca/root_ca_update.js";
import type { KeyType, Profile } from "../config/profile.js";
import { OID } from "../crypto/algorithms.js";
import { namedCurveParameters } from "../crypto/named_curves.js";
import { encodeInteger } from "./bodies.js";
import { isSelfIssued } from "./cmp_signer.js";
import type { Exchange } from "./exchange.js";
import { serializeDer, serializeDerBuffer } from "../asn1/serialize_der.js";

// The values of the genp answers that need no store: the CA's certificates,
// its root rollover, and what the profile certifies (RFC 9810 §5.3.19,
// RFC 9483 §4.3.1-4.3.3). Certificates go out byte for byte as configured.

/**
 * id-it-caCerts (RFC 9483 §4.3.1, RFC 9810 §5.3.19.14): SEQUENCE SIZE
 * (1..MAX) OF CMPCertificate "populated with the available intermediate and
 * issuing CA certificates": the CA certificate and its chain as configured,
 * CA certificate first, without the root above it (a trust anchor comes
 * from elsewhere, e.g. caPubs or id-it-rootCaCert). A CA that is itself a
 * root is its own issuing CA certificate.
 */
export function caCertsValue(exchange: Exchange): Uint8Array {
  return encodeSequence(exchange.ca.chain.filter((certificate, index) => index === 0 || !isSelfIssued(certificate)));
}

/**
 * id-it-rootCaCert answered with id-it-rootCaKeyUpdate (RFC 9483 §4.3.2,
 * RFC 9810 §5.3.19.15): RootCaKeyUpdateContent { newWithNew, [0]
 * newWithOld, [1] oldWithNew } when the operator configured a rollover
 * (rootCaUpdate) that follows the client's root: the one it names
 * (oldWithOld), or ours when it names none. Undefined (the infoType without
 * value) when there is no update for that root.
 */
export function rootCaKeyUpdateValue(exchange: Exchange, oldWithOld: Uint8Array | undefined): Uint8Array | undefined {
  const update = exchange.context.config.rootCaUpdate;
  if (!update) return undefined;
  const root = currentRoot(exchange.ca.chain);
  if (!root) {
    // The composition refuses this configuration; a context built elsewhere only gets no update.
    exchange.context.warn("rootCaUpdate is configured but the CA chain ends in no root; no update is announced");
    return undefined;
  }
  if (oldWithOld && !bytesEqual(oldWithOld, root)) return undefined;
  const fields = [update.newWithNew, encodeExplicit(0, update.newWithOld)];
  if (update.oldWithNew) fields.push(encodeExplicit(1, update.oldWithNew));
  return encodeSequence(fields);
}

/** The key types in a fixed order, so answers do not depend on how the profile listed them. */
const KEY_TYPE_ORDER: readonly KeyType[] = ["P-256", "P-384", "P-521", "Ed25519", "RSA"];

/** The AlgorithmIdentifier of a subject public key of this type (RFC 5480 §2.1.1, RFC 8410 §3, RFC 3279 §2.3.1). */
function publicKeyAlgorithm(type: KeyType): AlgorithmIdentifier {
  if (type === "RSA") return new AlgorithmIdentifier({ algorithm: OID.rsaEncryption, parameters: null });
  if (type === "Ed25519") return new AlgorithmIdentifier({ algorithm: OID.ed25519 });
  return new AlgorithmIdentifier({ algorithm: OID.ecPublicKey, parameters: namedCurveParameters(type).buffer as ArrayBuffer });
}

/**
 * id-it-signKeyPairTypes (RFC 9810 §5.3.19.2): the key types the profile
 * certifies, as public key AlgorithmIdentifiers. The RFC's own notes decide
 * the shape: "rsaEncryption and sha256WithRSAEncryption ... are considered
 * to be equivalent; the question being asked is, 'Is the CA willing to
 * certify an RSA public key?'", and "several id-ecPublicKey elements ...
 * one per named curve".
 */
export function signKeyPairTypesValue(profile: Profile): Uint8Array {
  const algorithms = KEY_TYPE_ORDER.filter((type) => profile.certificate.keyTypes.has(type)).map(publicKeyAlgorithm);
  return serializeDer(new AlgorithmIdentifiers(algorithms));
}

/** RSA modulus sizes announced in keySpec, those the profile and the server's limits allow. */
const RSA_SIZES = [2048, 3072, 4096];

/**
 * id-it-certReqTemplate (RFC 9483 §4.3.3, RFC 9810 §5.3.19.16):
 * CertReqTemplateContent of the certificate profile in effect (the one the
 * genm's certProfile named for this item, RFC 9810 §5.3.19.16 Note, or the
 * default). The certTemplate carries what the profile fixes to one value a
 * client can copy: its extendedKeyUsage and certificatePolicies, which
 * every certificate of the profile gets (asking for them as given is
 * granted as asked, src/ca/template_modifications.ts). Nothing else: subject
 * rules say which attributes, not their values; keyUsage depends on the key
 * type; and publicKey "MUST NOT be used". keySpec has "one AttributeTypeAndValue per
 * supported algorithm or RSA key length": id-regCtrl-algId with the
 * public key AlgorithmIdentifier of each EC curve and Ed25519, and
 * id-regCtrl-rsaKeyLen for each RSA size from rsaMinBits up to
 * limits.rsaMaxModulusBits.
 */
export function certReqTemplateValue(exchange: Exchange): Uint8Array {
  const { certificate } = exchange.profile;
  const controls: AttributeTypeAndValue[] = [];
  for (const type of KEY_TYPE_ORDER) {
    if (!certificate.keyTypes.has(type)) continue;
    if (type !== "RSA") {
      controls.push(new AttributeTypeAndValue({ type: id_regCtrl_algId, value: serializeDerBuffer(publicKeyAlgorithm(type)) }));
      continue;
    }
    const max = exchange.context.config.limits.rsaMaxModulusBits;
    const sizes = RSA_SIZES.filter((bits) => bits >= certificate.rsaMinBits && bits <= max);
    for (const bits of sizes.length > 0 ? sizes : [certificate.rsaMinBits]) {
      controls.push(new AttributeTypeAndValue({ type: id_regCtrl_rsaKeyLen, value: encodeInteger(bits).slice().buffer as ArrayBuffer }));
    }
  }
  const fixed = [extendedKeyUsageExtension(certificate.extendedKeyUsage), certificatePoliciesExtension(certificate.policies)].filter((der) => der !== undefined);
  const certTemplate = new CertTemplate(fixed.length > 0 ? { extensions: new Extensions(fixed.map((der) => decodeDer(der, Extension))) } : {});
  const content = new CertReqTemplateContent({ certTemplate, keySpec: controls.length > 0 ? new Controls(controls) : undefined });
  return serializeDer(content);
}
