import type { Hono } from "hono/tiny";
import { isPendingOperation, listPendingRequests, pendingModifications, type AnyPendingRequest } from "../../cmp/pending_request.js";
import { permits } from "../operators.js";
import { actionsOf } from "./actions.js";
import { BASE, type ConsoleDeps, type ConsoleEnv } from "./env.js";
import { html } from "./html.js";
import { csrfField, scrollingTable, when } from "./layout.js";
import { page, redirect } from "./respond.js";

/** Requests waiting for an operator (the console's home page), their approval or rejection, and the recent decisions. */

const RECENT = 20;

export function registerRequests(app: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  app.get("/", async (c) => {
    const all = await listPendingRequests((await deps.registry()).store, "all");
    const waiting = all.filter((r) => r.status === "pending");
    const decided = all.filter((r) => r.decidedAt).sort((a, b) => b.decidedAt!.localeCompare(a.decidedAt!)).slice(0, RECENT);
    const csrf = c.get("csrf");
    const mayDecide = permits(c.get("session").operator.role, "decide");
    const rows = waiting.map(
      (r) => [
        html`<code>${r.id}</code><br><span class="muted">${r.requestType}${isPendingOperation(r) && r.serial ? ` of ${r.serial}` : ""}</span>`,
        r.profile,
        html`${r.subjectText}${r.subjectAltNamesText.length ? html`<br><span class="muted">${r.subjectAltNamesText.join(", ")}</span>` : ""}${r.holdReason ? html`<br><span class="muted">Held: ${r.holdReason}</span>` : ""}${modifications(r)}`,
        when(r.createdAt),
        r.reason !== "approval" ? html`<span class="muted">Waiting for the CA's signer</span>` : mayDecide ? decisionForms(r, csrf) : html`<span class="muted">Waiting for an approver</span>`,
      ],
    );
    const recent = decided.map(
      (r) => [html`<code>${r.id}</code>`, r.subjectText, r.status, r.decisionReason ?? "—", decidedBy(r), when(r.decidedAt)],
    );
    return page(
      c,
      { title: "Pending requests", section: "requests" },
      html`<h1>Pending requests</h1>
${rows.length ? scrollingTable("Pending requests", ["Request", "Profile", "Subject", "Requested at", "Decision"], rows) : html`<p>No request is waiting.</p>`}
<h2>Recent decisions</h2>
${recent.length ? scrollingTable("Recent decisions", ["Request", "Subject", "Outcome", "Reason", "Decided by", "Decided at"], recent) : html`<p>None yet.</p>`}`,
    );
  });

  for (const decision of ["approve", "reject"] as const) {
    app.post(`/requests/:id/${decision}`, async (c) => {
      const reason = c.get("form").get("reason")?.trim() || undefined;
      const request = await actionsOf(c, deps).decideRequest(c.req.param("id"), decision, reason);
      return redirect(c, "/", { kind: "ok", text: `${decision === "approve" ? "Approved" : "Rejected"}: ${request.subjectText} (${request.id})` });
    });
  }
}

/** What the certificate would differ in from what was asked: the approver should know before approving. */
function modifications(r: AnyPendingRequest) {
  const changes = isPendingOperation(r) ? [] : pendingModifications(r);
  return changes.length ? html`<br><span class="muted">Granted with changes: ${changes.join("; ")}</span>` : "";
}

function decidedBy(request: AnyPendingRequest): string {
  return request.decidedBy ?? "—";
}

function decisionForms(r: AnyPendingRequest, csrf: string) {
  const id = encodeURIComponent(r.id);
  return html`<form class="inline" method="post" action="${BASE}/requests/${id}/approve">${csrfField(csrf)}
<label><span>Reason <span class="hint">(optional)</span></span><input name="reason" maxlength="500"></label>
<button type="submit">Approve<span class="vh"> ${r.subjectText}</span></button></form>
<form class="inline" method="post" action="${BASE}/requests/${id}/reject">${csrfField(csrf)}
<label><span>Reason <span class="hint">(the client sees it)</span></span><input name="reason" maxlength="500" required></label>
<button type="submit" class="danger">Reject<span class="vh"> ${r.subjectText}</span></button></form>`;
}
