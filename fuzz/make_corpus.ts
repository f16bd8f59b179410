/**
 * `npx tsx fuzz/make_corpus.ts`: the seeds openssl cmp 3.0 cannot make,
 * written to fuzz/corpus/ by the project's own client (src/client) against
 * the fuzz target: PBMAC1 protection (RFC 9481 §6.1.2), which OpenSSL 3.0
 * does not send, for ir, its certConf and p10cr. Named like the fixtures
 * (`<exchange>-<step>-<body>.der`); re-running replaces them.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeCertificatesPem } from "../src/asn1/pem.js";
import { CmpClient } from "../src/client/index.js";
import { createCertificationRequest } from "../src/ca/csr_builder.js";
import { decodeShell } from "../src/cmp/decode.js";
import { LocalSigner } from "../src/kms/local.js";
import { makeTarget, material, REFERENCE, SECRET } from "./target.js";

export const CORPUS = join(import.meta.dirname, "corpus");

const target = await makeTarget();
const signer = await LocalSigner.fromPkcs8(material("device.key.pem"));
const [ca] = decodeCertificatesPem(material("ca.pem"));
mkdirSync(CORPUS, { recursive: true });

async function capture(exchange: string, run: (client: CmpClient) => Promise<unknown>): Promise<void> {
  let sent = 0;
  const client = new CmpClient({
    url: "http://fuzz.invalid/.well-known/cmp",
    protection: { mac: { reference: REFERENCE, secret: SECRET, algorithm: "pbmac1" } },
    trust: { anchors: [ca!] },
    now: () => target.clock.now,
    fetch: async (_url, init) => {
      const type = decodeShell(init.body)!.type;
      writeFileSync(join(CORPUS, `${exchange}-${2 * sent++ + 1}-${type}.der`), init.body);
      const answer = await target.handle(init.body);
      return new Response(answer.body, { status: answer.httpStatus, headers: { "content-type": "application/pkixcmp" } });
    },
  });
  await run(client);
}

await capture("pbmac1-ir", (client) => client.ir({ subject: "CN=device1", key: { signer } }));
await capture("pbmac1-p10cr", async (client) => client.p10cr({ csr: await createCertificationRequest({ signer, subject: "CN=device1" }) }));
console.log(`seeds written to ${CORPUS}`);
