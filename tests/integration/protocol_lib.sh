# SPDX-License-Identifier: EUPL-1.2
# Speaking the wire protocol without the agent: curl for HTTP, the openssl CLI for Ed25519.
# Sourced after lib.sh by tests that need to send what no agent would.

# http METHOD PATH CURL-ARGS...: sets CODE and RESP (the body).
http() {
    local m=$1 p=$2
    shift 2
    CODE=$(curl -sS --cacert "$COLL_CA" -X "$m" -o "$T/resp" -w '%{http_code}' "$@" "$COLL_URL$p")
    RESP=$(cat "$T/resp")
}

# pubof NAME: the raw public key of $T/NAME.pem in base64.
pubof() { openssl pkey -in "$T/$1.pem" -pubout -outform DER | tail -c 32 | base64 -w0; }

# newkey NAME: an Ed25519 key in $T/NAME.pem; prints the raw public key in base64 (and
# remembers which key file it belongs to, for raw_enroll's proof).
newkey() {
    openssl genpkey -algorithm ed25519 -out "$T/$1.pem" 2>/dev/null
    local pub
    pub=$(pubof "$1")
    printf '%s %s\n' "$pub" "$1" >>"$T/pubkeys"
    printf '%s' "$pub"
}

# enroll_proof KEYNAME TOKEN HOSTNAME MACHINE_ID PUBKEY: the base64 signature by KEYNAME of
# the enrollment message (docs/protocol.md, "Enrollment").
enroll_proof() {
    printf 'efterlev-enroll-v1\n%s\n%s\n%s\n%s\n' "$2" "$4" "$3" "$5" >"$T/enroll.msg"
    openssl pkeyutl -sign -inkey "$T/$1.pem" -rawin -in "$T/enroll.msg" | base64 -w0
}

# raw_enroll TOKEN HOSTNAME MACHINE_ID PUBKEY [CURRENT_KEYNAME]: enroll with a proof by the
# key of PUBKEY (when newkey made it; none otherwise), and a current_proof by
# CURRENT_KEYNAME when given (a key rotation). Sets CODE, RESP.
raw_enroll() {
    local name proof="" current=""
    name=$(awk -v p="$4" '$1 == p { n = $2 } END { print n }' "$T/pubkeys" 2>/dev/null)
    # The proof signs the values the collector decodes (HOSTNAME may hold JSON escapes).
    local host mid
    host=$(printf '"%s"' "$2" | jq -j .)
    mid=$(printf '"%s"' "$3" | jq -j .)
    [ -n "$name" ] && proof=",\"proof\":\"$(enroll_proof "$name" "$1" "$host" "$mid" "$4")\""
    [ -n "${5:-}" ] && current=",\"current_proof\":\"$(enroll_proof "$5" "$1" "$host" "$mid" "$4")\""
    printf '{"token":"%s","hostname":"%s","machine_id":"%s","public_key":"%s"%s%s}' \
        "$1" "$2" "$3" "$4" "$proof" "$current" >"$T/enroll.json"
    http POST /api/v1/enroll -H 'Content-Type: application/json' --data-binary @"$T/enroll.json"
}

# signed_post KEY FILE AGENT_ID: sign FILE's bytes with KEY and upload them.
signed_post() {
    local sig
    sig=$(openssl pkeyutl -sign -inkey "$T/$1.pem" -rawin -in "$2" | base64 -w0)
    http POST /api/v1/reports -H "Efterlev-Agent: $3" -H "Efterlev-Signature: ed25519=$sig" \
        -H 'Content-Type: application/json' --data-binary @"$2"
}

# signed_get KEYFILE AGENT TARGET DATE [CURL ARGS]: a GET signed by the agent's key
# (docs/protocol.md, "Policy"); the answer's headers in $T/hdr, read with hdr NAME.
signed_get() {
    local key=$1 a=$2 p=$3 d=$4 sig
    shift 4
    printf 'efterlev-get-v1\n%s\n%s\n%s\n' "$a" "$d" "$p" >"$T/get.msg"
    sig=$(openssl pkeyutl -sign -inkey "$key" -rawin -in "$T/get.msg" | base64 -w0)
    http GET "$p" -H "Efterlev-Agent: $a" -H "Efterlev-Date: $d" \
        -H "Efterlev-Signature: ed25519=$sig" -D "$T/hdr" "$@"
}
hdr() { grep -i "^$1:" "$T/hdr" | head -n1 | cut -d' ' -f2- | tr -d '\r'; }
