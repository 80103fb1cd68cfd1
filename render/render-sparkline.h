/* render-sparkline.h: a small line chart of one series (an actor's
 * mailbox depth, rate or wait p99 over time) as a standalone SVG element,
 * (SVG, or drawn with cairo) for front ends that show a few numbers over time beside their text. */
#pragma once

#include <cairo.h>
#include <glib.h>
#include "render-palette.h"

G_BEGIN_DECLS

/* Writes values[0 … n-1] (n >= 1, finite, >= 0; drawn left to right,
 * scaled so the largest reaches the top, 0 at the bottom) as
 * `<svg class="sparkline" …>` of width x height pixels: a filled area under
 * a line in the theme's colour. label (may be NULL) becomes the <title>
 * and aria-label, XML-escaped. Returns newly allocated text (g_free). */
char *render_sparkline_svg (const double *values, guint n, double width, double height,
                            RenderTheme theme, const char *label);

/* Draws the same chart with cairo into [0, width] x [0, height] of cr's
 * user space (the desktop's actor card): the same geometry and colours as
 * render_sparkline_svg. cr's state is restored. */
void render_sparkline_draw (cairo_t *cr, const double *values, guint n, double width, double height,
                            RenderTheme theme);

G_END_DECLS
