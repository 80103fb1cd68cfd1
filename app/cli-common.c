/* cli-common.c: shared helpers of the `actorscope` subcommands. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "cli-common.h"
#include "cli-size.h"
#include "render-columns.h"
#include "ingest-log-disk.h"
#include "ingest-json-lexer.h"

/* ---- option groups ---------------------------------------------------- */

void
cli_load_options_clear (CliLoadOptions *opts)
{
  g_clear_pointer (&opts->format, g_free);
  g_clear_pointer (&opts->memory_limit, g_free);
}

void
cli_load_options_add (GOptionContext *context, CliLoadOptions *opts)
{
  const GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &opts->format,
      N_("Input format (default: detect from the first bytes)"),
      N_("auto|native|mswitch|chrome|perfetto|xstate|otlp|node") },
    { "strict", 0, 0, G_OPTION_ARG_NONE, &opts->strict,
      N_("Stop at the first malformed record instead of skipping it"), NULL },
    { "memory-limit", 0, 0, G_OPTION_ARG_STRING, &opts->memory_limit,
      N_("Read a data directory within about this much memory (default 1GiB, or $ACTORSCOPE_MEMORY_LIMIT): older events are paged to a temporary file beside it"),
      N_("SIZE") },
    G_OPTION_ENTRY_NULL
  };
  /* In the main group, so plain --help lists them. GOption copies entries. */
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
}

void
cli_set_subcommand (const char *subcommand)
{
  g_autofree char *name = g_strconcat ("actorscope ", subcommand, NULL);
  g_set_prgname (name);
}

/* ---- loading ---------------------------------------------------------- */

typedef struct {
  const char *name;      /* escaped display name */
  gboolean enabled;      /* stderr is a terminal */
  gint64 started_us;
  gint64 last_us;
  gboolean shown;
} CliProgress;

/* Loads are usually short: only start drawing after this long, so quick
 * runs don't flicker a progress line. */
#define CLI_PROGRESS_DELAY_US (300 * 1000)
#define CLI_PROGRESS_INTERVAL_US (100 * 1000)

static void
cli_progress_update (CliProgress *p, guint64 done, guint64 total)
{
  if (!p->enabled)
    return;
  gint64 now = g_get_monotonic_time ();
  if (now - p->started_us < CLI_PROGRESS_DELAY_US || now - p->last_us < CLI_PROGRESS_INTERVAL_US)
    return;
  p->last_us = now;
  p->shown = TRUE;
  g_autofree char *done_s = cli_format_bytes (done);
  if (total > 0)
    {
      g_autofree char *total_s = cli_format_bytes (total);
      /* \r + erase-line: redraw in place. */
      fprintf (stderr, "\r\033[K%s %s: %3u%% (%s / %s)", _("Loading"), p->name,
               (guint) MIN (100, done * 100 / total), done_s, total_s);
    }
  else
    fprintf (stderr, "\r\033[K%s %s: %s", _("Loading"), p->name, done_s);
  fflush (stderr);
}

static void
cli_progress_clear (CliProgress *p)
{
  if (p->shown)
    {
      fputs ("\r\033[K", stderr);
      fflush (stderr);
    }
}

/* fatal: the error that stopped the load, if any: the parser keeps it among
 * its diagnostics too, and the caller prints it, so it is skipped here. */
static void
cli_print_diagnostics (IngestParser *parser, IngestStore *store, const GError *fatal)
{
  const GPtrArray *diags = ingest_parser_get_diagnostics (parser);
  guint64 skipped = ingest_parser_n_skipped (parser);
  guint n = diags ? diags->len : 0;

  for (guint i = 0; i < n && i < CLI_MAX_PRINTED_DIAGNOSTICS; i++)
    {
      const GError *e = g_ptr_array_index (diags, i);
      if (fatal && g_strcmp0 (e->message, fatal->message) == 0)
        continue;
      g_autofree char *msg = cli_escape (e->message, -1);
      fprintf (stderr, "%s\n", msg);
    }
  if (skipped > 0)
    {
      guint64 shown = MIN (n, CLI_MAX_PRINTED_DIAGNOSTICS);
      if (skipped > shown)
        /* %llu, not G_GUINT64_FORMAT: xgettext must see whole msgids. */
        fprintf (stderr, g_dngettext (GETTEXT_PACKAGE,
                                      "actorscope: … and %llu more malformed record\n",
                                      "actorscope: … and %llu more malformed records\n",
                                      skipped - shown), (unsigned long long) (skipped - shown));
      fprintf (stderr, g_dngettext (GETTEXT_PACKAGE,
                                    "actorscope: skipped %llu malformed record (use --strict to stop at the first)\n",
                                    "actorscope: skipped %llu malformed records (use --strict to stop at the first)\n",
                                    skipped), (unsigned long long) skipped);
    }
  (void) store;
}

/* A data directory: read without the lock (a service may be writing it),
 * up to its last complete block. Lenient: corrupt blocks are skipped and
 * reported; --strict stops at the first. */
static IngestStore *
cli_load_data_dir (const char *path, const CliLoadOptions *opts, IngestFormat *format_out,
                   CliExit *exit_code, GError **error)
{
  IngestLogDiskOptions lo = { 0 };
  g_autoptr(IngestLog) log = NULL;
  g_autoptr(IngestStore) store = ingest_store_new ();
  g_auto(IngestLogSkipped) skipped = { 0 };
  const IngestLogDiskInfo *info;

  /* The memory limit, as serve's: a data directory may hold far more than
   * RAM, and everything in it is durable, so the store may page out all it
   * reads. A quarter of the limit (at most 64 MiB) is left for the rest:
   * the view, the output. */
  guint64 limit = CLI_MEMORY_LIMIT_DEFAULT;
  const char *limit_text = opts->memory_limit;
  if (limit_text == NULL)
    {
      const char *env = g_getenv ("ACTORSCOPE_MEMORY_LIMIT");
      if (env != NULL && env[0] != '\0')
        limit_text = env;
    }
  if (limit_text != NULL && !cli_size_parse (limit_text, &limit, error))
    {
      *exit_code = CLI_EXIT_USAGE;
      return NULL;
    }
  if (limit < ((guint64) 1 << 20))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _("--memory-limit is below 1MiB"));
      *exit_code = CLI_EXIT_USAGE;
      return NULL;
    }
  guint64 budget = limit - MIN (limit / 4, (guint64) 64 << 20);

  lo.read_only = TRUE;
  log = ingest_log_disk_open (path, &lo, error);
  if (log == NULL)
    return NULL;
  /* The page file goes beside the data (its disk was chosen for it); a
   * directory we may only read gets it in the temporary directory. */
  g_autoptr(GError) page_error = NULL;
  if (!ingest_store_set_memory_budget (store, (gsize) MIN (budget, G_MAXSIZE), path, &page_error)
      && !ingest_store_set_memory_budget (store, (gsize) MIN (budget, G_MAXSIZE), g_get_tmp_dir (),
                                          NULL))
    {
      g_propagate_error (error, g_steal_pointer (&page_error));
      return NULL;
    }
  ingest_store_set_evictable (store, G_MAXUINT64);
  if (!ingest_log_read_into_store (log, 0, G_MAXUINT64, store, NULL,
                                   opts->strict ? NULL : &skipped, error))
    return NULL;
  info = ingest_log_disk_get_info (log);
  if (skipped.bad_blocks > 0)
    {
      g_autofree char *where = cli_escape (skipped.first_problem, -1);
      fprintf (stderr, _("actorscope: skipped %llu corrupt block(s) (%llu events, %llu bytes), "
                         "the first at %s (use --strict to stop at the first)\n"),
               (unsigned long long) skipped.bad_blocks, (unsigned long long) skipped.lost_events,
               (unsigned long long) skipped.bad_bytes, where);
    }
  if (info->dropped_events > 0)
    fprintf (stderr, _("actorscope: %llu events dropped by retention (older than the data "
                       "directory's oldest segment)\n"),
             (unsigned long long) info->dropped_events);
  if (format_out)
    *format_out = INGEST_FORMAT_NATIVE;
  *exit_code = CLI_EXIT_OK;
  return g_steal_pointer (&store);
}

IngestStore *
cli_load_trace (const char *path, const CliLoadOptions *opts,
                IngestFormat *format_out, CliExit *exit_code, GError **error)
{
  IngestParserOptions popts = { 0 };
  g_autoptr(GInputStream) in = NULL;
  guint64 total = 0;

  *exit_code = CLI_EXIT_RUNTIME;
  popts.format = INGEST_FORMAT_AUTO;
  if (opts->format && !ingest_format_from_string (opts->format, &popts.format))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("Unknown --format “%s” (expected auto, native, mswitch, chrome, perfetto, xstate, otlp or node)"),
                   opts->format);
      *exit_code = CLI_EXIT_USAGE;
      return NULL;
    }
  popts.strict = opts->strict;
  popts.source_name = strcmp (path, "-") == 0 ? "<stdin>" : path;

  /* The parser is driven here rather than through ingest_load_file() because
   * lenient mode must show the parser's kept diagnostics, which only the
   * parser object exposes. */
  if (strcmp (path, "-") == 0)
    in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  else
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);
      g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                                                     G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                                     G_FILE_QUERY_INFO_NONE, NULL, NULL);
      if (info && g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        {
          /* A `serve --data-dir` directory reads like a trace file. */
          if (ingest_log_disk_is_data_dir (path))
            return cli_load_data_dir (path, opts, format_out, exit_code, error);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY,
                       _("%s: is a directory (not an actorscope data directory)"), path);
          return NULL;
        }
      if (info && g_file_info_get_file_type (info) == G_FILE_TYPE_REGULAR)
        total = (guint64) g_file_info_get_size (info);
      in = G_INPUT_STREAM (g_file_read (file, NULL, error));
      if (!in)
        return NULL;
    }

  g_autoptr(IngestStore) store = ingest_store_new ();
  g_autoptr(IngestParser) parser = ingest_parser_new (store, &popts);
  g_autofree char *display = cli_escape (popts.source_name, -1);
  CliProgress progress = { display, isatty (STDERR_FILENO), g_get_monotonic_time (), 0, FALSE };
  gsize bufsize = 256 * 1024;
  g_autofree guint8 *buf = g_malloc (bufsize);
  gboolean ok = TRUE;

  for (;;)
    {
      gssize n = g_input_stream_read (in, buf, bufsize, NULL, error);
      if (n < 0)
        {
          ok = FALSE;
          break;
        }
      if (n == 0)
        break;
      if (!ingest_parser_feed (parser, buf, (gsize) n, error))
        {
          ok = FALSE;
          break;
        }
      cli_progress_update (&progress, ingest_parser_n_bytes (parser), total);
    }
  if (ok)
    ok = ingest_parser_finish (parser, error);
  cli_progress_clear (&progress);

  /* Lenient-mode diagnostics are worth showing even when the load failed
   * for another reason later on. */
  if (!opts->strict)
    cli_print_diagnostics (parser, store, ok ? NULL : (error ? *error : NULL));
  if (!ok)
    return NULL;

  if (format_out)
    *format_out = ingest_parser_get_format (parser);
  *exit_code = CLI_EXIT_OK;
  return g_steal_pointer (&store);
}

/* ---- times ------------------------------------------------------------ */

gboolean
cli_time_parse (const char *s, CliTime *out, GError **error)
{
  /* scale: the unit in ns is 10^scale * factor */
  static const struct { const char *suffix; guint scale; gint64 factor; } units[] = {
    { "ns", 0, 1 }, { "us", 3, 1 }, { "µs", 3, 1 }, { "ms", 6, 1 },
    { "s", 9, 1 }, { "m", 9, 60 }, { "h", 9, 3600 },
  };
  const char *p = s;
  const char *end;

  memset (out, 0, sizeof *out);
  if (!s || !*s)
    goto bad;
  if (*p == '+')
    {
      out->relative = TRUE;
      p++;
    }
  if (!g_ascii_isdigit (*p) && !(out->relative == FALSE && *p == '-' && g_ascii_isdigit (p[1])))
    goto bad;

  /* Plain integers are nanoseconds, parsed exactly (a double would round
   * epoch nanoseconds). */
  {
    char *iend = NULL;
    errno = 0;
    gint64 v = g_ascii_strtoll (p, &iend, 10);
    if (iend && *iend == '\0')
      {
        if (errno == ERANGE)
          goto bad;
        out->value_ns = v;
        return TRUE;
      }
  }

  /* A number with a unit: converted from its digits too, so epoch seconds
   * keep every nanosecond (minutes and hours: to the ns of their value
   * in ns units, then multiplied). */
  for (end = p; *end != '\0' && strchr ("0123456789.eE+-", *end) != NULL; end++)
    ;
  for (gsize i = 0; i < G_N_ELEMENTS (units); i++)
    if (strcmp (end, units[i].suffix) == 0)
      {
        gint64 v;
        if (!ingest_json_number_to_scaled (p, (gsize) (end - p), units[i].scale, &v)
            || v > G_MAXINT64 / units[i].factor || v < G_MININT64 / units[i].factor)
          goto bad;
        out->value_ns = v * units[i].factor;
        return TRUE;
      }

bad:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               _("Cannot parse time “%s”: use nanoseconds (1700000000000000000), "
                 "a duration with a unit (1.5s, 200ms, 30us), or +DURATION from the trace start"),
               s ? s : "");
  return FALSE;
}

gint64
cli_time_resolve (const CliTime *t, gint64 trace_start_ns)
{
  if (!t->relative)
    return t->value_ns;
  if (t->value_ns > 0 && trace_start_ns > G_MAXINT64 - t->value_ns)
    return G_MAXINT64;
  return trace_start_ns + t->value_ns;
}

gboolean
cli_pattern_check (const char *option_name, const char *pattern, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(IngestMatcher) m = NULL;

  if (!pattern)
    return TRUE;
  m = ingest_matcher_new (pattern, &local);
  if (!m)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("Bad pattern for %s: %s"), option_name,
                   local ? local->message : _("invalid pattern"));
      return FALSE;
    }
  return TRUE;
}

/* ---- terminal escaping ------------------------------------------------ */

static gboolean
cli_unichar_needs_escape (gunichar c)
{
  if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
    return TRUE;
  switch (g_unichar_type (c))
    {
    case G_UNICODE_CONTROL:
    case G_UNICODE_FORMAT:            /* bidi controls, ZWJ/ZWSP, BOM, ... */
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
    case G_UNICODE_SURROGATE:
    case G_UNICODE_UNASSIGNED:        /* could be given meaning by a newer terminal */
      return TRUE;
    default:
      return FALSE;
    }
}

void
cli_escape_append (GString *out, const char *s, gssize len)
{
  if (!s)
    return;
  gsize n = len < 0 ? strlen (s) : (gsize) len;
  const char *p = s;
  const char *end = s + n;

  while (p < end)
    {
      guchar b = (guchar) *p;
      if (b < 0x80)
        {
          if (b == '\\')
            g_string_append (out, "\\\\");
          else if (b < 0x20 || b == 0x7f)
            g_string_append_printf (out, "\\x%02X", b);
          else
            g_string_append_c (out, (char) b);
          p++;
          continue;
        }
      gunichar c = g_utf8_get_char_validated (p, end - p);
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_printf (out, "\\x%02X", b);
          p++;
          continue;
        }
      const char *next = g_utf8_next_char (p);
      if (cli_unichar_needs_escape (c))
        g_string_append_printf (out, "\\u{%04X}", c);
      else
        g_string_append_len (out, p, next - p);
      p = next;
    }
}

char *
cli_escape (const char *s, gssize len)
{
  GString *out = g_string_new (NULL);
  cli_escape_append (out, s, len);
  return g_string_free (out, FALSE);
}

gsize
cli_display_width (const char *s)
{
  gsize w = 0;
  for (const char *p = s; p && *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_iszerowidth (c))
        continue;
      w += g_unichar_iswide (c) ? 2 : 1;
    }
  return w;
}

/* ---- human units ------------------------------------------------------ */

/* The CLI writes durations and rates exactly as every table does
 * (render-columns.h): one definition, so the figures never differ. */
char *
cli_format_duration (gint64 ns)
{
  return render_column_format_duration (ns);
}

char *
cli_format_rate (double per_s)
{
  return render_column_format_rate (per_s);
}

char *
cli_format_bytes (guint64 bytes)
{
  return g_format_size (bytes);
}

/* ---- errors and outputs ----------------------------------------------- */

CliExit
cli_usage_error (const char *subcommand, const char *message)
{
  g_autofree char *msg = cli_escape (message, -1);
  if (subcommand)
    {
      fprintf (stderr, "actorscope %s: %s\n", subcommand, msg);
      fprintf (stderr, _("Try “actorscope %s --help” for more information.\n"), subcommand);
    }
  else
    {
      fprintf (stderr, "actorscope: %s\n", msg);
      fprintf (stderr, _("Try “actorscope --help” for more information.\n"));
    }
  return CLI_EXIT_USAGE;
}

CliExit
cli_runtime_error (const GError *error)
{
  g_autofree char *msg = cli_escape (error ? error->message : _("unknown error"), -1);
  /* Parser diagnostics already start with "source:line:col:"; keep them
   * first on the line so editors can jump to them. */
  if (error && error->domain == INGEST_ERROR)
    fprintf (stderr, "%s\n", msg);
  else
    fprintf (stderr, "actorscope: %s\n", msg);
  return CLI_EXIT_RUNTIME;
}

GOutputStream *
cli_open_output (const char *path, GError **error)
{
  struct stat st;

  if (strcmp (path, "-") == 0)
    return g_unix_output_stream_new (STDOUT_FILENO, FALSE);
  if (stat (path, &st) == 0 && !S_ISREG (st.st_mode) && !S_ISDIR (st.st_mode))
    {
      /* A pipe, /dev/null, a terminal, a socket: written in place (a
       * regular file is replaced atomically instead, below). */
      int fd = open (path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
      if (fd < 0)
        {
          int e = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), _("%s: %s"), path,
                       g_strerror (e));
          return NULL;
        }
      return g_unix_output_stream_new (fd, TRUE);
    }
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);
  return G_OUTPUT_STREAM (g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, error));
}

void
cli_output_abort (GOutputStream *out)
{
  if (!out || g_output_stream_is_closed (out))
    return;
  /* Closing a g_file_replace() stream with a cancelled cancellable drops
   * the temporary file and keeps the original untouched. */
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  g_output_stream_close (out, cancel, NULL);
}
