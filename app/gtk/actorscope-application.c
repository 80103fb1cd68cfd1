/* actorscope-application.c: the desktop app's GtkApplication. */
#include "config.h"

#include <glib/gi18n.h>

#include "actorscope-application.h"
#include "actorscope-palette-css.h"
#include "actorscope-color-scheme.h"
#include "actorscope-settings.h"
#include "actorscope-window.h"

struct _ActorscopeApplication {
  GtkApplication parent_instance;
  GSettings *settings;          /* NULL when the schema was found nowhere */
  GError *settings_error;       /* why, reported by handle-local-options */
  ActorscopeColorScheme *scheme;
};

G_DEFINE_FINAL_TYPE (ActorscopeApplication, actorscope_application, GTK_TYPE_APPLICATION)

static ActorscopeWindow *
new_window (ActorscopeApplication *self)
{
  return actorscope_window_new (self);
}

static void
actorscope_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (new_window (ACTORSCOPE_APPLICATION (app)));
  gtk_window_present (window);
}

static void
actorscope_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  ActorscopeApplication *self = ACTORSCOPE_APPLICATION (app);

  for (int i = 0; i < n_files; i++)
    {
      GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

      /* Reuse an empty window (the one the app just started with). */
      if (window == NULL || actorscope_window_get_document (ACTORSCOPE_WINDOW (window)) != NULL ||
          actorscope_window_is_loading (ACTORSCOPE_WINDOW (window)))
        window = GTK_WINDOW (new_window (self));
      actorscope_window_open (ACTORSCOPE_WINDOW (window), files[i]);
      gtk_window_present (window);
    }
}

static void
on_scheme_changed (GSettings *settings, const char *key, gpointer user_data)
{
  ActorscopeApplication *self = user_data;

  actorscope_color_scheme_set_requested (self->scheme,
                                         (ActorscopeScheme) g_settings_get_enum (settings,
                                                                                 "color-scheme"));
}

static void
action_quit (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (user_data));

  /* Close windows (so each saves its state) rather than exiting abruptly. */
  for (GList *l = g_list_copy (windows), *it = l; it != NULL; it = it->next)
    {
      gtk_window_close (it->data);
      if (it->next == NULL)
        g_list_free (l);
    }
}

static void
action_about (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  const char *authors[] = { _("The actorscope authors"), NULL };
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  gtk_show_about_dialog (parent,
                         "program-name", "Actorscope",
                         "logo-icon-name", ACTORSCOPE_APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("See who talks to whom in an actor system or message broker trace"),
                         "license-type", GTK_LICENSE_MIT_X11,
                         "authors", authors,
                         /* Translators: put your names here, one per line. */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
actorscope_application_startup (GApplication *app)
{
  ActorscopeApplication *self = ACTORSCOPE_APPLICATION (app);
  static const GActionEntry entries[] = {
    { .name = "quit", .activate = action_quit },
    { .name = "about", .activate = action_about },
  };
  static const struct { const char *action; const char *accels[3]; } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "win.open", { "<Control>o", NULL } },
    { "win.close", { "<Control>w", NULL } },
    { "win.view::graph", { "<Control>1", NULL } },
    { "win.view::sequence", { "<Control>2", NULL } },
    { "win.view::timeline", { "<Control>3", NULL } },
    { "win.zoom-in", { "<Control>plus", "<Control>equal", NULL } },
    { "win.zoom-out", { "<Control>minus", NULL } },
    { "win.zoom-reset", { "<Control>0", NULL } },
    { "win.find", { "<Control>f", NULL } },
    { "win.filter-actors", { "<Control><Shift>f", NULL } },
    { "win.toggle-sidebar", { "F9", NULL } },
    { "win.toggle-details", { "<Control>i", NULL } },
    { "win.play", { "<Control>space", NULL } },
    { "win.step-next", { "<Alt>Right", NULL } },
    { "win.step-prev", { "<Alt>Left", NULL } },
    { "win.jump-to-now", { "End", NULL } },
    { "win.export::svg", { "<Control>e", NULL } },
    { "win.export::png", { "<Control><Shift>e", NULL } },
    { "win.attach", { "<Control>l", NULL } },
    { "win.attach-mswitch", { "<Control><Shift>l", NULL } },
    { "win.show-help-overlay", { "<Control>question", NULL } },
  };
  g_autoptr(GAction) scheme_action = NULL;

  G_APPLICATION_CLASS (actorscope_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), entries, G_N_ELEMENTS (entries), app);
  scheme_action = g_settings_create_action (self->settings, "color-scheme");
  g_action_map_add_action (G_ACTION_MAP (app), scheme_action);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action,
                                           accels[i].accels);

  gtk_window_set_default_icon_name (ACTORSCOPE_APP_ID);
  /* style.css and gtk/help-overlay.ui are picked up from the resource base
   * path by GtkApplication itself. */
  self->scheme = actorscope_color_scheme_new ();
  actorscope_palette_css_install (gdk_display_get_default ());
  g_signal_connect_object (self->settings, "changed::color-scheme",
                           G_CALLBACK (on_scheme_changed), self, 0);
  on_scheme_changed (self->settings, "color-scheme", self);
}

static void
actorscope_application_dispose (GObject *object)
{
  ActorscopeApplication *self = ACTORSCOPE_APPLICATION (object);

  g_clear_object (&self->scheme);
  g_clear_object (&self->settings);
  g_clear_error (&self->settings_error);
  G_OBJECT_CLASS (actorscope_application_parent_class)->dispose (object);
}

static void
actorscope_application_class_init (ActorscopeApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = actorscope_application_dispose;
  app_class->startup = actorscope_application_startup;
  app_class->activate = actorscope_application_activate;
  app_class->open = actorscope_application_open;
}

static void
actorscope_application_init (ActorscopeApplication *self)
{
  static const GOptionEntry options[] = {
    { "version", 'v', 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and exit"), NULL },
    { NULL }
  };

  self->settings = actorscope_settings_new (ACTORSCOPE_APP_ID, NULL, &self->settings_error);
  g_application_add_main_option_entries (G_APPLICATION (self), options);
}

static int
on_handle_local_options (GApplication *app, GVariantDict *options, gpointer user_data)
{
  ActorscopeApplication *self = ACTORSCOPE_APPLICATION (app);

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("actorscope-gtk %s\n", PACKAGE_VERSION);
      return 0;
    }
  /* Without a schema GSettings would abort at the first window: say what
   * is missing and how to get it instead. */
  if (self->settings == NULL)
    {
      g_printerr (_("actorscope-gtk: %s; run it from its build tree, with `meson devenv`, "
                    "or after `meson install`\n"), self->settings_error->message);
      return 1;
    }
  return -1;
}

ActorscopeApplication *
actorscope_application_new (void)
{
  ActorscopeApplication *self;

  self = g_object_new (ACTORSCOPE_TYPE_APPLICATION,
                       "application-id", ACTORSCOPE_APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE,
                       "resource-base-path", "/io/github/actorscope/Actorscope",
                       NULL);
  g_signal_connect (self, "handle-local-options", G_CALLBACK (on_handle_local_options), NULL);
  return self;
}

GSettings *
actorscope_application_get_settings (ActorscopeApplication *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_APPLICATION (self), NULL);
  return self->settings;
}

gboolean
actorscope_application_get_dark (ActorscopeApplication *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_APPLICATION (self), FALSE);
  return self->scheme != NULL && actorscope_color_scheme_get_dark (self->scheme);
}
