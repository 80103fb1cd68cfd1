/* cli-convert.c: `actorscope convert TRACE -o out.ndjson`: any supported
 * format to actorscope native NDJSON. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "cli-common.h"

/* The native writer escapes C0 controls only; strings may still hold DEL,
 * C1 controls (U+009B is CSI), bidi overrides and other format characters,
 * which drive or garble a terminal. On the way to a terminal they become
 * JSON \uXXXX escapes: the same JSON value, nothing the terminal acts on.
 * (They can only occur inside JSON strings.) */
static void
convert_append_terminal_safe (GString *out, const char *s, gsize len)
{
  g_autofree char *valid = g_utf8_make_valid (s, (gssize) len);

  for (const char *p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == 0x2028 || c == 0x2029
          || g_unichar_type (c) == G_UNICODE_FORMAT)
        {
          if (c > 0xffff)
            g_string_append_printf (out, "\\u%04X\\u%04X", 0xd800 + ((c - 0x10000) >> 10),
                                    0xdc00 + ((c - 0x10000) & 0x3ff));
          else
            g_string_append_printf (out, "\\u%04X", c);
        }
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
    }
}

/* Writes the store as native NDJSON to a terminal, escaped as above. The
 * whole text is built in memory first: a terminal is read by a person, so
 * the trace is small enough, and it is in memory already as the store. */
static gboolean
convert_write_terminal (IngestStore *store, GOutputStream *out, GError **error)
{
  g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();

  if (!ingest_native_write (store, 0, mem, error) || !g_output_stream_close (mem, NULL, error))
    return FALSE;
  g_autoptr(GString) safe = g_string_new (NULL);
  convert_append_terminal_safe (safe, g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (mem)),
                                g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (mem)));
  return g_output_stream_write_all (out, safe->str, safe->len, NULL, NULL, error);
}

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
  gboolean to_terminal = strcmp (output, "-") == 0 && isatty (STDOUT_FILENO);
  if (!(to_terminal ? convert_write_terminal (store, out, &error)
                    : ingest_native_write (store, 0, out, &error))
      || !g_output_stream_close (out, NULL, &error))
    {
      cli_output_abort (out);
      return cli_runtime_error (error);
    }
  return CLI_EXIT_OK;
}
