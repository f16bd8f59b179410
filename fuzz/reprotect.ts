import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { encodeExplicit, encodeOctetAlignedBitString, encodeSequence } from "../src/asn1/der.js";
import { parseDer } from "../src/asn1/parse_der.js";
import { protectedPart } from "../src/asn1/pki_message.js";
import { prepareMac, type MacKey } from "../src/crypto/mac_protection.js";
import { LocalSigner } from "../src/kms/local.js";
import { toHex } from "../src/asn1/bytes.js";
import { encodeTree, type DerNode } from "./der_tree.js";
import { material, SECRET } from "./target.js";

/**
 * Protect a (mutated) header and body again with the seed's credentials, so
 * that mutations get past protection to the checks behind it: a MAC with
 * the fixtures' secret and whatever protectionAlg the header now names, or
 * the client's ECDSA signature. When the header's MAC parameters cannot be
 * used, the old protection stays (and the message fails its check, which
 * is a case worth sending too).
 */
export class Reprotector {
  private readonly macs = new Map<string, Promise<MacKey | undefined>>();
  private signer?: Promise<LocalSigner>;

  constructor(private readonly maxIterations: number) {}

  async protect(message: DerNode, kind: "mac" | "signature" | "none"): Promise<Uint8Array> {
    const [header, body, ...rest] = message.children ?? [];
    if (!header || !body || kind === "none") return encodeTree(message);
    const headerDer = encodeTree(header);
    const bodyDer = encodeTree(body);
    const part = protectedPart(headerDer, bodyDer);
    let bits: Uint8Array | undefined;
    if (kind === "mac") {
      const alg = header.children?.find((field) => field.tag === 0xa1)?.children?.[0];
      const mac = alg ? await this.mac(encodeTree(alg)) : undefined;
      bits = mac ? await mac.sign(part) : undefined;
    } else {
      this.signer ??= LocalSigner.fromPkcs8(material("client.key.pem"));
      bits = await (await this.signer).sign(part);
    }
    const tail = rest.filter((element) => element.tag !== 0xa0 || !bits);
    const protection = bits ? [encodeExplicit(0, encodeOctetAlignedBitString(bits))] : [];
    return encodeSequence([headerDer, bodyDer, ...protection, ...tail.map(encodeTree)]);
  }

  private mac(algDer: Uint8Array): Promise<MacKey | undefined> {
    const key = toHex(algDer);
    let mac = this.macs.get(key);
    if (!mac) {
      if (this.macs.size > 256) this.macs.clear();
      mac = (async () => {
        try {
          return await prepareMac(parseDer(algDer, AlgorithmIdentifier), new TextEncoder().encode(SECRET), this.maxIterations);
        } catch {
          return undefined;
        }
      })();
      this.macs.set(key, mac);
    }
    return mac;
  }
}
