/* test-app-cli-common.c: the CLI's shared helpers: terminal escaping, time
 * parsing and human units. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cli-common.h"

static void
assert_escapes_to (const char *in, gssize len, const char *expected)
{
  g_autofree char *out = cli_escape (in, len);
  assert_string_equal (out, expected);
  assert_true (g_utf8_validate (out, -1, NULL));
}

static void
test_escape_plain (void **state)
{
  assert_escapes_to ("/user/workers/w1", -1, "/user/workers/w1");
  assert_escapes_to ("xapi:15859 <script>&\"'", -1, "xapi:15859 <script>&\"'");
  assert_escapes_to ("héllo wörld 日本", -1, "héllo wörld 日本");
  assert_escapes_to ("", -1, "");
  assert_escapes_to (NULL, -1, "");
}

static void
test_escape_controls (void **state)
{
  /* ESC sequences (colour, title setting, OSC 8 links) lose their ESC. */
  assert_escapes_to ("\033[31mred\033[0m", -1, "\\x1B[31mred\\x1B[0m");
  assert_escapes_to ("\033]0;pwned\007", -1, "\\x1B]0;pwned\\x07");
  assert_escapes_to ("a\nb\rc\td", -1, "a\\x0Ab\\x0Dc\\x09d");
  assert_escapes_to ("del\x7f", -1, "del\\x7F");
  /* NUL inside an explicit length. */
  assert_escapes_to ("a\0b", 3, "a\\x00b");
  /* Backslashes are doubled so escapes are unambiguous. */
  assert_escapes_to ("C:\\x1B", -1, "C:\\\\x1B");
  /* C1 controls (CSI as U+009B). */
  assert_escapes_to ("\xc2\x9b" "31m", -1, "\\u{009B}31m");
}

static void
test_escape_bidi_and_invisible (void **state)
{
  /* Trojan-source style bidi overrides and isolates. */
  assert_escapes_to ("admin\xe2\x80\xae" "txt.exe", -1, "admin\\u{202E}txt.exe");
  assert_escapes_to ("\xe2\x81\xa6" "x" "\xe2\x81\xa9", -1, "\\u{2066}x\\u{2069}");
  assert_escapes_to ("\xe2\x80\x8f", -1, "\\u{200F}");
  /* Zero-width joiner/space, BOM, line separator. */
  assert_escapes_to ("a\xe2\x80\x8b" "b", -1, "a\\u{200B}b");
  assert_escapes_to ("\xef\xbb\xbf" "x", -1, "\\u{FEFF}x");
  assert_escapes_to ("a\xe2\x80\xa8" "b", -1, "a\\u{2028}b");
}

static void
test_escape_invalid_utf8 (void **state)
{
  assert_escapes_to ("bad\xff\xfe", -1, "bad\\xFF\\xFE");
  /* Truncated sequence at the end, overlong encoding, lone continuation. */
  assert_escapes_to ("x\xe2\x82", -1, "x\\xE2\\x82");
  assert_escapes_to ("\xc0\xaf", -1, "\\xC0\\xAF");
  assert_escapes_to ("\x80" "ok", -1, "\\x80ok");
  /* Surrogates encoded in UTF-8 are invalid. */
  assert_escapes_to ("\xed\xa0\x80", -1, "\\xED\\xA0\\x80");
}

static void
test_escape_large (void **state)
{
  /* A 1 MB hostile name: every byte is handled, nothing is lost. */
  gsize n = 1 << 20;
  g_autofree char *big = g_malloc (n);
  for (gsize i = 0; i < n; i++)
    big[i] = (i % 3 == 0) ? '\033' : 'a';
  g_autofree char *out = cli_escape (big, (gssize) n);
  gsize escs = (n + 2) / 3;
  assert_int_equal (strlen (out), escs * 4 + (n - escs));
  assert_null (strchr (out, '\033'));
}

static void
test_display_width (void **state)
{
  assert_int_equal (cli_display_width ("abc"), 3);
  assert_int_equal (cli_display_width ("日本"), 4);
  assert_int_equal (cli_display_width ("e\xcc\x81"), 1); /* e + combining acute */
  assert_int_equal (cli_display_width ("µs"), 2);
}

static void
test_time_parse (void **state)
{
  CliTime t;
  g_autoptr(GError) error = NULL;

  assert_true (cli_time_parse ("1795484650027815000", &t, &error));
  assert_int_equal (t.value_ns, G_GINT64_CONSTANT (1795484650027815000));
  assert_false (t.relative);

  assert_true (cli_time_parse ("1.5s", &t, NULL));
  assert_int_equal (t.value_ns, 1500000000);
  assert_true (cli_time_parse ("200ms", &t, NULL));
  assert_int_equal (t.value_ns, 200000000);
  assert_true (cli_time_parse ("30us", &t, NULL));
  assert_int_equal (t.value_ns, 30000);
  assert_true (cli_time_parse ("30µs", &t, NULL));
  assert_int_equal (t.value_ns, 30000);
  assert_true (cli_time_parse ("12ns", &t, NULL));
  assert_int_equal (t.value_ns, 12);
  assert_true (cli_time_parse ("2m", &t, NULL));
  assert_int_equal (t.value_ns, G_GINT64_CONSTANT (120000000000));
  /* Epoch seconds with a unit are exact to the ns (a double rounded them
   * to 256 ns), over the whole 64-bit range. */
  assert_true (cli_time_parse ("1795484650.027815123s", &t, NULL));
  assert_true (t.value_ns == G_GINT64_CONSTANT (1795484650027815123));
  assert_true (cli_time_parse ("1795484650027.815123ms", &t, NULL));
  assert_true (t.value_ns == G_GINT64_CONSTANT (1795484650027815123));
  assert_true (cli_time_parse ("9223372036.854775807s", &t, NULL));
  assert_true (t.value_ns == G_MAXINT64);
  assert_true (cli_time_parse ("-9223372036.854775808s", &t, NULL));
  assert_true (t.value_ns == G_MININT64);
  assert_false (cli_time_parse ("9223372036.854775808s", &t, NULL));
  assert_true (cli_time_parse ("1.0000000005s", &t, NULL));
  assert_int_equal (t.value_ns, 1000000001);
  assert_true (cli_time_parse ("2562047h", &t, NULL));
  assert_true (t.value_ns == G_GINT64_CONSTANT (2562047) * 3600 * 1000000000);
  assert_false (cli_time_parse ("2562048h", &t, NULL));

  assert_true (cli_time_parse ("+2s", &t, NULL));
  assert_true (t.relative);
  assert_int_equal (cli_time_resolve (&t, 1000), 2000001000);
  assert_true (cli_time_parse ("+500", &t, NULL));
  assert_int_equal (cli_time_resolve (&t, 1000), 1500);
  /* Saturates instead of overflowing. */
  assert_true (cli_time_parse ("+9000000000000000000", &t, NULL));
  assert_int_equal (cli_time_resolve (&t, G_GINT64_CONSTANT (9000000000000000000)), G_MAXINT64);

  const char *bad[] = { "", "s", "1.5", "1.5x", "abc", "+", "++1s", "1e400s", "99999999999999999999",
                        "1s ", "nan", "inf s" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_clear_error (&error);
      assert_false (cli_time_parse (bad[i], &t, &error));
      assert_non_null (error);
      assert_true (g_error_matches (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE));
    }
}

static void
assert_duration (gint64 ns, const char *expected)
{
  g_autofree char *s = cli_format_duration (ns);
  assert_string_equal (s, expected);
}

static void
test_units (void **state)
{
  assert_duration (850, "850ns");
  assert_duration (1500, "1.50µs");
  assert_duration (12300, "12.3µs");
  assert_duration (4560000, "4.56ms");
  assert_duration (158115689, "158ms");
  assert_duration (1230000000, "1.23s");
  assert_duration (G_GINT64_CONSTANT (125000000000), "2m05s");
  assert_duration (G_GINT64_CONSTANT (7200000000000), "2h00m");

  g_autofree char *r1 = cli_format_rate (0);
  g_autofree char *r2 = cli_format_rate (3.14159);
  g_autofree char *r3 = cli_format_rate (4500);
  assert_string_equal (r1, "0/s");
  assert_string_equal (r2, "3.14/s");
  assert_string_equal (r3, "4.5k/s");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_escape_plain),
    cmocka_unit_test (test_escape_controls),
    cmocka_unit_test (test_escape_bidi_and_invisible),
    cmocka_unit_test (test_escape_invalid_utf8),
    cmocka_unit_test (test_escape_large),
    cmocka_unit_test (test_display_width),
    cmocka_unit_test (test_time_parse),
    cmocka_unit_test (test_units),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
