import { constantTimeEqual } from "../crypto/constant_time.js";
import { digest } from "../crypto/digest.js";
import { Misconfigured, textSetting, type Settings } from "../runtime/settings.js";

/**
 * Named operators of the admin API and the web console (docs/admin-api.md,
 * "Operators"). Each has a bearer token, a name that the log and the records
 * carry (approved by, revoked by), and a role:
 *
 *   read-only      sees everything, changes nothing
 *   approver       also approves and rejects waiting requests
 *   administrator  also revokes, manages end entities and signs CRLs
 *
 * ADMIN_TOKENS (secret) is a JSON object of operators by name:
 *   {"alice": {"role": "administrator", "token": "…"}, "bob": {"role": "approver", "token": "…"}}
 * ADMIN_TOKEN (secret), the single token of earlier versions, is the
 * administrator "admin". Neither set: no admin API and no console.
 */

export const OPERATOR_ROLES = ["read-only", "approver", "administrator"] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

/** What a request asks to do; each role permits a prefix of this list. */
export type AdminAction = "read" | "decide" | "administer";

export interface Operator {
  readonly name: string;
  readonly role: OperatorRole;
}

/** An operator as the server holds it: the SHA-256 of the token, never the token. */
export interface OperatorCredential extends Operator {
  /** SHA-256 of the token; also the key material a console session of this operator is bound to. */
  readonly tokenDigest: Uint8Array;
}

export interface OperatorDirectory {
  readonly operators: readonly Operator[];
  /** The operator whose token was presented, or undefined. Time depends only on the number of operators. */
  authenticate(presented: string): Promise<OperatorCredential | undefined>;
  /** The operator of that name (a console session names its operator), or undefined. */
  byName(name: string): OperatorCredential | undefined;
}

const GRANTS: Record<OperatorRole, readonly AdminAction[]> = {
  "read-only": ["read"],
  approver: ["read", "decide"],
  administrator: ["read", "decide", "administer"],
};

export function permits(role: OperatorRole, action: AdminAction): boolean {
  return GRANTS[role].includes(action);
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** A token is typed by nobody and guessed by nobody: shorter ones are a mistake. */
export const MIN_TOKEN_CHARS = 16;
const LEGACY_NAME = "admin";

/** The operators the settings name; undefined when there are none (the admin API is then absent). Throws Misconfigured. */
export async function operatorDirectory(settings: Settings): Promise<OperatorDirectory | undefined> {
  const entries: { name: string; role: OperatorRole; token: string }[] = [];
  const legacy = textSetting(settings, "ADMIN_TOKEN");
  if (legacy !== undefined) entries.push({ name: LEGACY_NAME, role: "administrator", token: legacy });
  const named = textSetting(settings, "ADMIN_TOKENS");
  if (named !== undefined) entries.push(...parseAdminTokens(named, legacy !== undefined));
  if (entries.length === 0) return undefined;

  const credentials: OperatorCredential[] = [];
  for (const { name, role, token } of entries) {
    credentials.push({ name, role, tokenDigest: await digest("SHA-256", new TextEncoder().encode(token)) });
  }
  for (let i = 0; i < credentials.length; i++) {
    for (let j = i + 1; j < credentials.length; j++) {
      if (constantTimeEqual(credentials[i]!.tokenDigest, credentials[j]!.tokenDigest)) {
        throw new Misconfigured(`ADMIN_TOKENS: operators "${credentials[i]!.name}" and "${credentials[j]!.name}" have the same token; each needs its own`);
      }
    }
  }
  const byName = new Map(credentials.map((credential) => [credential.name, credential]));
  return {
    operators: credentials.map(({ name, role }) => ({ name, role })),
    byName: (name) => byName.get(name),
    async authenticate(presented) {
      const presentedDigest = await digest("SHA-256", new TextEncoder().encode(presented));
      // Every credential is compared, so timing does not tell which one matched.
      let found: OperatorCredential | undefined;
      for (const credential of credentials) {
        if (constantTimeEqual(presentedDigest, credential.tokenDigest) && found === undefined) found = credential;
      }
      return found;
    },
  };
}

function parseAdminTokens(text: string, legacyPresent: boolean): { name: string; role: OperatorRole; token: string }[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Misconfigured('ADMIN_TOKENS: not JSON; expected {"<name>": {"role": "administrator", "token": "…"}}');
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Misconfigured('ADMIN_TOKENS: must be a JSON object of operators by name, e.g. {"alice": {"role": "approver", "token": "…"}}');
  }
  const entries: { name: string; role: OperatorRole; token: string }[] = [];
  for (const [name, entry] of Object.entries(value)) {
    const field = `ADMIN_TOKENS.${name}`;
    if (!NAME.test(name)) throw new Misconfigured(`${field}: an operator name is 1-64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit`);
    if (legacyPresent && name === LEGACY_NAME) throw new Misconfigured(`${field}: "admin" is the operator of ADMIN_TOKEN; name this one differently or drop ADMIN_TOKEN`);
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) throw new Misconfigured(`${field}: must be an object with "role" and "token"`);
    const { role, token, ...rest } = entry as Record<string, unknown>;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) throw new Misconfigured(`${field}.${unknown}: unknown field (known: role, token)`);
    if (typeof role !== "string" || !(OPERATOR_ROLES as readonly string[]).includes(role)) {
      throw new Misconfigured(`${field}.role: one of ${OPERATOR_ROLES.join(", ")}`);
    }
    if (typeof token !== "string" || token.length < MIN_TOKEN_CHARS || /\s/.test(token)) {
      throw new Misconfigured(`${field}.token: at least ${MIN_TOKEN_CHARS} characters without spaces (e.g. openssl rand -base64 24)`);
    }
    entries.push({ name, role: role as OperatorRole, token });
  }
  return entries;
}
