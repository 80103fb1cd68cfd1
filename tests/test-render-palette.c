/* test-render-palette.c: every palette colour against its background in
 * both themes (WCAG AA: 4.5:1 for text, 3:1 for graphics), and the
 * contrast formula itself. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "render-palette.h"

#define AA_TEXT 4.5
#define AA_GRAPHICS 3.0

/* The desktop's own surfaces in GTK 4.8's Adwaita (view, window, header
 * bar, button): the tree's error counts and the deviations badge are
 * drawn in the palette's error colour on them. */
static const guint32 gtk_light_surfaces[] = { 0xffffff, 0xfafafa, 0xebebeb };
static const guint32 gtk_dark_surfaces[] = { 0x1e1e1e, 0x242424, 0x303030, 0x3a3a3a };

static void
check (const char *what, RenderColor fg, RenderColor bg, double need, RenderTheme theme)
{
  double ratio = render_color_contrast_ratio (fg, bg);

  if (ratio < need)
    fail_msg ("%s theme: %s #%02x%02x%02x on #%02x%02x%02x has contrast %.2f:1, needs %.1f:1",
              render_theme_to_string (theme), what, fg.r, fg.g, fg.b, bg.r, bg.g, bg.b, ratio, need);
}

/* The formula: black on white is 21:1, a colour on itself 1:1, order does
 * not matter, and a known pair (WebAIM's checker: #767676 on white is the
 * lightest grey passing 4.5:1). */
static void
test_formula (void **unused)
{
  RenderColor black = render_color_rgb (0x000000), white = render_color_rgb (0xffffff);
  RenderColor grey = render_color_rgb (0x767676);

  assert_true (fabs (render_color_contrast_ratio (black, white) - 21.0) < 1e-9);
  assert_true (fabs (render_color_contrast_ratio (white, black) - 21.0) < 1e-9);
  assert_true (fabs (render_color_contrast_ratio (grey, grey) - 1.0) < 1e-9);
  assert_true (fabs (render_color_contrast_ratio (grey, white) - 4.54) < 0.01);
}

static void
check_theme (RenderTheme theme)
{
  const RenderThemeColors *c = render_theme_colors (theme);
  const struct { const char *name; RenderColor color; } text[] = {
    { "foreground", c->foreground }, { "muted", c->muted }, { "error", c->error },
  }, graphics[] = {
    { "edge", c->edge }, { "error", c->error }, { "pending", c->pending }, { "depth", c->depth },
    { "chart", c->chart },
  };
  const guint32 *surfaces = theme == RENDER_THEME_DARK ? gtk_dark_surfaces : gtk_light_surfaces;
  guint n_surfaces = theme == RENDER_THEME_DARK ? G_N_ELEMENTS (gtk_dark_surfaces) : G_N_ELEMENTS (gtk_light_surfaces);
  char name[64];

  for (guint i = 0; i < G_N_ELEMENTS (text); i++)
    {
      check (text[i].name, text[i].color, c->background, AA_TEXT, theme);
      check (text[i].name, text[i].color, c->panel, AA_TEXT, theme);
    }
  for (guint i = 0; i < G_N_ELEMENTS (graphics); i++)
    check (graphics[i].name, graphics[i].color, c->background, AA_GRAPHICS, theme);
  for (guint i = 0; i < RENDER_PALETTE_SIZE; i++)
    {
      g_snprintf (name, sizeof name, "categorical colour %u", i);
      check (name, render_palette_categorical (i, theme), c->background, AA_GRAPHICS, theme);
    }
  for (guint i = 0; i <= 30; i++)
    {
      g_snprintf (name, sizeof name, "latency ramp at %.2f", i / 30.0);
      check (name, render_palette_ramp (i / 30.0, theme), c->background, AA_GRAPHICS, theme);
    }
  /* The desktop's red numbers: text on the toolkit's greys. */
  for (guint i = 0; i < n_surfaces; i++)
    check ("error (on the desktop)", c->error, render_color_rgb (surfaces[i]), AA_TEXT, theme);
}

static void
test_light (void **unused)
{
  check_theme (RENDER_THEME_LIGHT);
}

static void
test_dark (void **unused)
{
  check_theme (RENDER_THEME_DARK);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_formula),
    cmocka_unit_test (test_light),
    cmocka_unit_test (test_dark),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
