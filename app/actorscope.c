/* actorscope.c: the `actorscope` command-line tool: global options and
 * subcommand dispatch. Each subcommand lives in its own cli-<name>.c and
 * parses its own options. */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gi18n.h>

#include "cli-common.h"
#include "cli-publish.h"
#ifdef ACTORSCOPE_HAVE_SERVE
#include "cli-serve.h"
#endif

typedef struct {
  const char *name;
  int (*main) (int argc, char **argv);
  const char *summary; /* N_() */
} CliCommand;

static const CliCommand commands[] = {
  { "export", cli_export_main, N_("Draw a trace as a graph, sequence chart or timeline (SVG, PNG, PDF)") },
  { "stats", cli_stats_main, N_("Print per-actor and per-edge statistics of a trace") },
  { "convert", cli_convert_main, N_("Convert any supported trace format to actorscope NDJSON") },
  { "publish", cli_publish_main, N_("Publish a trace to a NATS JetStream stream (for serve --nats)") },
#ifdef ACTORSCOPE_HAVE_SERVE
  { "serve", cli_serve_main, N_("Live service: ingest sockets, files, message-switch; browser console") },
#endif
};

static char *
cli_commands_description (void)
{
  GString *s = g_string_new (_("Commands:"));
  g_string_append_c (s, '\n');
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (s, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
  g_string_append_c (s, '\n');
  g_string_append (s, _("Run “actorscope COMMAND --help” for the options of a command."));
  g_string_append_c (s, '\n');
  return g_string_free (s, FALSE);
}

static const CliCommand *
cli_find_command (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

int
main (int argc, char **argv)
{
  gboolean version = FALSE;
  const GOptionEntry entries[] = {
    { "version", 'V', 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    G_OPTION_ENTRY_NULL
  };

  const char *localedir = g_getenv ("ACTORSCOPE_LOCALEDIR");

  setlocale (LC_ALL, "");
  /* ACTORSCOPE_LOCALEDIR lets tests use the catalogues of a build tree. */
  bindtextdomain (GETTEXT_PACKAGE, localedir && *localedir ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("actorscope");

  /* `actorscope COMMAND ...`: the subcommand gets the rest of the command
   * line (its own argv[0] is its name) and parses its own options. */
  if (argc >= 2 && argv[1][0] != '-')
    {
      const CliCommand *cmd = cli_find_command (argv[1]);
      if (cmd)
        return cmd->main (argc - 1, argv + 1);
      if (strcmp (argv[1], "help") == 0 && argc >= 3 && cli_find_command (argv[2]))
        {
          char *help_argv[] = { argv[2], (char *) "--help", NULL };
          return cli_find_command (argv[2])->main (2, help_argv);
        }
      if (strcmp (argv[1], "help") != 0)
        {
          g_autofree char *msg = g_strdup_printf (_("Unknown command “%s”"), argv[1]);
          return cli_usage_error (NULL, msg);
        }
    }

  g_autoptr(GOptionContext) ctx = g_option_context_new (_("COMMAND [OPTION…]"));
  g_autofree char *desc = cli_commands_description ();
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  g_option_context_set_summary (ctx, _("Visualise and measure traces of actor systems and message brokers."));
  g_option_context_set_description (ctx, desc);
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);

  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error (NULL, error->message);

  if (version)
    {
      printf ("actorscope %s\n", PACKAGE_VERSION);
      return CLI_EXIT_OK;
    }
  if (argc >= 2 && strcmp (argv[1], "help") == 0)
    {
      g_autofree char *help = g_option_context_get_help (ctx, TRUE, NULL);
      fputs (help, stdout);
      return CLI_EXIT_OK;
    }

  return cli_usage_error (NULL, _("No command given"));
}
