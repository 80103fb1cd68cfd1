/* actorscope-color-scheme.c: follow the desktop's light/dark preference. */
#include "config.h"

#include "actorscope-color-scheme.h"

#define PORTAL_BUS_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_PATH "/org/freedesktop/portal/desktop"
#define PORTAL_SETTINGS "org.freedesktop.portal.Settings"

struct _ActorscopeColorScheme {
  GObject parent_instance;
  GDBusProxy *portal;
  ActorscopeScheme requested;
  guint32 system;            /* portal value: 0 no preference, 1 dark, 2 light */
  gboolean dark;
};

G_DEFINE_FINAL_TYPE (ActorscopeColorScheme, actorscope_color_scheme, G_TYPE_OBJECT)

enum { PROP_0, PROP_DARK, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
update (ActorscopeColorScheme *self)
{
  gboolean dark;
  GtkSettings *settings = gtk_settings_get_default ();

  switch (self->requested)
    {
    case ACTORSCOPE_SCHEME_LIGHT: dark = FALSE; break;
    case ACTORSCOPE_SCHEME_DARK: dark = TRUE; break;
    case ACTORSCOPE_SCHEME_SYSTEM:
    default: dark = self->system == 1; break;
    }
  if (settings != NULL)
    g_object_set (settings, "gtk-application-prefer-dark-theme", dark, NULL);
  if (dark != self->dark)
    {
      self->dark = dark;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DARK]);
    }
}

/* The portal wraps the value in one or two variants depending on version. */
static guint32
unwrap_scheme (GVariant *value)
{
  g_autoptr(GVariant) v = g_variant_ref (value);

  while (g_variant_is_of_type (v, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *inner = g_variant_get_variant (v);
      g_variant_unref (v);
      v = inner;
    }
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_UINT32))
    return g_variant_get_uint32 (v);
  return 0;
}

static void
on_portal_signal (GDBusProxy *proxy, const char *sender, const char *signal_name,
                  GVariant *parameters, gpointer user_data)
{
  ActorscopeColorScheme *self = user_data;
  const char *ns = NULL, *key = NULL;
  g_autoptr(GVariant) value = NULL;

  if (g_strcmp0 (signal_name, "SettingChanged") != 0 ||
      !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ssv)")))
    return;
  g_variant_get (parameters, "(&s&sv)", &ns, &key, &value);
  if (g_strcmp0 (ns, "org.freedesktop.appearance") == 0 && g_strcmp0 (key, "color-scheme") == 0)
    {
      self->system = unwrap_scheme (value);
      update (self);
    }
}

static void
on_read_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(ActorscopeColorScheme) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;

  /* No portal (a bare X server, a test): keep the light default quietly. */
  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, NULL);
  if (reply == NULL || !g_variant_is_of_type (reply, G_VARIANT_TYPE ("(v)")))
    return;
  g_variant_get (reply, "(v)", &value);
  self->system = unwrap_scheme (value);
  update (self);
}

static void
on_proxy_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(ActorscopeColorScheme) self = user_data;
  GDBusProxy *proxy = g_dbus_proxy_new_for_bus_finish (result, NULL);

  if (proxy == NULL)
    return;
  self->portal = proxy;
  g_signal_connect_object (proxy, "g-signal", G_CALLBACK (on_portal_signal), self, 0);
  g_dbus_proxy_call (proxy, "Read", g_variant_new ("(ss)", "org.freedesktop.appearance",
                                                    "color-scheme"),
                     G_DBUS_CALL_FLAGS_NONE, 2000, NULL, on_read_done, g_object_ref (self));
}

static void
actorscope_color_scheme_dispose (GObject *object)
{
  ActorscopeColorScheme *self = ACTORSCOPE_COLOR_SCHEME (object);

  g_clear_object (&self->portal);
  G_OBJECT_CLASS (actorscope_color_scheme_parent_class)->dispose (object);
}

static void
actorscope_color_scheme_get_property (GObject *object, guint prop_id, GValue *value,
                                      GParamSpec *pspec)
{
  ActorscopeColorScheme *self = ACTORSCOPE_COLOR_SCHEME (object);

  if (prop_id == PROP_DARK)
    g_value_set_boolean (value, self->dark);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
actorscope_color_scheme_class_init (ActorscopeColorSchemeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = actorscope_color_scheme_dispose;
  object_class->get_property = actorscope_color_scheme_get_property;
  properties[PROP_DARK] = g_param_spec_boolean ("dark", NULL, NULL, FALSE,
                                                G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                                G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
actorscope_color_scheme_init (ActorscopeColorScheme *self)
{
}

ActorscopeColorScheme *
actorscope_color_scheme_new (void)
{
  ActorscopeColorScheme *self = g_object_new (ACTORSCOPE_TYPE_COLOR_SCHEME, NULL);

  /* DO_NOT_AUTO_START: never spawn a portal just to ask about colours. */
  g_dbus_proxy_new_for_bus (G_BUS_TYPE_SESSION,
                            G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START |
                            G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                            NULL, PORTAL_BUS_NAME, PORTAL_PATH, PORTAL_SETTINGS, NULL,
                            on_proxy_ready, g_object_ref (self));
  update (self);
  return self;
}

void
actorscope_color_scheme_set_requested (ActorscopeColorScheme *self, ActorscopeScheme scheme)
{
  g_return_if_fail (ACTORSCOPE_IS_COLOR_SCHEME (self));
  self->requested = scheme;
  update (self);
}

gboolean
actorscope_color_scheme_get_dark (ActorscopeColorScheme *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_COLOR_SCHEME (self), FALSE);
  return self->dark;
}
