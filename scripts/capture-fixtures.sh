#!/usr/bin/env bash
# Captures real DER PKIMessages made by `openssl cmp` (OpenSSL 3.0) into
# test/fixtures/openssl/, for ASN.1 round-trip and engine tests.
#
# Offline and re-runnable: every exchange runs against the mock server built
# into `openssl cmp` (-use_mock_srv, no socket), and -reqout/-rspout save each
# request and response of the exchange. The keys and certificates are made
# afresh on each run and kept under material/ (test material only), because
# the captured messages are signed with them. README.md is written by this
# script, so it always lists the exact command behind each file.
#
# One message cannot come out of the CLI: an `error` sent BY THE CLIENT. The
# 3.0 client only sends one when an application aborts polling
# (OSSL_CMP_try_certreq with req_type -1, crypto/cmp/cmp_client.c); rejecting
# a certificate sends certConf with status rejection instead (captured too).
# So a small C program, compiled against libcrypto here, drives the client
# library against OpenSSL's generic server (OSSL_CMP_SRV_CTX) in-process.
# Without gcc and the OpenSSL headers that one scenario is skipped.
#
# Usage: scripts/capture-fixtures.sh   (from anywhere; needs openssl 3.0)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/test/fixtures/openssl"
MAT="$OUT/material"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# Test-only MAC credentials (-ref is the senderKID, RFC 9483 §3.1).
REF="fixture-ref"
SECRET="fixture-secret"

OPENSSL_VERSION="$(openssl version)"
case "$OPENSSL_VERSION" in
  "OpenSSL 3.0."*) ;;
  *) echo "warning: made for OpenSSL 3.0.x, found: $OPENSSL_VERSION" >&2 ;;
esac

mkdir -p "$MAT"
rm -f "$OUT"/*.der "$MAT"/*
cd "$OUT"

# ---------------------------------------------------------------- material
ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ee_ext="keyUsage=critical,digitalSignature
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid"
printf '%s\n' "$ee_ext" > "$TMP/ee.ext"

# issue <subject> <key> <serial> <out>: an end-entity certificate from the test CA
issue() {
  openssl req -new -key "$2" -subj "$1" -out "$TMP/req.csr"
  openssl x509 -req -in "$TMP/req.csr" -CA material/ca.pem -CAkey material/ca.key.pem \
    -set_serial "$3" -days 36500 -extfile "$TMP/ee.ext" -out "$4" 2>/dev/null
}

ec_key material/ca.key.pem
openssl req -x509 -new -key material/ca.key.pem -subj "/CN=Jellyfish Test CA" -days 36500 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out material/ca.pem
ec_key material/cmp-server.key.pem
issue "/CN=Jellyfish Test CMP Server" material/cmp-server.key.pem 2 material/cmp-server.pem
ec_key material/client.key.pem
issue "/CN=device0" material/client.key.pem 3 material/client.pem
ec_key material/device.key.pem
openssl req -new -key material/device.key.pem -subj "/CN=device1" -out material/device.csr.pem
issue "/CN=device1" material/device.key.pem 4 material/device.pem
ec_key material/other-ca.key.pem
openssl req -x509 -new -key material/other-ca.key.pem -subj "/CN=Unrelated Test CA" -days 36500 \
  -out material/other-ca.pem
printf 'reference (senderKID): %s\nsecret: %s\n' "$REF" "$SECRET" > material/secret.txt

# ---------------------------------------------------------------- README
README="$OUT/README.md"
cat > "$README" <<EOF
# Real OpenSSL CMP messages

DER PKIMessages captured from \`openssl cmp\` ($OPENSSL_VERSION) by
\`scripts/capture-fixtures.sh\`, which writes this file. Re-run the script to
regenerate everything; nonces, times, keys and signatures change on each run.

Files are named \`<scenario>-<step>-<bodyType>.der\`: the steps of one exchange
in the order they went over the wire (odd steps: client to server, even
steps: server to client).

Protection: requests are protected as the command says. Responses come from
the mock server built into \`openssl cmp\`: MAC with the mock server's own PBM
defaults (owf SHA-256, 500 iterations, HMAC-SHA1; it does not mirror the
request's choice), or signed with material/cmp-server.pem. The mock server's
sender is the NULL-DN when it has no certificate.

Test material only (never trust it): material/ holds every key and certificate
the messages refer to. MAC credentials: \`-ref $REF -secret pass:$SECRET\`.

| material file | what |
|---|---|
| ca.pem, ca.key.pem | "CN=Jellyfish Test CA", self-signed, issues all others |
| cmp-server.pem, cmp-server.key.pem | "CN=Jellyfish Test CMP Server": the mock server's signing certificate |
| client.pem, client.key.pem | "CN=device0": the client's existing certificate (signs cr, kur, rr) |
| device.key.pem, device.csr.pem, device.pem | "CN=device1": the new key, its CSR, and the certificate the mock server returns |
| other-ca.pem, other-ca.key.pem | "CN=Unrelated Test CA": makes the client reject its new certificate |

Commands run in test/fixtures/openssl/ with \`-config ""\` (no openssl.cnf).

EOF

# scenario <name> <title> <files...> -- <openssl cmp args...>
# Runs the exchange, names each captured message, and documents the command.
scenario() {
  local name="$1" title="$2"; shift 2
  local files=()
  while [ "$1" != "--" ]; do files+=("$name-$1.der"); shift; done
  shift
  local n=${#files[@]} reqs=() rsps=() i
  for ((i = 0; i < n; i += 2)); do reqs+=("${files[i]}"); done
  for ((i = 1; i < n; i += 2)); do rsps+=("${files[i]}"); done
  local reqout rspout
  reqout="$(IFS=,; echo "${reqs[*]}")"
  rspout="$(IFS=,; echo "${rsps[*]}")"
  local cmd=(openssl cmp -config "" -use_mock_srv "$@" -reqout "$reqout" -rspout "$rspout")
  "${cmd[@]}" > "$TMP/log" 2>&1 || true # some scenarios end in an error on purpose
  record "$name" "$title" "$(printf '%q ' "${cmd[@]}")" "${files[@]}"
}

# record <name> <title> <command text> <files...>: checks the files exist, documents them
record() {
  local name="$1" title="$2" cmd="$3"; shift 3
  local f
  for f in "$@"; do
    if [ ! -s "$f" ]; then
      echo "error: scenario $name did not produce $f; openssl said:" >&2
      cat "$TMP/log" >&2
      exit 1
    fi
  done
  {
    printf '## %s\n\n%s\n\n```\n%s\n```\n\n' "$name" "$title" "$cmd"
    for f in "$@"; do printf -- '- `%s` (%s bytes)\n' "$f" "$(wc -c < "$f" | tr -d ' ')"; done
    printf '\n'
  } >> "$README"
  echo "captured $name: $*"
}

MAC=(-ref "$REF" -secret "pass:$SECRET")
MOCK_MAC=(-srv_ref "$REF" -srv_secret "pass:$SECRET")
MOCK_SIG=(-srv_cert material/cmp-server.pem -srv_key material/cmp-server.key.pem -srv_trusted material/ca.pem)
CLIENT_SIG=(-cert material/client.pem -key material/client.key.pem -trusted material/ca.pem)
NEW_DEVICE=(-newkey material/device.key.pem -subject "/CN=device1" -certout /dev/null)

# ---------------------------------------------------------------- scenarios
scenario ir-mac \
  "ir with the client's default MAC: PBM (RFC 9810 §5.1.3.1), owf SHA-256, 500 iterations, HMAC-SHA1; explicit confirmation (certConf/pkiConf); the ip carries caPubs." \
  1-ir 2-ip 3-certConf 4-pkiConf -- \
  "${MOCK_MAC[@]}" -rsp_cert material/device.pem -rsp_capubs material/ca.pem \
  -cmd ir "${MAC[@]}" -recipient "/CN=Jellyfish Test CA" "${NEW_DEVICE[@]}"

scenario ir-pbm-hmac-sha256 \
  "ir with PBM using HMAC-SHA256 as MAC (-mac takes OpenSSL long names: hmacWithSHA256, hmacWithSHA512, ...)." \
  1-ir 2-ip 3-certConf 4-pkiConf -- \
  "${MOCK_MAC[@]}" -rsp_cert material/device.pem \
  -cmd ir "${MAC[@]}" -mac hmacWithSHA256 "${NEW_DEVICE[@]}"

scenario ir-pbm-sha512 \
  "ir with PBM owf SHA-512 and HMAC-SHA512 (-digest also makes the POPO signature ecdsa-with-SHA512)." \
  1-ir 2-ip 3-certConf 4-pkiConf -- \
  "${MOCK_MAC[@]}" -rsp_cert material/device.pem \
  -cmd ir "${MAC[@]}" -digest sha512 -mac hmacWithSHA512 "${NEW_DEVICE[@]}"

scenario ir-implicit-confirm \
  "ir asking for implicitConfirm (RFC 9810 §5.1.1.1), granted by the server: no certConf follows." \
  1-ir 2-ip -- \
  "${MOCK_MAC[@]}" -rsp_cert material/device.pem -grant_implicitconf \
  -cmd ir "${MAC[@]}" -implicit_confirm "${NEW_DEVICE[@]}"

scenario cr-sig \
  "cr signature-protected with the client's existing certificate (in extraCerts); signed responses." \
  1-cr 2-cp 3-certConf 4-pkiConf -- \
  "${MOCK_SIG[@]}" -rsp_cert material/device.pem \
  -cmd cr "${CLIENT_SIG[@]}" "${NEW_DEVICE[@]}"

scenario kur \
  "kur signed with the certificate to be updated. Without -newkey the client keeps its key; the mock server only answers a kur whose oldCertID is its -rsp_cert, so the 'new' certificate is client.pem again." \
  1-kur 2-kup 3-certConf 4-pkiConf -- \
  "${MOCK_SIG[@]}" -rsp_cert material/client.pem \
  -cmd kur "${CLIENT_SIG[@]}" -certout /dev/null

scenario p10cr-mac \
  "p10cr carrying a PKCS#10 CSR, MAC-protected; the cp has certReqId -1." \
  1-p10cr 2-cp 3-certConf 4-pkiConf -- \
  "${MOCK_MAC[@]}" -rsp_cert material/device.pem \
  -cmd p10cr "${MAC[@]}" -csr material/device.csr.pem -certout /dev/null

scenario rr-sig \
  "rr revoking the client's own certificate (reason keyCompromise), signed with it; the mock server accepts only its -rsp_cert." \
  1-rr 2-rp -- \
  "${MOCK_SIG[@]}" -rsp_cert material/client.pem \
  -cmd rr "${CLIENT_SIG[@]}" -oldcert material/client.pem -revreason 1

scenario genm-mac \
  "genm asking for id-it-caCerts (RFC 9483 §4.3.1), MAC-protected; the mock server echoes the InfoTypeAndValue without a value." \
  1-genm 2-genp -- \
  "${MOCK_MAC[@]}" -rsp_cert material/device.pem \
  -cmd genm "${MAC[@]}" -infotype caCerts

scenario ir-polling \
  "ir answered with status waiting; the client polls (pollReq), gets pollRep (checkAfter 1), polls again and gets the final ip." \
  1-ir 2-ip 3-pollReq 4-pollRep 5-pollReq 6-ip 7-certConf 8-pkiConf -- \
  "${MOCK_MAC[@]}" -rsp_cert material/device.pem -poll_count 2 -check_after 1 \
  -cmd ir "${MAC[@]}" "${NEW_DEVICE[@]}"

scenario ir-rejected-by-client \
  "The client cannot validate the new certificate against -out_trusted (an unrelated CA), so it sends certConf with status rejection, failInfo incorrectData. (This is how the 3.0 client rejects; it sends no error message.)" \
  1-ir 2-ip 3-certConf 4-pkiConf -- \
  "${MOCK_MAC[@]}" -rsp_cert material/device.pem \
  -cmd ir "${MAC[@]}" -out_trusted material/other-ca.pem "${NEW_DEVICE[@]}"

scenario ir-server-error \
  "The mock server answers the ir with an error message (-send_error): status rejection, failInfo badRequest, errorCode and errorDetails." \
  1-ir 2-error -- \
  "${MOCK_MAC[@]}" -rsp_cert material/device.pem -send_error \
  -cmd ir "${MAC[@]}" "${NEW_DEVICE[@]}"

# ---------------------------------------------------------------- client error
capture_client_error() {
  local name=ir-client-error
  if ! command -v gcc > /dev/null || ! echo '#include <openssl/cmp.h>' | gcc -E - > /dev/null 2>&1; then
    echo "warning: gcc or OpenSSL headers missing; skipping $name" >&2
    return
  fi
  cat > "$TMP/client_error.c" <<'CSRC'
/* Drives the OpenSSL 3.0 CMP client library to send an `error` message: an
 * ir answered `waiting`, one pollReq answered by pollRep, then the
 * application aborts polling (OSSL_CMP_try_certreq with req_type -1), which
 * makes the library send error and expect pkiConf. The server is OpenSSL's
 * generic OSSL_CMP_SRV_CTX in-process, MAC-protecting with the same secret.
 * usage: client_error <ref> <secret> <newkey.pem> <file>... (6 output files) */
#include <openssl/cmp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>

static char **files;
static int count, seq;

static OSSL_CMP_PKISI *cert_request(OSSL_CMP_SRV_CTX *s, const OSSL_CMP_MSG *req, int id,
                                    const OSSL_CRMF_MSG *crm, const X509_REQ *p10, X509 **cert,
                                    STACK_OF(X509) **chain, STACK_OF(X509) **capubs)
{
    return OSSL_CMP_STATUSINFO_new(OSSL_CMP_PKISTATUS_waiting, 0, NULL);
}

static void on_error(OSSL_CMP_SRV_CTX *s, const OSSL_CMP_MSG *req, const OSSL_CMP_PKISI *si,
                     const ASN1_INTEGER *code, const OSSL_CMP_PKIFREETEXT *details)
{
}

static int poll_req(OSSL_CMP_SRV_CTX *s, const OSSL_CMP_MSG *req, int id,
                    OSSL_CMP_MSG **cert_req, int64_t *check_after)
{
    *cert_req = NULL;
    *check_after = 1;
    return 1;
}

static OSSL_CMP_MSG *capture(OSSL_CMP_CTX *ctx, const OSSL_CMP_MSG *req)
{
    OSSL_CMP_MSG *rsp;

    if (seq < count)
        OSSL_CMP_MSG_write(files[seq++], req);
    rsp = OSSL_CMP_CTX_server_perform(ctx, req);
    if (rsp != NULL && seq < count)
        OSSL_CMP_MSG_write(files[seq++], rsp);
    return rsp;
}

static void set_secret(OSSL_CMP_CTX *ctx, const char *ref, const char *secret)
{
    OSSL_CMP_CTX_set1_referenceValue(ctx, (const unsigned char *)ref, strlen(ref));
    OSSL_CMP_CTX_set1_secretValue(ctx, (const unsigned char *)secret, strlen(secret));
}

int main(int argc, char **argv)
{
    OSSL_CMP_CTX *ctx = OSSL_CMP_CTX_new(NULL, NULL);
    OSSL_CMP_SRV_CTX *srv = OSSL_CMP_SRV_CTX_new(NULL, NULL);
    X509_NAME *subject = X509_NAME_new();
    EVP_PKEY *key;
    FILE *f;
    int after = 0, polled, aborted;

    if (argc != 10 || ctx == NULL || srv == NULL || subject == NULL)
        return 2;
    files = argv + 4;
    count = argc - 4;
    if ((f = fopen(argv[3], "r")) == NULL || (key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL)
        return 2;
    fclose(f);
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, (const unsigned char *)"device1", -1, -1, 0);
    OSSL_CMP_SRV_CTX_init(srv, NULL, cert_request, NULL, NULL, on_error, NULL, poll_req);
    set_secret(OSSL_CMP_SRV_CTX_get0_cmp_ctx(srv), argv[1], argv[2]);
    set_secret(ctx, argv[1], argv[2]);
    OSSL_CMP_CTX_set0_newPkey(ctx, 1, key);
    OSSL_CMP_CTX_set1_subjectName(ctx, subject);
    OSSL_CMP_CTX_set_transfer_cb(ctx, capture);
    OSSL_CMP_CTX_set_transfer_cb_arg(ctx, srv);
    polled = OSSL_CMP_try_certreq(ctx, OSSL_CMP_IR, NULL, &after); /* ir, pollReq: -1 = waiting */
    aborted = OSSL_CMP_try_certreq(ctx, -1, NULL, &after);         /* error: 1 = pkiConf received */
    ERR_print_errors_fp(stderr);
    return polled == -1 && aborted == 1 && seq == count ? 0 : 1;
}
CSRC
  gcc -Wall -o "$TMP/client_error" "$TMP/client_error.c" -lcrypto
  local files=("$name-1-ir.der" "$name-2-ip.der" "$name-3-pollReq.der" "$name-4-pollRep.der"
               "$name-5-error.der" "$name-6-pkiConf.der")
  "$TMP/client_error" "$REF" "$SECRET" material/device.key.pem "${files[@]}" > "$TMP/log" 2>&1
  record "$name" \
    "The CLIENT sends an error: after ir (answered waiting), pollReq and pollRep, the application aborts polling and the OpenSSL 3.0 client library sends error (status rejection, statusString \"polling aborted\", errorCode 0, errorDetails \"by application\"), MAC-protected; the server answers pkiConf. Made by a C program in scripts/capture-fixtures.sh (the CLI cannot do this) against OpenSSL's generic server, not the mock server; no -recipient, so the recipient is the NULL-DN." \
    "client_error $REF $SECRET material/device.key.pem ${files[*]}   # compiled from the C source in scripts/capture-fixtures.sh" "${files[@]}"
}
capture_client_error

echo "fixtures written to $OUT"
