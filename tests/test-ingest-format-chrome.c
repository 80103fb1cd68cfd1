/* test-ingest-format-chrome.c: Chrome Trace Event Format, streamed:
 * processes/threads named by late metadata, slices, flows (v1 and bind_id)
 * in any order, instants, every split, truncation and bad events. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "ingest-parser.h"
#include "test-ingest-common.h"

/* Flow events before their metadata; the receiving end of the bind_id flow
 * comes before its sending end. */
static const char trace[] =
  "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n"
  "{\"ph\":\"X\",\"name\":\"RunTask\",\"cat\":\"toplevel\",\"pid\":2,\"tid\":20,\"ts\":150.5,\"dur\":10,"
  "\"bind_id\":\"0x1\",\"flow_in\":true,\"args\":{\"src_func\":\"OnCommit\"}},\n"
  "{\"ph\":\"X\",\"name\":\"PostTask\",\"cat\":\"toplevel\",\"pid\":1,\"tid\":10,\"ts\":100,\"dur\":5,"
  "\"bind_id\":\"0x1\",\"flow_out\":true},\n"
  "{\"ph\":\"B\",\"name\":\"Outer\",\"pid\":1,\"tid\":10,\"ts\":200},\n"
  "{\"ph\":\"s\",\"name\":\"mojo.Send\",\"cat\":\"mojom\",\"id\":7,\"pid\":1,\"tid\":10,\"ts\":210},\n"
  "{\"ph\":\"E\",\"pid\":1,\"tid\":10,\"ts\":250.25},\n"
  "{\"ph\":\"f\",\"bp\":\"e\",\"name\":\"mojo.Send\",\"cat\":\"mojom\",\"id\":7,\"pid\":2,\"tid\":20,\"ts\":300},\n"
  "{\"ph\":\"i\",\"name\":\"<script>alert(1)</script>\",\"s\":\"g\",\"pid\":1,\"tid\":10,\"ts\":310},\n"
  "{\"ph\":\"I\",\"name\":\"proc mark\",\"s\":\"p\",\"pid\":2,\"tid\":20,\"ts\":320},\n"
  "{\"ph\":\"C\",\"name\":\"counter\",\"pid\":1,\"ts\":5,\"args\":{\"v\":[1,2,{\"deep\":true}]}},\n"
  "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":1,\"tid\":0,\"args\":{\"name\":\"Browser\"}},\n"
  "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":10,\"args\":{\"name\":\"CrBrowserMain\"}},\n"
  "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":2,\"args\":{\"name\":\"Renderer\"}},\n"
  "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":2,\"tid\":20,\"args\":{\"name\":\"CrRendererMain\"}}\n"
  "],\"metadata\":{\"x\":1}}\n";

static IngestStore *
parse_text (const char *text, gsize len, gsize step, gboolean strict, IngestParser **out, GError **error)
{
  IngestParserOptions opts = { .strict = strict, .source_name = "trace.json" };
  return test_ingest_parse (text, len, step, &opts, out, error);
}

static char *
summary (IngestStore *store)
{
  GString *s = g_string_new (NULL);
  gsize n;
  g_autofree IngestEdgeStats *edges = ingest_store_dup_edges (store, &n);
  for (IngestActorId a = 1; a <= ingest_store_n_actors (store); a++)
    g_string_append_printf (s, "%s/%d/%u ", ingest_store_actor_name (store, a),
                            ingest_store_actor (store, a)->kind, ingest_store_actor (store, a)->parent);
  for (gsize i = 0; i < n; i++)
    g_string_append_printf (s, "[%s->%s %s x%" G_GUINT64_FORMAT "] ", ingest_store_actor_name (store, edges[i].from),
                            ingest_store_actor_name (store, edges[i].to),
                            ingest_store_atom (store, edges[i].top_label), edges[i].count);
  g_string_append_printf (s, "events=%" G_GUINT64_FORMAT, ingest_store_n_events (store));
  return g_string_free (s, FALSE);
}

static void
test_mapping (void **state)
{
  IngestParser *p = NULL;
  g_autoptr (IngestStore) store = parse_text (trace, strlen (trace), 0, TRUE, &p, NULL);
  g_autofree char *sum = NULL;
  IngestActorId main_thread, renderer;
  IngestActorStats st;
  gboolean saw_global_mark = FALSE;

  assert_non_null (store);
  assert_int_equal (ingest_parser_get_format (p), INGEST_FORMAT_CHROME);
  assert_int_equal (ingest_parser_n_records (p), 13);
  ingest_parser_free (p);
  sum = summary (store);
  assert_string_equal (sum,
                       "Renderer (pid 2)/3/0 CrRendererMain (tid 20)/2/1 Browser (pid 1)/3/0 "
                       "CrBrowserMain (tid 10)/2/3 "
                       "[CrBrowserMain (tid 10)->CrRendererMain (tid 20) OnCommit x2] events=11");
  main_thread = ingest_store_find_actor (store, "CrBrowserMain (tid 10)");
  renderer = ingest_store_find_actor (store, "CrRendererMain (tid 20)");
  /* the flow_in slice is the processing of the message: 10 us */
  ingest_store_actor_stats (store, renderer, &st);
  assert_int_equal (st.received, 2);
  assert_int_equal (st.processing.count, 1);
  assert_true (st.processing.p50_ns >= 9800 && st.processing.p50_ns <= 10200);
  /* slices on the browser thread: PostTask (5 us) and Outer (50.25 us) */
  ingest_store_actor_stats (store, main_thread, &st);
  assert_int_equal (st.processing.count, 2);
  assert_int_equal (st.processing.max_ns >= 50000, TRUE);
  assert_int_equal (ingest_store_counters (store)->unmatched, 0);
  for (IngestSeq i = 0; i < ingest_store_n_events (store); i++)
    {
      const IngestEvent *ev = ingest_store_event (store, i);
      if (ev->kind == INGEST_EVENT_MARK && ev->actor == 0)
        {
          saw_global_mark = TRUE;
          assert_string_equal (ingest_store_atom (store, ev->text), "<script>alert(1)</script>");
        }
      if (ev->kind == INGEST_EVENT_RECEIVE && ev->actor == main_thread)
        {
          const IngestMessage *m = ingest_store_message (store, ev->message);
          assert_true (strcmp (ingest_store_atom (store, m->label), "PostTask") == 0
                       || strcmp (ingest_store_atom (store, m->label), "Outer") == 0);
        }
      if (ev->kind == INGEST_EVENT_SEND)
        assert_true (ev->time_ns == 100000 || ev->time_ns == 210000);
    }
  assert_true (saw_global_mark);
}

static void
test_every_split (void **state)
{
  g_autoptr (IngestStore) whole = parse_text (trace, strlen (trace), 0, TRUE, NULL, NULL);
  g_autofree char *expect = summary (whole);
  for (gsize step = 1; step < 64; step++)
    {
      g_autoptr (IngestStore) s = parse_text (trace, strlen (trace), step, TRUE, NULL, NULL);
      g_autofree char *got = NULL;
      assert_non_null (s);
      got = summary (s);
      assert_string_equal (got, expect);
    }
}

static void
test_array_and_truncation (void **state)
{
  const char *arr = "[{\"ph\":\"X\",\"name\":\"a\",\"pid\":1,\"tid\":1,\"ts\":1,\"dur\":1},\n"
                    "{\"ph\":\"i\",\"name\":\"m\",\"pid\":1,\"tid\":1,\"ts\":2},\n";
  g_autoptr (GError) error = NULL;
  IngestStore *store;

  /* a JSON Array without its closing ']' is a valid (cut) Chrome trace */
  store = parse_text (arr, strlen (arr), 0, TRUE, NULL, NULL);
  assert_non_null (store);
  assert_int_equal (ingest_store_n_events (store), 3);
  ingest_store_free (store);
  /* cut inside an event: an error naming the end */
  store = parse_text (arr, strlen (arr) - 10, 0, TRUE, NULL, &error);
  assert_null (store);
  assert_true (g_str_has_prefix (error->message, "trace.json:2:"));
  assert_non_null (strstr (error->message, "truncated"));
}

static void
test_bad_events (void **state)
{
  const char *text = "[{\"ph\":\"X\",\"name\":\"ok\",\"pid\":1,\"tid\":1,\"ts\":1,\"dur\":1},\n"
                     "{\"ph\":\"X\",\"name\":\"no ts\",\"pid\":1,\"tid\":1},\n"
                     "{\"ph\":\"Q\",\"ts\":1},\n"
                     "{\"ph\":\"X\",\"ts\":\"1\",\"pid\":1},\n"
                     "{\"ph\":\"E\",\"pid\":9,\"tid\":9,\"ts\":1},\n"
                     "{\"ph\":\"X\",\"ts\":1e400,\"pid\":1},\n"
                     "[1,2],\n"
                     "{\"ph\":\"i\",\"name\":\"after\",\"pid\":1,\"tid\":1,\"ts\":3}]";
  IngestParser *p = NULL;
  g_autoptr (GError) error = NULL;
  IngestStore *store = parse_text (text, strlen (text), 0, FALSE, &p, NULL);
  const GError *d;

  assert_non_null (store);
  assert_int_equal (ingest_parser_n_skipped (p), 6);
  assert_int_equal (ingest_store_n_events (store), 3);
  d = g_ptr_array_index (ingest_parser_get_diagnostics (p), 0);
  assert_true (g_str_has_prefix (d->message, "trace.json:2:1: "));
  ingest_parser_free (p);
  ingest_store_free (store);

  store = parse_text (text, strlen (text), 0, TRUE, NULL, &error);
  assert_null (store);
  assert_true (g_str_has_prefix (error->message, "trace.json:2:1: "));
  g_clear_error (&error);

  /* a syntax error stops the document in either mode */
  store = parse_text ("[{\"ph\":\"i\",\"ts\":1,\"name\":\"x\"},{\"ph\":NaN}]", 39, 0, FALSE, NULL, &error);
  assert_null (store);
  assert_true (g_error_matches (error, INGEST_ERROR, INGEST_ERROR_SYNTAX));
  assert_true (g_str_has_prefix (error->message, "trace.json:1:"));
}

static void
test_name_collision (void **state)
{
  /* same tid in two processes (synthetic traces do this) stays two actors */
  const char *text = "[{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":1,\"args\":{\"name\":\"main\"}},"
                     "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":2,\"tid\":1,\"args\":{\"name\":\"main\"}},"
                     "{\"ph\":\"i\",\"name\":\"a\",\"pid\":1,\"tid\":1,\"ts\":1},"
                     "{\"ph\":\"i\",\"name\":\"b\",\"pid\":2,\"tid\":1,\"ts\":1}]";
  g_autoptr (IngestStore) store = parse_text (text, strlen (text), 0, TRUE, NULL, NULL);
  assert_non_null (store);
  assert_true (ingest_store_find_actor (store, "main (tid 1)") != 0);
  assert_true (ingest_store_find_actor (store, "main (tid 1, pid 2)") != 0);
  assert_int_not_equal (ingest_store_event (store, 0)->actor, ingest_store_event (store, 1)->actor);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_mapping),
    cmocka_unit_test (test_every_split),
    cmocka_unit_test (test_array_and_truncation),
    cmocka_unit_test (test_bad_events),
    cmocka_unit_test (test_name_collision),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
