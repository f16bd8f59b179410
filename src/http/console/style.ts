/**
 * The console's one stylesheet, served at /admin/console/style.css: the CSP
 * allows no inline style. Contrast is at least 4.5:1 everywhere (WCAG AA),
 * focus is always visible, and controls are 44px tall for fingers.
 */
export const STYLESHEET = `
*{box-sizing:border-box}
html{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#f6f7f9}
body{margin:0;overflow-wrap:break-word}
a{color:#0b57d0}
:focus-visible{outline:3px solid #b25000;outline-offset:2px}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem;z-index:1}
.skip:focus{left:0}
header{background:#12355b;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center}
header a{color:#fff}
header :focus-visible{outline-color:#fff}
.brand{font-weight:700;margin:0;font-size:1.1rem}
nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem}
nav a{display:inline-block;padding:.6rem .75rem;min-height:44px;text-decoration:none;border-radius:4px}
nav a[aria-current=page]{background:#fff;color:#12355b;font-weight:600}
.who{margin-left:auto;display:flex;align-items:center;gap:.75rem;flex-wrap:wrap}
.who button{background:#fff;color:#12355b;border-color:#fff}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
.flash{padding:.75rem 1rem;border-radius:4px;border:1px solid #1e6b34;background:#e6f4ea;margin-bottom:1rem}
.flash.error{border-color:#a50e0e;background:#fce8e6}
.table-wrap{overflow-x:auto;background:#fff;border:1px solid #c4c7cc;border-radius:4px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.5rem;border-bottom:1px solid #dadce0;vertical-align:top}
td code{overflow-wrap:anywhere}
.inline label{display:flex;flex-direction:column;gap:.25rem}
thead th{background:#eef1f5}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;background:#fff;padding:1rem;border:1px solid #c4c7cc;border-radius:4px}
dt{font-weight:600}
dd{margin:0}
form.inline{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end;margin:.25rem 0}
form[role=search]{margin-bottom:1rem}
form.stack{display:grid;gap:.75rem;max-width:32rem;background:#fff;padding:1rem;border:1px solid #c4c7cc;border-radius:4px}
label{display:block;font-weight:600}
.field{display:flex;flex-direction:column;gap:.25rem}
.hint{font-weight:400;color:#4a4f55;font-size:.9rem}
input,select,textarea,button{font:inherit;min-height:44px;padding:.5rem .75rem;border:1px solid #70757a;border-radius:4px;background:#fff;color:#1b1b1b;max-width:100%}
textarea{min-height:5rem}
fieldset{border:1px solid #70757a;border-radius:4px}
fieldset label{display:flex;gap:.5rem;align-items:center;min-height:44px;font-weight:400}
input[type=checkbox]{min-height:0;width:1.25rem;height:1.25rem}
button,.button{cursor:pointer;background:#0b57d0;border:1px solid #0b57d0;color:#fff;font-weight:600;display:inline-block;text-decoration:none;padding:.5rem 1rem;border-radius:4px;min-height:44px}
button.danger{background:#a50e0e;border-color:#a50e0e}
button.secondary,.button.secondary{background:#fff;color:#0b57d0}
.code{font:1.4rem/1.4 ui-monospace,Menlo,Consolas,monospace;background:#fff;border:2px dashed #12355b;padding:1rem;word-break:break-all}
.muted{color:#4a4f55}
.pager{margin-top:1rem}
@media (max-width:40rem){
dl{grid-template-columns:1fr}dd{margin-bottom:.5rem}.who{margin-left:0}main{padding:.75rem}
.table-wrap{overflow:visible;border:0;background:none}
table,tbody,tr,td{display:block}thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
tr{background:#fff;border:1px solid #c4c7cc;border-radius:4px;margin-bottom:.75rem}
td{border:0;padding:.35rem .75rem;overflow-wrap:anywhere}
td::before{content:attr(data-label);display:block;font-weight:600;font-size:.85rem;color:#4a4f55}
}
`;
