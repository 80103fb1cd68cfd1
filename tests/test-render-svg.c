/* SVG writer: the output parses back as XML, groups and texts are what was
 * drawn, hostile strings are escaped. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-render-common.h"

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
    cmocka_unit_test (test_warnings),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
