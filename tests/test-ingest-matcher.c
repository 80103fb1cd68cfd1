/* test-ingest-matcher.c: globs and /regex/ filters. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ingest-matcher.h"
#include "ingest-view.h"

static gboolean
match (const char *pattern, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (IngestMatcher) m = ingest_matcher_new (pattern, &error);
  assert_non_null (m);
  assert_null (error);
  return ingest_matcher_match (m, text);
}

static void
test_glob (void **state)
{
  assert_true (match ("/user/*", "/user/a"));
  assert_true (match ("/user/*", "/user/a/b/c")); /* '*' crosses '/': whole subtree */
  assert_false (match ("/user/*", "/system/a"));
  assert_false (match ("/user/*", "/user"));
  assert_true (match ("xapi*", "xapi:15859"));
  assert_false (match ("xapi*", "my-xapi"));
  assert_true (match ("*", ""));
  assert_true (match ("*", "anything"));
  assert_true (match ("w?", "w1"));
  assert_false (match ("w?", "w12"));
  assert_true (match ("w?", "w\xC3\xA9")); /* ? is one character, not one byte */
  assert_true (match ("*worker*", "/user/pool/worker-7/child"));
  assert_true (match ("a*b*c", "aXXbYYc"));
  assert_false (match ("a*b*c", "aXXbYY"));
  assert_true (match ("a**c", "abc"));
  assert_true (match ("exact", "exact"));
  assert_false (match ("exact", "exactly"));
  assert_true (match ("lit\\*", "lit*"));
  assert_false (match ("lit\\*", "litX"));
  assert_false (match ("abc", "ab"));
  /* Pathological input stays fast (no exponential backtracking). */
  GString *s = g_string_new (NULL);
  for (int i = 0; i < 20000; i++)
    g_string_append_c (s, 'a');
  assert_false (match ("*a*a*a*a*a*a*a*b", s->str));
  g_string_free (s, TRUE);
}

static void
test_regex (void **state)
{
  assert_true (match ("/^w[0-9]+$/", "w12"));
  assert_false (match ("/^w[0-9]+$/", "w12x"));
  assert_true (match ("/work/", "/user/workers/w1")); /* unanchored search */
  assert_true (match ("/WORK/i", "/user/workers/w1"));
  assert_false (match ("/WORK/", "/user/workers/w1"));
  assert_true (match ("/a|b/", "xbx"));

  g_autoptr (GError) error = NULL;
  IngestMatcher *bad = ingest_matcher_new ("/(unclosed/", &error);
  assert_null (bad);
  assert_non_null (error);
  assert_true (g_error_matches (error, INGEST_ERROR, INGEST_ERROR_FILTER));

  /* A lone "/" or "//" is a glob, not an empty regex. */
  assert_true (match ("/", "/"));
  assert_true (match ("//", "//"));
  ingest_matcher_free (NULL);
}

/* The search box's text -> pattern, and that pattern really matching. */
static gboolean
search_matches (const char *text, const char *name)
{
  g_autofree char *pattern = ingest_matcher_pattern_from_search (text);

  assert_non_null (pattern);
  return match (pattern, name);
}

static void
test_pattern_from_search (void **state)
{
  char *p;

  assert_null (ingest_matcher_pattern_from_search (NULL));
  assert_null (ingest_matcher_pattern_from_search (""));

  /* Regexes are kept as they are. */
  p = ingest_matcher_pattern_from_search ("/^w[0-9]+$/");
  assert_string_equal (p, "/^w[0-9]+$/");
  g_free (p);
  p = ingest_matcher_pattern_from_search ("/worker/i");
  assert_string_equal (p, "/worker/i");
  g_free (p);
  assert_true (search_matches ("/work/", "/user/workers/w1"));
  assert_false (search_matches ("/WORK/", "/user/workers/w1"));
  /* The documented case-insensitive form really ignores case (it used to
   * become the glob "* /worker/i*" and match nothing). */
  assert_true (search_matches ("/WORKER/i", "/user/pool/worker-7"));
  assert_true (search_matches ("/worker/i", "/user/pool/Worker-7"));
  assert_false (search_matches ("/worker/i", "/user/pool/child"));

  /* Globs are kept as they are: they match the whole name. */
  p = ingest_matcher_pattern_from_search ("/user/*");
  assert_string_equal (p, "/user/*");
  g_free (p);
  p = ingest_matcher_pattern_from_search ("w?");
  assert_string_equal (p, "w?");
  g_free (p);
  p = ingest_matcher_pattern_from_search ("[ab]");
  assert_string_equal (p, "[ab]");
  g_free (p);
  assert_true (search_matches ("/user/*", "/user/a/b"));
  assert_false (search_matches ("w?", "xw1"));

  /* Plain text matches anywhere, case-sensitively, and is otherwise kept. */
  p = ingest_matcher_pattern_from_search ("worker");
  assert_string_equal (p, "*worker*");
  g_free (p);
  p = ingest_matcher_pattern_from_search ("/user/");
  assert_string_equal (p, "/user/");   /* a regex, as the matcher reads it */
  g_free (p);
  p = ingest_matcher_pattern_from_search ("/");
  assert_string_equal (p, "*/*");
  g_free (p);
  assert_true (search_matches ("worker", "/user/pool/worker-7/child"));
  assert_false (search_matches ("worker", "/user/pool/Worker-7"));
  assert_true (search_matches ("pool/w", "/user/pool/worker-7"));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_glob),
    cmocka_unit_test (test_regex),
    cmocka_unit_test (test_pattern_from_search),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
