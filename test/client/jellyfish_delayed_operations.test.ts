import { AsnConvert } from "@peculiar/asn1-schema";
import { ExtendedKeyUsage, id_ce_extKeyUsage } from "@peculiar/asn1-x509";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { CertReqTemplateContent } from "../../src/asn1/general_message_values.js";
import { id_it_caCerts, id_it_certReqTemplate } from "../../src/asn1/oids.js";
import { decidePendingRequest, listPendingRequests } from "../../src/cmp/pending_request.js";
import { CmpClientError } from "../../src/client/index.js";
import { makeTestCa, type EngineServer, type TestCa } from "../support/engine_server.js";
import { exchanges, macClient, recordOf, startJellyfish, tbsOf } from "./jellyfish_harness.js";
import { newSigner } from "./keys.js";

// The client against the engine: certProfile in generalInfo (RFC 9810
// §5.1.1.4), and rr and genm whose answer an operator delays (RFC 9483
// §4.4): the client polls with certReqId -1 on its own.

let ca: TestCa;
let server: EngineServer;

beforeAll(async () => {
  ca = await makeTestCa();
});
afterEach(async () => {
  await server?.stop();
});

async function pendingId(): Promise<string> {
  await expect.poll(() => listPendingRequests(server.store, "pending"), { timeout: 10_000 }).toHaveLength(1);
  return (await listPendingRequests(server.store, "pending"))[0]!.id;
}

function ekuOf(certificate: Uint8Array): string[] {
  const extension = tbsOf(certificate).extensions!.find((e) => e.extnID === id_ce_extKeyUsage)!;
  return [...AsnConvert.parse(extension.extnValue, ExtendedKeyUsage)];
}

describe("certProfile", () => {
  it("ir with certProfile tls-client gets a tls-client certificate; genm certReqTemplate for it shows its EKU", async () => {
    server = await startJellyfish(ca);
    const client = macClient(server, { profile: "profiled" });
    const result = await client.ir({ subject: "CN=profiled", key: { signer: await newSigner() }, certProfile: "tls-client" });
    expect(ekuOf(result.certificate)).toEqual(["1.3.6.1.5.5.7.3.2"]);
    expect(await recordOf(server, result.certificate)).toMatchObject({ certificateProfile: "tls-client" });
    const { infos } = await client.genm({ infoTypes: [id_it_caCerts, id_it_certReqTemplate], certProfiles: ["", "tls-client"] });
    const template = AsnConvert.parse(infos[1]!.infoValue!, CertReqTemplateContent);
    const eku = template.certTemplate.extensions!.find((e) => e.extnID === id_ce_extKeyUsage)!;
    expect([...AsnConvert.parse(eku.extnValue, ExtendedKeyUsage)]).toEqual(["1.3.6.1.5.5.7.3.2"]);
  });

  it("an unknown certProfile: rejected, badCertTemplate", async () => {
    server = await startJellyfish(ca);
    const error = await macClient(server, { profile: "profiled" })
      .ir({ subject: "CN=unknown", key: { signer: await newSigner() }, certProfile: "nope" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CmpClientError);
    expect(error).toMatchObject({ kind: "rejected", failInfo: ["badCertTemplate"] });
  });
});

describe("rr and genm delayed for approval", () => {
  it("rr: waiting, polled with certReqId -1, revoked after the approval", async () => {
    server = await startJellyfish(ca);
    const client = macClient(server, { profile: "heldrr" });
    const issued = await client.ir({ subject: "CN=to-revoke", key: { signer: await newSigner() } });
    const revocation = client.rr({ certificate: issued.certificate, reason: "keyCompromise" });
    const id = await pendingId();
    await expect.poll(() => server.logs.filter((log) => log.bodyType === "pollReq").length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await recordOf(server, issued.certificate)).toMatchObject({ status: "confirmed" });
    await decidePendingRequest(server.store, id, "approved", undefined, new Date());
    const result = await revocation;
    expect(result.status.status).toBe("accepted");
    expect(await recordOf(server, issued.certificate)).toMatchObject({ status: "revoked" });
    const seen = exchanges(server).slice(2);
    expect(seen[0]).toEqual(["rr", "error"]);
    expect(seen.at(-1)).toEqual(["pollReq", "rp"]);
  });

  it("rr rejected: the rp's rejection with the operator's reason; not revoked", async () => {
    server = await startJellyfish(ca);
    const client = macClient(server, { profile: "heldrr" });
    const issued = await client.ir({ subject: "CN=kept", key: { signer: await newSigner() } });
    const revocation = client.rr({ certificate: issued.certificate });
    await decidePendingRequest(server.store, await pendingId(), "rejected", "still needed", new Date());
    const error = await revocation.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CmpClientError);
    expect(error).toMatchObject({ kind: "rejected", failInfo: ["notAuthorized"], statusString: ["rejected by an operator: still needed"] });
    expect(await recordOf(server, issued.certificate)).toMatchObject({ status: "confirmed" });
  });

  it("genm: waiting, polled, the genp after the approval", async () => {
    server = await startJellyfish(ca);
    const answer = macClient(server, { profile: "heldgenm" }).genm({ infoTypes: [id_it_caCerts] });
    await decidePendingRequest(server.store, await pendingId(), "approved", undefined, new Date());
    const { infos } = await answer;
    expect(infos.map((info) => info.infoType)).toEqual([id_it_caCerts]);
  });
});
