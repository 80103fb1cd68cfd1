/* test-gtk-i18n.c: the desktop app comes up translated (suite "gui").
 *
 * Usage: test-gtk-i18n EXPECTED UNEXPECTED... Starts the real application
 * and window with the environment's LANGUAGE and checks that some label or
 * button of the window reads EXPECTED and none reads any UNEXPECTED (the
 * English originals). Exit 0 on success, 1 with a message otherwise.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>
#include <gtk/gtk.h>

#include "actorscope-application.h"
#include "actorscope-window.h"

static void
collect (GtkWidget *widget, GPtrArray *texts)
{
  if (GTK_IS_LABEL (widget))
    g_ptr_array_add (texts, g_strdup (gtk_label_get_text (GTK_LABEL (widget))));
  else if (GTK_IS_BUTTON (widget) && gtk_button_get_label (GTK_BUTTON (widget)) != NULL)
    g_ptr_array_add (texts, g_strdup (gtk_button_get_label (GTK_BUTTON (widget))));
  if (gtk_widget_get_tooltip_text (widget) != NULL)
    g_ptr_array_add (texts, g_strdup (gtk_widget_get_tooltip_text (widget)));
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    collect (c, texts);
}

static gboolean
has (GPtrArray *texts, const char *s)
{
  for (guint i = 0; i < texts->len; i++)
    if (g_strcmp0 (texts->pdata[i], s) == 0)
      return TRUE;
  return FALSE;
}

int
main (int argc, char **argv)
{
  g_autoptr(ActorscopeApplication) app = NULL;
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  const char *localedir = g_getenv ("ACTORSCOPE_LOCALEDIR");
  ActorscopeWindow *window;
  int status = 0;

  if (argc < 2)
    {
      g_printerr ("usage: %s EXPECTED [UNEXPECTED...]\n", argv[0]);
      return 2;
    }
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  gtk_init ();

  app = actorscope_application_new ();
  if (!g_application_register (G_APPLICATION (app), NULL, NULL))
    return 1;
  window = actorscope_window_new (app);
  gtk_window_present (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  collect (GTK_WIDGET (window), texts);
  if (!has (texts, argv[1]))
    {
      g_printerr ("not found in the window: “%s”\n", argv[1]);
      status = 1;
    }
  for (int i = 2; i < argc; i++)
    if (has (texts, argv[i]))
      {
        g_printerr ("still untranslated in the window: “%s”\n", argv[i]);
        status = 1;
      }
  if (status == 0)
    g_print ("window translated: “%s” found\n", argv[1]);
  gtk_window_destroy (GTK_WINDOW (window));
  return status;
}
