import type { Hono } from "hono/tiny";
import { getRegisteredEndEntity, listEndEntities } from "../../ca/registry.js";
import { permits } from "../operators.js";
import { actionsOf } from "./actions.js";
import { BASE, type ConsoleContext, type ConsoleDeps, type ConsoleEnv } from "./env.js";
import { html } from "./html.js";
import { csrfField, scrollingTable } from "./layout.js";
import { page, redirect } from "./respond.js";

/**
 * End entities of client-mode profiles: list, add, reset, remove. A new
 * enrollment code is shown once, on the answer to the POST that made it
 * (never through a redirect, a URL or a cookie); it is stored sealed only.
 */

export function registerEntities(app: Hono<ConsoleEnv>, deps: ConsoleDeps): void {
  app.get("/entities", async (c) => {
    const registry = await deps.registry();
    const entities = (await listEndEntities(registry, {})).sort((a, b) => a.username.localeCompare(b.username));
    const mayChange = permits(c.get("session").operator.role, "administer");
    const csrf = c.get("csrf");
    const clientProfiles = [...registry.config.profiles.values()].filter((p) => p.mode === "client").map((p) => p.name);
    const rows = entities.map(
      (e) => [
        e.username,
        html`${e.subject}${e.subjectAltNames.length ? html`<br><span class="muted">${e.subjectAltNames.join(", ")}</span>` : ""}`,
        e.profiles.join(", "),
        `${e.status}${e.enrollmentCode ? " (code set)" : ""}`,
        e.certificates.length ? html`<a href="${BASE}/certificates?entity=${encodeURIComponent(e.username)}">${e.certificates.length}<span class="vh"> of ${e.username}</span></a>` : 0,
        ...(mayChange
          ? [html`<form class="inline" method="post" action="${BASE}/entities/${encodeURIComponent(e.username)}/reset">${csrfField(csrf)}<button type="submit" class="secondary">Reset<span class="vh"> ${e.username}</span></button>
<a class="button secondary" href="${BASE}/entities/${encodeURIComponent(e.username)}/remove">Remove<span class="vh"> ${e.username}</span></a></form>`]
          : []),
      ],
    );
    const head = ["Username", "Subject", "Profiles", "Status", "Certificates", ...(mayChange ? ["Actions"] : [])];
    return page(
      c,
      { title: "End entities", section: "entities" },
      html`<h1>End entities</h1>
${rows.length ? scrollingTable("End entities", head, rows) : html`<p>No end entity is registered.</p>`}
${mayChange ? addForm(clientProfiles, csrf) : ""}`,
    );
  });

  app.post("/entities", async (c) => {
    const form = c.get("form");
    const { entity, enrollmentCode } = await actionsOf(c, deps).addEntity({
      username: form.get("username")?.trim() ?? "",
      subject: form.get("subject")?.trim() ?? "",
      subjectAltNames: (form.get("subjectAltNames") ?? "").split(/[\r\n]+/).map((s) => s.trim()).filter(Boolean),
      profiles: form.getAll("profiles"),
      ...(form.get("enrollmentCode") ? { enrollmentCode: form.get("enrollmentCode") } : {}),
    });
    return codePage(c, `End entity ${entity.username} added`, entity.username, enrollmentCode);
  });

  app.post("/entities/:username/reset", async (c) => {
    const { entity, enrollmentCode } = await actionsOf(c, deps).resetEntity(c.req.param("username"));
    return codePage(c, `End entity ${entity.username} reset`, entity.username, enrollmentCode);
  });

  app.get("/entities/:username/remove", async (c) => {
    const entity = (await getRegisteredEndEntity(await deps.registry(), c.req.param("username")));
    return page(
      c,
      { title: `Remove ${entity.username}`, section: "entities" },
      html`<h1>Remove end entity ${entity.username}?</h1>
<p>${entity.subject}. It can no longer enroll; the ${entity.certificates.length} certificate(s) issued to it stay valid and recorded.</p>
<form class="inline" method="post" action="${BASE}/entities/${encodeURIComponent(entity.username)}/remove">${csrfField(c.get("csrf"))}
<button type="submit" class="danger">Remove ${entity.username}</button> <a class="button secondary" href="${BASE}/entities">Cancel</a></form>`,
    );
  });

  app.post("/entities/:username/remove", async (c) => {
    await actionsOf(c, deps).removeEntity(c.req.param("username"));
    return redirect(c, "/entities", { kind: "ok", text: `Removed end entity ${c.req.param("username")}` });
  });
}

function addForm(profiles: string[], csrf: string) {
  return html`<h2>Add an end entity</h2>
<form class="stack" method="post" action="${BASE}/entities">${csrfField(csrf)}
<div class="field"><label for="username">Username</label><input id="username" name="username" required maxlength="128" autocomplete="off"></div>
<div class="field"><label for="entity-subject">Subject <span class="hint">e.g. CN=device-1,O=Example</span></label><input id="entity-subject" name="subject" required></div>
<div class="field"><label for="sans">Subject alternative names <span class="hint">one per line, e.g. DNS:device-1.example.com</span></label><textarea id="sans" name="subjectAltNames"></textarea></div>
<fieldset><legend>Profiles</legend>${profiles.length ? profiles.map((p, i) => html`<label><input type="checkbox" name="profiles" value="${p}"${i === 0 ? html` checked` : ""}> ${p}</label>`) : html`<p>No profile is in client mode.</p>`}</fieldset>
<div class="field"><label for="code">Enrollment code <span class="hint">(optional: empty makes one)</span></label><input id="code" name="enrollmentCode" autocomplete="off" minlength="6" maxlength="128"></div>
<div><button type="submit">Add end entity</button></div></form>`;
}

/** The only time a code is shown: this answer, not cached (Cache-Control no-store on every console answer). */
function codePage(c: ConsoleContext, title: string, username: string, code: string | undefined): Response {
  return page(
    c,
    { title, section: "entities" },
    html`<h1>${title}</h1>
${code ? html`<p>The enrollment code, shown <strong>only now</strong>: hand it to the device's operator. It is stored sealed and cannot be shown again; a reset makes a new one.</p>
<p class="code" id="enrollment-code">${code}</p>
<p class="muted">For example: <code>openssl cmp -cmd ir -ref ${username} -secret pass:&lt;code&gt; …</code></p>` : html`<p>No enrollment code was made.</p>`}
<p><a href="${BASE}/entities">Back to the end entities</a></p>`,
  );
}
