/* render-sparkline.c: see the header. */
#include "config.h"

#include <math.h>

#include "render-sparkline.h"

/* The chart's geometry, shared by the SVG and the cairo drawing so both
 * show the same line: the inner box and the largest finite value. */
typedef struct {
  double pad, w, h, max;
  guint n;
} Geometry;

static void
geometry (Geometry *g, const double *values, guint n, double width, double height)
{
  g->pad = 1.5;
  g->w = width - 2 * g->pad;
  g->h = height - 2 * g->pad;
  g->max = 0;
  g->n = n;
  for (guint i = 0; i < n; i++)
    if (isfinite (values[i]) && values[i] > g->max)
      g->max = values[i];
}

static void
point (const Geometry *g, const double *values, guint i, double *x, double *y)
{
  double v = isfinite (values[i]) && values[i] > 0 ? values[i] : 0;

  *x = g->pad + (g->n > 1 ? g->w * i / (g->n - 1) : g->w / 2);
  *y = g->pad + g->h - (g->max > 0 ? g->h * v / g->max : 0);
}

char *
render_sparkline_svg (const double *values, guint n, double width, double height,
                      RenderTheme theme, const char *label)
{
  const RenderThemeColors *c = render_theme_colors (theme);
  RenderColor line = c->chart;
  GString *svg = g_string_new (NULL);
  g_autoptr(GString) points = g_string_new (NULL);
  g_autofree char *title = g_markup_escape_text (label != NULL ? label : "", -1);
  Geometry g;
  double pad, w, h;
  char x_buf[G_ASCII_DTOSTR_BUF_SIZE], y_buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (values != NULL || n == 0, NULL);
  width = CLAMP (isfinite (width) ? width : 0, 10, 2000);
  height = CLAMP (isfinite (height) ? height : 0, 6, 500);
  geometry (&g, values, n, width, height);
  pad = g.pad;
  w = g.w;
  h = g.h;
  for (guint i = 0; i < n; i++)
    {
      double x, y;

      point (&g, values, i, &x, &y);
      /* Locale-independent numbers: a decimal comma would break the SVG. */
      g_string_append_printf (points, "%s%s,%s", i ? " " : "",
                              g_ascii_formatd (x_buf, sizeof x_buf, "%.1f", x),
                              g_ascii_formatd (y_buf, sizeof y_buf, "%.1f", y));
    }
  g_string_append_printf (svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sparkline\" "
                               "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
                               "aria-label=\"%s\"><title>%s</title>",
                          (int) width, (int) height, (int) width, (int) height, title, title);
  if (n > 0)
    {
      g_string_append_printf (svg, "<polygon points=\"%s,%d %s %s,%d\" fill=\"#%02x%02x%02x\" "
                                   "fill-opacity=\"0.25\" stroke=\"none\"/>",
                              g_ascii_formatd (x_buf, sizeof x_buf, "%.1f", pad + (n > 1 ? 0 : w / 2)),
                              (int) (pad + h), points->str,
                              g_ascii_formatd (y_buf, sizeof y_buf, "%.1f", pad + (n > 1 ? w : w / 2)),
                              (int) (pad + h), line.r, line.g, line.b);
      g_string_append_printf (svg, "<polyline points=\"%s\" fill=\"none\" stroke=\"#%02x%02x%02x\" "
                                   "stroke-width=\"1.5\" stroke-linejoin=\"round\"/>",
                              points->str, line.r, line.g, line.b);
    }
  g_string_append (svg, "</svg>");
  return g_string_free (svg, FALSE);
}

void
render_sparkline_draw (cairo_t *cr, const double *values, guint n, double width, double height,
                       RenderTheme theme)
{
  RenderColor line = render_theme_colors (theme)->chart;
  Geometry g;
  double x, y;

  g_return_if_fail (cr != NULL && (values != NULL || n == 0));
  if (n == 0 || !isfinite (width) || !isfinite (height) || width < 4 || height < 4)
    return;
  geometry (&g, values, n, width, height);
  /* The area under the line, then the line: as the SVG's polygon and
   * polyline, in the same colour and opacity. */
  cairo_save (cr);
  cairo_new_path (cr);
  point (&g, values, 0, &x, &y);
  cairo_move_to (cr, x, g.pad + g.h);
  for (guint i = 0; i < n; i++)
    {
      point (&g, values, i, &x, &y);
      cairo_line_to (cr, x, y);
    }
  cairo_line_to (cr, x, g.pad + g.h);
  cairo_close_path (cr);
  cairo_set_source_rgba (cr, line.r / 255.0, line.g / 255.0, line.b / 255.0, 0.25);
  cairo_fill (cr);
  for (guint i = 0; i < n; i++)
    {
      point (&g, values, i, &x, &y);
      if (i == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }
  cairo_set_source_rgb (cr, line.r / 255.0, line.g / 255.0, line.b / 255.0);
  cairo_set_line_width (cr, 1.5);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_stroke (cr);
  cairo_restore (cr);
}
