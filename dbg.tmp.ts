import { decodeCertificatesPem } from "./src/asn1/pem.js";
import { material } from "./fuzz/target.js";
import { parseTree, encodeTree, allNodes } from "./fuzz/der_tree.js";
import { parseCertificate } from "./src/crypto/parsed_certificate.js";
import { checkDer } from "./src/asn1/der_scan.js";
const der = decodeCertificatesPem(material("client.pem"))[0]!;
const count = (d: Uint8Array) => { const b = { elements: 0 }; checkDer(d, { maxDepth: 99, maxElements: 1e9, oidMaxArcs: 99, oidMaxBytes: 999 }, b); return b.elements; };
function time(label: string, d: Uint8Array) {
  let n = 0; const t = performance.now();
  for (; n < 50; n++) { const copy = d.slice(); copy[copy.length - 1] ^= (n & 1); try { parseCertificate(copy) } catch {} }
  console.log(label, d.length, "bytes", count(d), "elements", ((performance.now() - t) / n).toFixed(3), "ms per parse");
}
time("client.pem", der);
for (const copies of [100, 500, 2000]) {
  const tree = parseTree(der);
  const rdnParent = allNodes(tree).find(({ node }) => node.tag === 0x31)!.parent!;
  const one = rdnParent.children![0]!;
  rdnParent.children = Array.from({ length: copies }, () => one);
  time(`issuer with ${copies} RDNs`, encodeTree(tree));
}
