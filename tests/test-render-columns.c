/* test-render-columns.c: the one definition of the actor-table columns
 * (render-columns.h): rows of a graph view, their scope, and cells as every
 * front end shows them. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "render-columns.h"
#include "test-ingest-common.h"

/* svc.a sends 4 requests to svc.w (1 ms in the mailbox, 2 ms processing)
 * and 3 messages to the broker queue q nobody reads: q is stuck with 3. */
static const char trace[] =
  "{\"actorscope\":1}\n"
  "{\"ts\":0,\"ev\":\"actor\",\"actor\":\"q\",\"kind\":\"queue\"}\n"
  "{\"ts\":0,\"ev\":\"send\",\"actor\":\"svc.a\",\"to\":\"svc.w\",\"id\":1}\n"
  "{\"ts\":1000000,\"ev\":\"recv\",\"actor\":\"svc.w\",\"id\":1}\n"
  "{\"ts\":3000000,\"ev\":\"done\",\"actor\":\"svc.w\",\"id\":1}\n"
  "{\"ts\":500000000,\"ev\":\"send\",\"actor\":\"svc.a\",\"to\":\"svc.w\",\"id\":2}\n"
  "{\"ts\":501000000,\"ev\":\"recv\",\"actor\":\"svc.w\",\"id\":2}\n"
  "{\"ts\":503000000,\"ev\":\"done\",\"actor\":\"svc.w\",\"id\":2}\n"
  "{\"ts\":1000000000,\"ev\":\"send\",\"actor\":\"svc.a\",\"to\":\"svc.w\",\"id\":3}\n"
  "{\"ts\":1001000000,\"ev\":\"recv\",\"actor\":\"svc.w\",\"id\":3}\n"
  "{\"ts\":1003000000,\"ev\":\"done\",\"actor\":\"svc.w\",\"id\":3}\n"
  "{\"ts\":1500000000,\"ev\":\"send\",\"actor\":\"svc.a\",\"to\":\"svc.w\",\"id\":4}\n"
  "{\"ts\":1501000000,\"ev\":\"recv\",\"actor\":\"svc.w\",\"id\":4}\n"
  "{\"ts\":1503000000,\"ev\":\"done\",\"actor\":\"svc.w\",\"id\":4}\n"
  "{\"ts\":1600000000,\"ev\":\"send\",\"actor\":\"svc.a\",\"to\":\"q\",\"id\":5}\n"
  "{\"ts\":1700000000,\"ev\":\"send\",\"actor\":\"svc.a\",\"to\":\"q\",\"id\":6}\n"
  "{\"ts\":2000000000,\"ev\":\"send\",\"actor\":\"svc.a\",\"to\":\"q\",\"id\":7}\n";

static IngestStore *
load (void)
{
  g_autoptr(GError) error = NULL;
  IngestStore *store = test_ingest_parse (trace, strlen (trace), 0, NULL, NULL, &error);

  assert_null (error);
  assert_non_null (store);
  return store;
}

static char *
cell (const RenderColumnTable *t, const char *name, RenderColumnId id)
{
  const RenderColumnRow *row = render_column_table_find (t, name);

  assert_non_null (row);
  return render_column_format (id, row);
}

static void
assert_cell (const RenderColumnTable *t, const char *name, RenderColumnId id, const char *want)
{
  g_autofree char *got = cell (t, name, id);
  assert_string_equal (got, want);
}

static void
test_rows_and_cells (void **state)
{
  g_autoptr(IngestStore) store = load ();
  g_autoptr(IngestGraph) graph = ingest_graph_build (store, NULL, NULL);
  g_autoptr(RenderColumnTable) t = render_column_table_build (store, graph, 0);

  assert_int_equal (t->n_rows, graph->nodes->len);
  assert_true (t->window_s > 1.99 && t->window_s < 2.01);
  assert_cell (t, "svc.w", RENDER_COLUMN_RECEIVED, "4");
  /* Rate is received per second of the window, for every front end. */
  assert_cell (t, "svc.w", RENDER_COLUMN_RATE, "2.00/s");
  assert_cell (t, "svc.a", RENDER_COLUMN_RATE, "0/s");
  assert_cell (t, "svc.w", RENDER_COLUMN_WAIT_P50, "1.00ms");
  assert_cell (t, "svc.w", RENDER_COLUMN_PROC_P99, "2.00ms");
  /* No processing of its own: a queue's and a sender's are "—". */
  assert_cell (t, "q", RENDER_COLUMN_PROC_P50, "—");
  assert_cell (t, "svc.a", RENDER_COLUMN_PROC_P50, "—");
  assert_cell (t, "q", RENDER_COLUMN_MAILBOX, "3");
  assert_cell (t, "q", RENDER_COLUMN_PENDING, "3");
  /* Counts in full, never cut. */
  RenderColumnRow big = { .name = (char *) "x", .received = 324142 };
  g_autofree char *full = render_column_format (RENDER_COLUMN_RECEIVED, &big);
  assert_string_equal (full, "324142");
}

/* The busiest rows of a capped table keep a stuck queue (nothing sent or
 * received by it, but 3 waiting). */
static void
test_stuck_queue_is_busy (void **state)
{
  g_autoptr(IngestStore) store = load ();
  g_autoptr(IngestGraph) graph = ingest_graph_build (store, NULL, NULL);
  g_autoptr(RenderColumnTable) t = render_column_table_build (store, graph, 2);

  assert_int_equal (t->n_rows, 2);
  assert_int_equal (t->n_nodes, graph->nodes->len);
  assert_string_equal (t->rows[0].name, "svc.a");
  assert_string_equal (t->rows[1].name, "q");
}

/* A group is a row with its members' sums, its rate is not 0. */
static void
test_group_row (void **state)
{
  g_autoptr(IngestStore) store = load ();
  const char *const groups[] = { "svc.*", NULL };
  IngestViewSpec spec = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX, .groups = groups };
  g_autoptr(IngestGraph) graph = ingest_graph_build (store, &spec, NULL);
  g_autoptr(RenderColumnTable) t = render_column_table_build (store, graph, 0);
  const RenderColumnRow *g = render_column_table_find (t, "svc.*");

  assert_non_null (g);
  assert_true (g->is_group);
  assert_int_equal (g->n_members, 2);
  assert_cell (t, "svc.*", RENDER_COLUMN_RATE, "2.00/s");
  assert_cell (t, "svc.*", RENDER_COLUMN_KIND, "group of 2");
}

static void
test_scope_text (void **state)
{
  g_autoptr(IngestStore) store = load ();
  g_autoptr(IngestGraph) graph = ingest_graph_build (store, NULL, NULL);
  g_autoptr(RenderColumnTable) t = render_column_table_build (store, graph, 0);
  g_autofree char *scope = render_column_table_scope_text (t);

  assert_non_null (strstr (scope, "window: 2.00s"));
  assert_non_null (strstr (scope, "MBOX, PENDING, UNACKED, UNANSWERED: now"));
  assert_non_null (strstr (scope, "RTT P50, RTT P99: since start"));
  for (guint i = 0; i < RENDER_N_COLUMNS; i++)
    assert_int_equal (render_column_get (i)->id, i);
}

/* Rows carry labels that tell them apart however alike the names are:
 * two "db" actors under different parents read "a/db" and "b/db". */
static void
test_labels_unique (void **state)
{
  static const char alike[] =
    "{\"ts\":0,\"ev\":\"send\",\"actor\":\"/user/a/db\",\"to\":\"/user/b/db\",\"id\":1}\n"
    "{\"ts\":1,\"ev\":\"recv\",\"actor\":\"/user/b/db\",\"id\":1}\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(IngestStore) store = test_ingest_parse (alike, strlen (alike), 0, NULL, NULL, &error);
  assert_null (error);
  g_autoptr(IngestGraph) graph = ingest_graph_build (store, NULL, NULL);
  g_autoptr(RenderColumnTable) t = render_column_table_build (store, graph, 10);
  const RenderColumnRow *a = render_column_table_find (t, "/user/a/db");
  const RenderColumnRow *b = render_column_table_find (t, "/user/b/db");

  (void) state;
  assert_non_null (a);
  assert_non_null (b);
  assert_string_equal (a->label, "a/db");
  assert_string_equal (b->label, "b/db");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_rows_and_cells),
    cmocka_unit_test (test_stuck_queue_is_busy),
    cmocka_unit_test (test_group_row),
    cmocka_unit_test (test_scope_text),
    cmocka_unit_test (test_labels_unique),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
