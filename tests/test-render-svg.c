/* SVG writer: the output parses back as XML, groups and texts are what was
 * drawn, hostile strings are escaped. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-render-common.h"
#include "render-cairo.h"

static void
test_semantic_groups (void **state)
{
  g_autoptr (RenderScene) scene = render_scene_new (400, 300);
  render_scene_set_root_class (scene, "actorscope graph theme-dark");
  render_scene_set_title (scene, "Test & <title>");
  render_scene_set_background (scene, render_color_rgb (0x101010));
  for (int i = 0; i < 3; i++)
    {
      char id[8];
      g_snprintf (id, sizeof id, "a%d", i);
      render_scene_group_begin (scene, "actor", id, "tooltip");
      render_scene_group_set_data (scene, "kind", "queue");
      render_scene_set_fill (scene, render_color_rgb (0x336699));
      render_scene_circle (scene, 50 + i * 100, 50, 20.04);
      render_scene_text (scene, 50 + i * 100, 80, id, RENDER_ANCHOR_MIDDLE, RENDER_BASELINE_HANGING, -1);
      render_scene_group_end (scene);
    }
  render_scene_set_stroke (scene, render_color_rgba (0xff000080));
  double dash[2] = { 4, 2 };
  render_scene_set_dash (scene, dash, 2);
  render_scene_group_begin (scene, "edge", "a0->a1", NULL);
  render_scene_arrow (scene, 70, 50, 130, 50, RENDER_HEAD_FILLED, 8);
  render_scene_group_end (scene);
  render_scene_group_begin (scene, "message", "m", NULL);
  render_scene_arrow_curve (scene, 0, 0, 10, 10, 20, 10, 30, 0, RENDER_HEAD_CROSS, 6);
  render_scene_group_end (scene);
  render_scene_clip_begin (scene, 0, 0, 100, 100);
  render_scene_rect (scene, 0, 0, 1e300, NAN, 3);
  render_scene_clip_end (scene);

  gsize len;
  g_autofree char *svg = scene_to_svg (scene, &len);
  SvgInfo info;
  g_autoptr (GError) error = NULL;
  assert_true (svg_parse (svg, len, &info, &error));
  assert_int_equal (svg_count_class (&info, "actor"), 3);
  assert_int_equal (svg_count_class (&info, "edge"), 1);
  assert_int_equal (svg_count_class (&info, "message"), 1);
  assert_int_equal (svg_count_element (&info, "circle"), 3);
  assert_int_equal (svg_count_element (&info, "text"), 3);
  assert_int_equal (svg_count_element (&info, "clipPath"), 1);
  assert_true (svg_has_text (&info, "a1"));
  assert_non_null (strstr (svg, "data-kind=\"queue\""));
  assert_non_null (strstr (svg, "class=\"actorscope graph theme-dark\""));
  assert_non_null (strstr (svg, "r=\"20\""));           /* compact numbers */
  assert_non_null (strstr (svg, "stroke-dasharray:4 2"));
  assert_null (strstr (svg, "nan"));
  assert_null (strstr (svg, "inf"));
  /* the document title and 3 tooltips */
  assert_int_equal (info.titles->len, 4);
  assert_string_equal (g_ptr_array_index (info.titles, 0), "Test & <title>");
  svg_info_clear (&info);
}

static void
test_hostile_strings (void **state)
{
  /* Every kind of trouble a trace can carry, in every place a string goes. */
  const char *hostile[] = {
    "<script>alert(1)</script>",
    "Tom & \"Jerry\" 'quoted'",
    "ctl\x01\x02\x1b[31mred\x7f end",
    "bad \xff\xfe utf8 \xc3\x28 \xe2\x82 trunc",
    "]]> <!-- --> <![CDATA[",
    "\xef\xbf\xbe noncharacter \xc2\x85 c1",
  };
  g_autoptr (RenderScene) scene = render_scene_new (100, 100);
  render_scene_set_title (scene, hostile[0]);
  render_scene_set_root_class (scene, hostile[1]);
  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      render_scene_group_begin (scene, hostile[i], hostile[i], hostile[i]);
      render_scene_group_set_data (scene, hostile[i], hostile[i]);
      render_scene_text (scene, 1, 1, hostile[i], RENDER_ANCHOR_START, RENDER_BASELINE_ALPHABETIC, -1);
      render_scene_group_end (scene);
    }
  /* keys that sanitise to the same attribute name: written once */
  render_scene_group_begin (scene, "dup", NULL, NULL);
  render_scene_group_set_data (scene, "a_b", "1");
  render_scene_group_set_data (scene, "ab", "2");
  render_scene_group_set_data (scene, "A-B", "3");
  render_scene_group_set_data (scene, "<>", "4");
  render_scene_group_set_data (scene, "&", "5");
  render_scene_group_end (scene);
  /* a 1 MB label */
  char *big = g_malloc (1024 * 1024 + 1);
  for (gsize i = 0; i < 1024 * 1024; i++)
    big[i] = "<&>\"'ab\x01"[i % 8];
  big[1024 * 1024] = '\0';
  render_scene_group_begin (scene, "actor", big, big);
  render_scene_text (scene, 1, 1, big, RENDER_ANCHOR_START, RENDER_BASELINE_ALPHABETIC, -1);
  render_scene_group_end (scene);
  g_free (big);

  gsize len;
  g_autofree char *svg = scene_to_svg (scene, &len);
  assert_true (g_utf8_validate (svg, len, NULL));
  SvgInfo info;
  g_autoptr (GError) error = NULL;
  if (!svg_parse (svg, len, &info, &error))
    fail_msg ("not XML: %s", error->message);
  assert_null (strstr (svg, "<script"));
  assert_null (strstr (svg, "\x1b"));
  assert_null (strstr (svg, "<!--"));
  /* the text reads back as what was meant */
  assert_true (svg_has_text (&info, "<script>alert(1)</script>"));
  assert_true (svg_has_text (&info, "Tom & \"Jerry\" 'quoted'"));
  assert_int_equal (svg_count_element (&info, "text"), G_N_ELEMENTS (hostile) + 1);
  assert_int_equal (svg_count_class (&info, "actor"), 1);
  assert_int_equal (svg_count_class (&info, "dup"), 1);
  /* (the test parser does not reject repeated attributes: count them) */
  guint n_ab = 0, n_x = 0;
  for (const char *p = svg; (p = strstr (p, " data-ab=")); p++)
    n_ab++;
  for (const char *p = svg; (p = strstr (p, " data-x=")); p++)
    n_x++;
  assert_int_equal (n_ab, 1);
  assert_non_null (strstr (svg, " data-ab=\"1\""));
  assert_int_equal (n_x, 1);
  svg_info_clear (&info);
}

/* Two processes of three threads each, one with a hostile name: with
 * threads expanded each process is a cluster, <g class="cluster"> titled
 * with the name escaped, a rounded box around its members; the boxes don't
 * overlap (the layout keeps members together); cairo draws it too. */
static const char hostile_process[] = "<script>alert(1)</script> & \"Jerry\" \x01";

static IngestStore *
two_process_store (void)
{
  IngestStore *store = ingest_store_new ();
  const char *procs[2] = { hostile_process, "Renderer (pid 2)" };
  char names[2][3][32];
  for (guint p = 0; p < 2; p++)
    {
      ingest_store_ensure_actor (store, INGEST_STR (procs[p]), INGEST_ACTOR_PROCESS, (IngestStr) { 0 });
      for (guint t = 0; t < 3; t++)
        {
          g_snprintf (names[p][t], sizeof names[p][t], "thread %u.%u", p, t);
          ingest_store_ensure_actor (store, INGEST_STR (names[p][t]), INGEST_ACTOR_THREAD, INGEST_STR (procs[p]));
        }
    }
  gint64 now = 1000;
  for (guint k = 0; k < 30; k++)
    {
      guint p = k % 2, t = k % 3;
      const char *from = names[p][t], *to = k % 5 == 0 ? names[1 - p][0] : names[p][(t + 1) % 3];
      char key[16];
      g_snprintf (key, sizeof key, "m%u", k);
      IngestEventInput snd = { .kind = INGEST_EVENT_SEND, .time_ns = now, .actor = INGEST_STR (from),
                               .peer = INGEST_STR (to), .message_key = INGEST_STR (key) };
      IngestEventInput rcv = { .kind = INGEST_EVENT_RECEIVE, .time_ns = now + 10, .actor = INGEST_STR (to),
                               .message_key = INGEST_STR (key) };
      ingest_store_append (store, &snd);
      ingest_store_append (store, &rcv);
      now += 100;
    }
  return store;
}

static void
test_graph_clusters (void **state)
{
  g_autoptr (IngestStore) store = two_process_store ();
  IngestViewSpec spec = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX, .expand_threads = TRUE };
  g_autoptr (IngestGraph) graph = ingest_graph_build (store, &spec, NULL);
  assert_non_null (graph);
  assert_int_equal (graph->nodes->len, 6);
  RenderLayoutOptions o = { .width = 900, .height = 600, .seed = 1 };
  g_autoptr (RenderScene) scene = render_layout_graph (graph, &o);
  assert_int_equal (render_scene_count_groups (scene, "cluster"), 2);

  /* each cluster's box */
  double box[2][4];
  guint nb = 0;
  for (const RenderNode *nd = render_scene_get_first (scene); nd != NULL; nd = nd->next)
    if (nd->kind == RENDER_NODE_GROUP_BEGIN && g_strcmp0 (nd->u.group.klass, "cluster") == 0)
      {
        const RenderNode *r = nd->next;
        assert_non_null (r);
        assert_int_equal (r->kind, RENDER_NODE_RECT);
        assert_true (r->u.rect.radius > 0);
        assert_true (nb < 2);
        box[nb][0] = r->u.rect.x;
        box[nb][1] = r->u.rect.y;
        box[nb][2] = r->u.rect.x + r->u.rect.w;
        box[nb][3] = r->u.rect.y + r->u.rect.h;
        nb++;
      }
  assert_int_equal (nb, 2);
  gboolean apart = box[0][2] <= box[1][0] || box[1][2] <= box[0][0]
                   || box[0][3] <= box[1][1] || box[1][3] <= box[0][1];
  assert_true (apart);

  gsize len;
  g_autofree char *svg = scene_to_svg (scene, &len);
  SvgInfo info;
  g_autoptr (GError) error = NULL;
  if (!svg_parse (svg, len, &info, &error))
    fail_msg ("not XML: %s", error->message);
  assert_int_equal (svg_count_class (&info, "cluster"), 2);
  assert_null (strstr (svg, "<script"));
  assert_null (strstr (svg, "\x01"));
  gboolean titled = FALSE;
  for (guint i = 0; i < info.titles->len; i++)
    titled = titled || g_str_has_prefix (g_ptr_array_index (info.titles, i), "<script>alert(1)</script> & \"Jerry\"");
  assert_true (titled);
  svg_info_clear (&info);

  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 900, 600);
  cairo_t *cr = cairo_create (surface);
  render_cairo_draw (scene, cr);
  assert_int_equal (cairo_status (cr), CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);

  /* folded (the default): one node per process, no cluster */
  g_autoptr (IngestGraph) folded = ingest_graph_build (store, NULL, NULL);
  assert_int_equal (folded->nodes->len, 2);
  g_autoptr (RenderScene) fscene = render_layout_graph (folded, &o);
  assert_int_equal (render_scene_count_groups (fscene, "cluster"), 0);
  /* the flows between a process's own threads: its self-loop, counted on
   * the picture (12 per process) */
  g_autofree char *fsvg = scene_to_svg (fscene, &len);
  SvgInfo finfo;
  assert_true (svg_parse (fsvg, len, &finfo, NULL));
  assert_true (svg_has_text (&finfo, "\xc3\x97" "12"));
  svg_info_clear (&finfo);
}

static void
test_escape_append (void **state)
{
  GString *s = g_string_new (NULL);
  render_svg_escape_append (s, "a<b>&\"'\n\tc\x01\xff", -1);
  assert_string_equal (s->str, "a&lt;b&gt;&amp;&quot;&#39;\n\tc\xef\xbf\xbd\xef\xbf\xbd");
  g_string_truncate (s, 0);
  render_svg_escape_append (s, "ab\0cd", 5);  /* embedded NUL */
  assert_string_equal (s->str, "ab\xef\xbf\xbd" "cd");
  g_string_free (s, TRUE);
}

static void
collect_warning (const char *message, gpointer data)
{
  g_ptr_array_add (data, g_strdup (message));
}

static void
test_warnings (void **state)
{
  g_autoptr (RenderScene) scene = render_scene_new (100, 100);
  render_scene_set_stroke (scene, render_color_rgb (0));
  render_scene_line (scene, NAN, 0, INFINITY, 1);
  render_scene_group_begin (scene, "actor", "open", NULL); /* never closed */
  g_autoptr (GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  RenderSvgOptions opt = { FALSE, collect_warning, warnings };
  GString *out = g_string_new (NULL);
  render_svg_write_full (scene, &opt, out);
  assert_int_equal (warnings->len, 2);
  SvgInfo info;
  assert_true (svg_parse (out->str, out->len, &info, NULL));
  svg_info_clear (&info);
  g_string_free (out, TRUE);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_semantic_groups),
    cmocka_unit_test (test_hostile_strings),
    cmocka_unit_test (test_escape_append),
    cmocka_unit_test (test_graph_clusters),
    cmocka_unit_test (test_warnings),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
