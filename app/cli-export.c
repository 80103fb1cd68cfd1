/* cli-export.c: `actorscope export TRACE -o out.svg|png|pdf`: one view of a
 * trace (interaction graph, sequence chart or timeline) drawn by one of the
 * scene backends. */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "cli-common.h"
#include "render-cairo.h"
#include "render-svg.h"
#include "render-view.h"

typedef enum { EXPORT_SVG, EXPORT_PNG, EXPORT_PDF } ExportFormat;

static gboolean
export_parse_format (const char *s, ExportFormat *out)
{
  if (g_ascii_strcasecmp (s, "svg") == 0)
    *out = EXPORT_SVG;
  else if (g_ascii_strcasecmp (s, "png") == 0)
    *out = EXPORT_PNG;
  else if (g_ascii_strcasecmp (s, "pdf") == 0)
    *out = EXPORT_PDF;
  else
    return FALSE;
  return TRUE;
}

/* The output format: --output-format if given, else the file extension;
 * standard output defaults to SVG. */
static gboolean
export_pick_format (const char *output, const char *forced, ExportFormat *out, GError **error)
{
  if (forced)
    {
      if (export_parse_format (forced, out))
        return TRUE;
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("Unknown --output-format “%s” (expected svg, png or pdf)"), forced);
      return FALSE;
    }
  if (strcmp (output, "-") == 0)
    {
      *out = EXPORT_SVG;
      return TRUE;
    }
  const char *dot = strrchr (output, '.');
  if (dot && !strchr (dot, '/') && export_parse_format (dot + 1, out))
    return TRUE;
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("Cannot tell the output format from “%s”: name it .svg, .png or .pdf, "
                 "or pass --output-format"), output);
  return FALSE;
}

static void
export_warning (const char *message, gpointer user_data)
{
  g_autofree char *msg = cli_escape (message, -1);
  fprintf (stderr, "actorscope export: %s: %s\n", _("warning"), msg);
}

/* The SVG writer escapes markup, not what a terminal acts on: trace text
 * may hold DEL, C1 controls (U+009B is CSI), bidi overrides and other
 * format characters. On the way to a terminal they become XML character
 * references: the same document, nothing the terminal acts on. */
static GString *
export_svg_terminal_safe (const GString *svg)
{
  GString *out = g_string_sized_new (svg->len);
  g_autofree char *valid = g_utf8_make_valid (svg->str, (gssize) svg->len);

  for (const char *p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == 0x2028 || c == 0x2029
          || g_unichar_type (c) == G_UNICODE_FORMAT)
        g_string_append_printf (out, "&#x%X;", c);
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
    }
  return out;
}

static gboolean
export_write (const RenderScene *scene, ExportFormat format, double png_scale,
              gboolean to_terminal, GOutputStream *out, GError **error)
{
  if (format == EXPORT_SVG)
    {
      RenderSvgOptions sopts = { .warning = export_warning };
      g_autoptr(GString) svg = g_string_new (NULL);
      render_svg_write_full (scene, &sopts, svg);
      if (to_terminal)
        {
          g_autoptr(GString) safe = export_svg_terminal_safe (svg);
          return g_output_stream_write_all (out, safe->str, safe->len, NULL, NULL, error);
        }
      return g_output_stream_write_all (out, svg->str, svg->len, NULL, NULL, error);
    }
  RenderCairoOptions copts = { .scale = png_scale, .warning = export_warning };
  if (format == EXPORT_PNG)
    return render_cairo_write_png_stream (scene, out, &copts, NULL, error);
  return render_cairo_write_pdf_stream (scene, out, &copts, NULL, error);
}

int
cli_export_main (int argc, char **argv)
{
  g_auto(CliLoadOptions) load = { 0 };
  g_autofree char *view_s = NULL, *from_s = NULL, *to_s = NULL;
  g_autofree char *filter = NULL, *label = NULL, *theme_s = NULL, *title = NULL;
  g_autofree char *output = NULL, *output_format = NULL;
  g_auto(GStrv) groups = NULL;
  gboolean expand_threads = FALSE;
  double width = 0, height = 0, scale = 0;
  gint max_elements = 0;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("Write the picture to FILE (.svg, .png or .pdf; “-” for standard output)"), N_("FILE") },
    { "view", 0, 0, G_OPTION_ARG_STRING, &view_s,
      N_("What to draw (default: graph)"), N_("graph|sequence|timeline") },
    { "from", 0, 0, G_OPTION_ARG_STRING, &from_s,
      N_("Start of the time window: nanoseconds, a time with a unit (1.5s, 200ms) or +DURATION from the trace start"), N_("TIME") },
    { "to", 0, 0, G_OPTION_ARG_STRING, &to_s,
      N_("End of the time window (same forms as --from)"), N_("TIME") },
    { "filter", 0, 0, G_OPTION_ARG_STRING, &filter,
      N_("Only actors whose name matches (glob, or /regex/), and messages touching them"), N_("PATTERN") },
    { "label", 0, 0, G_OPTION_ARG_STRING, &label,
      N_("Only messages whose label matches (glob, or /regex/)"), N_("PATTERN") },
    { "group", 0, 0, G_OPTION_ARG_STRING_ARRAY, &groups,
      N_("Fold the actors matching GLOB into one node or lane (repeatable)"), N_("GLOB") },
    { "expand-threads", 0, 0, G_OPTION_ARG_NONE, &expand_threads,
      N_("One node or lane per thread (by default a process's threads fold into it)"), NULL },
    { "width", 0, 0, G_OPTION_ARG_DOUBLE, &width, N_("Picture width in px (default: per view)"), N_("W") },
    { "height", 0, 0, G_OPTION_ARG_DOUBLE, &height, N_("Picture height in px (default: per view)"), N_("H") },
    { "theme", 0, 0, G_OPTION_ARG_STRING, &theme_s, N_("Colour theme (default: light)"), N_("light|dark") },
    { "title", 0, 0, G_OPTION_ARG_STRING, &title, N_("Title drawn at the top"), N_("TEXT") },
    { "max-elements", 0, 0, G_OPTION_ARG_INT, &max_elements,
      N_("Draw at most N messages/edges individually, aggregating the rest (default: 4000)"), N_("N") },
    { "scale", 0, 0, G_OPTION_ARG_DOUBLE, &scale, N_("PNG pixels per px (default: 1)"), N_("FACTOR") },
    { "output-format", 0, 0, G_OPTION_ARG_STRING, &output_format,
      N_("Output format, instead of guessing it from the file name"), N_("svg|png|pdf") },
    G_OPTION_ENTRY_NULL
  };

  cli_set_subcommand ("export");
  g_autoptr(GOptionContext) ctx = g_option_context_new (_("TRACE"));
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  g_option_context_set_summary (ctx, _("Reads TRACE (“-” for standard input) and draws one view of it: "
                                       "the interaction graph, a sequence chart or a timeline, "
                                       "as SVG, PNG or PDF."));
  g_option_context_set_description (ctx, _("Examples:\n"
                                           "  actorscope export trace.ndjson -o graph.svg\n"
                                           "  actorscope export trace.json --view timeline --from +2s --to +3s -o t.png\n"
                                           "  actorscope export - --view sequence --group '/user/workers/*' -o - < trace.ndjson\n"));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  cli_load_options_add (ctx, &load);

  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error ("export", error->message);
  if (argc != 2)
    return cli_usage_error ("export", argc < 2 ? _("Missing TRACE argument") : _("Too many arguments"));
  if (!output)
    return cli_usage_error ("export", _("Missing -o FILE (use “-o -” for standard output)"));

  /* Everything that can be checked without the trace is checked first, so a
   * typo fails at once rather than after a long load. */
  RenderViewKind view = RENDER_VIEW_GRAPH;
  if (view_s && !render_view_kind_from_string (view_s, &view))
    {
      g_autofree char *msg = g_strdup_printf (_("Unknown --view “%s” (expected graph, sequence or timeline)"), view_s);
      return cli_usage_error ("export", msg);
    }
  ExportFormat format;
  if (!export_pick_format (output, output_format, &format, &error))
    return cli_usage_error ("export", error->message);
  if (strcmp (output, "-") == 0 && format != EXPORT_SVG && isatty (STDOUT_FILENO))
    return cli_usage_error ("export", _("Refusing to write a binary PNG/PDF to the terminal: "
                                        "redirect standard output or name a file with -o"));
  RenderLayoutOptions lopts = { 0 };
  if (theme_s && strcmp (theme_s, "light") == 0)
    lopts.theme = RENDER_THEME_LIGHT;
  else if (theme_s && strcmp (theme_s, "dark") == 0)
    lopts.theme = RENDER_THEME_DARK;
  else if (theme_s)
    {
      g_autofree char *msg = g_strdup_printf (_("Unknown --theme “%s” (expected light or dark)"), theme_s);
      return cli_usage_error ("export", msg);
    }
  /* Bounded so a typo can't ask cairo for a gigapixel surface. */
  if (width < 0 || height < 0 || width > 100000 || height > 100000)
    return cli_usage_error ("export", _("--width and --height must be between 0 and 100000"));
  if (scale < 0 || scale > 16)
    return cli_usage_error ("export", _("--scale must be between 0 and 16"));
  if (max_elements < 0)
    return cli_usage_error ("export", _("--max-elements must not be negative"));
  lopts.width = width;
  lopts.height = height;
  lopts.title = title;
  lopts.max_elements = (guint) max_elements;

  CliTime from_t = { INGEST_TIME_MIN, FALSE }, to_t = { INGEST_TIME_MAX, FALSE };
  if ((from_s && !cli_time_parse (from_s, &from_t, &error))
      || (to_s && !cli_time_parse (to_s, &to_t, &error)))
    return cli_usage_error ("export", error->message);
  if (!cli_pattern_check ("--filter", filter, &error)
      || !cli_pattern_check ("--label", label, &error))
    return cli_usage_error ("export", error->message);
  for (guint i = 0; groups && groups[i]; i++)
    if (!cli_pattern_check ("--group", groups[i], &error))
      return cli_usage_error ("export", error->message);

  CliExit exit_code;
  g_autoptr(IngestStore) store = cli_load_trace (argv[1], &load, NULL, &exit_code, &error);
  if (!store)
    return exit_code == CLI_EXIT_USAGE ? cli_usage_error ("export", error->message)
                                       : cli_runtime_error (error);

  gint64 start = 0, end = 0;
  ingest_store_time_range (store, &start, &end);
  IngestViewSpec spec = {
    .from_ns = from_s ? cli_time_resolve (&from_t, start) : INGEST_TIME_MIN,
    .to_ns = to_s ? cli_time_resolve (&to_t, start) : INGEST_TIME_MAX,
    .actor_filter = filter,
    .label_filter = label,
    .groups = (const char *const *) groups,
    .max_items = (guint) max_elements,
    .expand_threads = expand_threads,
  };
  if (spec.from_ns > spec.to_ns)
    return cli_usage_error ("export", _("--from is after --to"));

  RenderViewRequest request = { .kind = view, .spec = &spec, .layout = lopts };
  g_auto(RenderViewResult) built = { 0 };
  if (!render_view_build (store, &request, &built, &error))
    return cli_usage_error ("export", error->message);
  const RenderScene *scene = built.scene;

  g_autoptr(GOutputStream) out = cli_open_output (output, &error);
  if (!out)
    return cli_runtime_error (error);
  if (!export_write (scene, format, scale, strcmp (output, "-") == 0 && isatty (STDOUT_FILENO),
                     out, &error)
      || !g_output_stream_close (out, NULL, &error))
    {
      cli_output_abort (out);
      return cli_runtime_error (error);
    }
  return CLI_EXIT_OK;
}
