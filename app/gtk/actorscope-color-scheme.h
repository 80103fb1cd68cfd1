/* actorscope-color-scheme.h: follow the desktop's light/dark preference.
 *
 * GTK 4.8 without libadwaita does not read the freedesktop appearance portal,
 * so this does: it reads org.freedesktop.appearance color-scheme through the
 * Settings portal (and watches SettingChanged), combines it with the app's own
 * "color-scheme" setting (system / light / dark) and sets
 * gtk-application-prefer-dark-theme. "dark" tells whether the result is dark.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define ACTORSCOPE_TYPE_COLOR_SCHEME (actorscope_color_scheme_get_type ())
G_DECLARE_FINAL_TYPE (ActorscopeColorScheme, actorscope_color_scheme, ACTORSCOPE, COLOR_SCHEME,
                      GObject)

typedef enum {
  ACTORSCOPE_SCHEME_SYSTEM = 0,
  ACTORSCOPE_SCHEME_LIGHT,
  ACTORSCOPE_SCHEME_DARK,
} ActorscopeScheme;

/* Returns a new follower (owned). Call after gtk_init. */
ActorscopeColorScheme *actorscope_color_scheme_new (void);
void actorscope_color_scheme_set_requested (ActorscopeColorScheme *self, ActorscopeScheme scheme);
gboolean actorscope_color_scheme_get_dark (ActorscopeColorScheme *self);

G_END_DECLS
