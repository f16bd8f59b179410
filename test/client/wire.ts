import { expect } from "vitest";
import { AsnConvert } from "@peculiar/asn1-schema";
import { PKIMessage, protectedPart } from "../../src/asn1/pki_message.js";
import { encodeExplicit, encodeOctetAlignedBitString, encodeSequence } from "../../src/asn1/der.js";
import { CmpClientError, type Fetch } from "../../src/client/index.js";
import type { Signer } from "../../src/kms/signer.js";

/** The CmpClientError a promise rejects with (and that it does reject). */
export async function failure(promise: Promise<unknown>): Promise<CmpClientError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CmpClientError);
  return error as CmpClientError;
}

export interface Rewrite {
  body: Uint8Array;
  headers?: Record<string, string>;
  status?: number;
}

/**
 * A fetch that plays a man in the middle: requests pass on unchanged, and
 * `change` may rewrite the n-th answer (0-based; every answer when `only` is
 * omitted).
 */
export function rewritingFetch(change: (body: Uint8Array) => Rewrite | Promise<Rewrite>, only?: number): Fetch {
  let count = 0;
  return async (url, init) => {
    const response = await fetch(url, init);
    const body = new Uint8Array(await response.arrayBuffer());
    const index = count++;
    const changed = only === undefined || only === index ? await change(body) : { body };
    return new Response(changed.body, {
      status: changed.status ?? response.status,
      headers: changed.headers ?? { "content-type": response.headers.get("content-type") ?? "" },
    });
  };
}

/**
 * Change a message and sign it again with `signer`: what a server with a
 * trusted key but a bug would send, so a test reaches the checks after the
 * signature.
 */
export async function resign(der: Uint8Array, signer: Signer, change: (message: PKIMessage) => void): Promise<Uint8Array> {
  const message = AsnConvert.parse(der, PKIMessage);
  change(message);
  const header = new Uint8Array(AsnConvert.serialize(message.header));
  const body = new Uint8Array(AsnConvert.serialize(message.body));
  const signature = await signer.sign(protectedPart(header, body));
  const parts = [header, body, encodeExplicit(0, encodeOctetAlignedBitString(signature))];
  if (message.extraCerts) parts.push(encodeExplicit(1, encodeSequence(message.extraCerts.map((c) => new Uint8Array(AsnConvert.serialize(c))))));
  return encodeSequence(parts);
}
