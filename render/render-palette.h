/* render-palette.h: colours, shared by every layout and front end.
 *
 *  - a categorical palette (colour-blind aware, after Okabe-Ito/Tableau),
 *    in light and dark variants;
 *  - a stable colour per message label (hash of the label, so "GetStatus" has
 *    the same colour in every view, every export and every session);
 *  - a latency ramp (green -> yellow -> orange -> red), by position or by a
 *    log scale of nanoseconds;
 *  - theme colours (background, foreground, grid, ...).
 *
 * Contrast (WCAG AA, checked in tests/test-render-palette.c in both
 * themes): text colours (foreground, muted, error) reach 4.5:1 on the
 * background and on panels; colours that carry meaning as graphics (edge,
 * error, pending, depth, chart, every categorical colour and latency ramp
 * stop) reach 3:1 on the background. Structure and fills that text or an
 * outline sits on (grid, panel, panel_border, node, span) are exempt.
 */
#pragma once

#include <glib.h>
#include "render-scene.h"

G_BEGIN_DECLS

typedef enum {
  RENDER_THEME_LIGHT = 0,
  RENDER_THEME_DARK,
} RenderTheme;

typedef struct {
  RenderColor background;
  RenderColor foreground;   /* main text */
  RenderColor muted;        /* secondary text, axes */
  RenderColor grid;         /* grid lines, lifelines */
  RenderColor panel;        /* header boxes, legend background */
  RenderColor panel_border;
  RenderColor node;         /* graph node fill */
  RenderColor edge;         /* edges without latency data */
  RenderColor span;         /* processing bars */
  RenderColor error;        /* drops, crashes */
  RenderColor pending;      /* never-delivered messages */
  RenderColor depth;        /* mailbox depth strip */
  RenderColor chart;        /* a series over time (sparklines) */
} RenderThemeColors;

/* Borrowed, static. */
const RenderThemeColors *render_theme_colors (RenderTheme theme);
const char *render_theme_to_string (RenderTheme theme); /* "light" / "dark" */

#define RENDER_PALETTE_SIZE 10
/* Categorical colour i (wraps around). */
RenderColor render_palette_categorical (guint index, RenderTheme theme);
/* A stable colour for a label (NULL or "" gives the theme's neutral edge
 * colour). */
RenderColor render_palette_for_label (const char *label, RenderTheme theme);
/* Latency ramp at t in [0, 1] (clamped): 0 green, 0.5 amber, 1 red. */
RenderColor render_palette_ramp (double t, RenderTheme theme);
/* The WCAG 2 contrast ratio of two opaque colours, 1 … 21 (order does
 * not matter; alpha is ignored). */
double render_color_contrast_ratio (RenderColor a, RenderColor b);
/* Position of latency ns on a log scale between lo_ns and hi_ns, in [0, 1]. */
double render_palette_latency_position (gint64 ns, gint64 lo_ns, gint64 hi_ns);

G_END_DECLS
