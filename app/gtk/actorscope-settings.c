/* actorscope-settings.c: the schema and backend of the app's settings. */
#include "config.h"

#include <glib/gi18n.h>
#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "actorscope-settings.h"

/* Looks schema_id up in the folder dir (holding a gschemas.compiled);
 * NULL when it is not there. The source chains to GSettings' default one
 * so schemas this one refers to still resolve. */
static GSettingsSchema *
lookup_in_directory (const char *dir, const char *schema_id)
{
  g_autoptr(GSettingsSchemaSource) source = NULL;
  g_autofree char *compiled = g_build_filename (dir, "gschemas.compiled", NULL);

  if (!g_file_test (compiled, G_FILE_TEST_IS_REGULAR))
    return NULL;
  source = g_settings_schema_source_new_from_directory (dir, g_settings_schema_source_get_default (),
                                                       FALSE, NULL);
  return source != NULL ? g_settings_schema_source_lookup (source, schema_id, FALSE) : NULL;
}

/* Whether a D-Bus session bus is there to be reached without starting one:
 * GDBus' own rules (the address variable, else $XDG_RUNTIME_DIR/bus). */
static gboolean
have_session_bus (void)
{
  const char *address = g_getenv ("DBUS_SESSION_BUS_ADDRESS");
  const char *runtime = g_getenv ("XDG_RUNTIME_DIR");
  g_autofree char *socket = NULL;

  if (address != NULL && *address != '\0')
    return TRUE;
  if (runtime == NULL || *runtime == '\0')
    return FALSE;
  socket = g_build_filename (runtime, "bus", NULL);
  return g_file_test (socket, G_FILE_TEST_EXISTS);
}

/* dconf is GSettings' default whenever it is installed, and it needs the
 * session bus to write. An explicit GSETTINGS_BACKEND is always obeyed. */
static gboolean
default_backend_needs_bus (void)
{
  const char *requested = g_getenv ("GSETTINGS_BACKEND");
  g_autoptr(GSettingsBackend) backend = NULL;

  if (requested != NULL && *requested != '\0')
    return FALSE;
  backend = g_settings_backend_get_default ();
  return g_str_equal (G_OBJECT_TYPE_NAME (backend), "DConfSettingsBackend");
}

/* One key file backend per process, as GSettings keeps one default
 * backend: two would each rewrite the whole file and lose the other's
 * keys. Borrowed; lives as long as the process. */
static GSettingsBackend *
keyfile_backend (void)
{
  static GSettingsBackend *backend;

  if (g_once_init_enter (&backend))
    {
      g_autofree char *file = g_build_filename (g_get_user_config_dir (), PACKAGE_NAME,
                                                "settings.ini", NULL);
      g_once_init_leave (&backend, g_keyfile_settings_backend_new (file, "/", NULL));
    }
  return backend;
}

GSettings *
actorscope_settings_new (const char *schema_id, ActorscopeSettingsStore *store, GError **error)
{
  const char *const dirs[] = { GSCHEMADIR, BUILD_GSCHEMADIR };
  g_autoptr(GSettingsSchema) schema = NULL;
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();  /* borrowed, may be NULL */
  g_autoptr(GSettingsBackend) backend = NULL;

  g_return_val_if_fail (schema_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, schema_id, TRUE);
  for (gsize i = 0; schema == NULL && i < G_N_ELEMENTS (dirs); i++)
    schema = lookup_in_directory (dirs[i], schema_id);
  if (schema == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("Settings schema “%s” was found neither where GSettings looks "
                     "(GSETTINGS_SCHEMA_DIR, XDG_DATA_DIRS) nor in %s nor in %s"),
                   schema_id, dirs[0], dirs[1]);
      return NULL;
    }

  if (default_backend_needs_bus () && !have_session_bus ())
    backend = g_object_ref (keyfile_backend ());
  if (store != NULL)
    *store = backend != NULL ? ACTORSCOPE_SETTINGS_STORE_KEYFILE : ACTORSCOPE_SETTINGS_STORE_DEFAULT;
  return g_settings_new_full (schema, backend, NULL);
}
