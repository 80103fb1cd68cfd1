/* Scene: arena iteration, style interning, groups, hit testing; plus the
 * pure helpers (ticks, palette). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "render-scene.h"
#include "render-palette.h"
#include "render-text.h"
#include "render-ticks.h"

static void
test_iteration (void **state)
{
  g_autoptr (RenderScene) scene = render_scene_new (200, 100);
  render_scene_set_fill (scene, render_color_rgb (0xff0000));
  render_scene_group_begin (scene, "actor", "a", "Actor A");
  render_scene_group_set_data (scene, "kind", "queue");
  render_scene_group_set_data (scene, "n", "3");
  render_scene_rect (scene, 10, 10, 20, 20, 2);
  render_scene_text (scene, 20, 40, "A", RENDER_ANCHOR_MIDDLE, RENDER_BASELINE_MIDDLE, 8);
  render_scene_text (scene, 20, 40, "", RENDER_ANCHOR_MIDDLE, RENDER_BASELINE_MIDDLE, 8); /* dropped */
  render_scene_group_end (scene);
  render_scene_path_begin (scene);
  render_scene_path_end (scene); /* empty: no node */
  double xy[6] = { 0, 0, 10, 10, 20, 0 };
  render_scene_polyline (scene, xy, 3, FALSE);
  assert_int_equal (render_scene_n_nodes (scene), 5);
  guint kinds[5], n = 0;
  for (const RenderNode *node = render_scene_get_first (scene); node; node = node->next)
    kinds[n++] = node->kind;
  assert_int_equal (n, 5);
  assert_int_equal (kinds[0], RENDER_NODE_GROUP_BEGIN);
  assert_int_equal (kinds[1], RENDER_NODE_RECT);
  assert_int_equal (kinds[2], RENDER_NODE_TEXT);
  assert_int_equal (kinds[3], RENDER_NODE_GROUP_END);
  assert_int_equal (kinds[4], RENDER_NODE_PATH);
  const RenderNode *g = render_scene_get_first (scene);
  assert_string_equal (g->u.group.klass, "actor");
  assert_string_equal (g->u.group.id, "a");
  assert_string_equal (g->u.group.data->key, "kind");
  assert_string_equal (g->u.group.data->next->value, "3");
  assert_null (g->u.group.data->next->next);
  assert_int_equal (render_scene_count_groups (scene, "actor"), 1);
  const RenderNode *path = g->next->next->next->next;
  assert_int_equal (path->u.path.n_ops, 3);
  assert_int_equal (path->u.path.n_points, 3);
}

static void
test_styles_interned (void **state)
{
  g_autoptr (RenderScene) scene = render_scene_new (100, 100);
  for (int i = 0; i < 1000; i++)
    {
      render_scene_set_stroke (scene, render_color_rgb (i % 2 ? 0x112233 : 0x445566));
      render_scene_line (scene, 0, i, 10, i);
    }
  assert_int_equal (render_scene_n_nodes (scene), 1000);
  assert_int_equal (render_scene_n_styles (scene), 2);
  /* Many nodes live in one arena; freeing the scene releases all (LSan). */
  assert_true (render_scene_memory_bytes (scene) >= 1000 * sizeof (RenderNode));
}

static void
test_deep_nesting (void **state)
{
  /* 100,000 nested groups: iteration and hit testing must not recurse. */
  g_autoptr (RenderScene) scene = render_scene_new (100, 100);
  for (int i = 0; i < 100000; i++)
    render_scene_group_begin (scene, i == 99999 ? "inner" : NULL, "x", NULL);
  render_scene_set_fill (scene, render_color_rgb (0));
  render_scene_rect (scene, 0, 0, 10, 10, 0);
  for (int i = 0; i < 100000; i++)
    render_scene_group_end (scene);
  const RenderNode *hit = render_scene_hit_test (scene, 5, 5);
  assert_non_null (hit);
  assert_string_equal (hit->u.group.klass, "inner");
  assert_int_equal (hit->u.group.depth, 99999);
}

static void
test_hit_testing (void **state)
{
  g_autoptr (RenderScene) scene = render_scene_new (300, 300);
  render_scene_set_fill (scene, render_color_rgb (0xcccccc));
  render_scene_group_begin (scene, "actor", "A", "A");
  render_scene_rect (scene, 0, 0, 100, 100, 0);
  render_scene_group_end (scene);
  render_scene_group_begin (scene, "actor", "B", "B");
  render_scene_circle (scene, 80, 80, 30);    /* overlaps A, drawn later: on top */
  render_scene_group_end (scene);
  render_scene_set_fill (scene, RENDER_COLOR_NONE);
  render_scene_set_stroke (scene, render_color_rgb (0));
  render_scene_set_stroke_width (scene, 1);
  render_scene_group_begin (scene, "edge", "A->C", NULL);
  render_scene_group_begin (scene, NULL, NULL, NULL); /* structural: skipped */
  render_scene_arrow (scene, 150, 10, 290, 10, RENDER_HEAD_FILLED, 8);
  render_scene_group_end (scene);
  render_scene_group_end (scene);
  render_scene_group_begin (scene, "message", "m1", NULL);
  render_scene_arrow_curve (scene, 150, 200, 150, 150, 290, 150, 290, 200, RENDER_HEAD_OPEN, 8);
  render_scene_group_end (scene);
  render_scene_clip_begin (scene, 0, 250, 50, 50);
  render_scene_set_fill (scene, render_color_rgb (0));
  render_scene_group_begin (scene, "span", "clipped", NULL);
  render_scene_rect (scene, 0, 250, 300, 50, 0);
  render_scene_group_end (scene);
  render_scene_clip_end (scene);
  render_scene_group_begin (scene, "mark", "t", NULL);
  render_scene_text (scene, 200, 100, "hello", RENDER_ANCHOR_START, RENDER_BASELINE_ALPHABETIC, 40);
  render_scene_group_end (scene);

  const RenderNode *h;
  h = render_scene_hit_test (scene, 10, 10);
  assert_non_null (h);
  assert_string_equal (h->u.group.id, "A");
  h = render_scene_hit_test (scene, 90, 90);
  assert_string_equal (h->u.group.id, "B");
  h = render_scene_hit_test (scene, 200, 11.5);   /* within stroke tolerance */
  assert_string_equal (h->u.group.klass, "edge");
  assert_null (render_scene_hit_test (scene, 200, 30));
  h = render_scene_hit_test (scene, 220, 162.5); /* on the curve's apex, roughly */
  assert_non_null (h);
  assert_string_equal (h->u.group.id, "m1");
  h = render_scene_hit_test (scene, 20, 270);    /* inside the clip */
  assert_string_equal (h->u.group.id, "clipped");
  assert_null (render_scene_hit_test (scene, 200, 270)); /* clipped away */
  h = render_scene_hit_test (scene, 215, 96);
  assert_non_null (h);
  assert_string_equal (h->u.group.klass, "mark");
  assert_null (render_scene_hit_test (scene, NAN, 5));
  assert_null (render_scene_hit_test (scene, 299, 299));
}

static void
test_ticks (void **state)
{
  char buf[48];
  assert_string_equal (render_ticks_format_duration (1500000, buf, sizeof buf), "1.5 ms");
  assert_string_equal (render_ticks_format_duration (850, buf, sizeof buf), "850 ns");
  assert_string_equal (render_ticks_format_duration (12300000, buf, sizeof buf), "12.3 ms");
  assert_string_equal (render_ticks_format_duration (2000000000, buf, sizeof buf), "2 s");
  assert_string_equal (render_ticks_format_duration (G_GINT64_CONSTANT (90000000000), buf, sizeof buf),
                       "1 min 30 s");
  assert_string_equal (render_ticks_format_duration (1500, buf, sizeof buf), "1.5 \xc2\xb5s");
  assert_string_equal (render_ticks_format_duration (-2000000, buf, sizeof buf), "-2 ms");
  /* 2023-11-14T22:13:20.250Z */
  gint64 t = G_GINT64_CONSTANT (1700000000250000000);
  assert_string_equal (render_ticks_format_time (t, 250000000, 0, buf, sizeof buf), "22:13:20.25");
  assert_string_equal (render_ticks_format_time (t, 1000000, 0, buf, sizeof buf), "22:13:20.250");
  assert_string_equal (render_ticks_format_time (t - 250000000, G_GINT64_CONSTANT (1000000000), 0,
                                                 buf, sizeof buf), "22:13:20");
  assert_string_equal (render_ticks_format_time (1500000, 500000, 0, buf, sizeof buf), "+1.5 ms");

  RenderTicks ticks;
  assert_true (render_ticks_compute (0, 1000000000, 11, &ticks));
  assert_int_equal (ticks.step_ns, 100000000);
  assert_int_equal (ticks.first_ns, 0);
  assert_int_equal (ticks.n, 11);
  assert_true (render_ticks_compute (123, 7000123, 8, &ticks));
  assert_true (ticks.n <= 8 && ticks.n >= 2);
  assert_true (ticks.first_ns >= 123 && ticks.first_ns % ticks.step_ns == 0);
  /* clock-friendly steps above a second */
  assert_true (render_ticks_compute (0, G_GINT64_CONSTANT (600) * 1000000000, 12, &ticks));
  assert_int_equal (ticks.step_ns, G_GINT64_CONSTANT (60) * 1000000000);
  assert_false (render_ticks_compute (5, 5, 10, &ticks));
}

/* Ticks lie in [from, to], at most max of them, each a multiple of the step;
 * checked without overflowing. */
static guint
assert_ticks_within (gint64 from, gint64 to, guint max)
{
  RenderTicks ticks;
  assert_true (render_ticks_compute (from, to, max, &ticks));
  assert_true (ticks.n <= max);
  assert_true (ticks.step_ns > 0);
  if (ticks.n == 0) /* a short range between two multiples of the step */
    return 0;
  assert_true (ticks.first_ns >= from && ticks.first_ns <= to);
  assert_true (ticks.first_ns % ticks.step_ns == 0);
  guint64 last_off = (guint64) (ticks.n - 1) * (guint64) ticks.step_ns;
  assert_true (last_off <= (guint64) to - (guint64) ticks.first_ns);
  return ticks.n;
}

/* Every range of gint64 times, up to the whole of it and at its ends (the
 * store's clamped extremes, and what a zoomed-out axis can ask for). */
static void
test_ticks_extremes (void **state)
{
  const gint64 max = G_GINT64_CONSTANT (4611686018427387903); /* 2^62 - 1 */
  char buf[64];

  assert_true (assert_ticks_within (-max, max, 10) >= 2);
  assert_true (assert_ticks_within (-max, max, 2) >= 1);
  assert_true (assert_ticks_within (G_MININT64, G_MAXINT64, 10) >= 2);
  assert_true (assert_ticks_within (G_MININT64, G_MAXINT64, 2) >= 1);
  assert_true (assert_ticks_within (G_MININT64, 0, 7) >= 2);
  assert_true (assert_ticks_within (0, G_MAXINT64, 7) >= 2);
  for (gint64 d = 1; d < 300; d += 7)
    for (guint m = 2; m < 12; m += 3)
      {
        assert_ticks_within (G_MAXINT64 - d, G_MAXINT64, m);
        assert_ticks_within (G_MININT64, G_MININT64 + d, m);
        assert_ticks_within (max - d, max, m);
      }

  /* labels of the extreme ticks, relative to an origin at the other end */
  assert_true (strlen (render_ticks_format_time (G_MAXINT64, 1, G_MININT64, buf, sizeof buf)) > 0);
  assert_true (strlen (render_ticks_format_time (-max, 1, max, buf, sizeof buf)) > 0);
  assert_true (strlen (render_ticks_format_time (G_MININT64, 1000, G_MAXINT64, buf, sizeof buf)) > 0);
  assert_true (buf[0] == '-');
  assert_true (strlen (render_ticks_format_duration (G_MININT64, buf, sizeof buf)) > 0);
  assert_true (render_ticks_diff (G_MININT64, G_MAXINT64) == 0x1p64);
  assert_true (render_ticks_diff (G_MAXINT64, G_MININT64) == -0x1p64);
  assert_true (render_ticks_diff (5, 3) == -2.0);
}

static void
test_palette (void **state)
{
  RenderColor a = render_palette_for_label ("GetStatus", RENDER_THEME_LIGHT);
  RenderColor b = render_palette_for_label ("GetStatus", RENDER_THEME_LIGHT);
  assert_memory_equal (&a, &b, sizeof a);
  RenderColor none = render_palette_for_label (NULL, RENDER_THEME_LIGHT);
  RenderColor edge = render_theme_colors (RENDER_THEME_LIGHT)->edge;
  assert_memory_equal (&none, &edge, sizeof none);
  /* different labels spread over the palette */
  GHashTable *seen = g_hash_table_new (g_direct_hash, g_direct_equal);
  const char *labels[] = { "a", "b", "c", "d", "e", "f", "g", "h", "ping", "pong", "ack", "nack" };
  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      RenderColor c = render_palette_for_label (labels[i], RENDER_THEME_DARK);
      g_hash_table_add (seen, GUINT_TO_POINTER ((c.r << 16) | (c.g << 8) | c.b));
    }
  assert_true (g_hash_table_size (seen) >= 5);
  g_hash_table_unref (seen);
  RenderColor lo = render_palette_ramp (0, RENDER_THEME_LIGHT), hi = render_palette_ramp (1, RENDER_THEME_LIGHT);
  assert_true (lo.g > lo.r);  /* green */
  assert_true (hi.r > hi.g);  /* red */
  assert_true (fabs (render_palette_latency_position (1000, 10, 100000) - 0.5) < 1e-9);
  assert_true (render_palette_latency_position (5, 10, 100000) == 0);
}

/* Ellipsizing: a short text comes back whole with its width; a huge
 * hostile one comes back short, sanitised, ending in an ellipsis, within
 * the width. */
static void
test_ellipsize (void **state)
{
  (void) state;
  RenderFont *font = render_font_new (NULL, 11, 400);
  double w = -1;
  char *s = render_font_ellipsize (font, "short", 200, &w);
  assert_string_equal (s, "short");
  assert_true (w > 0 && w <= 200);
  assert_true (fabs (w - render_font_measure (font, "short", -1)) < 1e-9);
  g_free (s);
  gsize n = 1024 * 1024;
  char *big = g_malloc (n + 1);
  for (gsize i = 0; i < n; i++)
    big[i] = "ab\xff" "c d"[i % 6];
  big[n] = '\0';
  s = render_font_ellipsize (font, big, 120, &w);
  assert_true (g_utf8_validate (s, -1, NULL));
  assert_true (g_str_has_suffix (s, "\xe2\x80\xa6"));
  assert_true (strlen (s) < 200);
  assert_true (w > 0 && w <= 120);
  g_free (s);
  /* a nonsense width: nothing, or just the ellipsis */
  s = render_font_ellipsize (font, big, NAN, &w);
  assert_true (strlen (s) <= 3);
  g_free (s);
  g_free (big);
  render_font_free (font);
}

/* A selection is found by class and id and outlined by what its group
 * draws, nested groups included, nothing after it. */
static void
test_find_group_and_bounds (void **state)
{
  g_autoptr (RenderScene) scene = render_scene_new (400, 300);
  double b[4];

  render_scene_set_fill (scene, render_color_rgb (0xcccccc));
  render_scene_set_stroke (scene, render_color_rgb (0));
  render_scene_group_begin (scene, "actor", "A", NULL);
  render_scene_rect (scene, 10, 20, 30, 40, 0);
  render_scene_group_begin (scene, NULL, "inner", NULL);
  render_scene_circle (scene, 100, 100, 5);
  render_scene_group_end (scene);
  render_scene_line (scene, 50, 15, 60, 10);
  render_scene_group_end (scene);
  render_scene_group_begin (scene, "actor", "B", NULL);
  render_scene_arrow (scene, 300, 200, 250, 210, RENDER_HEAD_FILLED, 6);
  double pts[6] = { 200, 250, 220, 240, 210, 280 };
  render_scene_polyline (scene, pts, 3, TRUE);
  render_scene_group_end (scene);
  render_scene_set_font (scene, "Sans", 10, 400);
  render_scene_group_begin (scene, "label", "mid", NULL);
  render_scene_text (scene, 100, 50, "x", RENDER_ANCHOR_MIDDLE, RENDER_BASELINE_ALPHABETIC, 20);
  render_scene_group_end (scene);
  render_scene_group_begin (scene, "label", "end", NULL);
  render_scene_text (scene, 100, 50, "x", RENDER_ANCHOR_END, RENDER_BASELINE_MIDDLE, -1);
  render_scene_group_end (scene);
  render_scene_group_begin (scene, "actor", "empty", NULL);
  render_scene_group_end (scene);
  render_scene_group_begin (scene, "actor", "A", NULL); /* a second A: the first wins */
  render_scene_rect (scene, 0, 0, 1, 1, 0);
  render_scene_group_end (scene);

  const RenderNode *a = render_scene_find_group (scene, "actor", "A");
  assert_non_null (a);
  assert_int_equal (a->kind, RENDER_NODE_GROUP_BEGIN);
  assert_true (render_scene_group_bounds (scene, a, b));
  assert_float_equal (b[0], 10, 1e-6);
  assert_float_equal (b[1], 10, 1e-6);
  assert_float_equal (b[2], 105, 1e-6);
  assert_float_equal (b[3], 105, 1e-6);

  const RenderNode *bb = render_scene_find_group (scene, "actor", "B");
  assert_true (render_scene_group_bounds (scene, bb, b));
  assert_float_equal (b[0], 200, 1e-6);
  assert_float_equal (b[1], 200, 1e-6);
  assert_float_equal (b[2], 300, 1e-6);
  assert_float_equal (b[3], 280, 1e-6);

  /* text: the measured width around its anchor, a font size above y */
  assert_true (render_scene_group_bounds (scene, render_scene_find_group (scene, "label", "mid"), b));
  assert_float_equal (b[0], 90, 1e-6);
  assert_float_equal (b[1], 40, 1e-6);
  assert_float_equal (b[2], 110, 1e-6);
  assert_float_equal (b[3], 53, 1e-6);
  assert_true (render_scene_group_bounds (scene, render_scene_find_group (scene, "label", "end"), b));
  assert_float_equal (b[0], 100, 1e-6);
  assert_float_equal (b[2], 100, 1e-6);

  assert_false (render_scene_group_bounds (scene, render_scene_find_group (scene, "actor", "empty"), b));
  assert_null (render_scene_find_group (scene, "actor", "C"));
  assert_null (render_scene_find_group (scene, "edge", "A"));
  assert_null (render_scene_find_group (scene, NULL, "A"));
  assert_null (render_scene_find_group (scene, "actor", NULL));
  assert_null (render_scene_find_group (NULL, "actor", "A"));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_iteration),
    cmocka_unit_test (test_styles_interned),
    cmocka_unit_test (test_deep_nesting),
    cmocka_unit_test (test_hit_testing),
    cmocka_unit_test (test_find_group_and_bounds),
    cmocka_unit_test (test_ticks),
    cmocka_unit_test (test_ticks_extremes),
    cmocka_unit_test (test_palette),
    cmocka_unit_test (test_ellipsize),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
