/* test-render-backend.c: the scene walker and the counting backend. One
 * scene drawn through every backend; assertions on what was drawn. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <cmocka.h>

#include "render-backend.h"
#include "render-cairo.h"
#include "render-count.h"
#include "render-svg.h"

static RenderScene *
sample_scene (void)
{
  RenderScene *scene = render_scene_new (200, 100);
  render_scene_set_stroke (scene, render_color_rgb (0x336699));
  render_scene_group_begin (scene, "actor", "a", "A");
  render_scene_circle (scene, 20, 20, 10);
  render_scene_text (scene, 20, 40, "a", RENDER_ANCHOR_MIDDLE, RENDER_BASELINE_MIDDLE, -1);
  render_scene_group_end (scene);
  double dash[2] = { 3, 3 };
  render_scene_set_dash (scene, dash, 2);
  render_scene_group_begin (scene, "edge", "e", NULL);
  render_scene_arrow (scene, 30, 20, 120, 20, RENDER_HEAD_FILLED, 7);
  render_scene_arrow (scene, 30, 30, 120, 30, RENDER_HEAD_OPEN, 7);
  render_scene_group_end (scene);
  render_scene_set_dash (scene, NULL, 0);
  render_scene_clip_begin (scene, 0, 0, 100, 100);
  render_scene_rect (scene, 5, 5, 10, 10, 2);
  render_scene_line (scene, NAN, 0, 1, 1);   /* skipped by the walker */
  const char *lab = render_scene_intern (scene, "shared");
  render_scene_text_interned (scene, 50, 50, lab, RENDER_ANCHOR_START, RENDER_BASELINE_ALPHABETIC, -1);
  render_scene_text_interned (scene, 50, 60, lab, RENDER_ANCHOR_START, RENDER_BASELINE_ALPHABETIC, -1);
  render_scene_clip_end (scene);
  return scene;
}

static void
test_count (void **state)
{
  (void) state;
  g_autoptr (RenderScene) scene = sample_scene ();
  g_autoptr (RenderCount) c = render_count_scene (scene);
  assert_int_equal (c->shapes[RENDER_NODE_CIRCLE], 1);
  assert_int_equal (c->shapes[RENDER_NODE_ARROW], 2);
  assert_int_equal (c->shapes[RENDER_NODE_RECT], 1);
  assert_int_equal (c->shapes[RENDER_NODE_LINE], 0);   /* non-finite: skipped */
  assert_int_equal (c->shapes[RENDER_NODE_TEXT], 3);
  assert_int_equal (c->dashed, 2);
  assert_int_equal (c->groups, 2);
  assert_int_equal (c->clips, 1);
  assert_int_equal (c->max_depth, 1);
  assert_int_equal (c->warnings, 1);                   /* the skipped line */
  assert_int_equal (render_count_class (c, "actor"), 1);
  assert_int_equal (render_count_class (c, "edge"), 1);
  assert_int_equal (render_count_text (c, "shared"), 2);
  assert_true (c->ink_x0 <= 10 && c->ink_x1 >= 120);
}

typedef struct {
  guint begins, ends, rects;
  guint depth, max_depth;
} Tiny;

static void tiny_group_begin (gpointer self, const RenderNode *n) { Tiny *t = self; (void) n; t->begins++; t->depth++; t->max_depth = MAX (t->max_depth, t->depth); }
static void tiny_group_end (gpointer self, const RenderNode *n) { Tiny *t = self; (void) n; t->ends++; t->depth--; }
static void tiny_rect (gpointer self, const RenderNode *n, const RenderStyle *st) { Tiny *t = self; (void) n; (void) st; t->rects++; }

static void
count_warning (const char *message, gpointer data)
{
  (void) message;
  (*(guint *) data)++;
}

static void
test_walker_balances_and_reports (void **state)
{
  (void) state;
  /* a third backend is a table: this one draws only rectangles */
  static const RenderBackend tiny = {
    .group_begin = tiny_group_begin, .group_end = tiny_group_end, .rect = tiny_rect,
  };
  g_autoptr (RenderScene) scene = render_scene_new (10, 10);
  render_scene_group_begin (scene, "outer", NULL, NULL);
  render_scene_group_begin (scene, "inner", NULL, NULL);
  render_scene_rect (scene, 0, 0, 1, 1, 0);
  render_scene_circle (scene, 1, 1, 1);       /* unsupported: one warning */
  render_scene_circle (scene, 2, 2, 1);       /* ...not two */
  render_scene_group_end (scene);             /* "outer" left open */
  Tiny t = { 0 };
  guint warnings = 0;
  render_backend_walk (scene, &tiny, &t, count_warning, &warnings);
  assert_int_equal (t.rects, 1);
  assert_int_equal (t.begins, 2);
  assert_int_equal (t.ends, 2);               /* closed for it at the end */
  assert_int_equal (t.max_depth, 2);
  assert_int_equal (t.depth, 0);
  assert_int_equal (warnings, 2);             /* circles, unclosed group */
}

static void
test_same_scene_every_backend (void **state)
{
  (void) state;
  g_autoptr (RenderScene) scene = sample_scene ();
  guint w_svg = 0, w_cairo = 0;
  RenderSvgOptions so = { FALSE, count_warning, &w_svg };
  g_autoptr (GString) svg = g_string_new (NULL);
  render_svg_write_full (scene, &so, svg);
  /* heads are shared markers: two kinds here, one <marker> each */
  guint markers = 0;
  for (const char *p = svg->str; (p = strstr (p, "<marker ")); p++)
    markers++;
  assert_int_equal (markers, 2);
  assert_non_null (strstr (svg->str, "marker-end:url(#a1)"));
  cairo_surface_t *surf = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 200, 100);
  cairo_t *cr = cairo_create (surf);
  RenderCairoOptions co = { 1, count_warning, &w_cairo };
  render_cairo_draw_full (scene, cr, &co);
  cairo_destroy (cr);
  cairo_surface_destroy (surf);
  g_autoptr (RenderCount) c = render_count_scene (scene);
  /* every backend reports the same problem the same way (and there is
   * one to report, or the comparison would prove nothing) */
  assert_true (c->warnings > 0);
  assert_int_equal (w_svg, c->warnings);
  assert_int_equal (w_cairo, c->warnings);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_count),
    cmocka_unit_test (test_walker_balances_and_reports),
    cmocka_unit_test (test_same_scene_every_backend),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
