/* SPDX-License-Identifier: EUPL-1.2 */
/* collector.yml parsing and rendering, listen addresses, and the enrollment rate limiter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "efterlev/report.h"
#include "efterlev/util.h"
#include "http/peercount.h"
#include "http/ratelimit.h"
#include <arpa/inet.h>
#include <netinet/in.h>

static char dir[64];
static char path[128];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/ef-coll-conf.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/collector.yml", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    rmdir(dir);
    return 0;
}

static void write_conf(const char *text)
{
    char err[128];

    assert_int_equal(ef_write_file_atomic(path, text, strlen(text), 0644, err, sizeof(err)), 0);
}

static void test_load_relative(void **state)
{
    struct ef_coll_config c;
    char err[512], want[256];

    (void)state;
    write_conf("listen: \"0.0.0.0:9443\"\n"
               "database: \"sqlite:efterlev.db\"\n"
               "tls:\n"
               "  cert: tls/cert.pem\n"
               "  key: /abs/key.pem\n"
               "  ca: tls/ca.pem\n"
               "stale_days: 3\n");
    if (ef_coll_config_load(path, &c, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_string_equal(c.listen, "0.0.0.0:9443");
    snprintf(want, sizeof(want), "sqlite:%s/efterlev.db", dir);
    assert_string_equal(c.database, want);
    snprintf(want, sizeof(want), "%s/tls/cert.pem", dir);
    assert_string_equal(c.tls_cert, want);
    assert_string_equal(c.tls_key, "/abs/key.pem");
    assert_int_equal(c.stale_days, 3);
    /* Limits not given: the defaults. */
    assert_int_equal(c.agent_reports_per_hour, EF_AGENT_REPORTS_PER_HOUR_DEFAULT);
    assert_int_equal(c.agent_bytes_per_day, EF_AGENT_BYTES_PER_DAY_DEFAULT);
}

static void expect_error(const char *text, const char *needle)
{
    struct ef_coll_config c;
    char err[512];

    write_conf(text);
    assert_int_equal(ef_coll_config_load(path, &c, err, sizeof(err)), -1);
    if (strstr(err, needle) == NULL)
        fail_msg("error \"%s\" lacks \"%s\"", err, needle);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("database: \"sqlite:/x.db\"\n"
                 "tls: {cert: a, key: b}\n"
                 "listne: \"1.2.3.4:5\"\n",
                 ":3: unknown key \"listne\"");
    expect_error("database: \"sqlite:/x.db\"\n"
                 "tls: {cert: a, key: b, cert_chain: c}\n",
                 "unknown key \"tls.cert_chain\"");
    expect_error("database: \"sqlite:/x.db\"\ntls: {cert: a, key: b}\nstale_days: soon\n",
                 ":3: stale_days");
    expect_error("database: \"mysql:/x\"\ntls: {cert: a, key: b}\n", "sqlite:");
    expect_error("tls: {cert: a, key: b}\n", "database is missing");
    expect_error("database: \"sqlite:/x.db\"\n", "tls.cert and tls.key");
    expect_error("database: \"sqlite:/x.db\"\ntls: {cert: a, key: b}\nlisten: nope\n",
                 "listen must be");
    expect_error("database: \"sqlite:/x.db\"\ntls: {cert: a, key: b}\nagent_reports_per_hour: 0\n",
                 ":3: agent_reports_per_hour must be a whole number from 1 to 1000000");
    expect_error("database: \"sqlite:/x.db\"\ntls: {cert: a, key: b}\nagent_bytes_per_day: 1000\n",
                 ":3: agent_bytes_per_day must be a whole number of bytes from 1048576 to");
    expect_error("database: \"sqlite:/x.db\"\ntls: {cert: a, key: b}\n"
                 "agent_bytes_per_day: 99999999999999999999\n",
                 "agent_bytes_per_day must be");
    expect_error("database: \"sqlite:/x.db\"\ntls: {cert: a, key: b}\nagent_bytes_per_day: 64MiB\n",
                 "agent_bytes_per_day must be");
    expect_error("database: [\n", "collector.yml:");
    expect_error("- a\n- b\n", "must be a mapping");
}

static void test_render_round_trip(void **state)
{
    struct ef_coll_config c = {0}, back;
    char err[512], *text;
    size_t len;

    (void)state;
    snprintf(c.listen, sizeof(c.listen), "[::1]:8443");
    snprintf(c.database, sizeof(c.database), "sqlite:/srv/with \"quote\": and colon.db");
    snprintf(c.tls_cert, sizeof(c.tls_cert), "/srv/tls/cert.pem");
    snprintf(c.tls_key, sizeof(c.tls_key), "/srv/tls/key.pem");
    snprintf(c.tls_ca, sizeof(c.tls_ca), "/srv/tls/ca.pem");
    c.stale_days = 14;
    c.agent_reports_per_hour = 7;
    c.agent_bytes_per_day = (int64_t)5 << 30; /* beyond an int */
    text = ef_coll_config_render(&c, &len);
    assert_non_null(text);
    write_conf(text);
    free(text);
    if (ef_coll_config_load(path, &back, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_string_equal(back.listen, c.listen);
    assert_string_equal(back.database, c.database);
    assert_string_equal(back.tls_ca, c.tls_ca);
    assert_int_equal(back.stale_days, 14);
    assert_int_equal(back.agent_reports_per_hour, 7);
    assert_true(back.agent_bytes_per_day == (int64_t)5 << 30);
}

#define BASE "database: \"sqlite:/x.db\"\ntls: {cert: a, key: b, ca: c}\n"

/* alerts: read with its defaults, relative paths resolved, written back by render. */
static void test_alerts(void **state)
{
    struct ef_coll_config c, back;
    char err[512], want[256], *text;
    size_t len;

    (void)state;
    write_conf(BASE);
    assert_int_equal(ef_coll_config_load(path, &c, err, sizeof(err)), 0);
    assert_false(c.alerts.enabled);
    text = ef_coll_config_render(&c, &len);
    assert_non_null(text);
    assert_non_null(strstr(text, "# alerts: off."));
    free(text);

    write_conf(BASE "alerts:\n"
                    "  webhook: {url: \"https://hooks.kommun.example/efterlev\", "
                    "secret_file: webhook.secret}\n"
                    "  smtp:\n"
                    "    url: smtp://relay.kommun.example:587\n"
                    "    from: efterlev@kommun.example\n"
                    "    to: [a@kommun.example, b.c@kommun.example]\n"
                    "    username: efterlev\n"
                    "    password_file: /etc/efterlev/smtp.password\n"
                    "  regression_severities: [medium, critical]\n"
                    "  department_below: 80\n"
                    "  overdue: true\n"
                    "  digest: {interval: 15m, max_items: 20}\n"
                    "  retry_initial: 30s\n"
                    "  retry_max: 2h\n");
    if (ef_coll_config_load(path, &c, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_true(c.alerts.enabled);
    snprintf(want, sizeof(want), "%s/webhook.secret", dir);
    assert_string_equal(c.alerts.webhook_secret_file, want);
    assert_int_equal(c.alerts.smtp_nto, 2);
    assert_string_equal(c.alerts.smtp_to[1], "b.c@kommun.example");
    assert_int_equal(c.alerts.severities, (1u << EF_SEV_MEDIUM) | (1u << EF_SEV_CRITICAL));
    assert_int_equal(c.alerts.department_below, 80);
    assert_true(c.alerts.overdue);
    assert_int_equal(c.alerts.digest_interval, 900);
    assert_int_equal(c.alerts.digest_max_items, 20);
    assert_int_equal(c.alerts.retry_initial, 30);
    assert_int_equal(c.alerts.retry_max, 7200);
    assert_int_equal(c.alerts.retry_attempts, EF_ALERT_RETRY_ATTEMPTS_DEFAULT);
    assert_int_equal(c.alerts.check_interval, EF_ALERT_CHECK_DEFAULT);

    text = ef_coll_config_render(&c, &len);
    assert_non_null(text);
    assert_null(strstr(text, "# alerts: off."));
    write_conf(text);
    free(text);
    if (ef_coll_config_load(path, &back, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_memory_equal(&back.alerts, &c.alerts, sizeof(c.alerts));

    /* The defaults: high and critical, no digest. */
    write_conf(BASE "alerts:\n  webhook: {url: \"https://h.example/x\", secret_file: /s}\n");
    assert_int_equal(ef_coll_config_load(path, &c, err, sizeof(err)), 0);
    assert_int_equal(c.alerts.severities, (1u << EF_SEV_HIGH) | (1u << EF_SEV_CRITICAL));
    assert_int_equal(c.alerts.digest_interval, 0);
    assert_int_equal(c.alerts.smtp_url[0], '\0');
}

static void test_alerts_errors(void **state)
{
    static const char hook[] = "  webhook: {url: \"https://h.example/x\", secret_file: /s}\n";

    (void)state;
    expect_error(BASE "alerts:\n  webhook: {url: \"https://h.example/x\", secret: abc}\n",
                 ":4: alerts.webhook.secret: the secret goes in a file of its own");
    expect_error(BASE "alerts:\n  webhook: {url: \"http://h.example/x\", secret_file: /s}\n",
                 ":4: alerts.webhook.url must begin with https://");
    expect_error(BASE "alerts:\n  webhook: {url: \"https://h.example/x\"}\n",
                 "alerts.webhook.secret_file is missing");
    expect_error(BASE "alerts:\n  smtp: {url: \"smtp://r:587\", from: a@b.example}\n",
                 "alerts.smtp needs url, from and to");
    expect_error(BASE "alerts:\n  smtp: {url: \"smtp://r:587\", from: a@b.example, "
                      "to: [\"x@y.example\\r\\nBcc: z@y.example\"]}\n",
                 "is not an e-mail address");
    expect_error(BASE "alerts:\n  smtp: {url: \"smtp://r:587\", from: \"a b@c.example\", "
                      "to: [x@y.example]}\n",
                 "alerts.smtp.from: \"a b@c.example\" is not an e-mail address");
    expect_error(BASE "alerts:\n  smtp: {url: \"smtp://r:587\", from: a@b.example, "
                      "to: [x@y.example], password: hemligt}\n",
                 "alerts.smtp.password: the password goes in a file of its own");
    expect_error(BASE
                 "alerts:\n  smtp: {url: \"http://r\", from: a@b.example, to: [x@y.example]}\n",
                 "alerts.smtp.url must begin with smtp:// or smtps://");
    expect_error(BASE "alerts:\n  smtp: {url: \"smtp://r:587\", from: a@b.example, "
                      "to: [x@y.example], username: u}\n",
                 "alerts.smtp.username and password_file go together");
    expect_error(BASE "alerts:\n  overdue: true\n", "alerts needs a channel");
    expect_error(BASE "alerts:\n  overdue: yes\n", ":4: alerts.overdue must be true or false");
    expect_error(BASE "alerts:\n"
                      "  wehbook: {}\n",
                 ":4: unknown key \"alerts.wehbook\"");
    {
        char text[512];

        snprintf(text, sizeof(text), BASE "alerts:\n%s  regression_severities: [high, severe]\n",
                 hook);
        expect_error(text, ":5: alerts.regression_severities: unknown severity \"severe\"");
        snprintf(text, sizeof(text), BASE "alerts:\n%s  digest: {interval: 0s}\n", hook);
        expect_error(text, ":5: alerts.digest.interval must be a duration from 1s to 86400s");
        snprintf(text, sizeof(text), BASE "alerts:\n%s  digest: {interval: 2d}\n", hook);
        expect_error(text, "alerts.digest.interval must be a duration");
        snprintf(text, sizeof(text), BASE "alerts:\n%s  digest: {interval: 25h}\n", hook);
        expect_error(text, "alerts.digest.interval must be a duration");
        snprintf(text, sizeof(text), BASE "alerts:\n%s  digest: {max_items: 0}\n", hook);
        expect_error(text, "alerts.digest.max_items must be a whole number from 1 to 1000");
        snprintf(text, sizeof(text), BASE "alerts:\n%s  department_below: 101\n", hook);
        expect_error(text, "alerts.department_below must be a whole number from 1 to 100");
        snprintf(text, sizeof(text), BASE "alerts:\n%s  retry_initial: 1h\n  retry_max: 1m\n",
                 hook);
        expect_error(text, "alerts.retry_max must not be below alerts.retry_initial");
        snprintf(text, sizeof(text), BASE "alerts:\n%s  check_interval: -5s\n", hook);
        expect_error(text, "alerts.check_interval must be a duration");
    }
}

static void test_listen_parse(void **state)
{
    char addr[64];
    unsigned port;

    (void)state;
    assert_int_equal(ef_listen_parse("127.0.0.1:0", addr, sizeof(addr), &port), 0);
    assert_string_equal(addr, "127.0.0.1");
    assert_int_equal(port, 0);
    assert_int_equal(ef_listen_parse("[::1]:8443", addr, sizeof(addr), &port), 0);
    assert_string_equal(addr, "::1");
    assert_int_equal(port, 8443);
    assert_int_equal(ef_listen_parse("::1:8443", addr, sizeof(addr), &port), -1);
    assert_int_equal(ef_listen_parse("host:", addr, sizeof(addr), &port), -1);
    assert_int_equal(ef_listen_parse("host:65536", addr, sizeof(addr), &port), -1);
    assert_int_equal(ef_listen_parse("host:-1", addr, sizeof(addr), &port), -1);
    assert_int_equal(ef_listen_parse(":80", addr, sizeof(addr), &port), -1);
}

static void test_ratelimit(void **state)
{
    struct ef_ratelimit *rl = malloc(sizeof(*rl));
    int i;

    (void)state;
    assert_non_null(rl);
    ef_rl_init(rl, 10, 10);
    for (i = 0; i < 10; i++)
        assert_true(ef_rl_take(rl, "10.0.0.1", 100.0));
    assert_false(ef_rl_take(rl, "10.0.0.1", 100.0));
    assert_true(ef_rl_take(rl, "10.0.0.2", 100.0)); /* another address */
    assert_false(ef_rl_take(rl, "10.0.0.1", 103.0));
    assert_true(ef_rl_take(rl, "10.0.0.1", 106.5)); /* one token per 6 s */
    assert_false(ef_rl_take(rl, "10.0.0.1", 106.5));
    /* The table stays bounded: many addresses evict the least recently used. */
    for (i = 0; i < 3 * EF_RL_SLOTS; i++) {
        char a[32];

        snprintf(a, sizeof(a), "192.0.2.%d", i);
        assert_true(ef_rl_take(rl, a, 200.0 + i));
    }
    free(rl);
}

static void test_peercount(void **state)
{
    struct ef_peercount *pc = ef_peercount_new();
    struct sockaddr_in a4 = {.sin_family = AF_INET};
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
    char key[EF_PEER_KEY_MAX];
    int i;

    (void)state;
    assert_non_null(pc);
    for (i = 0; i < 3; i++)
        assert_int_equal(ef_peercount_take(pc, "10.0.0.1", 3), 1);
    assert_int_equal(ef_peercount_take(pc, "10.0.0.1", 3), 0);
    assert_int_equal(ef_peercount_take(pc, "10.0.0.2", 3), 1);
    assert_int_equal(ef_peercount_get(pc, "10.0.0.1"), 3);
    ef_peercount_release(pc, "10.0.0.1");
    assert_int_equal(ef_peercount_take(pc, "10.0.0.1", 3), 1);
    ef_peercount_release(pc, "10.0.0.2");
    assert_int_equal(ef_peercount_get(pc, "10.0.0.2"), 0);
    ef_peercount_release(pc, "10.0.0.9"); /* unknown: nothing happens */
    ef_peercount_free(pc);

    inet_pton(AF_INET, "192.0.2.7", &a4.sin_addr);
    assert_int_equal(ef_peer_key((struct sockaddr *)&a4, key), 0);
    assert_string_equal(key, "192.0.2.7");
    /* One IPv6 host usually has a /64: its addresses share one key. */
    inet_pton(AF_INET6, "2001:db8:1:2:aaaa:bbbb:cccc:dddd", &a6.sin6_addr);
    assert_int_equal(ef_peer_key((struct sockaddr *)&a6, key), 0);
    assert_string_equal(key, "2001:db8:1:2::/64");
    inet_pton(AF_INET6, "::ffff:192.0.2.8", &a6.sin6_addr);
    assert_int_equal(ef_peer_key((struct sockaddr *)&a6, key), 0);
    assert_string_equal(key, "192.0.2.8");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_load_relative, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alerts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alerts_errors, setup, teardown),
        cmocka_unit_test(test_listen_parse),
        cmocka_unit_test(test_ratelimit),
        cmocka_unit_test(test_peercount),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
