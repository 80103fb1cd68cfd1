/* render-palette.c: categorical palette, per-label colours, latency ramp and
 * theme colours. */
#include "config.h"

#include <math.h>

#include "render-palette.h"

/* Tableau 10, reordered so neighbours contrast; the light hues darkened
 * until each reaches 3:1 on white (WCAG AA for graphics: message arrows
 * and label-coloured bars are read, not decoration). */
static const guint32 light_palette[RENDER_PALETTE_SIZE] = {
  0x4e79a7, 0xd07a24, 0x59a14f, 0xe15759, 0x639995,
  0xb07aa1, 0xa58c32, 0x9c755f, 0xc67a82, 0x7f7f7f,
};
/* The same hues lifted for a dark background. */
static const guint32 dark_palette[RENDER_PALETTE_SIZE] = {
  0x7aa6d6, 0xffa94d, 0x7fc97f, 0xff7b7d, 0x8fd3cd,
  0xd3a2c8, 0xf5dc6a, 0xc49c84, 0xffb8c0, 0xb0b0b0,
};

static const RenderThemeColors *
make_light (void)
{
  static RenderThemeColors c;
  c.background = render_color_rgb (0xffffff);
  c.foreground = render_color_rgb (0x1f2430);
  c.muted = render_color_rgb (0x5f6673);
  c.grid = render_color_rgb (0xd5d9e0);
  c.panel = render_color_rgb (0xf3f5f8);
  c.panel_border = render_color_rgb (0xb8c0cc);
  c.node = render_color_rgb (0xe8eef7);
  c.edge = render_color_rgb (0x878f99);
  c.span = render_color_rgb (0xc9d6ea);
  c.error = render_color_rgb (0xc62828);
  c.pending = render_color_rgb (0x8c6bb1);
  c.depth = render_color_rgb (0x5f93b8);
  c.chart = render_color_rgb (0x4e79a7);
  return &c;
}

static const RenderThemeColors *
make_dark (void)
{
  static RenderThemeColors c;
  c.background = render_color_rgb (0x1b1e24);
  c.foreground = render_color_rgb (0xe6e9ef);
  c.muted = render_color_rgb (0x9aa3b2);
  c.grid = render_color_rgb (0x3a404c);
  c.panel = render_color_rgb (0x262a33);
  c.panel_border = render_color_rgb (0x4b5261);
  c.node = render_color_rgb (0x2c3442);
  c.edge = render_color_rgb (0x7d8696);
  c.span = render_color_rgb (0x3d4f6b);
  c.error = render_color_rgb (0xff7b7b);
  c.pending = render_color_rgb (0xb89ee0);
  c.depth = render_color_rgb (0x3f7fa8);
  c.chart = render_color_rgb (0x7aa6d6);
  return &c;
}

const RenderThemeColors *
render_theme_colors (RenderTheme theme)
{
  static gsize init = 0;
  static const RenderThemeColors *light, *dark;
  if (g_once_init_enter (&init))
    {
      light = make_light ();
      dark = make_dark ();
      g_once_init_leave (&init, 1);
    }
  return theme == RENDER_THEME_DARK ? dark : light;
}

const char *
render_theme_to_string (RenderTheme theme)
{
  return theme == RENDER_THEME_DARK ? "dark" : "light";
}

RenderColor
render_palette_categorical (guint index, RenderTheme theme)
{
  const guint32 *p = theme == RENDER_THEME_DARK ? dark_palette : light_palette;
  return render_color_rgb (p[index % RENDER_PALETTE_SIZE]);
}

RenderColor
render_palette_for_label (const char *label, RenderTheme theme)
{
  if (label == NULL || *label == '\0')
    return render_theme_colors (theme)->edge;
  /* FNV-1a: stable across runs and platforms (g_str_hash is too, but its
   * algorithm is not a documented promise). The grey slot is left out so
   * labelled messages never look like unlabelled ones. */
  guint32 h = 2166136261u;
  for (const guchar *p = (const guchar *) label; *p; p++)
    h = (h ^ *p) * 16777619u;
  return render_palette_categorical (h % (RENDER_PALETTE_SIZE - 1), theme);
}

RenderColor
render_palette_ramp (double t, RenderTheme theme)
{
  /* Amber and orange darkened to 3:1 on white, as the categorical hues. */
  static const guint32 light_stops[4] = { 0x2ca25f, 0xab8d0c, 0xdc7218, 0xd62728 };
  static const guint32 dark_stops[4] = { 0x5cc98a, 0xf0cc3c, 0xff9a45, 0xff5c5c };
  const guint32 *stops = theme == RENDER_THEME_DARK ? dark_stops : light_stops;
  if (!isfinite (t))
    t = 0;
  t = CLAMP (t, 0.0, 1.0) * 3.0;
  int i = MIN ((int) t, 2);
  return render_color_mix (render_color_rgb (stops[i]), render_color_rgb (stops[i + 1]), t - i);
}

double
render_palette_latency_position (gint64 ns, gint64 lo_ns, gint64 hi_ns)
{
  if (hi_ns <= lo_ns)
    return 0;
  double l = log ((double) MAX (lo_ns, 1)), h = log ((double) MAX (hi_ns, 1));
  if (h <= l)
    return 0;
  double v = log ((double) MAX (ns, 1));
  return CLAMP ((v - l) / (h - l), 0.0, 1.0);
}

/* WCAG 2 relative luminance of an sRGB colour (alpha ignored). */
static double
luminance (RenderColor c)
{
  double v[3] = { c.r / 255.0, c.g / 255.0, c.b / 255.0 };

  for (guint i = 0; i < 3; i++)
    v[i] = v[i] <= 0.03928 ? v[i] / 12.92 : pow ((v[i] + 0.055) / 1.055, 2.4);
  return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
}

double
render_color_contrast_ratio (RenderColor a, RenderColor b)
{
  double la = luminance (a), lb = luminance (b);

  return (MAX (la, lb) + 0.05) / (MIN (la, lb) + 0.05);
}
