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
        cmocka_unit_test(test_listen_parse),
        cmocka_unit_test(test_ratelimit),
        cmocka_unit_test(test_peercount),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
