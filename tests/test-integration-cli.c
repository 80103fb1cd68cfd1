/* test-integration-cli.c: the `actorscope` command line as a user meets it:
 * --help/--version, exit codes of usage and runtime errors, diagnostics with
 * source:line:col for malformed input in strict and lenient mode, `stats`
 * (table and --json, checked against known facts of the samples), terminal
 * escaping of hostile strings, and the `convert` round trip. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include <sys/stat.h>

#include "ingest-log-disk.h"
#include "ingest-parser.h"
#include "test-integration-common.h"

#define assert_contains(haystack, needle)                                          \
  do {                                                                             \
    if (!strstr ((haystack), (needle)))                                            \
      fail_msg ("expected “%s” in:\n%s", (needle), (haystack));                    \
  } while (0)

/* stdout as a NUL-terminated string (owned by the caller). */
static char *
run_stdout (const ItRun *run)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (run->out, &len);
  return g_strndup (data ? data : "", len);
}

static json_t *
run_json (const ItRun *run)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (run->out, &len);
  json_error_t jerr;
  json_t *root = json_loadb (data, len, 0, &jerr);
  if (!root)
    fail_msg ("stats --json is not JSON: %s at %d:%d", jerr.text, jerr.line, jerr.column);
  return root;
}

static json_t *
stats_json (const char *trace)
{
  g_auto(ItRun) run = { 0 };
  assert_true (it_runv (&run, NULL, "stats", trace, "--json", NULL));
  if (run.status != 0)
    fail_msg ("stats %s: status %d: %s", trace, run.status, run.err);
  return run_json (&run);
}

/* stats --json --expand-threads: one row per thread. */
static json_t *
stats_json_expanded (const char *trace)
{
  g_auto(ItRun) run = { 0 };
  assert_true (it_runv (&run, NULL, "stats", trace, "--json", "--expand-threads", NULL));
  if (run.status != 0)
    fail_msg ("stats --expand-threads %s: status %d: %s", trace, run.status, run.err);
  return run_json (&run);
}

static json_t *
find_actor (json_t *stats, const char *name_part)
{
  size_t i;
  json_t *a;
  json_array_foreach (json_object_get (stats, "actors"), i, a)
    if (strstr (json_string_value (json_object_get (a, "name")), name_part))
      return a;
  return NULL;
}

static json_int_t
sum_actors (json_t *stats, const char *key)
{
  size_t i;
  json_t *a;
  json_int_t sum = 0;
  json_array_foreach (json_object_get (stats, "actors"), i, a)
    sum += json_integer_value (json_object_get (a, key));
  return sum;
}

/* ---- help, version, usage errors ---------------------------------------- */

static void
test_help_version (void **state)
{
  g_auto(ItRun) r = { 0 };
  assert_true (it_runv (&r, NULL, "--help", NULL));
  assert_int_equal (r.status, 0);
  g_autofree char *out = run_stdout (&r);
  assert_contains (out, "export");
  assert_contains (out, "stats");
  assert_contains (out, "convert");

  const char *cmds[] = { "export", "stats", "convert" };
  for (guint i = 0; i < G_N_ELEMENTS (cmds); i++)
    {
      g_auto(ItRun) h = { 0 };
      assert_true (it_runv (&h, NULL, cmds[i], "--help", NULL));
      assert_int_equal (h.status, 0);
      g_autofree char *help = run_stdout (&h);
      assert_contains (help, "TRACE");
      assert_contains (help, "--strict");
      if (g_str_equal (cmds[i], "stats"))
        assert_contains (help, "from the request's send to the delivery of its response");
      g_auto(ItRun) h2 = { 0 };
      assert_true (it_runv (&h2, NULL, "help", cmds[i], NULL));
      assert_int_equal (h2.status, 0);
      assert_true (g_bytes_equal (h.out, h2.out));
    }

  g_auto(ItRun) v = { 0 };
  assert_true (it_runv (&v, NULL, "--version", NULL));
  assert_int_equal (v.status, 0);
  g_autofree char *version = run_stdout (&v);
  assert_contains (version, "actorscope ");
}

static void
expect_usage_error (const char *needle, ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;
  va_start (ap, needle);
  for (const char *a = va_arg (ap, const char *); a; a = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  g_auto(ItRun) r = { 0 };
  assert_true (it_run (&r, NULL, (const char *const *) args->pdata));
  if (r.status != 2)
    fail_msg ("expected exit status 2, got %d; stderr: %s", r.status, r.err);
  assert_contains (r.err, needle);
  assert_contains (r.err, "--help");
  assert_int_equal (g_bytes_get_size (r.out), 0);
}

static void
test_usage_errors (void **state)
{
  g_auto(GStrv) traces = it_list_traces ();
  const char *t = traces[0];
  assert_non_null (t);

  expect_usage_error ("No command", NULL);
  expect_usage_error ("frobnicate", "frobnicate", NULL);
  expect_usage_error ("--bogus", "--bogus", NULL);
  expect_usage_error ("TRACE", "export", "-o", "x.svg", NULL);
  expect_usage_error ("Too many", "stats", t, t, NULL);
  expect_usage_error ("-o", "export", t, NULL);
  expect_usage_error ("-o", "convert", t, NULL);
  expect_usage_error ("bogus", "export", t, "--view", "bogus", "-o", "x.svg", NULL);
  expect_usage_error ("x.gif", "export", t, "-o", "x.gif", NULL);
  expect_usage_error ("tiff", "export", t, "--output-format", "tiff", "-o", "-", NULL);
  expect_usage_error ("purple", "export", t, "--theme", "purple", "-o", "x.svg", NULL);
  expect_usage_error ("yesterday", "export", t, "--from", "yesterday", "-o", "x.svg", NULL);
  expect_usage_error ("1.5x", "export", t, "--to", "1.5x", "-o", "x.svg", NULL);
  expect_usage_error ("--from is after --to", "export", t, "--from", "+2s", "--to", "+1s", "-o", "x.svg", NULL);
  expect_usage_error ("--filter", "export", t, "--filter", "/([/", "-o", "x.svg", NULL);
  expect_usage_error ("--group", "stats", t, "--group", "/(/", NULL);
  expect_usage_error ("xml", "stats", t, "--format", "xml", NULL);
  expect_usage_error ("--width", "export", t, "--width", "-5", "-o", "x.svg", NULL);
  expect_usage_error ("--width", "export", t, "--width", "1e9", "-o", "x.svg", NULL);
}

/* ---- runtime errors, malformed input ---------------------------------- */

/* A native trace with one bad record on line 3, made from the first lines of
 * the native sample so it does not depend on the format's details. */
static char *
make_malformed_native (const char *name, guint bad_line, const char *bad)
{
  g_autofree char *src = it_trace_path ("akka-supervision.ndjson");
  g_autofree char *data = NULL;
  if (!g_file_get_contents (src, &data, NULL, NULL))
    fail_msg ("data/traces/akka-supervision.ndjson is missing");
  g_auto(GStrv) lines = g_strsplit (data, "\n", 12);
  GString *out = g_string_new (NULL);
  for (guint i = 0; lines[i] && i < 10; i++)
    {
      if (i + 1 == bad_line)
        g_string_append_printf (out, "%s\n", bad);
      g_string_append_printf (out, "%s\n", lines[i]);
    }
  char *path = it_write_tmp (name, out->str, (gssize) out->len);
  g_string_free (out, TRUE);
  return path;
}

static void
test_malformed_strict_lenient (void **state)
{
  g_autofree char *bad = make_malformed_native ("bad.ndjson", 3, "{\"t\": 12, \"ev\": oops}");

  /* Strict: stops, exit 1, names file, line and column. */
  g_auto(ItRun) s = { 0 };
  assert_true (it_runv (&s, NULL, "stats", bad, "--strict", NULL));
  assert_int_equal (s.status, 1);
  g_autofree char *where = g_strdup_printf ("%s:3:", bad);
  assert_contains (s.err, where);
  assert_int_equal (g_bytes_get_size (s.out), 0);

  /* The column is a number after line. */
  const char *p = strstr (s.err, where) + strlen (where);
  assert_true (g_ascii_isdigit (*p));

  g_auto(ItRun) e = { 0 };
  g_autofree char *svg = it_tmp_path ("strict.svg");
  assert_true (it_runv (&e, NULL, "export", bad, "--strict", "-o", svg, NULL));
  assert_int_equal (e.status, 1);
  assert_contains (e.err, where);
  assert_false (g_file_test (svg, G_FILE_TEST_EXISTS));

  /* Lenient (default): skips, counts, reports, exit 0. */
  g_auto(ItRun) l = { 0 };
  assert_true (it_runv (&l, NULL, "stats", bad, "--json", NULL));
  assert_int_equal (l.status, 0);
  assert_contains (l.err, where);
  assert_contains (l.err, "skipped 1 malformed record");
  json_t *root = run_json (&l);
  assert_int_equal (json_integer_value (json_object_get (json_object_get (root, "records"), "skipped")), 1);
  json_decref (root);
}

static void
test_malformed_many (void **state)
{
  /* 50 bad records: the first few are shown, then a count. */
  GString *s = g_string_new (NULL);
  g_autofree char *src = it_trace_path ("akka-supervision.ndjson");
  g_autofree char *data = NULL;
  assert_true (g_file_get_contents (src, &data, NULL, NULL));
  g_string_append (s, data);
  for (guint i = 0; i < 50; i++)
    g_string_append (s, "{not json\n");
  g_autofree char *path = it_write_tmp ("many-bad.ndjson", s->str, (gssize) s->len);
  g_string_free (s, TRUE);

  g_auto(ItRun) r = { 0 };
  assert_true (it_runv (&r, NULL, "stats", path, NULL));
  assert_int_equal (r.status, 0);
  assert_contains (r.err, "skipped 50 malformed records");
  assert_contains (r.err, "more malformed records");
  /* At most a handful of diagnostic lines, not fifty. */
  guint lines = 0;
  for (const char *p = r.err; (p = strstr (p, path)); p++)
    lines++;
  assert_true (lines >= 1 && lines <= 6);
}

static void
test_runtime_errors (void **state)
{
  /* Missing file: runtime error naming it. */
  g_auto(ItRun) r = { 0 };
  assert_true (it_runv (&r, NULL, "stats", "/nonexistent/trace.json", NULL));
  assert_int_equal (r.status, 1);
  assert_contains (r.err, "/nonexistent/trace.json");

  /* A directory. */
  g_auto(ItRun) d = { 0 };
  assert_true (it_runv (&d, NULL, "convert", it_tmpdir (), "-o", "-", NULL));
  assert_int_equal (d.status, 1);

  /* Unwritable output. */
  g_auto(GStrv) traces = it_list_traces ();
  g_auto(ItRun) w = { 0 };
  assert_true (it_runv (&w, NULL, "export", traces[0], "-o", "/nonexistent/dir/out.svg", NULL));
  assert_int_equal (w.status, 1);
  assert_contains (w.err, "actorscope: ");

  /* Truncated JSON document (Chrome format forced) in strict mode. */
  g_autofree char *trunc = it_write_tmp ("trunc.json", "{\"traceEvents\":[{\"ph\":\"X\",\"name\":\"a\",", -1);
  g_auto(ItRun) t = { 0 };
  assert_true (it_runv (&t, NULL, "stats", trunc, "--format", "chrome", "--strict", NULL));
  assert_int_equal (t.status, 1);
  assert_contains (t.err, "trunc.json");

  /* A broken message-switch body on line 2: strict stops there, lenient
   * skips it and keeps the good body. */
  g_autofree char *ms = it_write_tmp ("bad-ms.json",
                                      "{\"events\":[[0,{\"time\":1795484650.027815,\"input\":\"c:1\",\"queue\":\"q\","
                                      "\"message\":[\"Message\",[\"q\",0],{\"payload\":\"x\",\"kind\":[\"Request\",\"c:1\"]}]}]]}\n"
                                      "{\"events\":[[1,{\"time\": oops}]]}\n", -1);
  g_auto(ItRun) ms_strict = { 0 };
  assert_true (it_runv (&ms_strict, NULL, "stats", ms, "--strict", NULL));
  assert_int_equal (ms_strict.status, 1);
  g_autofree char *ms_where = g_strdup_printf ("%s:2:", ms);
  assert_contains (ms_strict.err, ms_where);
  g_auto(ItRun) ms_lenient = { 0 };
  assert_true (it_runv (&ms_lenient, NULL, "stats", ms, "--json", NULL));
  assert_int_equal (ms_lenient.status, 0);
  assert_contains (ms_lenient.err, ms_where);
  json_t *ms_root = run_json (&ms_lenient);
  assert_string_equal (json_string_value (json_object_get (ms_root, "format")), "mswitch");
  assert_true (json_integer_value (json_object_get (json_object_get (ms_root, "records"), "skipped")) >= 1);
  assert_true (json_integer_value (json_object_get (ms_root, "events")) >= 1);
  json_decref (ms_root);

  /* Random binary garbage: never a crash. */
  guint8 junk[4096];
  GRand *rand = g_rand_new_with_seed (42);
  for (gsize i = 0; i < sizeof junk; i++)
    junk[i] = (guint8) g_rand_int_range (rand, 0, 256);
  g_rand_free (rand);
  g_autofree char *jpath = it_write_tmp ("junk.bin", (const char *) junk, sizeof junk);
  const char *modes[] = { "--strict", NULL };
  for (guint m = 0; m < 2; m++)
    {
      g_auto(ItRun) j = { 0 };
      assert_true (it_runv (&j, NULL, "stats", jpath, modes[m], NULL));
      assert_true (j.status == 0 || j.status == 1);
      if (m == 0)
        assert_int_equal (j.status, 1);
    }
}

/* ---- stats ------------------------------------------------------------ */

static void
test_stats_table (void **state)
{
  g_auto(GStrv) traces = it_list_traces ();
  for (guint i = 0; traces[i]; i++)
    {
      g_auto(ItRun) r = { 0 };
      assert_true (it_runv (&r, NULL, "stats", traces[i], NULL));
      assert_int_equal (r.status, 0);
      gsize len = 0;
      const char *out = g_bytes_get_data (r.out, &len);
      g_autofree char *text = g_strndup (out, len);
      assert_contains (text, "ACTOR");
      assert_contains (text, "PROC P99");
      assert_contains (text, "RTT P50");
      assert_contains (text, "UNANSWERED");
      assert_contains (text, "FROM");
      assert_contains (text, "skipped");
      assert_contains (text, "lost");
      /* Terminal-safe: valid UTF-8 and no control bytes but newlines. */
      assert_true (g_utf8_validate (text, len, NULL));
      for (gsize k = 0; k < len; k++)
        assert_false ((guchar) text[k] < 0x20 && text[k] != '\n');

      /* Columns aligned: the header row and every actor row of the first
       * table are equally wide up to the last column's start. */
      g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
      guint header = 0;
      while (lines[header] && !g_str_has_prefix (lines[header], "ACTOR"))
        header++;
      assert_non_null (lines[header]);
      const char *h = lines[header];
      glong sent_end = g_utf8_pointer_to_offset (h, strstr (h, "SENT") + 4);
      for (guint k = header + 1; lines[k] && *lines[k]; k++)
        {
          /* The SENT column is right-aligned: its last character is a digit
           * at the same column as the header's "T". */
          glong n = g_utf8_strlen (lines[k], -1);
          assert_true (n >= sent_end);
          gunichar c = g_utf8_get_char (g_utf8_offset_to_pointer (lines[k], sent_end - 1));
          assert_true (g_unichar_isdigit (c));
        }
    }
}

static void
test_stats_hostile_terminal (void **state)
{
  g_autofree char *hostile = it_trace_path ("hostile.ndjson");
  g_auto(ItRun) r = { 0 };
  assert_true (it_runv (&r, NULL, "stats", hostile, NULL));
  assert_int_equal (r.status, 0);
  gsize len = 0;
  const char *out = g_bytes_get_data (r.out, &len);
  assert_true (g_utf8_validate (out, len, NULL));
  for (gsize k = 0; k < len; k++)
    {
      guchar c = (guchar) out[k];
      assert_false (c < 0x20 && c != '\n');
      assert_false (c == 0x7f);
    }
  /* No bidi override or C1 control survives. */
  assert_null (g_strstr_len (out, len, "\xe2\x80\xae"));
  assert_null (g_strstr_len (out, len, "\xe2\x81\xa6"));
  assert_null (g_strstr_len (out, len, "\xc2\x9b"));
  /* The <script> actor is shown as text. */
  assert_non_null (g_strstr_len (out, len, "<script>"));
  /* Diagnostics on stderr are escaped too. */
  for (const char *p = r.err; *p; p++)
    assert_false ((guchar) *p < 0x20 && *p != '\n');

  /* JSON stays ASCII (escaped) and parses. */
  g_auto(ItRun) j = { 0 };
  assert_true (it_runv (&j, NULL, "stats", hostile, "--json", NULL));
  assert_int_equal (j.status, 0);
  out = g_bytes_get_data (j.out, &len);
  for (gsize k = 0; k < len; k++)
    assert_true ((guchar) out[k] < 0x80 && ((guchar) out[k] >= 0x20 || out[k] == '\n'));
  json_t *root = run_json (&j);
  assert_non_null (find_actor (root, "<script>"));
  json_decref (root);
}

static void
test_stats_json_shape (void **state)
{
  g_auto(GStrv) traces = it_list_traces ();
  for (guint i = 0; traces[i]; i++)
    {
      json_t *root = stats_json (traces[i]);
      assert_true (json_is_integer (json_object_get (root, "events")));
      assert_true (json_integer_value (json_object_get (root, "events")) > 0);
      json_t *tr = json_object_get (root, "time_range");
      assert_true (json_is_object (tr));
      assert_true (json_integer_value (json_object_get (tr, "to_ns"))
                   >= json_integer_value (json_object_get (tr, "from_ns")));
      json_t *rec = json_object_get (root, "records");
      assert_true (json_is_integer (json_object_get (rec, "skipped")));
      assert_true (json_is_integer (json_object_get (rec, "lost")));
      assert_true (json_is_integer (json_object_get (rec, "duplicate")));
      json_t *actors = json_object_get (root, "actors");
      json_t *edges = json_object_get (root, "edges");
      assert_true (json_array_size (actors) > 0);
      /* Edges wherever something was sent (a Node.js trace has none:
       * data/formats/node-trace-events.md). */
      assert_true (json_array_size (edges) > 0 || sum_actors (root, "sent") == 0);

      /* Every edge is between listed actors; sent totals match edge totals. */
      g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
      size_t k;
      json_t *a, *e;
      json_array_foreach (actors, k, a)
        {
          g_hash_table_add (names, (gpointer) json_string_value (json_object_get (a, "name")));
          json_t *p = json_object_get (a, "processing");
          if (json_is_object (p))
            assert_true (json_integer_value (json_object_get (p, "p99_ns"))
                         >= json_integer_value (json_object_get (p, "p50_ns")));
        }
      json_int_t edge_count = 0;
      json_array_foreach (edges, k, e)
        {
          assert_true (g_hash_table_contains (names, json_string_value (json_object_get (e, "from"))));
          assert_true (g_hash_table_contains (names, json_string_value (json_object_get (e, "to"))));
          edge_count += json_integer_value (json_object_get (e, "count"));
        }
      assert_int_equal (edge_count, sum_actors (root, "sent"));
      json_decref (root);
    }
}

static json_t *
find_edge (json_t *stats, const char *from, const char *to)
{
  size_t i;
  json_t *e;
  json_array_foreach (json_object_get (stats, "edges"), i, e)
    if (strcmp (json_string_value (json_object_get (e, "from")), from) == 0
        && strcmp (json_string_value (json_object_get (e, "to")), to) == 0)
      return e;
  return NULL;
}

static json_int_t
jint (json_t *obj, const char *key)
{
  json_t *v = json_object_get (obj, key);
  if (!json_is_integer (v))
    fail_msg ("“%s” is not an integer", key);
  return json_integer_value (v);
}

static json_int_t
jlat (json_t *obj, const char *key, const char *field)
{
  json_t *l = json_object_get (obj, key);
  if (!json_is_object (l))
    fail_msg ("“%s” has no latency samples", key);
  return jint (l, field);
}

static json_t *
must_find_actor (json_t *stats, const char *name)
{
  size_t i;
  json_t *a;
  json_array_foreach (json_object_get (stats, "actors"), i, a)
    if (strcmp (json_string_value (json_object_get (a, "name")), name) == 0)
      return a;
  fail_msg ("no actor “%s” in stats", name);
  return NULL;
}

/* Facts the message-switch sample was built with (data/traces/make-samples.py):
 * a request to a queue nobody serves, a slow serial storage service, a
 * poller that re-read 5 ids and lost 108 during a stall. */
static void
test_stats_facts_mswitch (void **state)
{
  g_autofree char *path = it_trace_path ("mswitch-rpc.json");
  json_t *root = stats_json (path);
  assert_string_equal (json_string_value (json_object_get (root, "format")), "mswitch");
  json_t *rec = json_object_get (root, "records");
  assert_int_equal (jint (rec, "duplicate"), 5);
  assert_int_equal (jint (rec, "lost"), 108);

  /* The unanswered request: sent to the nfs queue, never delivered. */
  json_t *nfs = must_find_actor (root, "org.xen.xapi.storage.nfs");
  assert_int_equal (jint (nfs, "received"), 0);
  assert_int_equal (jint (nfs, "pending"), 1);
  assert_int_equal (jint (nfs, "mailbox_depth"), 1);
  assert_string_equal (json_string_value (json_object_get (nfs, "kind")), "queue");
  json_t *probe = find_edge (root, "xapi:15863", "org.xen.xapi.storage.nfs");
  assert_non_null (probe);
  assert_int_equal (jint (probe, "count"), 1);
  assert_int_equal (jint (probe, "received"), 0);
  assert_int_equal (jint (probe, "pending"), 1);
  assert_string_equal (json_string_value (json_object_get (probe, "top_label")), "SR.probe");
  assert_true (jint (must_find_actor (root, "xapi:15863"), "unanswered") >= 1);

  /* The slow storage service: 1-3 s per call, and its queue backs up. */
  json_t *script = must_find_actor (root, "xapi-storage-script:1203");
  assert_true (jlat (script, "processing", "p50_ns") > 1000000000);
  json_t *gfs2 = must_find_actor (root, "org.xen.xapi.storage.gfs2");
  assert_true (jint (gfs2, "mailbox_depth_max") >= 2);
  assert_true (jlat (gfs2, "mailbox_time", "p99_ns") > 1000000000);
  /* Round trips measured at the clients. */
  assert_true (jlat (must_find_actor (root, "xapi:15859"), "round_trip", "count") > 0);
  json_decref (root);

  /* The table says the same. */
  g_auto(ItRun) r = { 0 };
  assert_true (it_runv (&r, NULL, "stats", path, NULL));
  g_autofree char *text = run_stdout (&r);
  assert_contains (text, "0 lost before attach, 108 lost while attached, 5 duplicate");
  /* The legend says what each latency measures. */
  assert_contains (text, "RTT: round trip, wall clock at the requester");
  assert_contains (text, "PROC: the receiver's own processing time");
  assert_contains (text, "org.xen.xapi.storage.nfs");
  assert_contains (text, "SR.probe");
}

/* Facts of the supervision sample: w3 and w5 crash once each and are
 * restarted, w6 is slow and ends with a message still in its mailbox, w7 is
 * stopped, the reporter never existed (dead letter). */
static void
test_stats_facts_supervision (void **state)
{
  g_autofree char *path = it_trace_path ("akka-supervision.ndjson");
  json_t *root = stats_json (path);
  assert_string_equal (json_string_value (json_object_get (root, "format")), "native");
  assert_int_equal (jint (root, "events"), 1606);
  assert_int_equal (jint (must_find_actor (root, "/user/supervisor/workers/w3"), "crashes"), 1);
  assert_int_equal (jint (must_find_actor (root, "/user/supervisor/workers/w5"), "crashes"), 1);
  assert_int_equal (sum_actors (root, "crashes"), 2);
  json_t *w6 = must_find_actor (root, "/user/supervisor/workers/w6");
  assert_int_equal (jint (w6, "pending"), 1);
  assert_int_equal (jint (w6, "mailbox_depth"), 1);
  /* The slow worker: ~4 ms per job against ~0.3 ms for the others. */
  json_t *w1 = must_find_actor (root, "/user/supervisor/workers/w1");
  assert_true (jlat (w6, "processing", "p50_ns") > 4 * jlat (w1, "processing", "p50_ns"));
  assert_false (json_is_true (json_object_get (must_find_actor (root, "/user/supervisor/workers/w7"), "alive")));
  json_t *reporter = must_find_actor (root, "/user/supervisor/reporter");
  assert_int_equal (jint (reporter, "dropped"), 1);
  assert_true (jint (reporter, "errors") >= 1);
  /* Clients whose jobs died with a worker never get an answer. */
  assert_true (sum_actors (root, "unanswered") >= 2);

  /* Grouping the pool folds the eight workers into one row whose counts are
   * the sum of theirs. */
  json_int_t workers_sent = 0;
  size_t i;
  json_t *a;
  json_array_foreach (json_object_get (root, "actors"), i, a)
    if (g_str_has_prefix (json_string_value (json_object_get (a, "name")), "/user/supervisor/workers/w"))
      workers_sent += jint (a, "sent");
  json_decref (root);

  g_auto(ItRun) g = { 0 };
  assert_true (it_runv (&g, NULL, "stats", path, "--json", "--group", "/user/supervisor/workers/w*", NULL));
  assert_int_equal (g.status, 0);
  root = run_json (&g);
  json_t *grp = NULL;
  json_array_foreach (json_object_get (root, "actors"), i, a)
    {
      const char *name = json_string_value (json_object_get (a, "name"));
      assert_false (g_str_has_prefix (name, "/user/supervisor/workers/w") && !json_is_true (json_object_get (a, "group")));
      if (json_is_true (json_object_get (a, "group")))
        grp = a;
    }
  assert_non_null (grp);
  assert_int_equal (jint (grp, "members"), 8);
  assert_int_equal (jint (grp, "sent"), workers_sent);
  assert_int_equal (jint (grp, "crashes"), 2);
  assert_int_equal (jint (grp, "pending"), 1);
  json_decref (root);

  /* A filter keeps the matching actors and the edges touching them. */
  g_auto(ItRun) f = { 0 };
  assert_true (it_runv (&f, NULL, "stats", path, "--json", "--filter", "/user/http/*", NULL));
  assert_int_equal (f.status, 0);
  root = run_json (&f);
  json_t *e;
  assert_true (json_array_size (json_object_get (root, "edges")) > 0);
  json_array_foreach (json_object_get (root, "edges"), i, e)
    assert_true (g_str_has_prefix (json_string_value (json_object_get (e, "from")), "/user/http/")
                 || g_str_has_prefix (json_string_value (json_object_get (e, "to")), "/user/http/"));
  json_decref (root);
}

/* The Chrome sample reads the same plain and gzip-compressed. */
static void
test_stats_facts_chrome (void **state)
{
  g_autofree char *plain = it_trace_path ("chrome-flows.json");
  g_autofree char *gz = it_trace_path ("chrome-flows.json.gz");
  json_t *a = stats_json_expanded (plain);
  json_t *b = stats_json_expanded (gz);
  assert_string_equal (json_string_value (json_object_get (a, "format")), "chrome");
  json_object_del (a, "source");
  json_object_del (b, "source");
  assert_true (json_equal (a, b));
  /* Flows between threads of different processes come out as messages. */
  assert_true (json_array_size (json_object_get (a, "edges")) >= 5);
  assert_true (jint (a, "n_messages") > 100);
  size_t i;
  json_t *act;
  guint threads = 0;
  json_array_foreach (json_object_get (a, "actors"), i, act)
    if (strcmp (json_string_value (json_object_get (act, "kind")), "thread") == 0)
      threads++;
  assert_true (threads >= 5);
  json_decref (a);
  json_decref (b);
}

static json_t *
stats_json_grouped (const char *trace, const char *glob)
{
  g_auto(ItRun) run = { 0 };
  assert_true (it_runv (&run, NULL, "stats", trace, "--json", "--group", glob, NULL));
  if (run.status != 0)
    fail_msg ("stats --group %s: status %d: %s", glob, run.status, run.err);
  return run_json (&run);
}

static json_t *
find_actor_named (json_t *stats, const char *name)
{
  size_t i;
  json_t *a;
  json_array_foreach (json_object_get (stats, "actors"), i, a)
    if (strcmp (json_string_value (json_object_get (a, "name")), name) == 0)
      return a;
  return NULL;
}

/* A group's round trips are its members' histograms merged: as many
 * samples as the members together, their extremes, a median between
 * theirs; a group of one has exactly that actor's figures. */
static void
test_stats_group_round_trips (void **state)
{
  g_autofree char *src = it_trace_path ("akka-supervision.ndjson");
  json_t *all = stats_json (src);
  json_t *group = stats_json_grouped (src, "/user/http/client-*");
  json_t *row = find_actor_named (group, "/user/http/client-*");
  assert_non_null (row);
  json_t *rtt = json_object_get (row, "round_trip");
  assert_true (json_is_object (rtt));

  json_int_t count = 0, min = G_MAXINT64, max = 0, p50_lo = G_MAXINT64, p50_hi = 0;
  guint members = 0;
  size_t i;
  json_t *a;
  json_array_foreach (json_object_get (all, "actors"), i, a)
    {
      const char *name = json_string_value (json_object_get (a, "name"));
      json_t *r = json_object_get (a, "round_trip");
      if (!g_str_has_prefix (name, "/user/http/client-") || !json_is_object (r))
        continue;
      members++;
      count += jint (r, "count");
      min = MIN (min, jint (r, "min_ns"));
      max = MAX (max, jint (r, "max_ns"));
      p50_lo = MIN (p50_lo, jint (r, "p50_ns"));
      p50_hi = MAX (p50_hi, jint (r, "p50_ns"));
    }
  assert_true (members >= 2);
  assert_true (count > 0);
  assert_int_equal (jint (rtt, "count"), count);
  assert_int_equal (jint (rtt, "min_ns"), min);
  assert_int_equal (jint (rtt, "max_ns"), max);
  assert_in_range (jint (rtt, "p50_ns"), p50_lo, p50_hi);
  json_decref (group);

  group = stats_json_grouped (src, "/user/http/client-1");
  row = find_actor_named (group, "/user/http/client-1");
  json_t *alone = find_actor_named (all, "/user/http/client-1");
  assert_non_null (row);
  assert_non_null (alone);
  assert_true (json_equal (json_object_get (row, "round_trip"), json_object_get (alone, "round_trip")));
  json_decref (group);
  json_decref (all);
}

/* ---- convert ---------------------------------------------------------- */

static void
strip_source (json_t *stats)
{
  /* Everything else must survive conversion, the record counts too
   * (skipped, lost, duplicate: the native header carries them). */
  json_object_del (stats, "source");
  json_object_del (stats, "format");
}

/* stats of the converted file equal stats of the original. */
static void
assert_same_stats_after_convert (const char *original, const char *base)
{
  g_autofree char *name = g_strconcat (base, ".converted.ndjson", NULL);
  g_autofree char *out = it_tmp_path (name);
  g_auto(ItRun) c = { 0 };
  assert_true (it_runv (&c, NULL, "convert", original, "-o", out, NULL));
  if (c.status != 0)
    fail_msg ("convert %s: %s", base, c.err);

  json_t *a = stats_json (original);
  json_t *b = stats_json (out);
  assert_string_equal (json_string_value (json_object_get (b, "format")), "native");
  strip_source (a);
  strip_source (b);
  if (!json_equal (a, b))
    {
      char *sa = json_dumps (a, JSON_INDENT (1) | JSON_SORT_KEYS);
      char *sb = json_dumps (b, JSON_INDENT (1) | JSON_SORT_KEYS);
      print_error ("%s: stats differ after convert\n--- original\n%.4000s\n--- converted\n%.4000s\n",
                   base, sa, sb);
      free (sa);
      free (sb);
      fail ();
    }
  json_decref (a);
  json_decref (b);
}

/* One trace of each format read from a file (chrome, chrome gzip,
 * message-switch, native): convert is lossless for each. */
static void
test_convert_lossless_per_format (void **state)
{
  static const char *const per_format[][2] = {
    { "chrome-flows.json", "chrome" }, { "chrome-flows.json.gz", "chrome" },
    { "mswitch-rpc.json", "mswitch" }, { "akka-supervision.ndjson", "native" },
    { "hostile.ndjson", "native" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (per_format); i++)
    {
      g_autofree char *path = it_trace_path (per_format[i][0]);
      json_t *s = stats_json (path);
      assert_string_equal (json_string_value (json_object_get (s, "format")), per_format[i][1]);
      json_decref (s);
      assert_same_stats_after_convert (path, per_format[i][0]);
    }
}

/* A data directory (what `serve --data-dir` keeps) converts losslessly
 * too: written here from the message-switch sample, whose lost and
 * duplicate counts must come through the directory and the conversion. */
static void
test_convert_lossless_data_dir (void **state)
{
  g_autofree char *src = it_trace_path ("mswitch-rpc.json");
  g_autofree char *dir = it_tmp_path ("convert-data-dir");
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(GError) error = NULL;
  IngestLogDiskOptions o = { 0 };

  assert_true (ingest_load_file (store, src, NULL, NULL, NULL, &error));
  assert_true (ingest_store_counters (store)->lost_events > 0);
  ingest_store_counters (store)->lost_before_attach = 8; /* a capture that began at id 8 */
  {
    g_autoptr(IngestLog) log = ingest_log_disk_open (dir, &o, &error);
    assert_non_null (log);
    assert_true (ingest_log_append (log, store, 0, ingest_store_n_events (store), &error));
    assert_true (ingest_log_close (log, &error));
  }
  json_t *s = stats_json (dir);
  assert_int_equal (jint (json_object_get (s, "records"), "lost_before_attach"), 8);
  json_decref (s);
  assert_same_stats_after_convert (dir, "data-dir");
}

/* Slices are spans, flows are messages: a Chrome trace with three slices
 * (X, B/E, X) on one thread and one flow from another thread into it
 * counts 1 message and 3 spans, and the thread received 1. */
static void
test_stats_chrome_spans_apart (void **state)
{
  static const char trace[] =
    "{\"traceEvents\":[\n"
    "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":10,\"args\":{\"name\":\"Main\"}},\n"
    "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":11,\"args\":{\"name\":\"IO\"}},\n"
    "{\"ph\":\"X\",\"name\":\"Layout\",\"pid\":1,\"tid\":10,\"ts\":100,\"dur\":50},\n"
    "{\"ph\":\"B\",\"name\":\"Paint\",\"pid\":1,\"tid\":10,\"ts\":200},\n"
    "{\"ph\":\"E\",\"pid\":1,\"tid\":10,\"ts\":260},\n"
    "{\"ph\":\"s\",\"name\":\"Post\",\"cat\":\"ipc\",\"id\":7,\"pid\":1,\"tid\":11,\"ts\":280},\n"
    "{\"ph\":\"f\",\"name\":\"Post\",\"cat\":\"ipc\",\"id\":7,\"pid\":1,\"tid\":10,\"ts\":300},\n"
    "{\"ph\":\"X\",\"name\":\"Commit\",\"pid\":1,\"tid\":10,\"ts\":300,\"dur\":20}\n"
    "]}\n";
  g_autofree char *path = it_tmp_path ("spans.json");
  assert_true (g_file_set_contents (path, trace, -1, NULL));

  json_t *s = stats_json_expanded (path);
  assert_int_equal (jint (s, "n_messages"), 1);
  assert_int_equal (jint (s, "n_spans"), 3);
  assert_int_equal (jint (json_object_get (s, "records"), "unmatched"), 0);
  json_t *main_thread = find_actor (s, "Main");
  json_t *io_thread = find_actor (s, "IO");
  assert_non_null (main_thread);
  assert_non_null (io_thread);
  assert_int_equal (jint (main_thread, "received"), 1);
  assert_int_equal (jint (main_thread, "spans"), 3);
  assert_int_equal (jint (io_thread, "sent"), 1);
  assert_int_equal (jint (io_thread, "spans"), 0);
  json_decref (s);
  assert_same_stats_after_convert (path, "spans.json");
}

/* Threads fold into their process by default: process 1's row is the sum
 * of its two threads, the flow between them is process 1's self-loop (not
 * dropped), the flow from process 2 is an edge 2 -> 1; --expand-threads
 * gives the threads back; the totals are the same either way. */
static void
test_stats_chrome_threads_folded (void **state)
{
  static const char trace[] =
    "{\"traceEvents\":[\n"
    "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":1,\"args\":{\"name\":\"Browser\"}},\n"
    "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":2,\"args\":{\"name\":\"Renderer\"}},\n"
    "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":10,\"args\":{\"name\":\"Main\"}},\n"
    "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":11,\"args\":{\"name\":\"IO\"}},\n"
    "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":2,\"tid\":20,\"args\":{\"name\":\"RMain\"}},\n"
    "{\"ph\":\"X\",\"name\":\"Layout\",\"pid\":1,\"tid\":10,\"ts\":100,\"dur\":50},\n"
    "{\"ph\":\"X\",\"name\":\"Read\",\"pid\":1,\"tid\":11,\"ts\":110,\"dur\":5},\n"
    "{\"ph\":\"s\",\"name\":\"Post\",\"cat\":\"ipc\",\"id\":7,\"pid\":1,\"tid\":11,\"ts\":280},\n"
    "{\"ph\":\"f\",\"name\":\"Post\",\"cat\":\"ipc\",\"id\":7,\"pid\":1,\"tid\":10,\"ts\":300},\n"
    "{\"ph\":\"s\",\"name\":\"Ipc\",\"cat\":\"ipc\",\"id\":8,\"pid\":2,\"tid\":20,\"ts\":310},\n"
    "{\"ph\":\"f\",\"name\":\"Ipc\",\"cat\":\"ipc\",\"id\":8,\"pid\":1,\"tid\":11,\"ts\":330},\n"
    "{\"ph\":\"s\",\"name\":\"Ipc\",\"cat\":\"ipc\",\"id\":9,\"pid\":2,\"tid\":20,\"ts\":340},\n"
    "{\"ph\":\"f\",\"name\":\"Ipc\",\"cat\":\"ipc\",\"id\":9,\"pid\":1,\"tid\":10,\"ts\":350}\n"
    "]}\n";
  g_autofree char *path = it_tmp_path ("fold.json");
  assert_true (g_file_set_contents (path, trace, -1, NULL));

  json_t *folded = stats_json (path);
  json_t *expanded = stats_json_expanded (path);
  assert_int_equal (jint (folded, "n_messages"), 3);
  assert_int_equal (jint (expanded, "n_messages"), 3);
  assert_int_equal (jint (folded, "n_spans"), 2);
  assert_int_equal (jint (expanded, "n_spans"), 2);
  assert_int_equal (json_array_size (json_object_get (folded, "actors")), 2);
  assert_int_equal (json_array_size (json_object_get (expanded, "actors")), 3);
  assert_null (find_actor (folded, "Main"));
  json_t *browser = find_actor (folded, "Browser");
  json_t *renderer = find_actor (folded, "Renderer");
  assert_non_null (browser);
  assert_non_null (renderer);
  assert_string_equal (json_string_value (json_object_get (browser, "kind")), "process");
  assert_int_equal (jint (browser, "members"), 3);   /* the process and its two threads */
  json_t *main_thread = find_actor (expanded, "Main");
  json_t *io_thread = find_actor (expanded, "IO");
  static const char *const keys[] = { "sent", "received", "spans" };
  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      assert_int_equal (jint (browser, keys[k]), jint (main_thread, keys[k]) + jint (io_thread, keys[k]));
      assert_int_equal (sum_actors (folded, keys[k]), sum_actors (expanded, keys[k]));
    }
  assert_int_equal (jint (browser, "received"), 3);
  assert_int_equal (jint (renderer, "sent"), 2);

  /* Edges: Browser -> Browser (1, the IO -> Main flow) and Renderer ->
   * Browser (2). */
  size_t i;
  json_t *e;
  guint64 self_loop = 0, cross = 0;
  json_array_foreach (json_object_get (folded, "edges"), i, e)
    {
      const char *from = json_string_value (json_object_get (e, "from"));
      const char *to = json_string_value (json_object_get (e, "to"));
      if (strstr (from, "Browser") && strstr (to, "Browser"))
        self_loop += (guint64) jint (e, "count");
      else if (strstr (from, "Renderer") && strstr (to, "Browser"))
        cross += (guint64) jint (e, "count");
      else
        fail_msg ("unexpected edge %s -> %s", from, to);
    }
  assert_int_equal (self_loop, 1);
  assert_int_equal (cross, 2);
  json_decref (folded);
  json_decref (expanded);
}

/* The inputs of Perfetto's own JSON importer tests read in lenient mode
 * with the counts their expected outputs imply; strict mode still stops at
 * what is not JSON, with source:line:column. */
static void
test_chrome_perfetto_inputs (void **state)
{
  const char *root = g_getenv ("ACTORSCOPE_SOURCE_ROOT");
  g_autofree char *dir = g_build_filename (root ? root : ".", "tests", "data", "perfetto-json", NULL);
  g_autofree char *manifest = g_build_filename (dir, "expected.txt", NULL);
  g_autofree char *text = NULL;
  guint n = 0;

  assert_true (g_file_get_contents (manifest, &text, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      char name[256];
      unsigned spans, messages, skipped;
      if (lines[i][0] == '#' || lines[i][0] == '\0')
        continue;
      assert_int_equal (sscanf (lines[i], "%255s %u %u %u", name, &spans, &messages, &skipped), 4);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      json_t *s = stats_json (path);
      if (jint (s, "n_spans") != spans || jint (s, "n_messages") != messages
          || jint (json_object_get (s, "records"), "skipped") != skipped)
        fail_msg ("%s: %lld spans, %lld messages, %lld skipped; expected %u, %u, %u", name,
                  (long long) jint (s, "n_spans"), (long long) jint (s, "n_messages"),
                  (long long) jint (json_object_get (s, "records"), "skipped"), spans, messages,
                  skipped);
      json_decref (s);
      n++;
    }
  assert_true (n >= 8);

  /* strict: a trailing comma is an error at its position */
  g_autofree char *comma = g_build_filename (dir, "json_trailing_comma.json", NULL);
  g_auto(ItRun) r = { 0 };
  assert_true (it_runv (&r, NULL, "stats", "--strict", comma, NULL));
  assert_int_equal (r.status, 1);
  assert_non_null (strstr (r.err, "json_trailing_comma.json:4:1: unexpected ']'"));

  /* lenient: an object-format file cut inside an event keeps the events
   * before the cut and says where it was cut; strict stops there */
  static const char cut[] = "{\"traceEvents\":[{\"ph\":\"X\",\"ts\":1,\"dur\":2,\"pid\":1,\"tid\":1,"
                            "\"name\":\"a\"},\n{\"ph\":\"X\",\"ts\":5,\"dur\":2,\"na";
  g_autofree char *cut_path = it_tmp_path ("cut.json");
  assert_true (g_file_set_contents (cut_path, cut, -1, NULL));
  g_auto(ItRun) l = { 0 };
  assert_true (it_runv (&l, NULL, "stats", "--json", cut_path, NULL));
  assert_int_equal (l.status, 0);
  assert_non_null (strstr (l.err, "cut.json:2:29: truncated input"));
  json_t *s = run_json (&l);
  assert_int_equal (jint (s, "n_spans"), 1);
  assert_int_equal (jint (json_object_get (s, "records"), "skipped"), 1);
  json_decref (s);
  g_auto(ItRun) st = { 0 };
  assert_true (it_runv (&st, NULL, "stats", "--strict", cut_path, NULL));
  assert_int_equal (st.status, 1);
  assert_non_null (strstr (st.err, "cut.json:2:29: truncated input"));
}

static void
test_convert_round_trip (void **state)
{
  g_auto(GStrv) traces = it_list_traces ();
  for (guint i = 0; traces[i]; i++)
    {
      g_autofree char *base = g_path_get_basename (traces[i]);
      g_autofree char *name = g_strconcat (base, ".converted.ndjson", NULL);
      g_autofree char *out = it_tmp_path (name);
      assert_same_stats_after_convert (traces[i], base);

      /* Converting the native output again is byte-identical. */
      g_autofree char *name2 = g_strconcat (base, ".converted2.ndjson", NULL);
      g_autofree char *out2 = it_tmp_path (name2);
      g_auto(ItRun) c2 = { 0 };
      assert_true (it_runv (&c2, NULL, "convert", out, "-o", out2, NULL));
      assert_int_equal (c2.status, 0);
      g_autofree char *d1 = NULL, *d2 = NULL;
      gsize l1, l2;
      assert_true (g_file_get_contents (out, &d1, &l1, NULL));
      assert_true (g_file_get_contents (out2, &d2, &l2, NULL));
      assert_int_equal (l1, l2);
      assert_memory_equal (d1, d2, l1);
    }
}

static void
test_convert_stdin_stdout (void **state)
{
  g_auto(GStrv) traces = it_list_traces ();
  g_auto(ItRun) a = { 0 };
  g_auto(ItRun) b = { 0 };
  g_autofree char *file_out = it_tmp_path ("file-out.ndjson");
  assert_true (it_runv (&a, traces[0], "convert", "-", "-o", "-", NULL));
  assert_true (it_runv (&b, NULL, "convert", traces[0], "-o", file_out, NULL));
  assert_int_equal (a.status, 0);
  assert_int_equal (b.status, 0);
  g_autofree char *d = NULL;
  gsize len;
  assert_true (g_file_get_contents (file_out, &d, &len, NULL));
  assert_int_equal (g_bytes_get_size (a.out), len);
  assert_memory_equal (g_bytes_get_data (a.out, NULL), d, len);

  /* Any writable target that is not a regular file: /dev/null, a pipe. */
  g_auto(ItRun) dn = { 0 };
  assert_true (it_runv (&dn, NULL, "convert", traces[0], "-o", "/dev/null", NULL));
  if (dn.status != 0)
    fail_msg ("convert -o /dev/null: %s", dn.err);
  g_autofree char *fifo = it_tmp_path ("convert.fifo");
  if (mkfifo (fifo, 0600) != 0)
    fail_msg ("mkfifo %s: %s", fifo, g_strerror (errno));
  g_autofree char *piped_path = it_tmp_path ("convert.piped");
  /* the reader copies the pipe into a file as it comes (a pipe to this
   * process would fill and stall the writer) */
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_stdout_file_path (launcher, piped_path);
  g_autoptr(GSubprocess) reader = g_subprocess_launcher_spawn (launcher, NULL, "cat", fifo, NULL);
  assert_non_null (reader);
  g_auto(ItRun) fp = { 0 };
  assert_true (it_runv (&fp, NULL, "convert", traces[0], "-o", fifo, NULL));
  if (fp.status != 0)
    fail_msg ("convert -o FIFO: %s", fp.err);
  assert_true (g_subprocess_wait_check (reader, NULL, NULL));
  g_autofree char *piped = NULL;
  gsize piped_len;
  assert_true (g_file_get_contents (piped_path, &piped, &piped_len, NULL));
  assert_int_equal (piped_len, len);
  assert_memory_equal (piped, d, len);

  /* stats reads stdin too. */
  g_auto(ItRun) s = { 0 };
  assert_true (it_runv (&s, file_out, "stats", "-", "--json", NULL));
  assert_int_equal (s.status, 0);
  json_t *root = run_json (&s);
  assert_string_equal (json_string_value (json_object_get (root, "source")), "<stdin>");
  json_decref (root);
}

int
main (int argc, char **argv)
{
  it_init (argc, argv);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_help_version),
    cmocka_unit_test (test_usage_errors),
    cmocka_unit_test (test_malformed_strict_lenient),
    cmocka_unit_test (test_malformed_many),
    cmocka_unit_test (test_runtime_errors),
    cmocka_unit_test (test_stats_table),
    cmocka_unit_test (test_stats_hostile_terminal),
    cmocka_unit_test (test_stats_json_shape),
    cmocka_unit_test (test_stats_facts_mswitch),
    cmocka_unit_test (test_stats_facts_supervision),
    cmocka_unit_test (test_stats_facts_chrome),
    cmocka_unit_test (test_stats_chrome_spans_apart),
    cmocka_unit_test (test_stats_chrome_threads_folded),
    cmocka_unit_test (test_stats_group_round_trips),
    cmocka_unit_test (test_convert_lossless_per_format),
    cmocka_unit_test (test_convert_lossless_data_dir),
    cmocka_unit_test (test_chrome_perfetto_inputs),
    cmocka_unit_test (test_convert_round_trip),
    cmocka_unit_test (test_convert_stdin_stdout),
  };
  int rc = cmocka_run_group_tests (tests, NULL, NULL);
  it_cleanup ();
  return rc;
}
