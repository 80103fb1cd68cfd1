/* render-sparkline.c: see the header. */
#include "config.h"

#include <math.h>

#include "render-sparkline.h"

char *
render_sparkline_svg (const double *values, guint n, double width, double height,
                      RenderTheme theme, const char *label)
{
  const RenderThemeColors *c = render_theme_colors (theme);
  RenderColor line = c->span;
  GString *svg = g_string_new (NULL);
  g_autoptr(GString) points = g_string_new (NULL);
  g_autofree char *title = g_markup_escape_text (label != NULL ? label : "", -1);
  double max = 0, pad = 1.5, w, h;
  char x_buf[G_ASCII_DTOSTR_BUF_SIZE], y_buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (values != NULL || n == 0, NULL);
  width = CLAMP (isfinite (width) ? width : 0, 10, 2000);
  height = CLAMP (isfinite (height) ? height : 0, 6, 500);
  w = width - 2 * pad;
  h = height - 2 * pad;
  for (guint i = 0; i < n; i++)
    if (isfinite (values[i]) && values[i] > max)
      max = values[i];
  for (guint i = 0; i < n; i++)
    {
      double v = isfinite (values[i]) && values[i] > 0 ? values[i] : 0;
      double x = pad + (n > 1 ? w * i / (n - 1) : w / 2);
      double y = pad + h - (max > 0 ? h * v / max : 0);
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
