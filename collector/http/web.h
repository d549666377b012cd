/* SPDX-License-Identifier: EUPL-1.2 */
/* The dashboard over HTTP (docs/dashboard.md): the embedded assets at / and /assets/, login,
 * logout and the session, the board report download, and the security headers every answer
 * carries. The handlers have the signature of routes.c's table. */
#ifndef EF_COLLECTOR_WEB_H
#define EF_COLLECTOR_WEB_H

#include <event2/http.h>
#include <stddef.h>

#include "answer.h"
#include "http/routes.h"

/* One embedded file (generated at build time from collector/web/ by web/embed.cmake). */
struct ef_web_asset {
    const char *path; /* "/assets/app.js"; index.html is "/" */
    const char *content_type;
    const unsigned char *data;
    size_t len;
};
extern const struct ef_web_asset ef_web_assets[];
extern const size_t ef_web_nassets;

/* GET / and GET /assets/NAME. */
void ef_web_asset(struct ef_http_ctx *ctx, struct evhttp_request *req, struct ef_answer *ans);
/* POST /api/v1/login {"user", "password"}: sets the session cookie. */
void ef_web_login(struct ef_http_ctx *ctx, struct evhttp_request *req, struct ef_answer *ans);
/* POST /api/v1/logout (X-CSRF-Token): deletes the session, clears the cookie. */
void ef_web_logout(struct ef_http_ctx *ctx, struct evhttp_request *req, struct ef_answer *ans);
/* GET /api/v1/session: who is logged in, or 401. */
void ef_web_session(struct ef_http_ctx *ctx, struct evhttp_request *req, struct ef_answer *ans);

/* The caller's session, for the read API's auth check: 1 with role and actor ("user:NAME")
 * filled when the request carries a live session cookie, 0 when it carries none, -1 with
 * ans set (401 for an unknown or expired session, 500) otherwise. */
int ef_web_session_caller(struct ef_http_ctx *ctx, struct evhttp_request *req, char *role,
                          size_t rolelen, char *actor, size_t actorlen, struct ef_answer *ans);

/* GET /api/v1/report?period=P&lang=sv|en for an authorized caller (dept: the caller's
 * department scope, NULL for everything): the board report as an HTML download, written
 * to the audit log under actor. */
void ef_web_board_report(struct ef_http_ctx *ctx, struct evhttp_request *req, const char *dept,
                         const char *actor, struct ef_answer *ans);

/* Content-Security-Policy, X-Frame-Options, Referrer-Policy, ... on every answer. */
void ef_web_security_headers(struct evhttp_request *req);

#endif
