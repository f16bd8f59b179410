import type { Hono } from "hono/tiny";
import { fromBase64 } from "../../asn1/bytes.js";
import { encodePem } from "../../asn1/pem.js";
import { CERTIFICATE_HOLD, REMOVE_FROM_CRL, REVOCATION_REASONS, getCertificate, type CertificateRecord } from "../../ca/certificate_record.js";
import { RegistryError, listCertificates } from "../../ca/registry.js";
import { permits } from "../operators.js";
import { actionsOf } from "./actions.js";
import { BASE, type ConsoleDeps, type ConsoleEnv } from "./env.js";
import { html, type Markup } from "./html.js";
import { csrfField, scrollingTable, when } from "./layout.js";
import { errorPage, page, redirect } from "./respond.js";
import { crlReasonName } from "../../ca/crl_reason_names.js";

/** Certificates: search (subject, serial, status, a page at a time), one certificate's fields, its PEM, revoke and holds. */

const PAGE_SIZE = 50;
// "on hold" is a revocation with reason certificateHold: what an operator looks for to release one.
const STATUSES = ["issued", "confirmed", "unconfirmed", "rejected", "revoked", "on hold"];

export function registerCertificates(app: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  app.get("/certificates", async (c) => {
    const subject = c.req.query("subject")?.trim() || undefined;
    const serial = normalSerial(c.req.query("serial") ?? "") || undefined;
    const status = STATUSES.includes(c.req.query("status") ?? "") ? c.req.query("status") : undefined;
    const entity = c.req.query("entity")?.trim() || undefined;
    const filter = status === "on hold" ? { status: "revoked", reason: CERTIFICATE_HOLD } : { status };
    const registry = await deps.registry();
    let found: CertificateRecord[] = [];
    let cursor: string | undefined;
    let problem: string | undefined;
    if (serial) {
      const record = await getCertificate(registry.store, serial);
      found = record && (!filter.status || record.status === filter.status) && (!filter.reason || record.revocationReason === filter.reason) ? [record] : [];
    } else {
      try {
        ({ certificates: found, cursor } = await listCertificates(registry, { subject, entity, ...filter, cursor: c.req.query("cursor"), limit: PAGE_SIZE }));
      } catch (error) {
        if (!(error instanceof RegistryError && error.kind === "invalid")) throw error;
        problem = error.message;
      }
    }
    const rows = found.map(
      (r) => [serialLink(r.serial), r.subject, statusText(r), r.profile, when(r.notAfter)],
    );
    const next = cursor ? `${BASE}/certificates?${new URLSearchParams({ ...(subject ? { subject } : {}), ...(entity ? { entity } : {}), ...(status ? { status } : {}), cursor })}` : undefined;
    return page(
      c,
      { title: "Certificates", section: "certificates" },
      html`<h1>Certificates</h1>
<form class="inline" method="get" action="${BASE}/certificates" role="search">
<div class="field"><label for="subject">Subject contains</label><input id="subject" name="subject" value="${subject ?? ""}"></div>
<div class="field"><label for="serial">Serial (hex)</label><input id="serial" name="serial" value="${serial ?? ""}" autocomplete="off"></div>
${entity ? html`<input type="hidden" name="entity" value="${entity}"><p>Of end entity <strong>${entity}</strong> (<a href="${BASE}/certificates">all</a>)</p>` : ""}
<div class="field"><label for="status">Status</label><select id="status" name="status"><option value="">any</option>${STATUSES.map((s) => html`<option${s === status ? html` selected` : ""}>${s}</option>`)}</select></div>
<button type="submit">Search</button></form>
${problem ? html`<div class="flash error" role="alert">${problem}</div>` : ""}
${rows.length ? scrollingTable("Certificates", ["Serial", "Subject", "Status", "Profile", "Not after"], rows) : html`<p>No certificate matches.</p>`}
${next ? html`<p class="pager"><a class="button secondary" href="${next}">Next page</a></p>` : ""}`,
    );
  });

  app.get("/certificates/:serial", async (c) => {
    const record = await getCertificate((await deps.registry()).store, normalSerial(c.req.param("serial")));
    if (!record) return errorPage(c, 404, "No such certificate", `No certificate has serial ${c.req.param("serial")}.`);
    const mayRevoke = permits(c.get("session").operator.role, "administer");
    return page(
      c,
      { title: `Certificate ${record.serial}`, section: "certificates" },
      html`<h1>Certificate</h1>
<dl>
${field("Serial", html`<code>${record.serial}</code>`)}${field("Subject", record.subject)}${field("Issuer", record.issuer)}
${field("Not before", when(record.notBefore))}${field("Not after", when(record.notAfter))}${field("Status", statusText(record))}
${record.revokedAt ? [field("Revoked at", when(record.revokedAt)), field("Reason", record.revocationReason === undefined ? "—" : crlReasonName(record.revocationReason)), field("Revoked by", revokedBy(record))] : ""}
${field("Profile", record.profile)}${record.certificateProfile ? field("Certificate profile", record.certificateProfile) : ""}
${record.entity ? field("End entity", record.entity) : ""}${field("Requester", record.requester)}
${field("Issued at", when(record.issuedAt))}${field("Confirmed or rejected at", when(record.decidedAt))}
${record.supersedes ? field("Replaces", serialLink(record.supersedes)) : ""}${record.supersededBy ? field("Replaced by", serialLink(record.supersededBy)) : ""}
</dl>
<p><a class="button secondary" href="${BASE}/certificates/${record.serial}/pem" download>Download PEM</a></p>
${mayRevoke ? revokeForms(record, c.get("csrf")) : ""}`,
    );
  });

  app.get("/certificates/:serial/pem", async (c) => {
    const record = await getCertificate((await deps.registry()).store, normalSerial(c.req.param("serial")));
    if (!record) return errorPage(c, 404, "No such certificate", `No certificate has serial ${c.req.param("serial")}.`);
    return new Response(encodePem("CERTIFICATE", fromBase64(record.der)), {
      headers: { "content-type": "application/x-pem-file", "content-disposition": `attachment; filename="${record.serial}.pem"` },
    });
  });

  app.post("/certificates/:serial/revoke", async (c) => {
    const serial = normalSerial(c.req.param("serial"));
    const reason = Number(c.get("form").get("reason") ?? "0");
    const record = await actionsOf(c, deps).revokeCertificate(serial, reason);
    const text = reason === REMOVE_FROM_CRL ? "Hold released" : reason === CERTIFICATE_HOLD ? "Put on hold" : `Revoked (${crlReasonName(reason)})`;
    return redirect(c, `/certificates/${record.serial}`, { kind: "ok", text: `${text}: ${record.subject}` });
  });
}

function normalSerial(text: string): string {
  return text.replace(/[\s:]/g, "").toLowerCase().replace(/[^0-9a-f]/g, "");
}

function field(name: string, value: Markup | string): Markup {
  return html`<dt>${name}</dt><dd>${value}</dd>`;
}

function serialLink(serial: string): Markup {
  return html`<a href="${BASE}/certificates/${serial}"><code>${serial}</code></a>`;
}

function statusText(record: CertificateRecord): string {
  if (record.status !== "revoked") return record.status;
  return record.revocationReason === CERTIFICATE_HOLD ? "on hold" : `revoked (${record.revocationReason === undefined ? "—" : crlReasonName(record.revocationReason)})`;
}

function revokedBy(record: CertificateRecord): string {
  return record.revokedBy ?? "—";
}

function revokeForms(record: CertificateRecord, csrf: string): Markup {
  const held = record.status === "revoked" && record.revocationReason === CERTIFICATE_HOLD;
  if (record.status === "revoked" && !held) return html``;
  const action = `${BASE}/certificates/${record.serial}/revoke`;
  // What a certificate can be revoked with (REVOCATION_REASONS); a held one only for good.
  const reasons = [...REVOCATION_REASONS].filter((n) => !held || n !== CERTIFICATE_HOLD).map((n) => [n, n === CERTIFICATE_HOLD ? `${crlReasonName(n)} (suspend)` : crlReasonName(n)] as const);
  return html`<h2>${held ? "Hold" : "Revoke"}</h2>
${held ? html`<form class="inline" method="post" action="${action}">${csrfField(csrf)}<input type="hidden" name="reason" value="${REMOVE_FROM_CRL}"><button type="submit">Release hold</button></form>` : ""}
<form class="inline" method="post" action="${action}">${csrfField(csrf)}
<div class="field"><label for="reason">Reason${held ? " (revokes for good)" : ""}</label><select id="reason" name="reason">${reasons.map(([n, name]) => html`<option value="${n}">${name}</option>`)}</select></div>
<button type="submit" class="danger">Revoke</button></form>`;
}
