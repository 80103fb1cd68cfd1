/* cli-common.h: what the `actorscope` subcommands share: exit codes, option
 * parsing helpers (times, formats), loading a trace with progress and
 * diagnostics on stderr, and escaping trace strings for the terminal.
 *
 * This is front-end code: unlike the libraries below it, it prints (to
 * stderr) and decides exit codes.
 */
#pragma once

#include <stdio.h>

#include <glib.h>
#include <gio/gio.h>

#include "ingest-parser.h"
#include "ingest-matcher.h"
#include "ingest-native-writer.h"
#include "ingest-view.h"

G_BEGIN_DECLS

/* Process exit codes, as a command-line user expects them. */
typedef enum {
  CLI_EXIT_OK = 0,
  CLI_EXIT_RUNTIME = 1, /* bad input in strict mode, I/O error, unreadable file */
  CLI_EXIT_USAGE = 2,   /* bad option, missing argument, bad pattern */
} CliExit;

/* Diagnostics kept and printed in lenient mode before "and N more". */
#define CLI_MAX_PRINTED_DIAGNOSTICS 5

/* Common trace-loading options (--format, --strict), shared by every
 * subcommand. */
typedef struct {
  char *format;     /* owned by GOption: auto|native|mswitch|chrome|perfetto, NULL = auto */
  gboolean strict;
  /* --memory-limit (owned by GOption, NULL: $ACTORSCOPE_MEMORY_LIMIT, else
   * CLI_MEMORY_LIMIT_DEFAULT): the memory a data directory is read within;
   * what does not fit is paged to a file beside it. */
  char *memory_limit;
} CliLoadOptions;

#define CLI_MEMORY_LIMIT_DEFAULT ((guint64) 1 << 30)

/* Frees what option parsing stored (for g_auto). */
void cli_load_options_clear (CliLoadOptions *opts);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CliLoadOptions, cli_load_options_clear)

/* Adds --format and --strict, filling *opts (borrowed; must outlive
 * parsing), to context's main options. */
void cli_load_options_add (GOptionContext *context, CliLoadOptions *opts);

/* Usage line of subcommand: sets the program name shown by --help to
 * "actorscope SUBCOMMAND". */
void cli_set_subcommand (const char *subcommand);

/* Loads path ("-" = stdin) into a new store (owned by the caller). Shows
 * progress on stderr when it is a terminal, prints lenient-mode diagnostics
 * (the first CLI_MAX_PRINTED_DIAGNOSTICS, then a count) to stderr, escaped.
 * On failure returns NULL and sets error; *exit_code gets the exit code the
 * caller should return (usage for a bad --format, runtime otherwise).
 * format_out (may be NULL) gets the format detected or forced. */
IngestStore *cli_load_trace (const char *path, const CliLoadOptions *opts,
                             IngestFormat *format_out, CliExit *exit_code,
                             GError **error);

/* A time given on the command line: absolute nanoseconds ("1795484650027815000"),
 * seconds with a unit ("1.5s", "200ms", "30us", "30µs", "12ns", "2m", "1h"),
 * or, with a leading '+', relative to the trace start ("+2s", "+500ms"). */
typedef struct {
  gint64 value_ns;
  gboolean relative;
} CliTime;

/* Parses s into *out. Returns FALSE with a G_OPTION_ERROR_BAD_VALUE error on
 * malformed or out-of-range input. */
gboolean cli_time_parse (const char *s, CliTime *out, GError **error);
/* Resolves t against the trace start (trace_start_ns). Saturates. */
gint64 cli_time_resolve (const CliTime *t, gint64 trace_start_ns);

/* Checks a --filter/--label/--group pattern (glob or /regex/) without
 * loading anything, so a bad pattern is a usage error before a long load. */
gboolean cli_pattern_check (const char *option_name, const char *pattern, GError **error);

/* Terminal escaping. Appends s (len bytes, or NUL-terminated if len < 0) to
 * out so that nothing in it can drive the terminal: control bytes (C0, DEL),
 * C1 controls, Unicode format characters (bidi overrides and isolates,
 * zero-width characters) and line/paragraph separators become \xNN or
 * \u{XXXX}; invalid UTF-8 bytes become \xNN; a backslash becomes \\ so
 * escapes are unambiguous. Everything else is copied as valid UTF-8. */
void cli_escape_append (GString *out, const char *s, gssize len);
/* Same, into a newly allocated string (owned by the caller). */
char *cli_escape (const char *s, gssize len);

/* Columns a valid UTF-8 string takes on a terminal (wide characters count
 * two, combining marks zero). */
gsize cli_display_width (const char *s);

/* Human units: durations "850ns", "12.3µs", "4.56ms", "1.23s", "2m05s";
 * rates "12.3/s", "4.5k/s"; byte sizes "1.2 MB". Owned by the caller. */
char *cli_format_duration (gint64 ns);
char *cli_format_rate (double per_s);
char *cli_format_bytes (guint64 bytes);

/* Prints "actorscope SUBCOMMAND: message" and a --help hint on stderr,
 * message escaped (it may quote trace bytes). Returns CLI_EXIT_USAGE. */
CliExit cli_usage_error (const char *subcommand, const char *message);
/* Prints error on stderr, escaped: parser errors (INGEST_ERROR) as they
 * come ("source:line:col: message"), others after "actorscope: ".
 * Returns CLI_EXIT_RUNTIME. */
CliExit cli_runtime_error (const GError *error);

/* Opens an output stream for path ("-" = stdout). Owned by the caller.
 * Files are written to a temporary name and renamed on close, so a failed
 * export never leaves a half-written picture behind: call
 * cli_output_abort() instead of closing on failure. */
GOutputStream *cli_open_output (const char *path, GError **error);
/* Closes out discarding what was written, when the stream allows it. */
void cli_output_abort (GOutputStream *out);

/* Subcommand entry points: argv[0] is the subcommand name. */
int cli_export_main (int argc, char **argv);
int cli_stats_main (int argc, char **argv);
int cli_convert_main (int argc, char **argv);

G_END_DECLS
