/* test-render-sparkline.c: a sparkline's points scaled into its box, its
 * label escaped, degenerate series drawn safely. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "render-sparkline.h"

static void
test_points (void **unused)
{
  const double v[] = { 0, 5, 10 };
  g_autofree char *svg = render_sparkline_svg (v, 3, 103, 23, RENDER_THEME_DARK, "depth <of> \"a&b\"");

  assert_non_null (strstr (svg, "class=\"sparkline\""));
  assert_non_null (strstr (svg, "width=\"103\" height=\"23\""));
  /* Padding 1.5: x from 1.5 to 101.5, the largest at the top (y 1.5), 0 at
   * the bottom (y 21.5). */
  assert_non_null (strstr (svg, "<polyline points=\"1.5,21.5 51.5,11.5 101.5,1.5\""));
  assert_non_null (strstr (svg, "<title>depth &lt;of&gt; &quot;a&amp;b&quot;</title>"));
  assert_null (strstr (svg, "<of>"));
}

static void
test_degenerate (void **unused)
{
  const double flat[] = { 0, 0 };
  const double bad[] = { NAN, INFINITY, -3, 2 };
  g_autofree char *a = render_sparkline_svg (flat, 2, 50, 10, RENDER_THEME_LIGHT, NULL);
  g_autofree char *b = render_sparkline_svg (bad, 4, 50, 10, RENDER_THEME_LIGHT, "x");
  g_autofree char *c = render_sparkline_svg (NULL, 0, NAN, -1, RENDER_THEME_LIGHT, "empty");

  assert_non_null (strstr (a, "<polyline points=\"1.5,8.5 48.5,8.5\""));
  assert_null (strstr (b, "nan"));
  assert_null (strstr (b, "inf"));
  assert_non_null (strstr (b, " 48.5,1.5\""));
  assert_non_null (strstr (c, "</svg>"));
  assert_null (strstr (c, "polyline"));
}

/* The RGB of pixel (x, y) of a CAIRO_FORMAT_RGB24 image (native-endian
 * 32-bit words; memcpy: the byte pointer is not known to be aligned). */
static guint32
pixel (const guint8 *data, int stride, int x, int y)
{
  guint32 v;

  memcpy (&v, data + y * stride + 4 * x, sizeof v);
  return v & 0xffffff;
}

/* The cairo drawing: the line reaches the top at the largest value and
 * runs along the bottom at zero, in the theme's chart colour. */
static void
test_cairo (void **unused)
{
  const double values[] = { 0, 0, 10, 0, 0 };
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 41, 20);
  cairo_t *cr = cairo_create (surface);
  RenderColor span = render_theme_colors (RENDER_THEME_DARK)->chart;
  guint32 want = ((guint32) span.r << 16) | ((guint32) span.g << 8) | span.b;
  const guint8 *data;
  int stride, top = 0, bottom = 0;

  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_paint (cr);
  render_sparkline_draw (cr, values, G_N_ELEMENTS (values), 41, 20, RENDER_THEME_DARK);
  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  for (int x = 0; x < 41; x++)
    {
      guint32 at_top = pixel (data, stride, x, 2);
      guint32 at_bottom = pixel (data, stride, x, 18);
      top += at_top == want;
      bottom += at_bottom == want;
    }
  /* The peak is in the middle column only; the zero runs cover the rest. */
  assert_true (top >= 1 && top <= 5);
  assert_true (bottom >= 10);
  assert_int_equal (pixel (data, stride, 20, 2), want);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_points),
    cmocka_unit_test (test_degenerate),
    cmocka_unit_test (test_cairo),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
