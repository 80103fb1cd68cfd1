/* test-app-cli-size.c: --retain and --retain-size values. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "cli-size.h"

static void
test_sizes (void **state)
{
  guint64 v;
  (void) state;
  const struct { const char *s; guint64 want; } ok[] = {
    { "0", 0 }, { "4096", 4096 }, { "512MiB", 512ull << 20 }, { "50GiB", 50ull << 30 },
    { "1.5GiB", 3ull << 29 }, { "1 GB", 1000000000ull }, { "2TiB", 2ull << 40 },
    { "10kB", 10000 }, { "7B", 7 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      g_autoptr (GError) error = NULL;
      assert_true (cli_size_parse (ok[i].s, &v, &error));
      assert_null (error);
      assert_int_equal (v, ok[i].want);
    }
  const char *bad[] = { "", "GiB", "-1GiB", "1.5", "12 parsecs", "50gib", "1e3MB", "50GiBs",
                        "99999999999TiB", "1..2MiB", " 5MiB" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      assert_false (cli_size_parse (bad[i], &v, &error));
      assert_true (g_error_matches (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE));
    }
}

static void
test_ages (void **state)
{
  gint64 v;
  (void) state;
  const struct { const char *s; gint64 want; } ok[] = {
    { "7d", 7 * 86400 * G_GINT64_CONSTANT (1000000000) },
    { "12h", 12 * 3600 * G_GINT64_CONSTANT (1000000000) },
    { "90m", 90 * 60 * G_GINT64_CONSTANT (1000000000) },
    { "30s", 30 * G_GINT64_CONSTANT (1000000000) },
    { "2w", 14 * 86400 * G_GINT64_CONSTANT (1000000000) },
    { "1.5d", 36 * 3600 * G_GINT64_CONSTANT (1000000000) },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      g_autoptr (GError) error = NULL;
      assert_true (cli_age_parse (ok[i].s, &v, &error));
      assert_int_equal (v, ok[i].want);
    }
  /* a bare number is ambiguous (seconds? days?): refused */
  const char *bad[] = { "7", "", "d", "-1d", "7D", "7days", "0d", "1000000w", "7 d x" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      assert_false (cli_age_parse (bad[i], &v, &error));
      assert_true (g_error_matches (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE));
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_sizes),
    cmocka_unit_test (test_ages),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
