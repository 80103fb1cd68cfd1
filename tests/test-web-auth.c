/* test-web-auth.c: the Host header parser behind the DNS-rebinding check
 * (strict RFC 3986 host [":" port]) and the Origin check built on it. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "web-auth.h"

typedef struct {
  const char *value;
  gboolean valid;
  const char *name;   /* parsed name (brackets removed), when valid */
  guint port;         /* 0 = none */
  gboolean loopback;  /* web_auth_host_header_is_loopback */
} HostCase;

static const HostCase host_cases[] = {
  { "127.0.0.1:8000", TRUE, "127.0.0.1", 8000, TRUE },
  { "127.0.0.1", TRUE, "127.0.0.1", 0, TRUE },
  { "127.1.2.3:1", TRUE, "127.1.2.3", 1, TRUE },
  { "localhost:8000", TRUE, "localhost", 8000, TRUE },
  { "LOCALHOST", TRUE, "LOCALHOST", 0, TRUE },
  { "[::1]:8000", TRUE, "::1", 8000, TRUE },
  { "[::1]", TRUE, "::1", 0, TRUE },
  { "[0:0:0:0:0:0:0:1]:65535", TRUE, "0:0:0:0:0:0:0:1", 65535, TRUE },
  { "evil.example:8000", TRUE, "evil.example", 8000, FALSE },
  { "192.0.2.7", TRUE, "192.0.2.7", 0, FALSE },
  { "127.0.0.1.evil.example", TRUE, "127.0.0.1.evil.example", 0, FALSE },
  { "[2001:db8::1]:80", TRUE, "2001:db8::1", 80, FALSE },
  /* userinfo, junk after a literal, bad ports, bad brackets */
  { "127.0.0.1:8000@evil.com", FALSE, NULL, 0, FALSE },
  { "user@127.0.0.1:8000", FALSE, NULL, 0, FALSE },
  { "[::1]evil.com", FALSE, NULL, 0, FALSE },
  { "[::1]:80evil", FALSE, NULL, 0, FALSE },
  { "[::1]:", FALSE, NULL, 0, FALSE },
  { "127.0.0.1:", FALSE, NULL, 0, FALSE },
  { "127.0.0.1:+80", FALSE, NULL, 0, FALSE },
  { "127.0.0.1:-1", FALSE, NULL, 0, FALSE },
  { "127.0.0.1: 80", FALSE, NULL, 0, FALSE },
  { "127.0.0.1:65536", FALSE, NULL, 0, FALSE },
  { "127.0.0.1:0x50", FALSE, NULL, 0, FALSE },
  { "127.0.0.1:8000:9", FALSE, NULL, 0, FALSE },
  { "127.0.0.1:99999999999999999999", FALSE, NULL, 0, FALSE },
  { "::1", FALSE, NULL, 0, FALSE },
  { "::1:8000", FALSE, NULL, 0, FALSE },
  { "[::1", FALSE, NULL, 0, FALSE },
  { "::1]", FALSE, NULL, 0, FALSE },
  { "[127.0.0.1]", FALSE, NULL, 0, FALSE },
  { "[::1%lo]:80", FALSE, NULL, 0, FALSE },
  { "[]:80", FALSE, NULL, 0, FALSE },
  { ":8000", FALSE, NULL, 0, FALSE },
  { "127.0.0.1 evil", FALSE, NULL, 0, FALSE },
  { "127.0.0.1\t", FALSE, NULL, 0, FALSE },
  { "127.0.0.1/x", FALSE, NULL, 0, FALSE },
  { "127.0.0.1#x", FALSE, NULL, 0, FALSE },
  { "127.0.0.1?x", FALSE, NULL, 0, FALSE },
  { "127.0.0.1\\@evil.com", FALSE, NULL, 0, FALSE },
  { "127%2e0.0.1", FALSE, NULL, 0, FALSE },
  { "localhost,evil.com", FALSE, NULL, 0, FALSE },
};

static void
test_host_table (void **state)
{
  for (gsize i = 0; i < G_N_ELEMENTS (host_cases); i++)
    {
      const HostCase *hc = &host_cases[i];
      g_autofree char *name = NULL;
      guint port = 12345;
      gboolean ok = web_auth_parse_host_header (hc->value, &name, &port);

      if (ok != hc->valid)
        fail_msg ("Host \"%s\": parsed %s, expected %s", hc->value,
                  ok ? "valid" : "invalid", hc->valid ? "valid" : "invalid");
      if (ok)
        {
          assert_string_equal (name, hc->name);
          assert_int_equal (port, hc->port);
        }
      else
        assert_null (name);
      if (web_auth_host_header_is_loopback (hc->value) != hc->loopback)
        fail_msg ("Host \"%s\": loopback should be %d", hc->value, hc->loopback);
    }
  /* No Host at all (HTTP/1.0 scripts, producers): allowed, as before. */
  assert_true (web_auth_host_header_is_loopback (NULL));
  assert_true (web_auth_host_header_is_loopback (""));
  assert_false (web_auth_parse_host_header ("", NULL, NULL));
}

static void
test_origin_needs_valid_host (void **state)
{
  assert_true (web_auth_check_origin ("http://127.0.0.1:8000", "127.0.0.1:8000", NULL));
  assert_true (web_auth_check_origin ("http://[::1]:8000", "[::1]:8000", NULL));
  /* The page's own origin only counts when Host is well formed. */
  assert_false (web_auth_check_origin ("http://127.0.0.1:8000@evil.com",
                                       "127.0.0.1:8000@evil.com", NULL));
  assert_false (web_auth_check_origin ("http://[::1]evil.com", "[::1]evil.com", NULL));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_host_table),
    cmocka_unit_test (test_origin_needs_valid_host),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
