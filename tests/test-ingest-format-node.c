/* test-ingest-format-node.c: a Node.js trace-events file recorded with the
 * machine's node (data/traces/node-workers.trace.json, main thread + two
 * workers) is detected as node, and every thread and the process are
 * actors with events (the Chrome reading leaves most threads silent). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "test-ingest-common.h"

/* Thread and process actors, and how many of them some event names. */
static void
count_actors (IngestStore *store, guint *n_threads, guint *n_processes, guint *n_named)
{
  guint32 n = ingest_store_n_actors (store);
  g_autofree guint8 *named = g_malloc0 (n + 1);

  *n_threads = *n_processes = *n_named = 0;
  for (guint64 seq = 0; seq < ingest_store_n_events (store); seq++)
    {
      const IngestEvent *ev = ingest_store_event (store, seq);
      named[ev->actor] = named[ev->peer] = 1;
    }
  for (IngestActorId id = 1; id <= n; id++)
    {
      const IngestActor *a = ingest_store_actor (store, id);
      if (a->kind == INGEST_ACTOR_THREAD)
        (*n_threads)++;
      else if (a->kind == INGEST_ACTOR_PROCESS)
        (*n_processes)++;
      else
        continue;
      *n_named += named[id];
    }
}

static void
test_node_threads (void **state)
{
  const char *root = g_getenv ("ACTORSCOPE_SOURCE_ROOT");
  g_autofree char *path = g_build_filename (root != NULL ? root : ".", "data", "traces",
                                            "node-workers.trace.json", NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;
  g_autoptr (IngestStore) node = NULL;
  g_autoptr (IngestStore) chrome = NULL;
  IngestParserOptions as_chrome = { .format = INGEST_FORMAT_CHROME };
  IngestParser *parser = NULL;
  guint threads, processes, named, c_threads, c_processes, c_named;
  gboolean worker1 = FALSE, worker2 = FALSE, main_thread = FALSE;

  assert_true (g_file_get_contents (path, &text, &len, NULL));
  node = test_ingest_parse (text, len, 4096, NULL, &parser, &error);
  assert_non_null (node);
  assert_int_equal (ingest_parser_get_format (parser), INGEST_FORMAT_NODE);
  ingest_parser_free (parser);
  count_actors (node, &threads, &processes, &named);
  /* main, 2 workers, 4 platform workers, the delayed task scheduler */
  assert_int_equal (threads, 8);
  assert_int_equal (processes, 1);
  assert_int_equal (named, threads + processes);
  for (IngestActorId id = 1; id <= ingest_store_n_actors (node); id++)
    {
      const char *name = ingest_store_actor_name (node, id);
      worker1 |= g_str_has_prefix (name, "[worker 1]");
      worker2 |= g_str_has_prefix (name, "[worker 2]");
      main_thread |= g_str_has_prefix (name, "JavaScriptMainThread");
    }
  assert_true (worker1 && worker2 && main_thread);

  chrome = test_ingest_parse (text, len, 0, &as_chrome, NULL, &error);
  assert_non_null (chrome);
  count_actors (chrome, &c_threads, &c_processes, &c_named);
  assert_int_equal (c_threads + c_processes, threads + processes);
  assert_true (c_named < named);
  (void) state;
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_node_threads),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
