/* actorscope-application.h: the desktop app's GtkApplication.
 *
 * Opens one window per activation, one per file opened (command line, file
 * manager, drag and drop goes through the window), follows the system's
 * light/dark preference (ActorscopeColorScheme) and holds app-wide actions
 * (quit, about, shortcuts, color scheme).
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define ACTORSCOPE_APP_ID "io.github.actorscope.Actorscope"

#define ACTORSCOPE_TYPE_APPLICATION (actorscope_application_get_type ())
G_DECLARE_FINAL_TYPE (ActorscopeApplication, actorscope_application, ACTORSCOPE, APPLICATION,
                      GtkApplication)

/* Returns a new application (owned). */
ActorscopeApplication *actorscope_application_new (void);
/* The app's settings (borrowed). */
GSettings *actorscope_application_get_settings (ActorscopeApplication *self);
/* Whether the UI currently uses a dark style. */
gboolean actorscope_application_get_dark (ActorscopeApplication *self);

G_END_DECLS
