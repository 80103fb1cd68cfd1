/* test-stats-consistency.c: the same figures in every front end. From one
 * trace, `actorscope stats` (the table), `actorscope stats --json` and the
 * live console's frame (its actor table, as `serve` sends it) must show the
 * same rows with the same cells, with and without a group. The desktop tree
 * reads the same render-columns rows (test-gtk-app checks its cells).
 *
 * The trace is the bundled message-switch capture: clients, broker queues
 * whose processing does not apply ("—"), and a stuck queue (nothing
 * delivered, one waiting). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "ingest-parser.h"
#include "render-columns.h"
#include "test-integration-common.h"
#include "web-frame.h"
#include "web-view-state.h"

#define TRACE "mswitch-rpc.json"

static json_t *
stats_json (const char *group)
{
  g_autofree char *trace = it_trace_path (TRACE);
  g_auto(ItRun) run = { 0 };
  json_error_t jerr;
  gsize len;
  const char *data;
  json_t *root;

  if (group != NULL)
    assert_true (it_runv (&run, NULL, "stats", trace, "--json", "--group", group, NULL));
  else
    assert_true (it_runv (&run, NULL, "stats", trace, "--json", NULL));
  assert_int_equal (run.status, 0);
  data = g_bytes_get_data (run.out, &len);
  root = json_loadb (data, len, 0, &jerr);
  assert_non_null (root);
  return root;
}

/* The actor table of `stats` as rows of cells (split on runs of 2+
 * spaces; the names of this trace have no spaces). */
static GPtrArray *
stats_table (const char *group, char **header_out)
{
  g_autofree char *trace = it_trace_path (TRACE);
  g_auto(ItRun) run = { 0 };
  g_autoptr(GRegex) gap = g_regex_new ("  +", 0, 0, NULL);
  g_auto(GStrv) lines = NULL;
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  gboolean in_table = FALSE;

  if (group != NULL)
    assert_true (it_runv (&run, NULL, "stats", trace, "--group", group, NULL));
  else
    assert_true (it_runv (&run, NULL, "stats", trace, NULL));
  assert_int_equal (run.status, 0);
  lines = g_strsplit (g_bytes_get_data (run.out, NULL), "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], "Actors ("))
        *header_out = g_strdup (lines[i]);
      else if (g_str_has_prefix (lines[i], "ACTOR "))
        in_table = TRUE;
      else if (in_table && lines[i][0] == '\0')
        break;
      else if (in_table)
        g_ptr_array_add (rows, g_regex_split (gap, lines[i], 0));
    }
  return rows;
}

/* The frame the console gets for the whole trace (not following, every
 * event), with groups. */
static json_t *
console_frame (const char *group)
{
  g_autofree char *trace = it_trace_path (TRACE);
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(GError) error = NULL;
  g_auto(WebViewState) state;
  g_autofree char *frame = NULL;
  json_error_t jerr;

  assert_true (ingest_load_file (store, trace, NULL, NULL, NULL, &error));
  web_view_state_init (&state);
  state.kind = RENDER_VIEW_GRAPH;
  state.follow = FALSE;
  state.from_ns = INGEST_TIME_MIN;
  state.to_ns = INGEST_TIME_MAX;
  if (group != NULL)
    {
      const char *groups[] = { group, NULL };
      state.groups = g_strdupv ((char **) groups);
    }
  frame = web_frame_build (store, &state, NULL, NULL, NULL, &error);
  assert_null (error);
  assert_non_null (frame);
  return json_loads (frame, 0, &jerr);
}

static json_t *
find_by_name (json_t *rows, const char *name)
{
  size_t i;
  json_t *row;

  json_array_foreach (rows, i, row)
    if (g_strcmp0 (json_string_value (json_object_get (row, "name")), name) == 0)
      return row;
  return NULL;
}

static void
check_same_figures (const char *group)
{
  json_t *stats = stats_json (group);
  json_t *frame = console_frame (group);
  g_autofree char *header = NULL;
  g_autoptr(GPtrArray) table = stats_table (group, &header);
  json_t *columns = json_object_get (stats, "columns");
  json_t *actors = json_object_get (stats, "actors");
  json_t *frame_actors = json_object_get (frame, "actors");
  size_t i;
  json_t *a;

  assert_int_equal (json_array_size (columns), RENDER_N_COLUMNS);
  assert_true (json_array_size (actors) > 0);
  /* Every node is a row everywhere (this trace has fewer than the
   * console's 500). */
  assert_int_equal (table->len, json_array_size (actors));
  assert_int_equal (json_array_size (frame_actors), json_array_size (actors));
  /* Every table says its scope in its header: the same words. */
  assert_non_null (header);
  assert_non_null (strstr (header, json_string_value (json_object_get (frame, "table_scope"))));
  assert_non_null (strstr (header, "window: "));
  assert_non_null (strstr (header, "since start"));

  json_array_foreach (actors, i, a)
    {
      const char *name = json_string_value (json_object_get (a, "name"));
      json_t *cells = json_object_get (a, "cells");
      json_t *live = find_by_name (frame_actors, name);
      char **text_row = NULL;

      for (guint r = 0; r < table->len; r++)
        if (g_strcmp0 (((char **) g_ptr_array_index (table, r))[0], name) == 0)
          text_row = g_ptr_array_index (table, r);
      assert_non_null (text_row);
      assert_non_null (live);
      assert_int_equal (g_strv_length (text_row), RENDER_N_COLUMNS);
      /* The numbers behind the cells. */
      assert_int_equal (json_integer_value (json_object_get (a, "received")),
                        json_integer_value (json_object_get (live, "received")));
      assert_int_equal (json_integer_value (json_object_get (a, "sent")),
                        json_integer_value (json_object_get (live, "sent")));
      assert_int_equal (json_integer_value (json_object_get (a, "mailbox_depth")),
                        json_integer_value (json_object_get (live, "mailbox")));
      /* (the console writes reals with fewer digits) */
      double rate = json_real_value (json_object_get (a, "rate_per_s"));
      assert_true (fabs (rate - json_real_value (json_object_get (live, "rate"))) <= 1e-5 * fabs (rate));
      /* Cells: CLI table == JSON == console, column by column. */
      for (guint c = RENDER_COLUMN_SENT; c < RENDER_N_COLUMNS; c++)
        {
          const char *key = render_column_get (c)->key;
          const char *want = json_string_value (json_object_get (cells, key));
          /* the console's cells are in the order of the frame's columns */
          const char *console = json_string_value (json_array_get (json_object_get (live, "cells"), c));
          assert_string_equal (json_string_value (json_object_get (json_array_get (json_object_get (frame, "columns"), c), "key")), key);

          assert_non_null (want);
          assert_string_equal (text_row[c], want);
          assert_non_null (console);
          assert_string_equal (console, want);
        }
      /* A queue has no processing of its own. */
      if (g_strcmp0 (json_string_value (json_object_get (a, "kind")), "queue") == 0 &&
          !json_is_true (json_object_get (a, "group")))
        assert_string_equal (json_string_value (json_object_get (cells, "processing_p50_ns")), "—");
    }
  json_decref (stats);
  json_decref (frame);
}

static void
test_same_figures (void **state)
{
  check_same_figures (NULL);
}

/* A group is a row with its members' sums everywhere, and its rate is not
 * 0 (the console used to look its members up among ungrouped nodes). */
static void
test_same_figures_grouped (void **state)
{
  json_t *frame = console_frame ("xapi:*");
  json_t *row = find_by_name (json_object_get (frame, "actors"), "xapi:*");

  assert_non_null (row);
  assert_true (json_real_value (json_object_get (row, "rate")) > 0);
  json_decref (frame);
  check_same_figures ("xapi:*");
}

/* The stuck queue (one message waiting, none delivered) is a row of the
 * console's table. */
static void
test_stuck_queue_listed (void **state)
{
  json_t *frame = console_frame (NULL);
  json_t *row = find_by_name (json_object_get (frame, "actors"), "org.xen.xapi.storage.nfs");

  assert_non_null (row);
  assert_int_equal (json_integer_value (json_object_get (row, "mailbox")), 1);
  assert_int_equal (json_integer_value (json_object_get (row, "received")), 0);
  json_decref (frame);
}

int
main (int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_same_figures),
    cmocka_unit_test (test_same_figures_grouped),
    cmocka_unit_test (test_stuck_queue_listed),
  };
  int failed;

  it_init (argc, argv);
  failed = cmocka_run_group_tests (tests, NULL, NULL);
  it_cleanup ();
  return failed;
}
