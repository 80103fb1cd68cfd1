/* test-ingest-matcher.c: globs and /regex/ filters, and the bound on what
 * matching may cost. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ingest-graph-window.h"
#include "ingest-matcher.h"
#include "ingest-timeline-window.h"
#include "ingest-view.h"
#include "test-ingest-common.h"

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

/* Exponential backtracking: (a|aa)+ has fib(n) ways to split n a's, all
 * tried before the final b fails the match. */
#define EVIL "/^(a|aa)+$/"
#define N_EVIL_ACTORS 200
/* Seconds a failing view may take here: the budget is 100 ms; without a
 * bound one name alone took longer than the age of the universe (200 a's). */
#define MAX_SECONDS 2.0

static char *
evil_name (guint i)
{
  g_autofree char *run = g_strnfill (200, 'a');
  return g_strdup_printf ("%sb%u", run, i);
}

static IngestStore *
evil_store (void)
{
  IngestStore *store = ingest_store_new ();
  for (guint i = 0; i < N_EVIL_ACTORS; i++)
    {
      g_autofree char *from = evil_name (i), *to = evil_name ((i + 1) % N_EVIL_ACTORS);
      g_autofree char *key = g_strdup_printf ("m%u", i);
      test_ingest_event (store, INGEST_EVENT_SEND, i * 1000, from, to, key, "L", NULL, NULL, NULL, 0, 0);
      test_ingest_event (store, INGEST_EVENT_RECEIVE, i * 1000 + 500, to, from, key, NULL, NULL, NULL, NULL, 0, 0);
    }
  return store;
}

static void
assert_too_expensive (const GError *error, double seconds, const char *what)
{
  g_test_message ("%s: %.3f s: %s", what, seconds, error ? error->message : "(no error)");
  assert_non_null (error);
  assert_true (g_error_matches (error, INGEST_ERROR, INGEST_ERROR_FILTER));
  assert_non_null (strstr (error->message, "filter too expensive ("));
  assert_non_null (strstr (error->message, EVIL));
  assert_true (seconds < MAX_SECONDS);
}

static double
since (gint64 t0)
{
  return (g_get_monotonic_time () - t0) / 1e6;
}

/* One name: the step limit stops the match, the matcher fails for good. */
static void
test_step_limit (void **state)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (IngestMatcher) m = ingest_matcher_new (EVIL, &error);
  g_autofree char *name = evil_name (0);
  assert_non_null (m);
  assert_true (ingest_matcher_check (m, NULL));

  gint64 t0 = g_get_monotonic_time ();
  assert_false (ingest_matcher_match (m, name));
  assert_false (ingest_matcher_check (m, &error));
  assert_too_expensive (error, since (t0), "one name");
  assert_non_null (strstr (error->message, "backtracking steps"));

  /* failed for good: even a name that matches is refused, a new budget
   * does not revive it */
  ingest_matcher_reset_budget (m);
  assert_false (ingest_matcher_match (m, "aa"));
  assert_false (ingest_matcher_check (m, NULL));

  /* the same pattern on short names is fine */
  g_autoptr (IngestMatcher) ok = ingest_matcher_new (EVIL, NULL);
  assert_true (ingest_matcher_match (ok, "aaaa"));
  assert_false (ingest_matcher_match (ok, "aaab"));
  assert_true (ingest_matcher_check (ok, NULL));
}

/* Many names each under the step limit: the time budget stops it. */
static void
test_time_budget (void **state)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (IngestMatcher) m = ingest_matcher_new (EVIL, NULL);
  g_autofree char *run = g_strnfill (18, 'a');
  g_autofree char *name = g_strconcat (run, "b", NULL); /* fib(18): thousands of steps */
  guint n = 0;

  gint64 t0 = g_get_monotonic_time ();
  while (ingest_matcher_check (m, NULL) && n < 10000000)
    {
      assert_false (ingest_matcher_match (m, name));
      n++;
    }
  assert_false (ingest_matcher_check (m, &error));
  assert_too_expensive (error, since (t0), "many names");
  assert_non_null (strstr (error->message, "100 ms"));

  /* a reset between periods keeps a cheap pattern going for ever */
  g_autoptr (IngestMatcher) cheap = ingest_matcher_new ("/^a+b$/", NULL);
  for (int round = 0; round < 3; round++)
    {
      ingest_matcher_reset_budget (cheap);
      for (int i = 0; i < 1000; i++)
        assert_true (ingest_matcher_match (cheap, name));
      assert_true (ingest_matcher_check (cheap, NULL));
    }
}

/* Matchers sharing a budget spend it together: two that each stay under
 * it alone fail together. */
static void
test_shared_budget (void **state)
{
  IngestMatcherBudget budget = { 0 };
  g_autoptr (IngestMatcher) a = ingest_matcher_new (EVIL, NULL);
  g_autoptr (IngestMatcher) b = ingest_matcher_new ("/^(aa|a)+$/", NULL);
  g_autofree char *run = g_strnfill (18, 'a');
  g_autofree char *name = g_strconcat (run, "b", NULL);

  ingest_matcher_share_budget (a, &budget);
  ingest_matcher_share_budget (b, &budget);
  ingest_matcher_reset_budget (a);
  /* a alone: 60 % of the budget (by the clock the matcher uses too) */
  gint64 t0 = g_get_monotonic_time ();
  while (g_get_monotonic_time () - t0 < INGEST_MATCHER_BUDGET_MS * 600)
    assert_false (ingest_matcher_match (a, name));
  assert_true (ingest_matcher_check (a, NULL));
  /* b as much again: the shared budget runs out */
  t0 = g_get_monotonic_time ();
  while (ingest_matcher_check (b, NULL) && g_get_monotonic_time () - t0 < 2 * G_USEC_PER_SEC)
    assert_false (ingest_matcher_match (b, name));
  assert_false (ingest_matcher_check (b, NULL));
  assert_true (since (t0) < INGEST_MATCHER_BUDGET_MS * 0.6 / 1000);
}

/* Every view that filters fails quickly with the error, as filter, label
 * filter and group. */
static void
test_expensive_views (void **state)
{
  g_autoptr (IngestStore) store = evil_store ();
  const char *groups[] = { EVIL, NULL };
  IngestViewSpec specs[] = {
    { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX, .actor_filter = EVIL },
    { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX, .groups = groups },
  };

  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      g_autoptr (GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL;
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr (IngestGraph) g = ingest_graph_build (store, &specs[i], &e1);
      assert_null (g);
      assert_too_expensive (e1, since (t0), "graph");

      t0 = g_get_monotonic_time ();
      g_autoptr (IngestTimeline) tl = ingest_timeline_build (store, &specs[i], &e2);
      assert_null (tl);
      assert_too_expensive (e2, since (t0), "timeline");

      t0 = g_get_monotonic_time ();
      g_autoptr (IngestGraphWindow) gw = ingest_graph_window_new (store, &specs[i], NULL);
      assert_non_null (gw);
      ingest_graph_window_advance (gw, INGEST_TIME_MIN);
      if (ingest_graph_window_check (gw, &e3))
        {
          /* a snapshot is where matching happens at the latest */
          g_autoptr (IngestGraph) snap = ingest_graph_window_dup_graph (gw);
          (void) snap;
          assert_false (ingest_graph_window_check (gw, &e3));
        }
      assert_too_expensive (e3, since (t0), "graph window");
      /* failed for good, and later steps cost nothing */
      t0 = g_get_monotonic_time ();
      ingest_graph_window_advance (gw, 0);
      assert_false (ingest_graph_window_check (gw, NULL));
      assert_true (since (t0) < 0.05);

      t0 = g_get_monotonic_time ();
      g_autoptr (IngestTimelineWindow) tw = ingest_timeline_window_new (store, &specs[i], 1000000, NULL);
      assert_non_null (tw);
      ingest_timeline_window_advance (tw, INGEST_TIME_MIN);
      if (ingest_timeline_window_check (tw, &e4))
        {
          g_autoptr (IngestTimeline) snap = ingest_timeline_window_dup_timeline (tw);
          assert_non_null (snap);
          assert_false (ingest_timeline_window_check (tw, &e4));
        }
      assert_too_expensive (e4, since (t0), "timeline window");
    }

  /* An ordinary regex over the same names builds. */
  IngestViewSpec fine = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX, .actor_filter = "/b1[0-9]$/" };
  g_autoptr (IngestGraph) g = ingest_graph_build (store, &fine, NULL);
  assert_non_null (g);
  assert_true (g->nodes->len > 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_glob),
    cmocka_unit_test (test_regex),
    cmocka_unit_test (test_pattern_from_search),
    cmocka_unit_test (test_step_limit),
    cmocka_unit_test (test_time_budget),
    cmocka_unit_test (test_shared_budget),
    cmocka_unit_test (test_expensive_views),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
