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
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
  subject: { type: "string" },
  san: { type: "string", multiple: true },
  profile: { type: "string" },
  code: { type: "string" },
  status: { type: "string" },
  entity: { type: "string" },
  limit: { type: "string" },
  pem: { type: "boolean" },
  reason: { type: "string" },
} as const;

export type OptionName = keyof typeof OPTION_TYPES;

export const GLOBAL_OPTIONS: readonly OptionName[] = ["url", "token", "json", "help", "version"];

export const DEFAULT_URL = "http://127.0.0.1:8787";
export const DEFAULT_CERT_LIMIT = 100;
/** What `request list` shows without --status: the API's own default. */
export const DEFAULT_REQUEST_STATUS = "pending";

export type CommandName =
  | "entity add"
  | "entity list"
  | "entity show"
  | "entity rm"
  | "entity reset"
  | "cert list"
  | "cert show"
  | "cert revoke"
  | "request list"
  | "request show"
  | "request approve"
  | "request reject"
  | "ca chain";

export type OptionHelp = readonly [flag: string, help: string | readonly string[]];

export interface CommandSpec {
  name: CommandName;
  /** Positional arguments after the command words, all required. */
  args: readonly string[];
  options: readonly OptionName[];
  required: readonly OptionName[];
  /** The usage line after "jellyfish ". */
  synopsis: string;
  summary: string;
  /** A list of strings is one help text over several lines. */
  optionHelp: readonly OptionHelp[];
  notes?: readonly string[];
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "entity add",
    args: ["username"],
    options: ["subject", "san", "profile", "code"],
    required: ["subject", "profile"],
    synopsis: "entity add <username> --subject <DN> [--san <GeneralName>]... --profile <name> [--code <code>]",
    summary: "register an end entity; prints its enrollment code, shown this once only",
    optionHelp: [
      ["--subject <DN>", ["the subject its certificates carry, as RFC 4514 (CN=user1,O=Org,C=SE)", "or OpenSSL writes it (/CN=user1/O=Org/C=SE)"]],
      [
        "--san <GeneralName>",
        ["a subjectAltName: DNS:host.example.com, IP:192.0.2.7, email:a@example.com,", "URI:urn:example:x; repeat the option for more"],
      ],
      ["--profile <name>", "the client-mode profile it enrolls through"],
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
      ["--profile <name>", "only entities of this profile"],
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
    options: ["status", "profile", "entity", "subject", "limit"],
    required: [],
    synopsis: "cert list [--status <status>] [--profile <name>] [--entity <username>] [--subject <text>] [--limit <n>]",
    summary: "list issued certificates, following the server's pages up to --limit",
    optionHelp: [
      ["--status <status>", "only certificates in this status (e.g. confirmed, revoked)"],
      ["--profile <name>", "only certificates issued through this profile"],
      ["--entity <username>", "only certificates of this end entity"],
      ["--subject <text>", "only subjects containing this text (case-insensitive)"],
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
    summary: "revoke a certificate",
    optionHelp: [
      [
        "--reason <reason>",
        [
          "a CRLReason number (0-10 except 7) or name (default unspecified):",
          ...REVOCATION_REASON_NAMES.map((name) => `${name} (${parseRevocationReason(name)})`),
        ],
      ],
    ],
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
          "rejected, expired, issued, failed, or all for every one",
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
];

export const GLOBAL_OPTION_HELP: readonly OptionHelp[] = [
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
  ["-h, --help", "show help (also after any command)"],
  ["--version", "print the version"],
];

export const EXIT_STATUS_HELP =
  "Exit status: 0 done; 1 the server refused (its reason is printed);\n2 usage error; 3 the server cannot be reached.";

/** The first words of every command: "entity", "cert", "request", "ca". */
export const GROUPS: readonly string[] = [...new Set(COMMANDS.map((c) => c.name.split(" ")[0]!))];

export function findCommand(group: string, verb: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === `${group} ${verb}`);
}

export function commandsOf(group: string): readonly CommandSpec[] {
  return COMMANDS.filter((c) => c.name.startsWith(`${group} `));
}
