/* test-ingest-format-xstate-otlp.c: the XState inspection file and OTLP JSON
 * file formats, their detection, and the all-skipped rule (a foreign file
 * is an error naming what it looks like, never an empty trace). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "test-ingest-common.h"
#include "ingest-xstate-adapter.h"

static char *
read_sample (const char *name, gsize *len)
{
  const char *root = g_getenv ("ACTORSCOPE_SOURCE_ROOT");
  g_autofree char *path = g_build_filename (root != NULL ? root : ".", "data", "traces", name, NULL);
  char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, len, NULL));
  return text;
}

static gint
compare_rows (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

/* "from>to" -> message count over every edge, as a sorted text. */
static char *
edge_summary (IngestStore *store)
{
  gsize n = 0;
  g_autofree IngestEdgeStats *edges = ingest_store_dup_edges (store, &n);
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (g_free);
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < n; i++)
    g_ptr_array_add (rows, g_strdup_printf ("%s>%s=%" G_GUINT64_FORMAT,
                                            ingest_store_actor_name (store, edges[i].from),
                                            ingest_store_actor_name (store, edges[i].to),
                                            edges[i].count));
  g_ptr_array_sort (rows, compare_rows);
  for (guint i = 0; i < rows->len; i++)
    g_string_append_printf (out, "%s%s", i ? " " : "", (char *) g_ptr_array_index (rows, i));
  return g_string_free (out, FALSE);
}

static void
test_detect (void **state)
{
  const char *xs = "{\"type\":\"@xstate.event\",\"actorRef\":{\"id\":\"x:0\"},\"event\":{\"type\":\"A\"}}\n";
  const char *xs2 = "{\"name\":\"m\", \"type\" : \"@xstate.actor\",\"sessionId\":\"x:0\"}\n";
  const char *otlp = "{\"resourceSpans\":[]}\n";
  const char *native = "{\"ts\":1,\"ev\":\"mark\",\"text\":\"\\\"type\\\":\\\"@xstate.event\"}\n";
  IngestFormat f;

  assert_int_equal (ingest_format_detect ((const guint8 *) xs, strlen (xs)), INGEST_FORMAT_XSTATE);
  assert_int_equal (ingest_format_detect ((const guint8 *) xs2, strlen (xs2)), INGEST_FORMAT_XSTATE);
  assert_int_equal (ingest_format_detect ((const guint8 *) otlp, strlen (otlp)), INGEST_FORMAT_OTLP);
  /* an escaped "@xstate." inside a native string is not XState */
  assert_int_equal (ingest_format_detect ((const guint8 *) native, strlen (native)), INGEST_FORMAT_NATIVE);
  /* "type" first, value not seen yet: wait */
  assert_int_equal (ingest_format_detect ((const guint8 *) "{\"type\":\"@xs", 12), INGEST_FORMAT_AUTO);
  assert_true (ingest_format_from_string ("xstate", &f) && f == INGEST_FORMAT_XSTATE);
  assert_true (ingest_format_from_string ("OTLP", &f) && f == INGEST_FORMAT_OTLP);
  assert_string_equal (ingest_format_to_string (INGEST_FORMAT_OTLP), "otlp");
  (void) state;
}

/* Both XState file shapes of the same recorded run, any split, plain and
 * through the live adapter: one picture. */
static void
test_xstate_files (void **state)
{
  gsize len_i = 0, len_r = 0;
  g_autofree char *inspect = read_sample ("xstate-pingpong.inspect.ndjson", &len_i);
  g_autofree char *raw = read_sample ("xstate-pingpong.raw.ndjson", &len_r);
  g_autoptr (GError) error = NULL;
  g_autoptr (IngestStore) a = NULL;
  g_autoptr (IngestStore) b = NULL;
  g_autoptr (IngestStore) c = NULL;
  g_autoptr (IngestStore) live = ingest_store_new ();
  g_autoptr (IngestXstateAdapter) adapter = ingest_xstate_adapter_new (live, "live");
  g_autofree char *sa = NULL, *sb = NULL, *sc = NULL, *sl = NULL;
  IngestParser *parser = NULL;

  a = test_ingest_parse (inspect, len_i, 0, NULL, &parser, &error);
  assert_non_null (a);
  assert_int_equal (ingest_parser_get_format (parser), INGEST_FORMAT_XSTATE);
  assert_int_equal (ingest_parser_n_skipped (parser), 0);
  ingest_parser_free (parser);
  b = test_ingest_parse (inspect, len_i, 7, NULL, NULL, &error);
  assert_non_null (b);
  sa = edge_summary (a);
  sb = edge_summary (b);
  assert_string_equal (sa, sb);
  assert_string_equal (sa, "(external)>/pinger=1 /pinger/ponger>/pinger=5 /pinger>/pinger/ponger=6");

  /* the live path: one websocket message per line */
  {
    g_auto (GStrv) lines = g_strsplit (inspect, "\n", -1);
    for (guint i = 0; lines[i] != NULL; i++)
      if (*lines[i] != '\0')
        assert_true (ingest_xstate_adapter_feed (adapter, lines[i], strlen (lines[i]), &error));
    sl = edge_summary (live);
    assert_string_equal (sl, sa);
    assert_int_equal (ingest_store_n_events (live), ingest_store_n_events (a));
  }

  /* raw InspectionEvents: the same flows; the root has no machine name */
  c = test_ingest_parse (raw, len_r, 13, NULL, NULL, &error);
  assert_non_null (c);
  sc = edge_summary (c);
  assert_string_equal (sc, "(external)>/x:0=1 /ponger>/x:0=5 /x:0>/ponger=6");
  (void) state;
}

/* Bad lines of an XState file: each at its line and column, skipped. */
static void
test_xstate_bad (void **state)
{
  const char *text =
    "{\"type\":\"@xstate.actor\",\"sessionId\":\"x:0\",\"name\":\"m\"}\n"
    "{\"type\":\"@xstate.event\",\"sessionId\":\"x:0\",\"event\":{\"type\":\"A\"\n" /* cut */
    "{\"type\":\"@xstate.event\",\"event\":{\"type\":\"B\"}}\n"                  /* no session */
    "[1,2]\n"
    "{\"type\":\"hello\"}\n"
    "{\"type\":\"@xstate.event\",\"sessionId\":\"x:0\",\"event\":{\"type\":\"C\"}}\n";
  IngestParserOptions strict = { .strict = TRUE, .source_name = "x.ndjson" };
  g_autoptr (GError) error = NULL;
  g_autoptr (IngestStore) store = NULL;
  IngestParser *parser = NULL;
  const GPtrArray *diags;

  store = test_ingest_parse (text, strlen (text), 3, NULL, &parser, &error);
  assert_non_null (store);
  assert_int_equal (ingest_parser_n_records (parser), 2);
  assert_int_equal (ingest_parser_n_skipped (parser), 4);
  diags = ingest_parser_get_diagnostics (parser);
  assert_non_null (strstr (((GError *) g_ptr_array_index (diags, 0))->message, ":2:"));
  assert_non_null (strstr (((GError *) g_ptr_array_index (diags, 1))->message,
                           ":3:1: @xstate.event needs a string \"sessionId\""));
  assert_non_null (strstr (((GError *) g_ptr_array_index (diags, 2))->message, ":4:1: not a JSON object"));
  assert_non_null (strstr (((GError *) g_ptr_array_index (diags, 3))->message,
                           ":5:1: not an XState inspection event"));
  ingest_parser_free (parser);
  assert_null (test_ingest_parse (text, strlen (text), 0, &strict, NULL, &error));
  assert_non_null (strstr (error->message, "x.ndjson:2:"));
  (void) state;
}

#define SPAN(svc, body) \
  "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"" svc "\"}}]}," \
  "\"scopeSpans\":[{\"spans\":[" body "]}]}]}\n"

/* Partners in any order and in different requests; unpaired spans alone
 * at the end; exceptions as error marks; bad spans skipped with a line. */
static void
test_otlp_pairing (void **state)
{
  const char *text =
    /* the server span first, its client later */
    SPAN ("api", "{\"traceId\":\"t\",\"spanId\":\"s2\",\"parentSpanId\":\"s1\",\"kind\":2,\"name\":\"GET /x\","
                 "\"startTimeUnixNano\":\"1100\",\"endTimeUnixNano\":\"1900\"}")
    SPAN ("web", "{\"traceId\":\"t\",\"spanId\":\"s1\",\"kind\":\"SPAN_KIND_CLIENT\",\"name\":\"GET /x\","
                 "\"startTimeUnixNano\":\"1000\",\"endTimeUnixNano\":\"2000\"}")
    /* a consumer before its producer */
    SPAN ("worker", "{\"traceId\":\"t\",\"spanId\":\"c1\",\"kind\":5,\"name\":\"jobs process\","
                    "\"links\":[{\"traceId\":\"t\",\"spanId\":\"p1\"}],"
                    "\"startTimeUnixNano\":\"3000\",\"endTimeUnixNano\":\"3500\","
                    "\"events\":[{\"name\":\"exception\",\"timeUnixNano\":\"3400\",\"attributes\":["
                    "{\"key\":\"exception.type\",\"value\":{\"stringValue\":\"Error\"}},"
                    "{\"key\":\"exception.message\",\"value\":{\"stringValue\":\"boom\"}}]}]}")
    SPAN ("api", "{\"traceId\":\"t\",\"spanId\":\"p1\",\"kind\":4,\"name\":\"jobs publish\","
                 "\"attributes\":[{\"key\":\"messaging.destination.name\",\"value\":{\"stringValue\":\"jobs\"}}],"
                 "\"startTimeUnixNano\":\"1500\",\"endTimeUnixNano\":\"1600\"},"
                 "{\"spanId\":\"bad\",\"kind\":4}")
    /* a client nobody answered: the peer stands in */
    SPAN ("web", "{\"traceId\":\"u\",\"spanId\":\"k9\",\"kind\":3,\"name\":\"GET /ext\","
                 "\"attributes\":[{\"key\":\"server.address\",\"value\":{\"stringValue\":\"example.org\"}}],"
                 "\"startTimeUnixNano\":\"5000\",\"endTimeUnixNano\":\"9000\"}");
  g_autoptr (GError) error = NULL;
  g_autoptr (IngestStore) store = NULL;
  g_autofree char *edges = NULL;
  IngestParser *parser = NULL;
  IngestParserOptions strict = { .strict = TRUE, .source_name = "t.otlp" };
  IngestActorStats st;
  IngestActorId web = 0, worker = 0;

  store = test_ingest_parse (text, strlen (text), 5, NULL, &parser, &error);
  assert_non_null (store);
  assert_int_equal (ingest_parser_get_format (parser), INGEST_FORMAT_OTLP);
  assert_int_equal (ingest_parser_n_skipped (parser), 1); /* line 4's bad span */
  assert_non_null (strstr (((GError *) g_ptr_array_index (ingest_parser_get_diagnostics (parser), 0))->message,
                           ":4:1: 1 span(s) without traceId"));
  ingest_parser_free (parser);
  edges = edge_summary (store);
  assert_string_equal (edges, "api>jobs=1 api>web=1 example.org>web=1 jobs>worker=1 web>api=1 web>example.org=1");
  for (IngestActorId id = 1; id <= ingest_store_n_actors (store); id++)
    {
      if (g_strcmp0 (ingest_store_actor_name (store, id), "web") == 0)
        web = id;
      if (g_strcmp0 (ingest_store_actor_name (store, id), "worker") == 0)
        worker = id;
    }
  ingest_store_actor_stats (store, web, &st);
  assert_int_equal (st.round_trip.count, 2);
  assert_int_equal (st.unanswered, 0);
  ingest_store_actor_stats (store, worker, &st);
  assert_int_equal (st.errors, 1);

  /* strict: the bad span stops at its line */
  assert_null (test_ingest_parse (text, strlen (text), 0, &strict, NULL, &error));
  assert_non_null (strstr (error->message, "t.otlp:4:1:"));
  (void) state;
}

/* A file none of whose records can be read is an error naming what it
 * looks like, in lenient mode too; one good record is enough to pass. */
static void
test_all_skipped (void **state)
{
  const char *otlp_as_native = "{\"resourceSpans\":[]}\n{\"resourceSpans\":[]}\n";
  const char *garbage = "hello\nworld\n";
  const char *some_good = "hello\n{\"ts\":1,\"ev\":\"mark\",\"text\":\"x\"}\n";
  IngestParserOptions native = { .format = INGEST_FORMAT_NATIVE, .source_name = "f" };
  g_autoptr (GError) error = NULL;
  g_autoptr (IngestStore) ok = NULL;

  assert_null (test_ingest_parse (otlp_as_native, strlen (otlp_as_native), 0, &native, NULL, &error));
  assert_int_equal (error->code, INGEST_ERROR_FORMAT);
  assert_non_null (strstr (error->message, "no record could be read as native (2 skipped)"));
  if (strstr (error->message, "OTLP JSON (--format otlp)") == NULL)
    fail_msg ("%s", error->message);
  g_clear_error (&error);
  assert_null (test_ingest_parse (garbage, strlen (garbage), 3, NULL, NULL, &error));
  assert_non_null (strstr (error->message, "not JSON"));
  g_clear_error (&error);
  ok = test_ingest_parse (some_good, strlen (some_good), 0, NULL, NULL, &error);
  assert_non_null (ok);
  (void) state;
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_detect),
    cmocka_unit_test (test_xstate_files),
    cmocka_unit_test (test_xstate_bad),
    cmocka_unit_test (test_otlp_pairing),
    cmocka_unit_test (test_all_skipped),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
