/* test-integration-common.h: helpers for the integration tests, which run the
 * real `actorscope` executable as a user would and check what it writes.
 *
 * The executable's path comes from the first command-line argument of the
 * test program (meson passes it), the samples from
 * $ACTORSCOPE_SOURCE_ROOT/data/traces. Everything is written into a fresh
 * temporary folder, removed at exit.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  int status;        /* exit status; -1 when killed by a signal (a crash) */
  GBytes *out;       /* stdout (owned) */
  char *err;         /* stderr, NUL-terminated (owned) */
} ItRun;

void it_run_clear (ItRun *run);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ItRun, it_run_clear)

/* Reads argv[1] (the CLI path) and creates the temporary folder. Call first
 * in main(); aborts with a message when misconfigured. */
void it_init (int argc, char **argv);
/* Removes the temporary folder (recursively). */
void it_cleanup (void);

const char *it_cli_path (void);
const char *it_tmpdir (void);
/* $ACTORSCOPE_SOURCE_ROOT/data/traces (borrowed). */
const char *it_traces_dir (void);
/* A path inside the temporary folder (owned by the caller). */
char *it_tmp_path (const char *name);
/* A path to a sample trace (owned by the caller). */
char *it_trace_path (const char *name);
/* The sample traces in data/traces (sorted names, owned NULL-terminated
 * array of full paths), without READMEs and the like. */
char **it_list_traces (void);

/* Runs the CLI with the NULL-terminated arguments (not including the
 * program), stdin from stdin_path (NULL = /dev/null). Fills *run. Returns
 * FALSE only if the process could not be started. A 120 s timeout protects
 * against hangs (the process is killed and status is -1). */
gboolean it_run (ItRun *run, const char *stdin_path, const char *const *args);
/* The same with a vararg list ending in NULL. */
gboolean it_runv (ItRun *run, const char *stdin_path, ...) G_GNUC_NULL_TERMINATED;

/* Writes contents (len bytes, or NUL-terminated if len < 0) to a new file in
 * the temporary folder; returns its path (owned). */
char *it_write_tmp (const char *name, const char *contents, gssize len);

/* What an SVG document holds, parsed back with GMarkup (a real XML parser:
 * it rejects anything not well-formed). */
typedef struct {
  GHashTable *ids_by_class;   /* class token -> GHashTable set of data-id */
  GHashTable *groups_by_class;/* class token -> GUINT_TO_POINTER (count of <g>) */
  GString *text;              /* all character data, "\n"-joined */
  guint n_elements;
  guint n_script_elements;    /* <script>, and any element named like it */
  guint n_event_attributes;   /* on*= attributes, href="javascript:..." */
  GHashTable *missing_id_by_class; /* class token -> count of <g> without data-id */
  guint n_groups_with_class;
  guint n_groups_with_title;  /* semantic <g> with a <title> child */
  double width, height;       /* root attributes, 0 if absent */
  char *root_class;
} ItSvg;

/* Parses svg; returns FALSE and sets error on malformed XML. */
gboolean it_svg_parse (ItSvg *svg, const char *data, gsize len, GError **error);
void it_svg_clear (ItSvg *svg);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ItSvg, it_svg_clear)
/* Number of distinct data-id values on <g> of the given class token. */
guint it_svg_n_ids (const ItSvg *svg, const char *klass);
/* Number of <g> elements with the class token. */
guint it_svg_n_groups (const ItSvg *svg, const char *klass);
/* Number of <g> of the class without a data-id. */
guint it_svg_n_missing_ids (const ItSvg *svg, const char *klass);
/* TRUE when some <g> of class klass has data-id == id. */
gboolean it_svg_has_id (const ItSvg *svg, const char *klass, const char *id);

G_END_DECLS
