/* actorscope-palette-css.h: the desktop's error red from the render
 * palette, in the theme in use.
 *
 * GTK's own @error_color is hard to read in dark mode (dark red on the
 * dark greys); the palette's error colour is checked for WCAG AA contrast
 * on those surfaces in both themes (tests/test-render-palette.c). This
 * gives labels and entries marked .error (the tree's error counts, the
 * deviations badge, a bad filter) that colour, and follows the dark
 * preference. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Installs the provider on display once (later calls do nothing); it lives
 * as long as the process. Call after gtk_init. */
void actorscope_palette_css_install (GdkDisplay *display);

G_END_DECLS
