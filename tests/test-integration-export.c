/* test-integration-export.c: `actorscope export` on every sample trace in
 * every view, read back: SVG parsed with an XML parser and compared with
 * what the trace holds (views built in-process from the same file), PNG
 * decoded and checked for drawn pixels, PDF checked for structure (and
 * rasterised with ghostscript when it is installed). Plus hostile strings,
 * stdin/stdout and the level-of-detail bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <cairo.h>
#include <gio/gio.h>

#include "ingest-parser.h"
#include "ingest-view.h"
#include "render-svg.h"
#include "test-integration-common.h"

static const char *const views[] = { "graph", "sequence", "timeline" };

static IngestStore *
load_in_process (const char *path)
{
  IngestStore *store = ingest_store_new ();
  g_autoptr(GError) error = NULL;
  gboolean ok = ingest_load_file (store, path, NULL, NULL, NULL, &error);
  if (!ok)
    fail_msg ("loading %s in-process: %s", path, error->message);
  return store;
}

static void
read_file (const char *path, char **data, gsize *len)
{
  g_autoptr(GError) error = NULL;
  if (!g_file_get_contents (path, data, len, &error))
    fail_msg ("%s: %s", path, error->message);
}

/* Counts the distinct colours of a decoded PNG: a blank picture has one. */
static guint
png_distinct_colours (const char *path, int *width, int *height)
{
  cairo_surface_t *s = cairo_image_surface_create_from_png (path);
  if (cairo_surface_status (s) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (s);
      fail_msg ("%s: not a readable PNG", path);
    }
  cairo_surface_flush (s);
  int w = cairo_image_surface_get_width (s);
  int h = cairo_image_surface_get_height (s);
  int stride = cairo_image_surface_get_stride (s);
  const guint8 *data = cairo_image_surface_get_data (s);
  g_autoptr(GHashTable) colours = g_hash_table_new (g_direct_hash, g_direct_equal);
  for (int y = 0; y < h && g_hash_table_size (colours) < 64; y++)
    for (int x = 0; x < w; x++)
      {
        guint32 px;
        memcpy (&px, data + y * stride + x * 4, sizeof px);
        g_hash_table_add (colours, GUINT_TO_POINTER (px));
      }
  cairo_surface_destroy (s);
  *width = w;
  *height = h;
  return g_hash_table_size (colours);
}

static void
check_png (const char *path)
{
  int w = 0, h = 0;
  guint n = png_distinct_colours (path, &w, &h);
  assert_true (w > 50 && h > 50);
  /* Background, text, lines and fills: a real picture has many colours
   * (antialiasing alone gives dozens). */
  assert_true (n >= 8);
}

/* rasterize: also draw the first page with ghostscript (slow: ~1 s). */
static void
check_pdf (const char *path, gboolean rasterize)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  read_file (path, &data, &len);
  assert_true (len > 1000);
  assert_memory_equal (data, "%PDF-", 5);
  /* memmem, not strstr: compressed streams hold NUL bytes. */
  assert_non_null (memmem (data, len, "/Type /Page", 11));
  /* The trailer is at the end (maybe followed by a newline). */
  assert_non_null (memmem (data + (len > 64 ? len - 64 : 0), MIN (len, 64), "%%EOF", 5));

  /* Not blank: rasterise the first page when ghostscript is available. */
  if (!rasterize)
    return;
  g_autofree char *gs = g_find_program_in_path ("gs");
  if (!gs)
    {
      print_message ("ghostscript not installed: PDF checked for structure only\n");
      return;
    }
  g_autofree char *png = g_strconcat (path, ".gs.png", NULL);
  g_autofree char *out_arg = g_strconcat ("-sOutputFile=", png, NULL);
  const char *argv[] = { gs, "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=png16m",
                         "-dFirstPage=1", "-dLastPage=1", "-r36", out_arg, path, NULL };
  int status = 0;
  g_autoptr(GError) error = NULL;
  assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                             NULL, NULL, NULL, NULL, &status, &error));
  assert_true (g_spawn_check_wait_status (status, NULL));
  int w, h;
  assert_true (png_distinct_colours (png, &w, &h) >= 4);
}

/* A second, stricter opinion on well-formedness (libxml2) when xmllint is
 * installed; GMarkup has already parsed the file. */
static void
check_xmllint (const char *path)
{
  static char *xmllint = NULL;
  static gboolean looked = FALSE;
  if (!looked)
    {
      xmllint = g_find_program_in_path ("xmllint");
      looked = TRUE;
      if (!xmllint)
        print_message ("xmllint not installed: SVG checked with GMarkup only\n");
    }
  if (!xmllint)
    return;
  const char *argv[] = { xmllint, "--noout", "--nonet", path, NULL };
  g_autofree char *err = NULL;
  int status = 0;
  assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                             NULL, &err, &status, NULL));
  if (!g_spawn_check_wait_status (status, NULL))
    fail_msg ("xmllint rejects %s: %s", path, err);
}

/* The trace's own facts, built in-process with the default view spec, that
 * the SVG must show. */
typedef struct {
  guint nodes, edges;      /* graph */
  guint lanes, messages;   /* timeline (drawn messages: capped by LOD) */
  gboolean aggregated;
  GPtrArray *node_ids;     /* data-id of each graph node: its name */
  GPtrArray *edge_ids;     /* "e<from>-<to>" by node index */
  GPtrArray *lane_ids;     /* lane names */
  GPtrArray *message_ids;  /* store message ids, in decimal */
} Expected;

static void
roundtrip_start (GMarkupParseContext *ctx, const char *name, const char **names,
                 const char **values, gpointer user_data, GError **error)
{
  *(char **) user_data = g_strdup (values[0]);
}

/* What an attribute holding s reads back as, after the SVG writer's
 * escaping (control bytes and invalid UTF-8 become U+FFFD) and an XML
 * parser's unescaping: ids of hostile names are compared this way. */
static char *
svg_attribute_roundtrip (const char *s)
{
  static const GMarkupParser parser = { roundtrip_start, NULL, NULL, NULL, NULL };
  g_autoptr(GString) doc = g_string_new ("<a v=\"");
  render_svg_escape_append (doc, s, -1);
  g_string_append (doc, "\"/>");
  char *value = NULL;
  GMarkupParseContext *ctx = g_markup_parse_context_new (&parser, 0, &value, NULL);
  if (!g_markup_parse_context_parse (ctx, doc->str, (gssize) doc->len, NULL))
    fail_msg ("escaped name is not well-formed: %s", doc->str);
  g_markup_parse_context_free (ctx);
  return value;
}

static void
expected_clear (Expected *e)
{
  g_clear_pointer (&e->node_ids, g_ptr_array_unref);
  g_clear_pointer (&e->edge_ids, g_ptr_array_unref);
  g_clear_pointer (&e->lane_ids, g_ptr_array_unref);
  g_clear_pointer (&e->message_ids, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Expected, expected_clear)

/* Every expected id appears on a <g> of the class: the picture shows these
 * very actors, edges and messages, not just as many. */
static void
assert_ids (const ItSvg *svg, const char *klass, const GPtrArray *ids)
{
  for (guint i = 0; i < ids->len; i++)
    if (!it_svg_has_id (svg, klass, g_ptr_array_index (ids, i)))
      fail_msg ("no <g class=\"%s\" data-id=\"%s\">", klass, (const char *) g_ptr_array_index (ids, i));
}

static void
expected_for (const char *path, Expected *e)
{
  g_autoptr(IngestStore) store = load_in_process (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(IngestGraph) graph = ingest_graph_build (store, NULL, &error);
  assert_non_null (graph);
  g_autoptr(IngestTimeline) tl = ingest_timeline_build (store, NULL, &error);
  assert_non_null (tl);
  e->nodes = graph->nodes->len;
  e->edges = graph->edges->len;
  e->lanes = tl->lanes->len;
  e->messages = tl->messages->len;
  e->aggregated = tl->aggregated;
  e->node_ids = g_ptr_array_new_with_free_func (g_free);
  e->edge_ids = g_ptr_array_new_with_free_func (g_free);
  e->lane_ids = g_ptr_array_new_with_free_func (g_free);
  e->message_ids = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < graph->nodes->len; i++)
    g_ptr_array_add (e->node_ids, svg_attribute_roundtrip (g_array_index (graph->nodes, IngestViewNode, i).name));
  for (guint i = 0; i < graph->edges->len; i++)
    {
      const IngestViewEdge *ed = &g_array_index (graph->edges, IngestViewEdge, i);
      g_ptr_array_add (e->edge_ids, g_strdup_printf ("e%u-%u", ed->from, ed->to));
    }
  for (guint i = 0; i < tl->lanes->len; i++)
    g_ptr_array_add (e->lane_ids, svg_attribute_roundtrip (g_array_index (tl->lanes, IngestViewNode, i).name));
  for (guint i = 0; i < tl->messages->len; i++)
    g_ptr_array_add (e->message_ids,
                     g_strdup_printf ("%u", g_array_index (tl->messages, IngestTimelineMessage, i).message));
}

static void
export_one (const char *trace, const char *view, const char *out_name, ItRun *run)
{
  g_autofree char *out = it_tmp_path (out_name);
  assert_true (it_runv (run, NULL, "export", trace, "--view", view, "-o", out, NULL));
  if (run->status != 0)
    fail_msg ("export %s --view %s -> %s: status %d: %s", trace, view, out_name, run->status, run->err);
}

static void
test_export_samples_svg (void **state)
{
  g_auto(GStrv) traces = it_list_traces ();
  assert_true (g_strv_length (traces) >= 3);

  for (guint i = 0; traces[i]; i++)
    {
      g_auto(Expected) e = { 0 };
      expected_for (traces[i], &e);
      g_autofree char *base = g_path_get_basename (traces[i]);
      print_message ("%s: %u nodes, %u edges, %u lanes, %u messages%s\n", base, e.nodes, e.edges,
                     e.lanes, e.messages, e.aggregated ? " (aggregated)" : "");

      for (guint v = 0; v < G_N_ELEMENTS (views); v++)
        {
          g_auto(ItRun) run = { 0 };
          g_autofree char *name = g_strdup_printf ("%s.%s.svg", base, views[v]);
          export_one (traces[i], views[v], name, &run);
          g_autofree char *path = it_tmp_path (name);
          g_autofree char *data = NULL;
          gsize len = 0;
          read_file (path, &data, &len);

          g_auto(ItSvg) svg = { 0 };
          g_autoptr(GError) error = NULL;
          if (!it_svg_parse (&svg, data, len, &error))
            fail_msg ("%s: not well-formed XML: %s", name, error->message);
          check_xmllint (path);
          assert_int_equal (svg.n_script_elements, 0);
          assert_int_equal (svg.n_event_attributes, 0);
          assert_true (svg.width > 0 && svg.height > 0);
          assert_non_null (svg.root_class);
          assert_non_null (strstr (svg.root_class, views[v]));
          /* What a user points at (actors, edges, messages) is identified
           * and has tooltips. */
          assert_int_equal (it_svg_n_missing_ids (&svg, "actor"), 0);
          assert_int_equal (it_svg_n_missing_ids (&svg, "edge"), 0);
          assert_int_equal (it_svg_n_missing_ids (&svg, "message"), 0);
          assert_true (svg.n_groups_with_title > 0);

          if (v == 0)
            {
              assert_int_equal (it_svg_n_ids (&svg, "actor"), e.nodes);
              assert_int_equal (it_svg_n_ids (&svg, "edge"), MIN (e.edges, 4000));
              assert_ids (&svg, "actor", e.node_ids);
              if (e.edges <= 4000)
                assert_ids (&svg, "edge", e.edge_ids);
            }
          else
            {
              assert_int_equal (it_svg_n_ids (&svg, "actor"), e.lanes);
              assert_ids (&svg, "actor", e.lane_ids);
              if (!e.aggregated)
                {
                  assert_int_equal (it_svg_n_ids (&svg, "message"), e.messages);
                  assert_ids (&svg, "message", e.message_ids);
                }
              else
                assert_true (it_svg_n_ids (&svg, "message") <= 4000);
            }
        }
    }
}

/* PNG and PDF of every view, each from a different sample (every sample is
 * already drawn in every view as SVG; the cairo backend draws the same
 * scenes, and each CLI run costs a fontconfig start-up). */
static void
test_export_samples_png_pdf (void **state)
{
  g_auto(GStrv) traces = it_list_traces ();
  guint n = g_strv_length (traces);
  assert_true (n > 0);
  for (guint v = 0; v < G_N_ELEMENTS (views); v++)
    {
      const char *png_trace = traces[v % n];
      const char *pdf_trace = traces[(v + 1) % n];
      g_autofree char *png_base = g_path_get_basename (png_trace);
      g_autofree char *pdf_base = g_path_get_basename (pdf_trace);
      g_auto(ItRun) r1 = { 0 };
      g_auto(ItRun) r2 = { 0 };
      g_autofree char *png = g_strdup_printf ("%s.%s.png", png_base, views[v]);
      g_autofree char *pdf = g_strdup_printf ("%s.%s.pdf", pdf_base, views[v]);
      export_one (png_trace, views[v], png, &r1);
      export_one (pdf_trace, views[v], pdf, &r2);
      g_autofree char *png_path = it_tmp_path (png);
      g_autofree char *pdf_path = it_tmp_path (pdf);
      check_png (png_path);
      check_pdf (pdf_path, TRUE);
    }
}

static void
test_export_hostile (void **state)
{
  g_autofree char *hostile = it_trace_path ("hostile.ndjson");
  if (!g_file_test (hostile, G_FILE_TEST_EXISTS))
    fail_msg ("data/traces/hostile.ndjson is missing");

  for (guint v = 0; v < G_N_ELEMENTS (views); v++)
    {
      g_auto(ItRun) run = { 0 };
      assert_true (it_runv (&run, NULL, "export", hostile, "--view", views[v], "-o", "-", NULL));
      assert_int_equal (run.status, 0);
      gsize len = 0;
      const char *data = g_bytes_get_data (run.out, &len);
      g_auto(ItSvg) svg = { 0 };
      g_autoptr(GError) error = NULL;
      if (!it_svg_parse (&svg, data, len, &error))
        fail_msg ("hostile %s: not well-formed XML: %s", views[v], error->message);
      /* The actor named <script> shows as text and never as an element. */
      assert_int_equal (svg.n_script_elements, 0);
      assert_int_equal (svg.n_event_attributes, 0);
      assert_non_null (strstr (svg.text->str, "<script>"));
      /* Raw markup must not appear unescaped in the bytes either. */
      assert_null (memmem (data, len, "<script", 7));
      /* Output is valid UTF-8 with no raw control bytes but tab/newline/CR. */
      assert_true (g_utf8_validate (data, len, NULL));
      for (gsize i = 0; i < len; i++)
        {
          guchar c = (guchar) data[i];
          assert_false (c < 0x20 && c != '\t' && c != '\n' && c != '\r');
        }
    }

  /* PNG and PDF of the hostile trace draw fine too. */
  g_auto(ItRun) r1 = { 0 };
  g_auto(ItRun) r2 = { 0 };
  export_one (hostile, "sequence", "hostile.png", &r1);
  export_one (hostile, "graph", "hostile.pdf", &r2);
  g_autofree char *png = it_tmp_path ("hostile.png");
  g_autofree char *pdf = it_tmp_path ("hostile.pdf");
  check_png (png);
  check_pdf (pdf, TRUE);
}

static void
test_export_stdin_stdout (void **state)
{
  g_auto(GStrv) traces = it_list_traces ();
  const char *trace = traces[0];
  assert_non_null (trace);

  /* SVG to stdout by default. */
  g_auto(ItRun) run = { 0 };
  assert_true (it_runv (&run, trace, "export", "-", "--view", "timeline", "-o", "-", NULL));
  assert_int_equal (run.status, 0);
  gsize len = 0;
  const char *data = g_bytes_get_data (run.out, &len);
  g_auto(ItSvg) svg = { 0 };
  assert_true (it_svg_parse (&svg, data, len, NULL));
  assert_true (it_svg_n_ids (&svg, "actor") > 0);

  /* PNG to stdout with --output-format. */
  g_auto(ItRun) run2 = { 0 };
  assert_true (it_runv (&run2, trace, "export", "-", "--output-format", "png", "-o", "-", NULL));
  assert_int_equal (run2.status, 0);
  data = g_bytes_get_data (run2.out, &len);
  assert_true (len > 8);
  assert_memory_equal (data, "\x89PNG\r\n\x1a\n", 8);
  g_autofree char *png = it_write_tmp ("stdout.png", data, (gssize) len);
  check_png (png);

  /* The same picture from a file and from stdin. */
  g_auto(ItRun) a = { 0 };
  g_auto(ItRun) b = { 0 };
  assert_true (it_runv (&a, NULL, "export", trace, "--view", "graph", "-o", "-", NULL));
  assert_true (it_runv (&b, trace, "export", "-", "--view", "graph", "-o", "-", NULL));
  assert_int_equal (a.status, 0);
  assert_int_equal (b.status, 0);
  assert_true (g_bytes_equal (a.out, b.out));
}

static void
test_export_options (void **state)
{
  g_auto(GStrv) traces = it_list_traces ();
  const char *trace = traces[0];

  /* Size, theme and a window relative to the trace start. */
  g_auto(ItRun) run = { 0 };
  assert_true (it_runv (&run, NULL, "export", trace, "--view", "graph", "--width", "640",
                        "--height", "480", "--theme", "dark", "--from", "+0s", "-o", "-", NULL));
  assert_int_equal (run.status, 0);
  gsize len = 0;
  const char *data = g_bytes_get_data (run.out, &len);
  g_auto(ItSvg) svg = { 0 };
  assert_true (it_svg_parse (&svg, data, len, NULL));
  assert_true (svg.width == 640 && svg.height == 480);
  assert_non_null (strstr (svg.root_class, "dark"));

  /* A window after the end holds nothing: still a valid picture, no
   * messages. */
  g_auto(ItRun) empty = { 0 };
  assert_true (it_runv (&empty, NULL, "export", trace, "--view", "sequence", "--from", "+100000s",
                        "-o", "-", NULL));
  assert_int_equal (empty.status, 0);
  data = g_bytes_get_data (empty.out, &len);
  g_auto(ItSvg) svg2 = { 0 };
  assert_true (it_svg_parse (&svg2, data, len, NULL));
  assert_int_equal (it_svg_n_ids (&svg2, "message"), 0);

  /* A window, relative and absolute: the chart holds exactly the messages
   * the same window of the view holds. */
  g_autofree char *ms = it_trace_path ("mswitch-rpc.json");
  g_autoptr(IngestStore) store = load_in_process (ms);
  gint64 t0 = 0, t1 = 0;
  assert_true (ingest_store_time_range (store, &t0, &t1));
  IngestViewSpec spec = { .from_ns = t0 + G_GINT64_CONSTANT (1000000000),
                          .to_ns = t0 + G_GINT64_CONSTANT (3500000000) };
  g_autoptr(IngestTimeline) tl = ingest_timeline_build (store, &spec, NULL);
  assert_non_null (tl);
  assert_false (tl->aggregated);
  assert_true (tl->messages->len > 0);
  g_autofree char *abs_from = g_strdup_printf ("%" G_GINT64_FORMAT, spec.from_ns);
  g_autofree char *abs_to = g_strdup_printf ("%" G_GINT64_FORMAT, spec.to_ns);
  const char *forms[][2] = { { "+1s", "+3500ms" }, { abs_from, abs_to } };
  for (guint f = 0; f < G_N_ELEMENTS (forms); f++)
    {
      g_auto(ItRun) win = { 0 };
      assert_true (it_runv (&win, NULL, "export", ms, "--view", "sequence", "--from", forms[f][0],
                            "--to", forms[f][1], "-o", "-", NULL));
      assert_int_equal (win.status, 0);
      data = g_bytes_get_data (win.out, &len);
      g_auto(ItSvg) ws = { 0 };
      assert_true (it_svg_parse (&ws, data, len, NULL));
      assert_int_equal (it_svg_n_ids (&ws, "message"), tl->messages->len);
    }

  /* --group folds a subtree into one node, named by the glob. */
  g_autofree char *akka = it_trace_path ("akka-supervision.ndjson");
  const char *gviews[] = { "graph", "timeline" };
  for (guint v = 0; v < G_N_ELEMENTS (gviews); v++)
    {
      g_auto(ItRun) grp = { 0 };
      assert_true (it_runv (&grp, NULL, "export", akka, "--view", gviews[v], "--group",
                            "/user/supervisor/workers/*", "-o", "-", NULL));
      assert_int_equal (grp.status, 0);
      data = g_bytes_get_data (grp.out, &len);
      g_auto(ItSvg) gs = { 0 };
      assert_true (it_svg_parse (&gs, data, len, NULL));
      assert_true (it_svg_has_id (&gs, "actor", "/user/supervisor/workers/*"));
      assert_false (it_svg_has_id (&gs, "actor", "/user/supervisor/workers/w1"));
    }

  /* A filter that matches nothing leaves no actors. */
  g_auto(ItRun) none = { 0 };
  assert_true (it_runv (&none, NULL, "export", trace, "--filter", "no-such-actor-*", "-o", "-", NULL));
  assert_int_equal (none.status, 0);
  data = g_bytes_get_data (none.out, &len);
  g_auto(ItSvg) svg3 = { 0 };
  assert_true (it_svg_parse (&svg3, data, len, NULL));
  assert_int_equal (it_svg_n_ids (&svg3, "actor"), 0);
}

int
main (int argc, char **argv)
{
  it_init (argc, argv);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_export_samples_svg),
    cmocka_unit_test (test_export_samples_png_pdf),
    cmocka_unit_test (test_export_hostile),
    cmocka_unit_test (test_export_stdin_stdout),
    cmocka_unit_test (test_export_options),
  };
  int rc = cmocka_run_group_tests (tests, NULL, NULL);
  it_cleanup ();
  return rc;
}
