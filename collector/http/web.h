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
#include "sessions.h"

/* One embedded file (generated at build time from collector/web/ by web/embed.cmake). */
struct ef_web_asset {
    const char *path; /* "/assets/app.js"; index.html is "/" */
    const char *content_type;
    const unsigned char *data;
    size_t len;
};
extern const struct ef_web_asset ef_web_assets[];
extern const size_t ef_web_nassets;

/* The handlers of routes.c's table; the dispatcher has enforced each route's access rules
 * (same origin, caller, roles) before they run. */

/* GET / and GET /assets/NAME. */
ef_route_fn ef_web_asset;
/* POST /api/v1/login {"user", "password"}: sets the session cookie. The password is checked
 * on a worker thread (ctx->workq) and the request answered when it is done. */
ef_route_fn ef_web_login;
/* POST /api/v1/logout: deletes the caller's session (the dispatcher checked X-CSRF-Token),
 * clears the cookie. */
ef_route_fn ef_web_logout;
/* GET /api/v1/session: who is logged in, or 401. */
ef_route_fn ef_web_session;
/* GET /api/v1/report?period=P&lang=sv|en (coordinator, auditor): the board report as an
 * HTML download, written to the audit log under the caller. */
ef_route_fn ef_web_board_report;

/* The caller's session from the cookie, for the dispatcher: 1 with *out filled when the
 * request carries a live session cookie, 0 when it carries none, -1 with ans set (401 for
 * an unknown or expired session, 500) otherwise. */
int ef_web_session_caller(struct ef_http_ctx *ctx, struct evhttp_request *req,
                          struct ef_session *out, struct ef_answer *ans);

/* Content-Security-Policy, X-Frame-Options, Referrer-Policy, ... on every answer. */
void ef_web_security_headers(struct evhttp_request *req);

#endif
