import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { RsaEsOaepParams } from "../asn1/rsa.js";
import { id_mgf1, id_RSAES_OAEP } from "../asn1/cms_oids.js";
import { serializeDerBuffer } from "../asn1/serialize_der.js";
import { OID } from "../crypto/algorithms.js";

/**
 * RSAES-OAEP with SHA-256 and MGF1-SHA-256 (RFC 9481 §4.2.1, RFC 8017 §7.1;
 * parameters per RFC 4055 §4.1, the hash parameters absent, pSourceFunc
 * the default): the one RSA key transport WebCrypto offers (it has no
 * PKCS #1 v1.5 encryption).
 */
export const OAEP_HASH = "SHA-256";

export function oaepAlgorithm(): AlgorithmIdentifier {
  const sha256 = new AlgorithmIdentifier({ algorithm: OID.sha256 });
  const params = new RsaEsOaepParams({
    hashAlgorithm: sha256,
    maskGenAlgorithm: new AlgorithmIdentifier({ algorithm: id_mgf1, parameters: serializeDerBuffer(sha256) }),
  });
  return new AlgorithmIdentifier({ algorithm: id_RSAES_OAEP, parameters: serializeDerBuffer(params) });
}
