import type { KeyAndCertificates } from "../ca/local_key_pair.js";
import { DynamoDbStore } from "../store/dynamodb.js";
import { MemoryStore } from "../store/memory.js";
import type { Store } from "../store/store.js";
import { localCaSigner } from "./local_ca.js";
import type { Log } from "./log.js";
import { Misconfigured, requiredSetting, textSetting, type Settings } from "./settings.js";

/**
 * What the settings of Lambda and plain Node choose: the store (DynamoDB, or memory for trials)
 * and the CA key (AWS KMS, or a PEM secret for development).
 */

/** The store the settings of Lambda and Node name, before anything connects to it. */
export type SettingsStoreChoice =
  | { kind: "dynamodb"; atomic: true; tableName: string; region: string; endpoint?: string }
  | { kind: "memory"; atomic: true };

/**
 * DynamoDB when STORE_TABLE names a table. A memory store lives and dies
 * with one execution environment and is not shared between concurrent ones,
 * so transactions break as soon as Lambda scales out: only on explicit
 * request (JELLYFISH_ALLOW_MEMORY_STORE=1), never as a silent fallback.
 * config:check stops here; the runtimes go on to settingsStore.
 */
export function settingsStoreChoice(settings: Settings, log: Log): SettingsStoreChoice {
  const tableName = textSetting(settings, "STORE_TABLE");
  if (tableName) {
    return { kind: "dynamodb", atomic: true, tableName, region: requiredSetting(settings, "AWS_REGION"), endpoint: textSetting(settings, "DYNAMODB_ENDPOINT") };
  }
  if (textSetting(settings, "JELLYFISH_ALLOW_MEMORY_STORE") === "1") {
    log({ level: "warn", message: 'store "memory" is per execution environment and lost with it; set STORE_TABLE for DynamoDB' });
    return { kind: "memory", atomic: true };
  }
  throw new Misconfigured("STORE_TABLE is not set");
}

/** The store settingsStoreChoice names; creating it connects nothing yet. */
export function settingsStore(settings: Settings, log: Log): Store {
  const choice = settingsStoreChoice(settings, log);
  if (choice.kind === "memory") return new MemoryStore();
  const { tableName, region, endpoint } = choice;
  return new DynamoDbStore({ tableName, region, endpoint, credentials: endpoint ? localCredentials(settings) : undefined });
}

/** The CA key in AWS KMS (CA_KMS_KEY_ID), or in the CA_KEY secret; exactly one of them. */
export async function settingsCaSigner(settings: Settings): Promise<KeyAndCertificates> {
  const kmsKeyId = textSetting(settings, "CA_KMS_KEY_ID");
  const localKey = textSetting(settings, "CA_KEY");
  // Both set is ambiguous about which key signs: refuse rather than guess.
  if (kmsKeyId && localKey) throw new Misconfigured("CA_KEY and CA_KMS_KEY_ID are both set; set one");
  if (kmsKeyId) return kmsCaSigner(settings);
  if (!localKey) throw new Misconfigured("CA_KMS_KEY_ID (or CA_KEY) is not set");
  return localCaSigner(settings);
}

/**
 * The KMS key with CA_CERT checked against it (src/runtime/kms_ca.ts).
 * Imported on demand so a function without KMS never loads the KMS client.
 */
async function kmsCaSigner(settings: Settings): Promise<KeyAndCertificates> {
  const { kmsCaSigner: connect } = await import("./kms_ca.js");
  return connect(settings, textSetting(settings, "KMS_ENDPOINT") ? localCredentials(settings) : undefined);
}

/**
 * Credentials from the settings object, for a local DynamoDB or KMS
 * (*_ENDPOINT, tests, where the settings are an object and not the
 * process environment). Otherwise the SDK's default chain, which on Lambda
 * finds the execution role's credentials.
 */
function localCredentials(settings: Settings): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined {
  const accessKeyId = textSetting(settings, "AWS_ACCESS_KEY_ID");
  const secretAccessKey = textSetting(settings, "AWS_SECRET_ACCESS_KEY");
  if (!accessKeyId || !secretAccessKey) return undefined;
  return { accessKeyId, secretAccessKey, sessionToken: textSetting(settings, "AWS_SESSION_TOKEN") };
}
