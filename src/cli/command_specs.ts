import { parseRevocationReason, REVOCATION_REASON_NAMES } from "./revocation_reasons.js";

/**
 * Every command and option of `jellyfish`, as data: the parser checks
 * arguments against it and the help is printed from it, so the two cannot
 * drift apart.
 */

/**
 * Every option any command takes, with one type per name. Sharing one table
 * lets the whole command line be parsed in one pass wherever the options
 * stand (before or after the command words); which command may use which
 * option is checked afterwards against `CommandSpec.options`.
 */
export const OPTION_TYPES = {
  url: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean" },
  cacert: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
  subject: { type: "string" },
  san: { type: "string", multiple: true },
  // Several for an entity's profiles; commands that filter by one say so in CommandSpec.repeatable.
  profile: { type: "string", multiple: true },
  code: { type: "string" },
  status: { type: "string" },
  entity: { type: "string" },
  limit: { type: "string" },
  pem: { type: "boolean" },
  reason: { type: "string" },
  "revoked-since": { type: "string" },
  // ca init
  key: { type: "string" },
  "kms-key-id": { type: "string" },
  region: { type: "string" },
  "kms-endpoint": { type: "string" },
  "self-signed": { type: "boolean" },
  csr: { type: "string" },
  "issuer-cert": { type: "string" },
  "issuer-key": { type: "string" },
  days: { type: "string" },
  out: { type: "string" },
  force: { type: "boolean" },
  // ra gateway
  upstream: { type: "string" },
  cert: { type: "string" },
  trusted: { type: "string" },
  listen: { type: "string" },
  batch: { type: "string" },
  "wait-ms": { type: "string" },
} as const;

export type OptionName = keyof typeof OPTION_TYPES;

/** Options every command takes. */
export const GLOBAL_OPTIONS: readonly OptionName[] = ["help", "version"];
/** Options of the commands that call the admin API (not `offline` ones). */
export const SERVER_OPTIONS: readonly OptionName[] = ["url", "token", "json", "cacert"];

/** The options `spec` accepts besides its own. */
export function globalOptionsOf(spec: CommandSpec): readonly OptionName[] {
  return spec.offline ? GLOBAL_OPTIONS : [...SERVER_OPTIONS, ...GLOBAL_OPTIONS];
}

export const DEFAULT_URL = "http://127.0.0.1:8787";
export const DEFAULT_CERT_LIMIT = 100;
/** What `request list` shows without --status: the API's own default. */
export const DEFAULT_REQUEST_STATUS = "pending";
/** `ca init --days` defaults: a root outlives the CAs below it (RFC 5280 §6.1.3 checks every certificate's validity). */
export const DEFAULT_ROOT_DAYS = 3650;
export const DEFAULT_INTERMEDIATE_DAYS = 1825;

export type CommandName =
  | "entity add"
  | "entity list"
  | "entity show"
  | "entity rm"
  | "entity reset"
  | "entity update"
  | "cert list"
  | "cert show"
  | "cert revoke"
  | "cert unhold"
  | "request list"
  | "request show"
  | "request approve"
  | "request reject"
  | "ca chain"
  | "operator whoami"
  | "crl show"
  | "crl regenerate"
  | OfflineCommandName;

/** The commands that run here alone (CommandSpec.offline). */
export type OfflineCommandName = "ca init" | "ra gateway";

export type OptionHelp = readonly [flag: string, help: string | readonly string[]];

export interface CommandSpec {
  name: CommandName;
  /** Positional arguments after the command words, all required. */
  args: readonly string[];
  options: readonly OptionName[];
  required: readonly OptionName[];
  /** Options this command takes more than once (the others are refused when repeated). */
  repeatable?: readonly OptionName[];
  /** The usage line after "jellyfish ". */
  synopsis: string;
  summary: string;
  /** A list of strings is one help text over several lines. */
  optionHelp: readonly OptionHelp[];
  notes?: readonly string[];
  /**
   * Runs on this machine alone and never calls the admin API, so it needs
   * no URL or token and takes neither (nor --json).
   */
  offline?: boolean;
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "entity add",
    args: ["username"],
    options: ["subject", "san", "profile", "code"],
    required: ["subject", "profile"],
    repeatable: ["san", "profile"],
    synopsis: "entity add <username> --subject <DN> [--san <GeneralName>]... --profile <name>... [--code <code>]",
    summary: "register an end entity; prints its enrollment code, shown this once only",
    optionHelp: [
      ["--subject <DN>", ["the subject its certificates carry, as RFC 4514 (CN=user1,O=Org,C=SE)", "or OpenSSL writes it (/CN=user1/O=Org/C=SE)"]],
      [
        "--san <GeneralName>",
        ["a subjectAltName: DNS:host.example.com, IP:192.0.2.7, email:a@example.com,", "URI:urn:example:x; repeat the option for more"],
      ],
      [
        "--profile <name>",
        ["a client-mode profile it enrolls through; repeat the option for more", "(one registration, one enrollment code, on any of them)"],
      ],
      ["--code <code>", ["an enrollment code of your own (8 characters or more);", "by default the server makes one"]],
    ],
    notes: [
      "The enrollment code is stored encrypted and can never be read back:",
      "note it now, or make a new one with `jellyfish entity reset <username>`.",
    ],
  },
  {
    name: "entity list",
    args: [],
    options: ["profile", "status"],
    required: [],
    synopsis: "entity list [--profile <name>] [--status <new|issued|revoked>]",
    summary: "list end entities",
    optionHelp: [
      ["--profile <name>", "only entities that enroll through this profile"],
      ["--status <status>", "only entities in this status: new, issued or revoked"],
    ],
  },
  {
    name: "entity show",
    args: ["username"],
    options: [],
    required: [],
    synopsis: "entity show <username>",
    summary: "show one end entity and the serials of its certificates",
    optionHelp: [],
  },
  {
    name: "entity rm",
    args: ["username"],
    options: [],
    required: [],
    synopsis: "entity rm <username>",
    summary: "delete an end entity (its certificates stay recorded)",
    optionHelp: [],
  },
  {
    name: "entity update",
    args: ["username"],
    options: ["profile"],
    required: ["profile"],
    repeatable: ["profile"],
    synopsis: "entity update <username> --profile <name>...",
    summary: "set the client-mode profiles an end entity enrolls through; nothing else changes",
    optionHelp: [["--profile <name>", ["a client-mode profile it enrolls through; repeat the option for more;", "the ones not given are taken away"]]],
  },
  {
    name: "entity reset",
    args: ["username"],
    options: ["code"],
    required: [],
    synopsis: "entity reset <username> [--code <code>]",
    summary: "set an end entity back to status new with a new enrollment code, shown this once only",
    optionHelp: [["--code <code>", ["the new code (8 characters or more);", "by default the server makes one"]]],
  },
  {
    name: "cert list",
    args: [],
    options: ["status", "profile", "entity", "subject", "reason", "revoked-since", "limit"],
    required: [],
    synopsis:
      "cert list [--status <status>] [--profile <name>] [--entity <username>] [--subject <text>] " +
      "[--reason <reason>] [--revoked-since <time>] [--limit <n>]",
    summary: "list issued certificates, following the server's pages up to --limit",
    optionHelp: [
      ["--status <status>", "only certificates in this status (e.g. confirmed, revoked)"],
      ["--profile <name>", "only certificates issued through this profile"],
      ["--entity <username>", "only certificates of this end entity"],
      ["--subject <text>", "only subjects containing this text (case-insensitive)"],
      ["--reason <reason>", ["only certificates revoked with this CRLReason, by name or number;", "certificateHold lists the ones on hold"]],
      ["--revoked-since <time>", "only certificates revoked (or put on hold) at or after this ISO 8601 time"],
      ["--limit <n>", `at most n certificates, fetched page by page (default ${DEFAULT_CERT_LIMIT})`],
    ],
  },
  {
    name: "cert show",
    args: ["serial"],
    options: ["pem"],
    required: [],
    synopsis: "cert show <serial> [--pem]",
    summary: "show one certificate",
    optionHelp: [["--pem", ["print only the certificate, PEM:", "jellyfish cert show <serial> --pem > cert.pem"]]],
  },
  {
    name: "cert revoke",
    args: ["serial"],
    options: ["reason"],
    required: [],
    synopsis: "cert revoke <serial> [--reason <reason>]",
    summary: "revoke a certificate, or put it on hold (--reason certificateHold)",
    optionHelp: [
      [
        "--reason <reason>",
        [
          "a CRLReason number (0-10 except 7 and 8) or name (default unspecified):",
          ...REVOCATION_REASON_NAMES.map((name) => `${name} (${parseRevocationReason(name)})`),
        ],
      ],
    ],
    notes: [
      "certificateHold suspends the certificate: it is on the CRL until",
      "`jellyfish cert unhold <serial>` lifts the hold. Revoking a held certificate",
      "with another reason makes the revocation final.",
    ],
  },
  {
    name: "cert unhold",
    args: ["serial"],
    options: [],
    required: [],
    synopsis: "cert unhold <serial>",
    summary: "lift a certificateHold: the certificate is valid again and leaves the next CRL (removeFromCRL)",
    optionHelp: [],
  },
  {
    name: "request list",
    args: [],
    options: ["status"],
    required: [],
    synopsis: "request list [--status <pending|approved|rejected|expired|issued|failed|all>]",
    summary: "list requests held for approval or for a failing signer, oldest first",
    optionHelp: [
      [
        "--status <status>",
        [
          `only requests in this status (default ${DEFAULT_REQUEST_STATUS}): pending, approved,`,
          "rejected, expired, issued, completed (rr, genm), failed, or all",
        ],
      ],
    ],
  },
  {
    name: "request show",
    args: ["id"],
    options: [],
    required: [],
    synopsis: "request show <id>",
    summary: "show one held request: what it asks for, why it waits, how it was decided",
    optionHelp: [],
  },
  {
    name: "request approve",
    args: ["id"],
    options: ["reason"],
    required: [],
    synopsis: "request approve <id> [--reason <text>]",
    summary: "approve a pending request; the certificate is issued at the client's next poll",
    optionHelp: [["--reason <text>", "why, for the record (at most 500 characters)"]],
  },
  {
    name: "request reject",
    args: ["id"],
    options: ["reason"],
    required: ["reason"],
    synopsis: "request reject <id> --reason <text>",
    summary: "reject a pending request; the client's next poll gets the rejection",
    optionHelp: [["--reason <text>", "why (at most 500 characters); the client is sent this text"]],
  },
  {
    name: "ca chain",
    args: [],
    options: [],
    required: [],
    synopsis: "ca chain",
    summary: "print the CA certificate and its chain, PEM",
    optionHelp: [],
    notes: ['With --json, prints {"pem": "…"}: the API answers this one with PEM, not JSON.'],
  },
  {
    name: "operator whoami",
    args: [],
    options: [],
    required: [],
    synopsis: "operator whoami",
    summary: "print the operator the token belongs to, and its role",
    optionHelp: [],
    notes: ["Roles: read-only (reads), approver (also approves and rejects requests), administrator (also revokes, manages entities, signs CRLs)."],
  },
  {
    name: "crl show",
    args: [],
    options: [],
    required: [],
    synopsis: "crl show",
    summary: "show the CA's current CRL: number, validity, entries, size, URL, and whether it is stale",
    optionHelp: [],
    notes: [
      "Signs nothing. Stale means a revocation happened since it was built; the next",
      "fetch of the CRL, or `jellyfish crl regenerate`, builds one that lists it.",
    ],
  },
  {
    name: "crl regenerate",
    args: [],
    options: [],
    required: [],
    synopsis: "crl regenerate",
    summary: "sign a new CRL now, with the next CRL number, whether or not one is due",
    optionHelp: [],
  },
  {
    name: "ca init",
    args: [],
    options: ["key", "kms-key-id", "region", "kms-endpoint", "self-signed", "csr", "issuer-cert", "issuer-key", "subject", "days", "out", "force"],
    required: ["subject"],
    synopsis:
      "ca init (--key <file> | --kms-key-id <id>) --subject <DN> " +
      "(--self-signed --out <file> | --csr <file> | --issuer-cert <file> --issuer-key <file> --out <file>) [options]",
    summary: "create the CA certificate (or a CSR) for the CA key, here, without the admin API",
    offline: true,
    optionHelp: [
      ["--key <file>", "the CA key: a PKCS #8 PEM private key file"],
      ["--kms-key-id <id>", ["the CA key in AWS KMS: key id, key ARN or alias; credentials come from", "the AWS environment (AWS_ACCESS_KEY_ID, AWS_PROFILE, ...)"]],
      ["--region <region>", "the KMS key's region (default: the ARN's, else AWS_REGION)"],
      ["--kms-endpoint <url>", "another KMS endpoint than kms.<region>.amazonaws.com"],
      ["--subject <DN>", ["the CA's subject, as RFC 4514 (CN=Devices CA,O=Example)", "or OpenSSL writes it (/O=Example/CN=Devices CA)"]],
      ["--self-signed", "make a self-signed root CA certificate"],
      ["--csr <file>", "or write a PKCS #10 request (PEM) for an external root to sign"],
      ["--issuer-cert <file>", "or make a CA certificate issued by this local root (PEM) ..."],
      ["--issuer-key <file>", "... whose PKCS #8 PEM private key this is"],
      ["--out <file>", ["where to write the certificate, PEM; with --issuer-cert followed", "by the issuer's chain, as CA_CERT wants it"]],
      ["--days <n>", `validity in days (default ${DEFAULT_ROOT_DAYS} for a root, ${DEFAULT_INTERMEDIATE_DAYS} below a root, never past it)`],
      ["--force", "replace an existing output file"],
    ],
    notes: [
      "The key is used where it is: a KMS key signs in KMS (kms:GetPublicKey and",
      "kms:Sign on the key), and never leaves it.",
    ],
  },
  {
    name: "ra gateway",
    args: [],
    options: ["upstream", "key", "cert", "trusted", "listen", "batch", "wait-ms", "cacert"],
    required: ["upstream", "key", "cert", "trusted"],
    synopsis: "ra gateway --upstream <CMP URL> --key <file> --cert <file> --trusted <file> [--listen <host:port>] [--batch <n>] [--wait-ms <ms>] [--cacert <file>]",
    summary: "run a registration authority here: devices' CMP messages go to the CA in nests it signs (RFC 9483 §5.2.2)",
    offline: true,
    optionHelp: [
      ["--upstream <CMP URL>", ["the CA's CMP endpoint, e.g. https://ca.example/.well-known/cmp/p/ra;", "its profile must trust this RA (ra.trustAnchors)"]],
      ["--key <file>", "the RA's private key, PKCS #8 PEM"],
      ["--cert <file>", "the RA's certificate (PEM), then any CA certificates between it and the anchor"],
      ["--trusted <file>", "the CA certificate(s) that sign the CA's answers (PEM)"],
      ["--listen <host:port>", `where devices send their messages (default ${"127.0.0.1:8790"}); path /.well-known/cmp`],
      ["--batch <n>", "most messages in one nest (default 8, at most 32)"],
      ["--wait-ms <ms>", "how long the first waiting message waits for others (default 1000)"],
      ["--cacert <file>", "also trust the CA certificate(s) in this PEM file for an https upstream (env JELLYFISH_CACERT)"],
    ],
    notes: [
      "A lone message goes up with the RA's protection added (RFC 9483 §5.2.2.1), several in a batch (§5.2.2.2).",
      "Each device checks its own answer; the gateway keeps no state.",
    ],
  },
];

const SERVER_OPTION_HELP: readonly OptionHelp[] = [
  ["--url <base>", `the server's base URL (env JELLYFISH_URL; default ${DEFAULT_URL})`],
  [
    "--token <token>",
    [
      "the admin token (env JELLYFISH_ADMIN_TOKEN). Prefer the environment",
      "variable: a token on the command line is visible to every user of the",
      "machine in `ps`, and stays in the shell's history",
    ],
  ],
  ["--json", "print the API's JSON answer as is, for scripts"],
  [
    "--cacert <file>",
    ["also trust the CA certificate(s) in this PEM file for an https URL", "(env JELLYFISH_CACERT), e.g. .dev/https-ca.pem of `npm start -- --https`"],
  ],
];
const GENERAL_OPTION_HELP: readonly OptionHelp[] = [
  ["-h, --help", "show help (also after any command)"],
  ["--version", "print the version"],
];
export const GLOBAL_OPTION_HELP: readonly OptionHelp[] = [...SERVER_OPTION_HELP, ...GENERAL_OPTION_HELP];

/** The global options' help for one command: an offline one takes no server options. */
export function globalOptionHelpOf(spec: CommandSpec): readonly OptionHelp[] {
  return spec.offline ? GENERAL_OPTION_HELP : GLOBAL_OPTION_HELP;
}

export const EXIT_STATUS_HELP =
  "Exit status: 0 done; 1 the server refused (its reason is printed);\n2 usage error; 3 the server cannot be reached.";
export const OFFLINE_EXIT_STATUS_HELP =
  "Exit status: 0 done; 1 failed (the reason is printed; e.g. the output file exists);\n2 usage error; 3 KMS cannot be reached (try again).";

/** The first words of every command: "entity", "cert", "request", "ca", "crl". */
export const GROUPS: readonly string[] = [...new Set(COMMANDS.map((c) => c.name.split(" ")[0]!))];

export function findCommand(group: string, verb: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === `${group} ${verb}`);
}

export function commandsOf(group: string): readonly CommandSpec[] {
  return COMMANDS.filter((c) => c.name.startsWith(`${group} `));
}
