/* SPDX-License-Identifier: EUPL-1.2 */
/* Enrollment: a department token admits a machine and binds its Ed25519 key. */
#include <stdio.h>
#include <string.h>

#include "efterlev/b64.h"
#include "efterlev/log.h"
#include "efterlev/sign.h"
#include "efterlev/util.h"
#include "enroll.h"
#include "keycert.h"
#include "now.h"
#include "text_safe.h"
#include "tokens.h"

/* A required string field of at most max bytes, non-empty, UTF-8 without control chars. */
static const char *field(json_t *obj, const char *key, size_t max, struct ef_answer *ans)
{
    json_t *v = json_object_get(obj, key);
    const char *s;
    size_t i, len;

    if (!json_is_string(v)) {
        ef_answer_error(ans, 400, "%s: missing or not a string", key);
        return NULL;
    }
    s = json_string_value(v);
    len = json_string_length(v);
    if (len == 0 || len > max || strlen(s) != len) {
        ef_answer_error(ans, 400, "%s: empty or longer than %zu bytes", key, max);
        return NULL;
    }
    for (i = 0; i < len; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
            ef_answer_error(ans, 400, "%s: contains control characters", key);
            return NULL;
        }
    }
    return s;
}

static int new_agent_id(char out[EF_AGENT_ID_LEN + 1])
{
    unsigned char raw[16];
    static const char hex[] = "0123456789abcdef";
    size_t i;

    if (ef_random(raw, sizeof(raw)) != 0)
        return -1;
    memcpy(out, "ag-", 3);
    for (i = 0; i < sizeof(raw); i++) {
        out[3 + 2 * i] = hex[raw[i] >> 4];
        out[4 + 2 * i] = hex[raw[i] & 15];
    }
    out[EF_AGENT_ID_LEN] = '\0';
    return 0;
}

void ef_enroll(struct ef_store *s, EVP_PKEY *export_key, const char *policy_key, const void *body,
               size_t len, struct ef_answer *ans)
{
    const char *token, *hostname, *machine_id, *pub_b64, *proof_b64, *current_b64;
    unsigned char pub[48], proof[EF_ED25519_SIG_LEN + 16], current[EF_ED25519_SIG_LEN + 16];
    char msg[EF_TOKEN_MAX + EF_SHORT_MAX + EF_NAME_MAX + 128];
    char hash[65], agent_id[EF_AGENT_ID_LEN + 1];
    struct ef_department d;
    struct ef_enrollment e;
    struct ef_agent a;
    json_error_t jerr;
    json_t *root;
    int64_t dept_id;
    long n;
    int rc, msglen;

    root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        ef_answer_error(ans, 400, "malformed JSON: %s", jerr.text);
        return;
    }
    if (!json_is_object(root)) {
        ef_answer_error(ans, 400, "the body must be a JSON object");
        goto out;
    }
    if ((token = field(root, "token", EF_TOKEN_MAX, ans)) == NULL ||
        (hostname = field(root, "hostname", EF_NAME_MAX, ans)) == NULL ||
        (machine_id = field(root, "machine_id", EF_SHORT_MAX, ans)) == NULL ||
        (pub_b64 = field(root, "public_key", 64, ans)) == NULL)
        goto out;
    n = ef_b64_decode(pub_b64, pub, sizeof(pub));
    if (n != EF_ED25519_PUB_LEN) {
        ef_answer_error(ans, 400, "public_key: not the base64 of a 32-byte Ed25519 key");
        goto out;
    }
    if (ef_pub_weak(pub)) {
        ef_answer_error(ans, 400, "public_key: a point of small order, which is no key");
        goto out;
    }
    /* Proof of possession: the new key signed this request, so nobody enrolls a key that is
     * not theirs (another machine's public key, say). */
    if ((proof_b64 = field(root, "proof", 128, ans)) == NULL)
        goto out;
    msglen = ef_enroll_message(msg, sizeof(msg), token, machine_id, hostname, pub_b64);
    if (ef_b64_decode(proof_b64, proof, sizeof(proof)) != EF_ED25519_SIG_LEN || msglen < 0 ||
        !ef_verify(pub, msg, (size_t)msglen, proof)) {
        ef_answer_error(ans, 400, "proof: not a signature of this request by public_key");
        goto out;
    }
    /* Optional: the machine's current key signed it too (a key rotation). */
    current_b64 = NULL;
    if (json_object_get(root, "current_proof") != NULL) {
        if ((current_b64 = field(root, "current_proof", 128, ans)) == NULL)
            goto out;
        if (ef_b64_decode(current_b64, current, sizeof(current)) != EF_ED25519_SIG_LEN) {
            ef_answer_error(ans, 400, "current_proof: not the base64 of a 64-byte signature");
            goto out;
        }
    }

    /* From here on every refusal looks the same: whether the department exists is none of
     * the caller's business. */
    if (ef_token_split(token, &dept_id, hash) != 0) {
        ef_answer_error(ans, 401, "invalid enrollment token");
        goto out;
    }
    rc = s->ops->department_get(s, dept_id, &d);
    if (rc == EF_ERR)
        goto fail;
    if (rc != EF_OK || !ef_token_hash_equal(d.token_hash, hash)) {
        ef_answer_error(ans, 401, "invalid enrollment token");
        goto out;
    }

    if (new_agent_id(agent_id) != 0) {
        ef_error("enroll: no randomness");
        ef_answer_error(ans, 500, "internal error");
        goto out;
    }
    e = (struct ef_enrollment){.machine_id = machine_id,
                               .hostname = hostname,
                               .department_id = d.id,
                               .public_key = pub,
                               .new_agent_id = agent_id,
                               .now = ef_coll_now(),
                               .current_proof = current_b64 != NULL ? current : NULL,
                               .proof_msg = msg,
                               .proof_len = (size_t)msglen,
                               .certify = export_key != NULL ? ef_keycert_make : NULL,
                               .certify_arg = export_key};
    rc = s->ops->agent_enroll(s, &e, &a);
    if (rc == EF_EXISTS) {
        ef_warn("enrollment refused: %s", s->err);
        ef_answer_error(ans, 409, "%s", s->err);
        goto out;
    }
    if (rc != EF_OK)
        goto fail;
    {
        char safe[4 * EF_NAME_MAX + 1]; /* the host name as the agent sent it: escaped */

        ef_info("enrolled %s (%s) in %s", a.agent_id, ef_text_safe(hostname, safe, sizeof(safe)),
                d.name);
    }
    ef_answer_json(ans, 201,
                   json_pack("{s:s, s:s, s:s, s:s*}", "agent_id", a.agent_id, "department", d.name,
                             "level", ef_level_name(d.level), "policy_key", policy_key));
    goto out;
fail:
    ef_error("enroll: %s", s->err);
    ef_answer_error(ans, 500, "internal error");
out:
    json_decref(root);
}
