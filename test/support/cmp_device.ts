import { expect } from "vitest";
import { makeKey, mustOpenssl, opensslCmp, type CmpClient, type OpensslResult, type TempDir } from "./openssl.js";

/** A key and the certificate issued for it (PEM paths). */
export interface Credential {
  key: string;
  cert: string;
}

/**
 * What interop tests do over and over as a device: run `openssl cmp` against
 * an endpoint (optionally a profile), make fresh keys, enroll with a MAC.
 */
export interface CmpDevice {
  cmp(args: readonly string[], profile?: string): Promise<OpensslResult>;
  newKey(name: string): Promise<string>;
  /** ir with the MAC reference and secret given to cmpDevice(): a certificate the CA issued and recorded. */
  enroll(name: string, profile?: string): Promise<Credential>;
}

export function cmpDevice(options: {
  dir: TempDir;
  endpoint: () => string;
  reference: string;
  secret: string;
  /** Which `openssl cmp` the device runs; default defaultCmpClient(), normally "3.0" (the system's). */
  client?: CmpClient;
}): CmpDevice {
  let counter = 0;
  const device: CmpDevice = {
    cmp(args, profile) {
      const endpoint = options.endpoint();
      return opensslCmp(["-server", profile ? `${endpoint}/p/${profile}` : endpoint, "-msg_timeout", "20", ...args], { client: options.client });
    },
    newKey(name) {
      return makeKey(options.dir.file(`${name}-${++counter}.key.pem`));
    },
    async enroll(name, profile) {
      const key = await device.newKey(name);
      const cert = options.dir.file(`${name}-${counter}.pem`);
      const result = await device.cmp(
        ["-cmd", "ir", "-ref", options.reference, "-secret", `pass:${options.secret}`, "-newkey", key, "-subject", `/CN=${name}`, "-certout", cert],
        profile,
      );
      expect(result.code, result.stdout + result.stderr).toBe(0);
      return { key, cert };
    },
  };
  return device;
}

/** The certificate's serial number in the form records are keyed by (lower-case hex, no sign octet). */
export async function serialOf(cert: string): Promise<string> {
  const text = await mustOpenssl(["x509", "-in", cert, "-noout", "-serial"]);
  return text.trim().replace(/^serial=/, "").toLowerCase().replace(/^(00)+(?=.)/, "");
}
