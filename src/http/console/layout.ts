import { html, type Markup, type Renderable } from "./html.js";
import { BASE } from "./env.js";
import type { Flash } from "./flash.js";
import type { Operator } from "../operators.js";

/** The frame of every console page: skip link, header with the operator and logout, navigation, the flash message. */

export type Section = "requests" | "certificates" | "entities" | "ca";

const SECTIONS: Array<[Section, string, string]> = [
  ["requests", "Pending requests", `${BASE}/`],
  ["certificates", "Certificates", `${BASE}/certificates`],
  ["entities", "End entities", `${BASE}/entities`],
  ["ca", "CA and CRL", `${BASE}/ca`],
];

export interface PageFrame {
  title: string;
  section?: Section;
  operator?: Operator;
  csrf?: string;
  flash?: Flash;
}

export function layout(frame: PageFrame, body: Renderable): string {
  return `<!doctype html>\n${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · Jellyfish console</title>
<link rel="stylesheet" href="${BASE}/style.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
<p class="brand">Jellyfish console</p>
${frame.operator ? navigation(frame) : ""}
</header>
<main id="main" tabindex="-1">
${frame.flash ? html`<div class="flash ${frame.flash.kind === "error" ? "error" : ""}" role="${frame.flash.kind === "error" ? "alert" : "status"}">${frame.flash.text}</div>` : ""}
${body}
</main>
</body>
</html>`}`;
}

function navigation(frame: PageFrame): Markup {
  return html`<nav aria-label="Console"><ul>${SECTIONS.map(
    ([section, label, href]) => html`<li><a href="${href}"${section === frame.section ? html` aria-current="page"` : ""}>${label}</a></li>`,
  )}</ul></nav>
<div class="who"><span>Signed in as <strong>${frame.operator!.name}</strong> (${frame.operator!.role})</span>
<form method="post" action="${BASE}/logout">${csrfField(frame.csrf ?? "")}<button type="submit">Log out</button></form></div>`;
}

export function csrfField(token: string): Markup {
  return html`<input type="hidden" name="csrf" value="${token}">`;
}

/**
 * A table of rows of cells. On a narrow screen each row becomes a card whose
 * cells carry their column's name (data-label, shown by the stylesheet), so
 * nothing is wider than the phone; on a wide one it may scroll by itself
 * instead of widening the page, and is focusable so a keyboard can scroll it.
 */
export function scrollingTable(label: string, head: string[], rows: Renderable[][]): Markup {
  // The explicit roles keep it a table for screen readers where display:block on a phone would drop that (Safari).
  return html`<div class="table-wrap" role="region" aria-label="${label}" tabindex="0"><table role="table">
<thead role="rowgroup"><tr role="row">${head.map((h) => html`<th scope="col" role="columnheader">${h}</th>`)}</tr></thead>
<tbody role="rowgroup">${rows.map((cells) => html`<tr role="row">${cells.map((cell, i) => html`<td role="cell" data-label="${head[i] ?? ""}">${cell}</td>`)}</tr>`)}</tbody></table></div>`;
}

export function when(value: string | undefined): string {
  return value ? value.replace("T", " ").replace(/\.\d{3}Z$/, " UTC").replace(/Z$/, " UTC") : "—";
}
