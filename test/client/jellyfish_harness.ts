import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";
import type { CertificateRecord } from "../../src/ca/certificate_record.js";
import { formatDistinguishedName } from "../../src/ca/distinguished_name.js";
import { serialNumberHex } from "../../src/ca/serial_number.js";
import { CmpClient, type CmpClientOptions, type EnrollmentResult } from "../../src/client/index.js";
import type { LocalSigner } from "../../src/kms/local.js";
import { startEngineServer, type EngineServer, type TestCa } from "../support/engine_server.js";
import { newSigner } from "./keys.js";

/** Jellyfish with the profiles the client tests use; every one knows the MAC reference "dev". */
export const CONFIG = {
  CMP_SECRETS: JSON.stringify({ dev: "s3cret" }),
  JELLYFISH_CONFIG: JSON.stringify({
    profiles: {
      default: {},
      explicit: { implicitConfirm: false },
      signed: { responseProtection: "signature" },
      approval: { approval: { hold: "all", checkAfterSeconds: 1 } },
      enrollOnly: { bodyTypes: ["ir", "cr", "certConf"] },
      heldrr: { ra: { macReferences: ["dev"] }, approval: { revocations: "all", checkAfterSeconds: 1 } },
      heldgenm: { approval: { generalMessages: "all", checkAfterSeconds: 1 } },
      profiled: {
        certificateProfiles: { "tls-server": { validityDays: 90, extendedKeyUsage: ["serverAuth"] }, "tls-client": { validityDays: 30, extendedKeyUsage: ["clientAuth"] } },
        defaultCertificateProfile: "tls-server",
      },
    },
  }),
};

export async function startJellyfish(ca: TestCa): Promise<EngineServer> {
  return startEngineServer({ ca, config: CONFIG, quiet: true });
}

export function profileUrl(server: EngineServer, profile?: string): string {
  return profile ? `${server.url}/p/${profile}` : server.url;
}

type Extra = Partial<Omit<CmpClientOptions, "protection">>;

export function macClient(server: EngineServer, options: Extra & { profile?: string; algorithm?: "pbm" | "pbmac1"; secret?: string } = {}): CmpClient {
  const { profile, algorithm, secret = "s3cret", ...rest } = options;
  return new CmpClient({ url: profileUrl(server, profile), protection: { mac: { reference: "dev", secret, algorithm } }, ...rest });
}

/** A client that signs with `credential`, trusting the test CA (which signs Jellyfish's answers). */
export function signatureClient(server: EngineServer, ca: TestCa, credential: Credential, options: Extra & { profile?: string } = {}): CmpClient {
  const { profile, ...rest } = options;
  return new CmpClient({
    url: profileUrl(server, profile),
    protection: { signature: { signer: credential.signer, certificates: [credential.certificate] } },
    trust: { anchors: [ca.ca.certificate] },
    ...rest,
  });
}

export interface Credential {
  signer: LocalSigner;
  certificate: Uint8Array;
  result: EnrollmentResult;
}

/** ir with the MAC: a new key and the certificate Jellyfish issued for it. */
export async function enrollWithMac(server: EngineServer, subject: string): Promise<Credential> {
  const signer = await newSigner();
  const result = await macClient(server).ir({ subject, key: { signer } });
  return { signer, certificate: result.certificate, result };
}

export function tbsOf(certificate: Uint8Array) {
  return AsnConvert.parse(certificate, Certificate).tbsCertificate;
}

export function subjectOf(certificate: Uint8Array): string {
  return formatDistinguishedName(tbsOf(certificate).subject);
}

/** Jellyfish's record of a certificate it issued. */
export async function recordOf(server: EngineServer, certificate: Uint8Array): Promise<CertificateRecord | undefined> {
  const serial = serialNumberHex(tbsOf(certificate).serialNumber);
  return (await server.store.get<CertificateRecord>(`cert/${serial}`))?.value;
}

/** The request/response body types the engine logged, in order. */
export function exchanges(server: EngineServer): [string | undefined, string | undefined][] {
  return server.logs.map((log) => [log.bodyType, log.responseType]);
}
