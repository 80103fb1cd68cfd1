/* bench-actorscope: prints performance figures (never a test; nothing here
 * asserts a time). Run it by hand on an otherwise idle machine:
 *
 *   build/tests/bench-actorscope build/tools/gen/actorscope-gen build/app/actorscope [--quick]
 *
 * Measures:
 *  1. native NDJSON ingest of a generated 1,000,000-event trace (events/s,
 *     MB/s, store bytes per event);
 *  2. Chrome JSON streaming of a ~100 MB generated trace (MB/s and peak RSS
 *     against the file size, in a child process so nothing else counts);
 *     Perfetto protobuf ingest of the recorded Chromium sample
 *     (data/traces/chromium-startup.pftrace.gz) repeated to ~100 MB
 *     (track events/s, MB/s);
 *  3. export of each view of the 1M-event trace (time, SVG size);
 *  4. a full-detail sequence chart of 50,000 messages against `mscgen -T svg`
 *     on the same chart (.msc written by actorscope-gen);
 *  5. the interaction graph of 200 nodes / 2,000 edges and 1,000 / 10,000
 *     against `sfdp -Tsvg` on the same graph (.dot by actorscope-gen).
 * External tools are run with g_spawn; missing ones are skipped with a note.
 * Everything is written into a temporary folder, removed at the end.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "ingest-parser.h"
#include "ingest-view.h"
#include "render-layout.h"
#include "render-svg.h"
#include "test-util.h"

static const char *gen_path;
static const char *cli_path;
static char *tmpdir;
static gboolean quick;

static double
now_s (void)
{
  return (double) g_get_monotonic_time () / 1e6;
}

/* CPU seconds of this process: figures taken in-process are reported both
 * as wall time and CPU time, since the machine may be shared. */
static double
cpu_s (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) of all reaped children so far. */
static double
children_cpu_s (void)
{
  struct rusage ru;
  getrusage (RUSAGE_CHILDREN, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static char *
tmp (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static guint64
file_size (const char *path)
{
  GStatBuf st;
  return g_stat (path, &st) == 0 ? (guint64) st.st_size : 0;
}

static double
mb (guint64 bytes)
{
  return (double) bytes / 1e6;
}

/* Runs argv, returns wall seconds, or < 0 on failure (stderr is shown).
 * *cpu (may be NULL) gets the child's CPU seconds (user + system): on a
 * shared machine that is the fairer figure for comparing two programs. */
static double
run_timed_cpu (const char *const *argv, char **stderr_out, double *cpu)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;
  double c0 = children_cpu_s ();
  double t0 = now_s ();
  gboolean ok = g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL,
                              NULL, NULL, NULL, &err, &status, &error);
  double t = now_s () - t0;
  if (cpu)
    *cpu = children_cpu_s () - c0;
  if (!ok || !g_spawn_check_wait_status (status, NULL))
    {
      fprintf (stderr, "  %s failed: %s%s\n", argv[0], error ? error->message : "",
               err ? err : "");
      return -1;
    }
  if (stderr_out)
    *stderr_out = g_steal_pointer (&err);
  return t;
}

static double
run_timed (const char *const *argv, char **stderr_out)
{
  return run_timed_cpu (argv, stderr_out, NULL);
}

static char *
find_tool (const char *name)
{
  char *path = g_find_program_in_path (name);
  if (!path)
    printf ("  (%s not installed: skipped; install it to compare)\n", name);
  return path;
}

/* "actorscope-gen: N events, M messages, ..." -> M */
static guint64
gen_messages (const char *summary)
{
  const char *p = summary ? strstr (summary, " events, ") : NULL;
  return p ? g_ascii_strtoull (p + 9, NULL, 10) : 0;
}

static guint
count_occurrences (const char *path, const char *needle)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  guint n = 0;
  if (!g_file_get_contents (path, &data, &len, NULL))
    return 0;
  gsize nl = strlen (needle);
  for (const char *p = data; (p = g_strstr_len (p, len - (p - data), needle)); p += nl)
    n++;
  return n;
}

/* ---- child: load one file, report time and peak RSS ------------------- */

static long
proc_status_kb (const char *key)
{
  g_autofree char *status = NULL;
  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  const char *p = strstr (status, key);
  return p ? strtol (p + strlen (key) + 1, NULL, 10) : -1;
}

static int
child_load (const char *format_s, const char *path)
{
  IngestParserOptions opts = { 0 };
  g_autoptr(GError) error = NULL;
  ingest_format_from_string (format_s, &opts.format);
  long rss0 = proc_status_kb ("VmRSS:");
  g_autoptr(IngestStore) store = ingest_store_new ();
  double c0 = cpu_s ();
  double t0 = now_s ();
  if (!ingest_load_file (store, path, &opts, NULL, NULL, &error))
    {
      fprintf (stderr, "load failed: %s\n", error->message);
      return 1;
    }
  double t = now_s () - t0;
  double c = cpu_s () - c0;
  printf ("%.6f %.6f %" G_GUINT64_FORMAT " %ld %ld %zu\n", t, c, ingest_store_n_events (store),
          rss0, proc_status_kb ("VmHWM:"), ingest_store_memory_bytes (store));
  return 0;
}

/* ---- 1. native ingest ------------------------------------------------- */

static IngestStore *
bench_native_ingest (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;
  if (!g_file_get_contents (path, &data, &len, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return NULL;
    }

  /* From memory in 1 MiB chunks, so the figure is the parser and store, not
   * the disk. */
  IngestParserOptions opts = { .format = INGEST_FORMAT_NATIVE, .source_name = "bench" };
  IngestStore *store = ingest_store_new ();
  IngestParser *parser = ingest_parser_new (store, &opts);
  double c0 = cpu_s ();
  double t0 = now_s ();
  for (gsize off = 0; off < len; off += 1 << 20)
    if (!ingest_parser_feed (parser, (const guint8 *) data + off, MIN ((gsize) 1 << 20, len - off), &error))
      break;
  if (!error)
    ingest_parser_finish (parser, &error);
  double t = now_s () - t0;
  double c = cpu_s () - c0;
  ingest_parser_free (parser);
  if (error)
    {
      fprintf (stderr, "native ingest failed: %s\n", error->message);
      ingest_store_free (store);
      return NULL;
    }
  guint64 n = ingest_store_n_events (store);
  gsize bytes = ingest_store_memory_bytes (store);
  printf ("native NDJSON ingest: %" G_GUINT64_FORMAT " events, %.1f MB in %.3f s wall (%.3f s CPU) = %.0f events/s, %.1f MB/s (by CPU time: %.0f events/s)\n",
          n, mb (len), t, c, n / t, mb (len) / t, n / c);
  printf ("  store: %.1f MB = %.1f bytes/event (%u actors, %u messages)   [targets: >= 1,000,000 events/s, <= 64 B/event]\n",
          mb (bytes), (double) bytes / MAX (n, 1), ingest_store_n_actors (store), ingest_store_n_messages (store));
  return store;
}

/* ---- 2. Chrome streaming ---------------------------------------------- */

/* A Chromium-like trace: processes and threads named by metadata events,
 * mojo message slices linked by flow_out/flow_in bind ids, s/f flow pairs,
 * instant events; one event per line like Chrome writes them. */
static gboolean
write_chrome_trace (const char *path, guint64 target_bytes, guint64 *n_events)
{
  FILE *f = fopen (path, "w");
  if (!f)
    return FALSE;
  const guint n_proc = 12, n_thread = 8;
  const char *pnames[] = { "Browser", "Renderer", "GPU Process", "Network Service", "Utility", "Storage" };
  const char *tnames[] = { "CrBrowserMain", "IOThread", "ThreadPoolForegroundWorker", "Compositor",
                           "VizCompositorThread", "CrRendererMain", "Chrome_ChildIOThread", "MemoryInfra" };
  const char *labels[] = { "mojom.WidgetHost.SetCursor", "mojom.URLLoaderClient.OnReceiveResponse",
                           "mojom.FrameHost.DidCommitNavigation", "viz.mojom.CompositorFrameSink.SubmitCompositorFrame",
                           "network.mojom.URLLoaderFactory.CreateLoaderAndStart", "ThreadControllerImpl::RunTask" };
  guint64 n = 0;
  GRand *rand = g_rand_new_with_seed (7);

  fputs ("{\"traceEvents\":[\n", f);
  for (guint p = 0; p < n_proc; p++)
    {
      fprintf (f, "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%u,\"tid\":0,\"args\":{\"name\":\"%s\"}},\n",
               1000 + p, pnames[p % G_N_ELEMENTS (pnames)]);
      n++;
      for (guint t = 0; t < n_thread; t++, n++)
        fprintf (f, "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%u,\"tid\":%u,\"args\":{\"name\":\"%s\"}},\n",
                 1000 + p, 20000 + p * 100 + t, tnames[t]);
    }
  double ts = 1000000.0;
  guint64 flow = 1;
  while ((guint64) ftell (f) < target_bytes)
    {
      guint sp = g_rand_int_range (rand, 0, n_proc), st = g_rand_int_range (rand, 0, n_thread);
      guint dp = g_rand_int_range (rand, 0, n_proc), dt = g_rand_int_range (rand, 0, n_thread);
      const char *label = labels[g_rand_int_range (rand, 0, G_N_ELEMENTS (labels))];
      double dur = g_rand_double_range (rand, 2, 400);
      ts += g_rand_double_range (rand, 1, 30);
      if (flow % 2)
        {
          /* slice with flow_out, then the receiving slice with flow_in */
          fprintf (f, "{\"pid\":%u,\"tid\":%u,\"ts\":%.3f,\"ph\":\"X\",\"cat\":\"toplevel,toplevel.flow,mojom\","
                   "\"name\":\"%s\",\"dur\":%.3f,\"tdur\":%.3f,\"bind_id\":\"0x%" G_GINT64_MODIFIER "x\",\"flow_out\":true,"
                   "\"args\":{\"chrome_mojo_event_info\":{\"mojo_interface_tag\":\"%s\"}}},\n",
                   1000 + sp, 20000 + sp * 100 + st, ts, label, dur, dur * 0.8, flow, label);
          fprintf (f, "{\"pid\":%u,\"tid\":%u,\"ts\":%.3f,\"ph\":\"X\",\"cat\":\"toplevel,toplevel.flow,mojom\","
                   "\"name\":\"Receive %s\",\"dur\":%.3f,\"tdur\":%.3f,\"bind_id\":\"0x%" G_GINT64_MODIFIER "x\",\"flow_in\":true,\"args\":{}},\n",
                   1000 + dp, 20000 + dp * 100 + dt, ts + dur + 5, label, dur / 2, dur / 3, flow);
        }
      else
        {
          fprintf (f, "{\"pid\":%u,\"tid\":%u,\"ts\":%.3f,\"ph\":\"s\",\"cat\":\"disabled-by-default-toplevel.flow\","
                   "\"name\":\"%s\",\"id\":\"0x%" G_GINT64_MODIFIER "x\",\"args\":{}},\n",
                   1000 + sp, 20000 + sp * 100 + st, ts, label, flow);
          fprintf (f, "{\"pid\":%u,\"tid\":%u,\"ts\":%.3f,\"ph\":\"f\",\"bp\":\"e\",\"cat\":\"disabled-by-default-toplevel.flow\","
                   "\"name\":\"%s\",\"id\":\"0x%" G_GINT64_MODIFIER "x\",\"args\":{}},\n",
                   1000 + dp, 20000 + dp * 100 + dt, ts + 40, label, flow);
        }
      n += 2;
      flow++;
      if (flow % 64 == 0)
        {
          fprintf (f, "{\"pid\":%u,\"tid\":%u,\"ts\":%.3f,\"ph\":\"i\",\"s\":\"t\",\"cat\":\"benchmark\",\"name\":\"frame\",\"args\":{}},\n",
                   1000 + sp, 20000 + sp * 100 + st, ts);
          n++;
        }
    }
  fprintf (f, "{\"pid\":1000,\"tid\":20000,\"ts\":%.3f,\"ph\":\"i\",\"s\":\"g\",\"name\":\"end\",\"args\":{}}\n"
              "],\"metadata\":{\"command_line\":\"bench\"}}\n", ts + 1);
  n++;
  g_rand_free (rand);
  *n_events = n;
  return fclose (f) == 0;
}

static void
bench_chrome (const char *self)
{
  g_autofree char *path = tmp ("chrome.json");
  guint64 n = 0;
  guint64 target = quick ? 10 * 1000 * 1000 : 100 * 1000 * 1000;
  if (!write_chrome_trace (path, target, &n))
    {
      printf ("chrome: could not write the trace\n");
      return;
    }
  guint64 size = file_size (path);
  const char *argv[] = { self, "--child-load", "chrome", path, NULL };
  g_autofree char *out = NULL;
  int status = 0;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status, NULL)
      || !g_spawn_check_wait_status (status, NULL))
    {
      printf ("chrome streaming: child failed\n");
      return;
    }
  double t = 0, c = 0;
  guint64 events = 0;
  long rss0 = 0, hwm = 0;
  gsize store_bytes = 0;
  if (sscanf (out, "%lf %lf %" G_GUINT64_FORMAT " %ld %ld %zu", &t, &c, &events, &rss0, &hwm, &store_bytes) != 6)
    {
      printf ("chrome streaming: unexpected child output: %s\n", out);
      return;
    }
  printf ("Chrome JSON streaming: %.1f MB (%" G_GUINT64_FORMAT " trace events) in %.3f s wall, %.3f s CPU "
          "= %.1f MB/s (%.1f MB/s by CPU time), %" G_GUINT64_FORMAT " store events\n",
          mb (size), n, t, c, mb (size) / t, mb (size) / c, events);
  printf ("  peak RSS %.1f MB (%.1f MB before loading; store %.1f MB): peak = %.2f x file size, "
          "growth while loading = %.2f x file size\n",
          hwm / 1024.0, rss0 / 1024.0, mb (store_bytes), (hwm * 1024.0) / size,
          ((hwm - rss0) * 1024.0) / size);
}

/* The recorded sample is the input: a real trace's mix of descriptors,
 * interned names, incremental clocks, slices and flows. Repeated copies
 * parse the same way (each starts by clearing its sequences' state). */
static void
bench_perfetto (void)
{
  const char *root = g_getenv ("ACTORSCOPE_SOURCE_ROOT");
  g_autofree char *src = root ? g_strdup (root)
    : g_path_get_dirname (SOURCE_WEBDIR);               /* .../web */
  g_autofree char *top = root ? g_strdup (src) : g_path_get_dirname (src);
  g_autofree char *path = g_build_filename (top, "data", "traces", "chromium-startup.pftrace.gz", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GInputStream) raw = NULL, in = NULL;
  g_autoptr(GZlibDecompressor) z = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr(GByteArray) one = g_byte_array_new ();
  guint8 buf[65536];
  gssize n;

  raw = G_INPUT_STREAM (g_file_read (file, NULL, &error));
  if (raw == NULL)
    {
      printf ("perfetto: %s\n", error->message);
      return;
    }
  in = g_converter_input_stream_new (raw, G_CONVERTER (z));
  while ((n = g_input_stream_read (in, buf, sizeof buf, NULL, &error)) > 0)
    g_byte_array_append (one, buf, (guint) n);
  if (n < 0 || one->len == 0)
    {
      printf ("perfetto: cannot read %s\n", path);
      return;
    }
  guint copies = (guint) ((quick ? 10.0 : 100.0) * 1e6 / one->len) + 1;
  g_autoptr(IngestStore) store = ingest_store_new ();
  IngestParserOptions opts = { .format = INGEST_FORMAT_PERFETTO, .source_name = "bench.pftrace" };
  g_autoptr(IngestParser) parser = ingest_parser_new (store, &opts);
  double c0 = cpu_s (), t0 = now_s ();
  gboolean ok = TRUE;
  for (guint k = 0; ok && k < copies; k++)
    for (gsize off = 0; ok && off < one->len; off += 1 << 20)
      ok = ingest_parser_feed (parser, one->data + off, MIN ((gsize) 1 << 20, one->len - off), &error);
  if (ok)
    ok = ingest_parser_finish (parser, &error);
  double t = now_s () - t0, c = cpu_s () - c0;
  if (!ok)
    {
      printf ("perfetto: %s\n", error->message);
      return;
    }
  double size = (double) one->len * copies;
  guint64 records = ingest_parser_n_records (parser);
  printf ("Perfetto protobuf ingest: %.1f MB (%u copies of the recorded Chromium sample, %" G_GUINT64_FORMAT
          " track events) in %.3f s wall (%.3f s CPU) = %.0f track events/s, %.1f MB/s "
          "(by CPU time: %.0f events/s, %.1f MB/s), %" G_GUINT64_FORMAT " store events\n",
          size / 1e6, copies, records, t, c, records / t, size / 1e6 / t, records / c,
          size / 1e6 / c, ingest_store_n_events (store));
}

/* ---- 3. export of each view ------------------------------------------ */

static void
bench_export_views (IngestStore *store)
{
  static const char *names[] = { "graph", "sequence", "timeline" };
  for (guint v = 0; v < 3; v++)
    {
      g_autoptr(GError) error = NULL;
      double c0 = cpu_s ();
      double t0 = now_s ();
      g_autoptr(RenderScene) scene = NULL;
      if (v == 0)
        {
          g_autoptr(IngestGraph) g = ingest_graph_build (store, NULL, &error);
          if (g)
            scene = render_layout_graph (g, NULL);
        }
      else
        {
          g_autoptr(IngestTimeline) tl = ingest_timeline_build (store, NULL, &error);
          if (tl)
            scene = v == 1 ? render_layout_sequence (tl, NULL) : render_layout_timeline (tl, NULL);
        }
      double t_layout = now_s () - t0;
      if (!scene)
        {
          printf ("export %s: %s\n", names[v], error ? error->message : "failed");
          continue;
        }
      g_autoptr(GString) svg = g_string_new (NULL);
      render_svg_write (scene, svg);
      double t = now_s () - t0;
      double c = cpu_s () - c0;
      printf ("export %-8s of %" G_GUINT64_FORMAT " events: %.3f s wall, %.3f s CPU (view+layout %.3f s, SVG %.3f s), "
              "SVG %.2f MB, %u scene nodes   [target: < 1 s, < 2 MB]\n",
              names[v], ingest_store_n_events (store), t, c, t_layout, t - t_layout, mb (svg->len),
              render_scene_n_nodes (scene));
    }
}

/* ---- 4. sequence chart vs mscgen --------------------------------------- */

static void
bench_sequence_vs_mscgen (void)
{
  guint64 want = quick ? 5000 : 50000;
  g_autofree char *nd = tmp ("seq.ndjson");
  g_autofree char *msc = tmp ("seq.msc");
  g_autofree char *ours = tmp ("seq.svg");
  g_autofree char *theirs = tmp ("seq-mscgen.svg");

  g_autofree char *summary = NULL;
  g_autofree char *want_s = g_strdup_printf ("%" G_GUINT64_FORMAT, want);
  const char *gen[] = { gen_path, "--messages", want_s, "-n", "100000000", "--no-payload",
                        "-o", nd, "--msc", msc, NULL };
  if (run_timed (gen, &summary) < 0)
    return;
  guint64 messages = gen_messages (summary);
  g_autofree char *events_s = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                               summary ? g_ascii_strtoull (strchr (summary, ' ') + 1, NULL, 10) : 0);
  g_autofree char *max = g_strdup_printf ("%" G_GUINT64_FORMAT, messages * 2 + 1000);
  const char *cli[] = { cli_path, "export", nd, "--view", "sequence", "--max-elements", max, "-o", ours, NULL };
  double c_ours = 0, c_theirs = 0;
  double t_ours = run_timed_cpu (cli, NULL, &c_ours);
  if (t_ours < 0)
    return;
  guint drawn = count_occurrences (ours, "class=\"message");
  printf ("sequence chart, full detail, %" G_GUINT64_FORMAT " messages (%s events): "
          "actorscope export %.3f s wall, %.3f s CPU, SVG %.1f MB, %u message groups drawn\n",
          messages, events_s, t_ours, c_ours, mb (file_size (ours)), drawn);

  g_autofree char *mscgen = find_tool ("mscgen");
  if (!mscgen)
    return;
  const char *m[] = { mscgen, "-T", "svg", "-i", msc, "-o", theirs, NULL };
  double t_theirs = run_timed_cpu (m, NULL, &c_theirs);
  if (t_theirs < 0)
    return;
  printf ("  mscgen -T svg on the same chart: %.3f s wall, %.3f s CPU, SVG %.1f MB;  "
          "actorscope/mscgen ratio %.2f wall, %.2f CPU   [target: <= 1]\n",
          t_theirs, c_theirs, mb (file_size (theirs)), t_ours / t_theirs, c_ours / MAX (c_theirs, 1e-6));
}

/* ---- 5. graph layout vs sfdp ------------------------------------------ */

static void
bench_graph_vs_sfdp (guint nodes, guint edges)
{
  g_autofree char *nd = g_strdup_printf ("%s/graph-%u.ndjson", tmpdir, nodes);
  g_autofree char *dot = g_strdup_printf ("%s/graph-%u.dot", tmpdir, nodes);
  g_autofree char *ours = g_strdup_printf ("%s/graph-%u.svg", tmpdir, nodes);
  g_autofree char *theirs = g_strdup_printf ("%s/graph-%u-sfdp.svg", tmpdir, nodes);
  g_autofree char *n_s = g_strdup_printf ("%u", nodes);
  g_autofree char *e_s = g_strdup_printf ("%u", edges);
  const char *gen[] = { gen_path, "--graph-nodes", n_s, "--graph-edges", e_s, "--no-payload", "-q",
                        "-o", nd, "--dot", dot, NULL };
  if (run_timed (gen, NULL) < 0)
    return;

  /* Every edge drawn individually, like sfdp does. */
  g_autofree char *max = g_strdup_printf ("%u", edges + 1000);
  const char *cli[] = { cli_path, "export", nd, "--view", "graph", "--max-elements", max, "-o", ours, NULL };
  double c_ours = 0, c_theirs = 0;
  double t_ours = run_timed_cpu (cli, NULL, &c_ours);
  if (t_ours < 0)
    return;
  printf ("graph %u nodes / %u edges: actorscope export %.3f s wall, %.3f s CPU (SVG %.2f MB, %u edges drawn)\n",
          nodes, edges, t_ours, c_ours, mb (file_size (ours)), count_occurrences (ours, "class=\"edge"));
  g_autofree char *sfdp = find_tool ("sfdp");
  if (!sfdp)
    return;
  const char *s[] = { sfdp, "-Tsvg", dot, "-o", theirs, NULL };
  double t_theirs = run_timed_cpu (s, NULL, &c_theirs);
  if (t_theirs < 0)
    return;
  printf ("  sfdp -Tsvg on the same graph: %.3f s wall, %.3f s CPU;  actorscope/sfdp ratio %.3f wall, %.3f CPU%s\n",
          t_theirs, c_theirs, t_ours / t_theirs, c_ours / MAX (c_theirs, 1e-6),
          nodes == 200 ? "   [target: <= 1]" : "");
}

int
main (int argc, char **argv)
{
  if (argc == 4 && strcmp (argv[1], "--child-load") == 0)
    return child_load (argv[2], argv[3]);

  if (argc < 3 || argc > 4 || (argc == 4 && strcmp (argv[3], "--quick") != 0))
    {
      fprintf (stderr, "usage: %s PATH-TO-actorscope-gen PATH-TO-actorscope [--quick]\n", argv[0]);
      return 2;
    }
  gen_path = argv[1];
  cli_path = argv[2];
  quick = argc == 4;
  g_autofree char *self = g_canonicalize_filename (argv[0], NULL);

  tmpdir = test_tmpdir_new ("actorscope-bench-XXXXXX");
  printf ("actorscope %s benchmark (%s), %u CPUs, scratch %s\n\n", PACKAGE_VERSION,
          quick ? "quick" : "full", g_get_num_processors (), tmpdir);

  guint64 n = quick ? 100000 : 1000000;
  g_autofree char *big = tmp ("big.ndjson");
  g_autofree char *n_s = g_strdup_printf ("%" G_GUINT64_FORMAT, n);
  const char *gen[] = { gen_path, "-n", n_s, "-q", "-o", big, NULL };
  double tg = run_timed (gen, NULL);
  if (tg < 0)
    return 1;
  printf ("generated %" G_GUINT64_FORMAT " events (%.1f MB) with actorscope-gen in %.2f s\n\n",
          n, mb (file_size (big)), tg);

  /* The targets speak of events whose names are interned: measure that
   * shape (no payload text, ~110-byte lines) first, then the generator's
   * default with JSON-RPC-like payloads, whose text the store must keep. */
  g_autofree char *bare = tmp ("bare.ndjson");
  const char *gen_bare[] = { gen_path, "-n", n_s, "-q", "--no-payload", "-o", bare, NULL };
  if (run_timed (gen_bare, NULL) >= 0)
    {
      printf ("without payloads (%.1f MB):\n", mb (file_size (bare)));
      IngestStore *bare_store = bench_native_ingest (bare);
      ingest_store_free (bare_store);
      g_remove (bare);
      printf ("with payloads (%.1f MB):\n", mb (file_size (big)));
    }
  IngestStore *store = bench_native_ingest (big);
  printf ("\n");
  if (store)
    {
      bench_export_views (store);
      ingest_store_free (store);
      printf ("\n");
    }
  bench_chrome (self);
  bench_perfetto ();
  printf ("\n");
  bench_sequence_vs_mscgen ();
  printf ("\n");
  bench_graph_vs_sfdp (200, 2000);
  bench_graph_vs_sfdp (1000, 10000);

  test_tmpdir_clear (&tmpdir);
  return 0;
}
