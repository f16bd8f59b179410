import type { KeyAndCertificates } from "../ca/local_key_pair.js";
import { kmsCaSigner } from "./kms_ca.js";
import { localCaSigner } from "./local_ca.js";
import { Misconfigured, requiredSetting, textSetting, type Settings } from "./settings.js";

/**
 * What the Worker's settings choose (the CA key and the kind of store), apart
 * from the Worker entry (src/runtime/cloudflare.ts), which imports
 * cloudflare:workers: so that `npm run config:check` runs these same checks
 * in Node.
 */

/** The CA key: in AWS KMS when CA_KMS_KEY_ID is set, else the CA_KEY secret. */
export async function workerCaSigner(settings: Settings): Promise<KeyAndCertificates> {
  if (!textSetting(settings, "CA_KMS_KEY_ID")) return localCaSigner(settings);
  // Both set is ambiguous about which key signs: refuse rather than guess.
  if (textSetting(settings, "CA_KEY")) throw new Misconfigured("CA_KEY and CA_KMS_KEY_ID are both set; set one");
  // Workers have no instance role to take credentials from: they are secrets.
  const credentials = {
    accessKeyId: requiredSetting(settings, "AWS_ACCESS_KEY_ID"),
    secretAccessKey: requiredSetting(settings, "AWS_SECRET_ACCESS_KEY"),
    sessionToken: textSetting(settings, "AWS_SESSION_TOKEN"),
  };
  // The AWS SDK itself is imported on demand (src/kms/aws_kms.ts): only
  // isolates configured for KMS evaluate it, not every cold start.
  return kmsCaSigner(settings, credentials);
}

export type WorkerStoreKind = "durable-object" | "kv";

/** STORE: "durable-object" (the default) or "kv"; the binding it needs is the entry's to check. */
export function workerStoreKind(settings: Settings): { kind: WorkerStoreKind; atomic: boolean } {
  const kind = textSetting(settings, "STORE") ?? "durable-object";
  if (kind === "durable-object") return { kind, atomic: true };
  if (kind === "kv") return { kind, atomic: false };
  throw new Misconfigured(`STORE must be "durable-object" or "kv", not "${kind}"`);
}
