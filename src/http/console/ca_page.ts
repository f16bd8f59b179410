import type { Hono } from "hono/tiny";
import { toHex } from "../../asn1/bytes.js";
import { encodeCertificatesPem, encodePem } from "../../asn1/pem.js";
import { formatDistinguishedName } from "../../ca/distinguished_name.js";
import { crlState } from "../../crl/crl_publisher.js";
import { parseCertificate } from "../../crypto/parsed_certificate.js";
import { permits } from "../operators.js";
import { actionsOf } from "./actions.js";
import { BASE, type ConsoleDeps, type ConsoleEnv } from "./env.js";
import { html } from "./html.js";
import { csrfField, scrollingTable, when } from "./layout.js";
import { errorPage, page, redirect } from "./respond.js";

/** The CA's chain with PEM downloads, and its CRL: the current one's fields and, for administrators, signing a new one now. */

export function registerCa(app: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  app.get("/ca", async (c) => {
    const chain = await deps.chain();
    const rows = chain.map((der, index) => {
      const { certificate, notBefore, notAfter } = parseCertificate(der);
      const tbs = certificate.tbsCertificate;
      return [
        formatDistinguishedName(tbs.subject),
        formatDistinguishedName(tbs.issuer),
        `${when(notBefore.toISOString())} to ${when(notAfter.toISOString())}`,
        html`<code>${toHex(tbs.serialNumber)}</code>`,
        html`<a href="${BASE}/ca/chain/${index}" download>PEM<span class="vh"> of ${formatDistinguishedName(tbs.subject)}</span></a>`,
      ];
    });
    return page(
      c,
      { title: "CA and CRL", section: "ca" },
      html`<h1>CA and CRL</h1>
<h2>Certificate chain</h2>
${scrollingTable("Certificate chain", ["Subject", "Issuer", "Validity", "Serial", "Download"], rows)}
<p><a class="button secondary" href="${BASE}/ca/chain" download>Download the whole chain (PEM)</a></p>
<h2>CRL</h2>
${await crlSection(deps, permits(c.get("session").operator.role, "administer"), c.get("csrf"))}`,
    );
  });

  app.get("/ca/chain", async () => pemAttachment(encodeCertificatesPem(await deps.chain()), "ca-chain.pem"));
  app.get("/ca/chain/:index", async (c) => {
    const der = (await deps.chain())[Number(c.req.param("index"))];
    if (!/^\d{1,2}$/.test(c.req.param("index")) || !der) return errorPage(c, 404, "Not found", "The chain has no such certificate.");
    return pemAttachment(encodePem("CERTIFICATE", der), `ca-${c.req.param("index")}.pem`);
  });

  app.post("/crl", async (c) => {
    const crl = await actionsOf(c, deps).regenerateCrl();
    return redirect(c, "/ca", { kind: "ok", text: `Signed CRL number ${crl.number} with ${crl.entries} entries` });
  });
}

async function crlSection(deps: ConsoleDeps, mayRegenerate: boolean, csrf: string) {
  if (!deps.crl) return html`<p>This server publishes no CRL.</p>`;
  const { state, revision } = await crlState(await deps.crl());
  const button = mayRegenerate
    ? html`<form class="inline" method="post" action="${BASE}/crl">${csrfField(csrf)}<button type="submit">Regenerate CRL</button></form>`
    : "";
  if (!state) return html`<p>No CRL was built yet: the first fetch of it builds one.</p>${button}`;
  return html`<dl>
<dt>Number</dt><dd>${state.number}</dd>
<dt>This update</dt><dd>${when(state.thisUpdate)}</dd>
<dt>Next update</dt><dd>${when(state.nextUpdate)}</dd>
<dt>Entries</dt><dd>${state.entries}</dd>
<dt>Stale</dt><dd>${revision > state.builtRevision ? "yes: a revocation since is not on it yet" : "no"}</dd>
</dl>${button}`;
}

function pemAttachment(pem: string, filename: string): Response {
  return new Response(pem, { headers: { "content-type": "application/x-pem-file", "content-disposition": `attachment; filename="${filename}"` } });
}
