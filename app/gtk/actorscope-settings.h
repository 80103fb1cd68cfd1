/* actorscope-settings.h: where the desktop app's settings come from.
 *
 * The schema is looked up where GSettings looks (GSETTINGS_SCHEMA_DIR,
 * XDG_DATA_DIRS), then in the install prefix, then in the build tree the
 * app was compiled in, so `build/app/actorscope-gtk TRACE` runs from a
 * fresh checkout without `meson install`. The backend is GSettings' default
 * unless that is dconf and no D-Bus session bus can be reached: dconf's
 * writes then fail silently (a hidden sidebar would come straight back), so
 * the settings go to a key file under the user's config dir instead.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Where a settings object's values are kept, for the status of the app and
 * for tests. */
typedef enum {
  ACTORSCOPE_SETTINGS_STORE_DEFAULT,  /* GSettings' default backend */
  ACTORSCOPE_SETTINGS_STORE_KEYFILE,  /* no D-Bus session: a key file */
} ActorscopeSettingsStore;

/* A new settings object for schema_id; owned by the caller. Returns NULL
 * and sets error (G_IO_ERROR_NOT_FOUND, naming the folders searched) when
 * the schema is found nowhere. store, if not NULL, says which backend was
 * chosen. */
GSettings *actorscope_settings_new (const char *schema_id, ActorscopeSettingsStore *store, GError **error);

G_END_DECLS
