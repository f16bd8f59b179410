import { mustOpensslSync, makeTempDirSync } from "./openssl.js";

/** A root CA key rollover as an operator makes it with openssl: PEM of each certificate. */
export interface RootRollover {
  newWithNew: string;
  newWithOld: string;
  oldWithNew: string;
  /** The new root's key, PEM (to make a wrong oldWithNew, for instance). */
  newKey: string;
}

/**
 * The new root (same name, new P-256 key) self-signed, its key certified by
 * the old root, and the old root's key certified by the new one (RFC 9810
 * §5.3.13's three certificates).
 */
export function makeRootRollover(oldRootPem: string, oldKeyPem: string, subject: string): RootRollover {
  const dir = makeTempDirSync("jellyfish-rollover-");
  try {
    const oldRoot = dir.write("old.pem", oldRootPem);
    const oldKey = dir.write("old.key.pem", oldKeyPem);
    const ext = dir.write("ca.ext", "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n");
    const newKey = dir.file("new.key.pem");
    mustOpensslSync(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", newKey]);
    const nwn = dir.file("nwn.pem");
    mustOpensslSync(["req", "-new", "-x509", "-key", newKey, "-subj", subject, "-days", "3650", "-out", nwn, "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    const newCsr = dir.file("new.csr");
    mustOpensslSync(["req", "-new", "-key", newKey, "-subj", subject, "-out", newCsr]);
    const nwo = dir.file("nwo.pem");
    mustOpensslSync(["x509", "-req", "-in", newCsr, "-CA", oldRoot, "-CAkey", oldKey, "-CAcreateserial", "-days", "3650", "-extfile", ext, "-out", nwo]);
    const oldCsr = dir.file("old.csr");
    mustOpensslSync(["x509", "-x509toreq", "-in", oldRoot, "-signkey", oldKey, "-out", oldCsr]);
    const own = dir.file("own.pem");
    mustOpensslSync(["x509", "-req", "-in", oldCsr, "-CA", nwn, "-CAkey", newKey, "-CAcreateserial", "-days", "3650", "-extfile", ext, "-out", own]);
    return { newWithNew: dir.readText("nwn.pem"), newWithOld: dir.readText("nwo.pem"), oldWithNew: dir.readText("own.pem"), newKey: dir.readText("new.key.pem") };
  } finally {
    dir.remove();
  }
}
