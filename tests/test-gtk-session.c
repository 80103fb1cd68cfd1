/* test-gtk-session.c: the window's shared view state (no display needed:
 * ActorscopeSession is a plain GObject). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "actorscope-session.h"
#include "ingest-model.h"

static void
count_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  GHashTable *counts = user_data;
  const char *name = g_param_spec_get_name (pspec);

  g_hash_table_insert (counts, (gpointer) name,
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, name)) + 1));
}

static guint
count (GHashTable *counts, const char *name)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (counts, name));
}

static void
test_defaults (void **state)
{
  g_autoptr(ActorscopeSession) session = actorscope_session_new ();
  gint64 from, to;

  actorscope_session_get_window (session, &from, &to);
  assert_true (from == INGEST_TIME_MIN && to == INGEST_TIME_MAX);
  assert_false (actorscope_session_get_area (session, NULL, NULL));
  assert_true (actorscope_session_get_cursor (session) == INGEST_TIME_MAX);
  assert_null (actorscope_session_get_filter (session));
  assert_null (actorscope_session_get_groups (session));
}

static void
test_notify (void **state)
{
  g_autoptr(ActorscopeSession) session = actorscope_session_new ();
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  const char *groups[] = { "/user/*", NULL };
  gint64 from, to;

  g_signal_connect (session, "notify", G_CALLBACK (count_notify), counts);

  actorscope_session_set_window (session, 10, 20);
  actorscope_session_set_window (session, 10, 20);   /* unchanged: silent */
  assert_int_equal (count (counts, "window-from"), 1);
  assert_int_equal (count (counts, "window-to"), 1);
  actorscope_session_set_window (session, 10, 30);
  assert_int_equal (count (counts, "window-from"), 1);
  assert_int_equal (count (counts, "window-to"), 2);
  g_object_get (session, "window-from", &from, "window-to", &to, NULL);
  assert_true (from == 10 && to == 30);

  actorscope_session_set_area (session, 12, 15);
  assert_true (actorscope_session_get_area (session, &from, &to));
  assert_true (from == 12 && to == 15);
  actorscope_session_set_area (session, 15, 12);      /* from >= to clears */
  assert_false (actorscope_session_get_area (session, NULL, NULL));

  actorscope_session_set_cursor (session, 17);
  assert_true (actorscope_session_get_cursor (session) == 17);
  assert_int_equal (count (counts, "cursor"), 1);

  actorscope_session_set_filter (session, "worker");
  actorscope_session_set_filter (session, "worker");
  assert_string_equal (actorscope_session_get_filter (session), "worker");
  actorscope_session_set_filter (session, "");       /* "" is none */
  assert_null (actorscope_session_get_filter (session));
  assert_int_equal (count (counts, "filter"), 2);

  actorscope_session_set_groups (session, groups);
  actorscope_session_set_groups (session, groups);
  assert_string_equal (actorscope_session_get_groups (session)[0], "/user/*");
  assert_int_equal (count (counts, "groups"), 1);

  /* Threads fold by default; the toggle notifies once per change. */
  assert_false (actorscope_session_get_expand_threads (session));
  actorscope_session_set_expand_threads (session, TRUE);
  actorscope_session_set_expand_threads (session, TRUE);
  assert_true (actorscope_session_get_expand_threads (session));
  assert_int_equal (count (counts, "expand-threads"), 1);

  /* A new document: time state back to "all", filter and groups kept. */
  actorscope_session_reset_time (session);
  actorscope_session_get_window (session, &from, &to);
  assert_true (from == INGEST_TIME_MIN && to == INGEST_TIME_MAX);
  assert_true (actorscope_session_get_cursor (session) == INGEST_TIME_MAX);
  assert_non_null (actorscope_session_get_groups (session));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_defaults),
    cmocka_unit_test (test_notify),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
