/* actorscope-palette-css.c: palette colours as desktop CSS (see the header). */
#include "config.h"

#include "actorscope-palette-css.h"
#include "render-palette.h"

static void
load (GtkCssProvider *provider, GtkSettings *settings)
{
  gboolean dark = FALSE;
  RenderColor e;
  g_autofree char *css = NULL;

  g_object_get (settings, "gtk-application-prefer-dark-theme", &dark, NULL);
  e = render_theme_colors (dark ? RENDER_THEME_DARK : RENDER_THEME_LIGHT)->error;
  /* The named colour too, for style.css's rules that use it. */
  css = g_strdup_printf ("@define-color error_color #%02x%02x%02x;\n"
                         "label.error, entry.error, .error > text { color: #%02x%02x%02x; }\n",
                         e.r, e.g, e.b, e.r, e.g, e.b);
  gtk_css_provider_load_from_data (provider, css, -1);
}

static void
on_dark_changed (GtkSettings *settings, GParamSpec *pspec, gpointer provider)
{
  load (provider, settings);
}

void
actorscope_palette_css_install (GdkDisplay *display)
{
  static GtkCssProvider *provider;
  GtkSettings *settings;

  g_return_if_fail (GDK_IS_DISPLAY (display));
  if (provider != NULL)
    return;
  provider = gtk_css_provider_new ();
  settings = gtk_settings_get_for_display (display);
  load (provider, settings);
  /* Above the application's style.css, which uses the theme's colour. */
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION + 1);
  g_signal_connect (settings, "notify::gtk-application-prefer-dark-theme", G_CALLBACK (on_dark_changed), provider);
}
