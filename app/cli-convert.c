/* cli-convert.c: `actorscope convert TRACE -o out.ndjson`: any supported
 * format to actorscope native NDJSON. */
#include "config.h"

#include <glib/gi18n.h>

#include "cli-common.h"

int
cli_convert_main (int argc, char **argv)
{
  g_auto(CliLoadOptions) load = { 0 };
  g_autofree char *output = NULL;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("Write native NDJSON to FILE (“-” for standard output)"), N_("FILE") },
    G_OPTION_ENTRY_NULL
  };

  cli_set_subcommand ("convert");
  g_autoptr(GOptionContext) ctx = g_option_context_new (_("TRACE"));
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  g_option_context_set_summary (ctx, _("Reads TRACE (“-” for standard input) in any supported format "
                                       "and writes it as actorscope native NDJSON."));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  cli_load_options_add (ctx, &load);

  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      return cli_usage_error ("convert", error->message);
    }
  if (argc != 2)
    {
      return cli_usage_error ("convert", argc < 2 ? _("Missing TRACE argument")
                                                    : _("Too many arguments"));
    }
  if (!output)
    {
      return cli_usage_error ("convert", _("Missing -o FILE (use “-o -” for standard output)"));
    }

  CliExit exit_code;
  g_autoptr(IngestStore) store = cli_load_trace (argv[1], &load, NULL, &exit_code, &error);
  if (!store)
    {
      return exit_code == CLI_EXIT_USAGE ? cli_usage_error ("convert", error->message)
                                           : cli_runtime_error (error);
    }

  g_autoptr(GOutputStream) out = cli_open_output (output, &error);
  if (!out)
    return cli_runtime_error (error);
  if (!ingest_native_write (store, 0, out, &error)
      || !g_output_stream_close (out, NULL, &error))
    {
      cli_output_abort (out);
      return cli_runtime_error (error);
    }
  return CLI_EXIT_OK;
}
