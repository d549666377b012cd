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

# newkey NAME: an Ed25519 key in $T/NAME.pem; prints the raw public key in base64.
newkey() {
    openssl genpkey -algorithm ed25519 -out "$T/$1.pem" 2>/dev/null
    openssl pkey -in "$T/$1.pem" -pubout -outform DER | tail -c 32 | base64 -w0
}

# raw_enroll TOKEN HOSTNAME MACHINE_ID PUBKEY: sets CODE, RESP.
raw_enroll() {
    printf '{"token":"%s","hostname":"%s","machine_id":"%s","public_key":"%s"}' \
        "$1" "$2" "$3" "$4" >"$T/enroll.json"
    http POST /api/v1/enroll -H 'Content-Type: application/json' --data-binary @"$T/enroll.json"
}

# signed_post KEY FILE AGENT_ID: sign FILE's bytes with KEY and upload them.
signed_post() {
    local sig
    sig=$(openssl pkeyutl -sign -inkey "$T/$1.pem" -rawin -in "$2" | base64 -w0)
    http POST /api/v1/reports -H "Efterlev-Agent: $3" -H "Efterlev-Signature: ed25519=$sig" \
        -H 'Content-Type: application/json' --data-binary @"$2"
}
