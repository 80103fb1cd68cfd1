/* test-data-samples.c: the bundled sample traces show what they were made
 * to show.
 *
 * Each sample in data/traces/ is loaded in strict mode (no record may be
 * skipped) and checked for the situations it exists to demonstrate: the
 * message-switch capture has a slow serial service, an unanswered request,
 * overlapping polls and a gap; the Akka trace has a crash with a restart,
 * dead letters and a slow worker; the Chrome trace has processes, named
 * threads and cross-process flows (plain and gzip alike); the hostile trace
 * loads and keeps its strings as valid, bounded UTF-8.
 */
#include <glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "ingest-parser.h"

static char *traces_dir;

static IngestStore *
load (const char *name)
{
  g_autofree char *path = g_build_filename (traces_dir, name, NULL);
  IngestParserOptions opt = { 0 };
  g_autoptr (GError) error = NULL;
  IngestStore *store = ingest_store_new ();

  opt.strict = TRUE;
  if (!ingest_load_file (store, path, &opt, NULL, NULL, &error))
    fail_msg ("%s: %s", name, error->message);
  assert_int_equal (ingest_store_counters (store)->skipped_records, 0);
  return store;
}

static IngestActorId
must_find (IngestStore *store, const char *name)
{
  IngestActorId id = ingest_store_find_actor (store, name);

  if (id == 0)
    fail_msg ("no actor named %s", name);
  return id;
}

static void
stats_of (IngestStore *store, const char *name, IngestActorStats *st)
{
  ingest_store_actor_stats (store, must_find (store, name), st);
}

static void
test_mswitch (void **state)
{
  g_autoptr (IngestStore) store = load ("mswitch-rpc.json");
  IngestStoreCounters *c = ingest_store_counters (store);
  IngestActorStats st;

  /* One poll re-asked 5 ids; one stall lost ids out of the 16-entry ring. */
  assert_int_equal (c->duplicate_events, 5);
  assert_true (c->lost_events > 16);

  /* Nobody serves the nfs queue: the SR.probe request stays pending there
   * and unanswered at the client that sent it. */
  stats_of (store, "org.xen.xapi.storage.nfs", &st);
  assert_int_equal (st.pending, 1);
  assert_int_equal (st.received, 0);
  stats_of (store, "xapi:15863", &st);
  assert_true (st.unanswered >= 1);

  /* The storage script serves one 1-3 s call at a time: calls queue up. */
  stats_of (store, "xapi-storage-script:1203", &st);
  assert_true (st.processing.count > 0);
  assert_true (st.processing.min_ns > 900000000);
  stats_of (store, "org.xen.xapi.storage.gfs2", &st);
  assert_true (st.mailbox.max_ns > 1000000000);

  /* xenopsd answers quickly, and is itself a client of squeezed. */
  stats_of (store, "xenopsd-xc:15847", &st);
  assert_true (st.processing.count > 20);
  assert_true (st.processing.p50_ns < 500000000);
  assert_true (st.sent > 0 && st.round_trip.count > 0);
}

static void
test_akka (void **state)
{
  g_autoptr (IngestStore) store = load ("akka-supervision.ndjson");
  IngestActorStats st, slow, normal;
  const IngestActor *a;

  /* w3 crashed once and was restarted by its supervisor. */
  stats_of (store, "/user/supervisor/workers/w3", &st);
  assert_int_equal (st.crashes, 1);
  assert_int_equal (st.spawns, 2);
  a = ingest_store_actor (store, must_find (store, "/user/supervisor/workers/w3"));
  assert_int_equal (a->parent, must_find (store, "/user/supervisor/workers"));

  /* w7 was stopped: what was routed to it became dead letters. */
  stats_of (store, "/user/supervisor/workers/w7", &st);
  assert_int_equal (st.exits, 1);
  assert_true (st.dropped >= 1);

  /* w6 is the slow one. */
  stats_of (store, "/user/supervisor/workers/w6", &slow);
  stats_of (store, "/user/supervisor/workers/w2", &normal);
  assert_true (slow.processing.p50_ns > 4 * normal.processing.p50_ns);
  assert_true (slow.pending >= 1);

  /* Clients asked the api; crashed and dead-lettered jobs never answered. */
  stats_of (store, "/user/http/client-1", &st);
  assert_true (st.round_trip.count > 10);
  {
    guint64 unanswered = 0;

    for (int i = 1; i <= 3; i++)
      {
        g_autofree char *name = g_strdup_printf ("/user/http/client-%d", i);
        stats_of (store, name, &st);
        unanswered += st.unanswered;
      }
    assert_true (unanswered >= 2);
  }
  stats_of (store, "/user/supervisor/db", &st);
  assert_true (st.acked > 0);
}

static void
check_chrome (const char *name, guint64 *n_events)
{
  g_autoptr (IngestStore) store = load (name);
  guint processes = 0, threads = 0;

  for (IngestActorId id = 1; id <= ingest_store_n_actors (store); id++)
    {
      const IngestActor *a = ingest_store_actor (store, id);

      processes += a->kind == INGEST_ACTOR_PROCESS;
      threads += a->kind == INGEST_ACTOR_THREAD;
    }
  assert_true (processes >= 4);
  assert_true (threads >= 11);
  /* Named by M metadata (not only by numbers), threads under processes. */
  {
    gboolean found = FALSE;

    for (IngestActorId id = 1; id <= ingest_store_n_actors (store); id++)
      {
        const IngestActor *a = ingest_store_actor (store, id);

        if (g_str_has_prefix (ingest_store_actor_name (store, id), "CrBrowserMain"))
          {
            found = TRUE;
            assert_int_equal (a->kind, INGEST_ACTOR_THREAD);
            assert_true (g_str_has_prefix (ingest_store_actor_name (store, a->parent), "Browser"));
          }
      }
    assert_true (found);
  }
  /* Most flows cross processes: they became messages between threads of
   * different processes. */
  {
    guint crossing = 0;

    for (IngestMessageId id = 1; id <= ingest_store_n_messages (store); id++)
      {
        const IngestMessage *m = ingest_store_message (store, id);
        const IngestActor *from = ingest_store_actor (store, m->from);
        const IngestActor *to = ingest_store_actor (store, m->to);

        if (from != NULL && to != NULL && from->parent != to->parent)
          crossing++;
      }
    assert_true (crossing >= 80);
  }
  *n_events = ingest_store_n_events (store);
}

static void
test_chrome (void **state)
{
  guint64 plain = 0, gz = 0;

  check_chrome ("chrome-flows.json", &plain);
  check_chrome ("chrome-flows.json.gz", &gz);
  assert_true (plain > 500);
  assert_int_equal (plain, gz);
}

static void
test_hostile (void **state)
{
  g_autoptr (IngestStore) store = load ("hostile.ndjson");
  gboolean saw_long = FALSE;

  must_find (store, "/user/<script>alert(1)</script>");
  for (IngestActorId id = 1; id <= ingest_store_n_actors (store); id++)
    {
      const char *name = ingest_store_actor_name (store, id);

      assert_true (g_utf8_validate (name, -1, NULL));
      assert_true (strlen (name) <= INGEST_STORE_MAX_STRING);
      saw_long |= g_str_has_prefix (name, "/user/long-long-");
    }
  assert_true (saw_long);
  for (IngestMessageId id = 1; id <= ingest_store_n_messages (store); id++)
    {
      const IngestMessage *m = ingest_store_message (store, id);

      assert_true (g_utf8_validate (ingest_store_atom (store, m->label), -1, NULL));
      assert_true (g_utf8_validate (ingest_store_payload (store, m->payload), -1, NULL));
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_mswitch),
    cmocka_unit_test (test_akka),
    cmocka_unit_test (test_chrome),
    cmocka_unit_test (test_hostile),
  };
  const char *root = g_getenv ("ACTORSCOPE_SOURCE_ROOT");
  int failed;

  if (root == NULL)
    {
      g_printerr ("ACTORSCOPE_SOURCE_ROOT is not set (run through meson test)\n");
      return 2;
    }
  traces_dir = g_build_filename (root, "data", "traces", NULL);
  failed = cmocka_run_group_tests (tests, NULL, NULL);
  g_free (traces_dir);
  return failed;
}
