/* actorscope-main.c: entry point of actorscope-gtk. */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "actorscope-application.h"

int
main (int argc, char **argv)
{
  g_autoptr(ActorscopeApplication) app = NULL;
  const char *localedir = g_getenv ("ACTORSCOPE_LOCALEDIR");

  setlocale (LC_ALL, "");
  /* ACTORSCOPE_LOCALEDIR lets tests use the catalogues of a build tree. */
  bindtextdomain (GETTEXT_PACKAGE, localedir && *localedir ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_application_name ("Actorscope");

  app = actorscope_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
