import { collectCertificates } from "../certificate_pages.js";
import { CERTIFICATE_HOLD, describeRevocationReason } from "../revocation_reasons.js";
import { printable } from "../tables.js";
import { certificateRecord, certificateTable } from "../views.js";
import { jsonText, type CommandHandler } from "./context.js";

/** `jellyfish cert list|show|revoke|unhold`. */

export const certList: CommandHandler = async (context, { options }) => {
  const filter = {
    status: options.status,
    profile: options.profile,
    entity: options.entity,
    subject: options.subject,
    reason: options.reason === undefined ? undefined : String(options.reason),
    revokedSince: options.revokedSince,
  };
  const page = await collectCertificates(context.client, filter, options.limit!);
  if (context.json) return context.stdout(jsonText(page));
  if (page.certificates.length === 0) return context.stderr("No certificates match.\n");
  context.stdout(certificateTable(page.certificates));
  if (page.cursor !== undefined) {
    context.stderr(`Showing the first ${page.certificates.length}; the server may have more (raise --limit).\n`);
  }
};

export const certShow: CommandHandler = async (context, { args, options }) => {
  const answer = await context.client.getCertificate(args[0]!);
  if (context.json) return context.stdout(jsonText(answer));
  // --pem prints the PEM and nothing else, so `> cert.pem` gives a usable file.
  if (options.pem) return context.stdout(answer.pem.endsWith("\n") ? answer.pem : `${answer.pem}\n`);
  context.stdout(certificateRecord(answer.certificate));
};

export const certRevoke: CommandHandler = async (context, { args, options }) => {
  const answer = await context.client.revokeCertificate(args[0]!, options.reason);
  if (context.json) return context.stdout(jsonText(answer));
  const reason = answer.certificate.revocationReason ?? options.reason ?? 0;
  const serial = printable(args[0]!);
  const done =
    reason === CERTIFICATE_HOLD
      ? `Put certificate ${serial} on hold; \`jellyfish cert unhold ${serial}\` lifts it.`
      : `Revoked certificate ${serial}, reason: ${describeRevocationReason(reason)}.`;
  context.stdout(`${done}\n\n${certificateRecord(answer.certificate)}`);
};

export const certUnhold: CommandHandler = async (context, { args }) => {
  const answer = await context.client.releaseHold(args[0]!);
  if (context.json) return context.stdout(jsonText(answer));
  context.stdout(`Lifted the hold on certificate ${printable(args[0]!)}; the next CRL no longer lists it.\n\n${certificateRecord(answer.certificate)}`);
};
