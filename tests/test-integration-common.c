/* test-integration-common.c: running the CLI and reading its SVG back. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

#include "test-integration-common.h"
#include "test-util.h"

#define IT_TIMEOUT_S 120

static char *cli_path;
static char *tmpdir;
static char *traces_dir;

void
it_init (int argc, char **argv)
{
  const char *root = g_getenv ("ACTORSCOPE_SOURCE_ROOT");
  if (argc < 2 || !g_file_test (argv[1], G_FILE_TEST_IS_EXECUTABLE))
    {
      fprintf (stderr, "usage: %s PATH-TO-actorscope (set by meson test)\n", argv[0]);
      exit (99);
    }
  if (!root)
    {
      fprintf (stderr, "ACTORSCOPE_SOURCE_ROOT is not set (run through meson test)\n");
      exit (99);
    }
  cli_path = g_canonicalize_filename (argv[1], NULL);
  traces_dir = g_build_filename (root, "data", "traces", NULL);
  tmpdir = test_tmpdir_new ("actorscope-it-XXXXXX");
}

void
it_cleanup (void)
{
  test_tmpdir_clear (&tmpdir);
  g_clear_pointer (&cli_path, g_free);
  g_clear_pointer (&traces_dir, g_free);
}

const char *it_cli_path (void) { return cli_path; }
const char *it_tmpdir (void) { return tmpdir; }
const char *it_traces_dir (void) { return traces_dir; }

char *
it_tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

char *
it_trace_path (const char *name)
{
  return g_build_filename (traces_dir, name, NULL);
}

static gint
it_compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

char **
it_list_traces (void)
{
  GPtrArray *paths = g_ptr_array_new ();
  GDir *dir = g_dir_open (traces_dir, 0, NULL);
  if (dir)
    {
      const char *name;
      while ((name = g_dir_read_name (dir)))
        {
          if (name[0] == '.' || g_str_has_suffix (name, ".md") || g_str_has_suffix (name, ".txt")
              || g_str_has_suffix (name, ".build") || g_str_has_suffix (name, ".msc")
              || g_str_has_suffix (name, ".dot") || g_str_has_suffix (name, ".svg")
              || g_str_has_suffix (name, ".png") || g_str_has_suffix (name, ".py")
              || g_str_has_suffix (name, ".sh"))
            continue;
          g_autofree char *path = g_build_filename (traces_dir, name, NULL);
          if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
            g_ptr_array_add (paths, g_steal_pointer (&path));
        }
      g_dir_close (dir);
    }
  g_ptr_array_sort (paths, it_compare_strings);
  g_ptr_array_add (paths, NULL);
  return (char **) g_ptr_array_free (paths, FALSE);
}

void
it_run_clear (ItRun *run)
{
  g_clear_pointer (&run->out, g_bytes_unref);
  g_clear_pointer (&run->err, g_free);
}

typedef struct {
  GMainLoop *loop;
  GBytes *out, *err;
  GError *error;
  gboolean timed_out;
  gboolean done;
} ItWait;

static void
it_communicate_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  ItWait *w = user_data;
  g_subprocess_communicate_finish (G_SUBPROCESS (source), res, &w->out, &w->err, &w->error);
  w->done = TRUE;
  g_main_loop_quit (w->loop);
}

static gboolean
it_timeout (gpointer user_data)
{
  ItWait *w = user_data;
  w->timed_out = TRUE;
  g_main_loop_quit (w->loop);
  return G_SOURCE_REMOVE;
}

gboolean
it_run (ItRun *run, const char *stdin_path, const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;

  memset (run, 0, sizeof *run);
  g_ptr_array_add (argv, cli_path);
  for (gsize i = 0; args && args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_stdin_file_path (launcher, stdin_path ? stdin_path : "/dev/null");
  /* A fixed locale, so messages and number formats are the C ones. */
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_set_cwd (launcher, tmpdir);
  g_autoptr(GSubprocess) proc = g_subprocess_launcher_spawnv (launcher,
                                                              (const char *const *) argv->pdata, &error);
  if (!proc)
    {
      fprintf (stderr, "cannot run %s: %s\n", cli_path, error->message);
      return FALSE;
    }

  g_autoptr(GMainContext) ctx = g_main_context_new ();
  g_main_context_push_thread_default (ctx);
  ItWait w = { g_main_loop_new (ctx, FALSE), NULL, NULL, NULL, FALSE, FALSE };
  g_subprocess_communicate_async (proc, NULL, NULL, it_communicate_done, &w);
  GSource *timeout = g_timeout_source_new_seconds (IT_TIMEOUT_S);
  g_source_set_callback (timeout, it_timeout, &w, NULL);
  g_source_attach (timeout, ctx);
  g_main_loop_run (w.loop);
  g_source_destroy (timeout);
  g_source_unref (timeout);
  if (!w.done)
    {
      g_subprocess_force_exit (proc);
      while (!w.done)
        g_main_context_iteration (ctx, TRUE);
    }
  g_main_context_pop_thread_default (ctx);
  g_main_loop_unref (w.loop);
  g_clear_error (&w.error);

  g_subprocess_wait (proc, NULL, NULL);
  if (!w.timed_out && g_subprocess_get_if_exited (proc))
    run->status = g_subprocess_get_exit_status (proc);
  else
    run->status = -1;
  run->out = w.out ? w.out : g_bytes_new (NULL, 0);
  gsize n = 0;
  const char *e = w.err ? g_bytes_get_data (w.err, &n) : NULL;
  run->err = g_strndup (e ? e : "", n);
  g_clear_pointer (&w.err, g_bytes_unref);
  if (run->status != 0 && g_getenv ("IT_VERBOSE"))
    fprintf (stderr, "[status %d] %s\n", run->status, run->err);
  return TRUE;
}

gboolean
it_runv (ItRun *run, const char *stdin_path, ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;
  va_start (ap, stdin_path);
  for (const char *a = va_arg (ap, const char *); a; a = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  return it_run (run, stdin_path, (const char *const *) args->pdata);
}

char *
it_write_tmp (const char *name, const char *contents, gssize len)
{
  char *path = it_tmp_path (name);
  g_autoptr(GError) error = NULL;
  if (!g_file_set_contents (path, contents, len, &error))
    {
      fprintf (stderr, "cannot write %s: %s\n", path, error->message);
      abort ();
    }
  return path;
}

/* ---- SVG read-back ---------------------------------------------------- */

typedef struct {
  ItSvg *svg;
  GArray *stack;   /* gboolean per open element: is it a semantic <g> */
} ItSvgParse;

static void
it_svg_start (GMarkupParseContext *ctx, const char *name, const char **attr_names,
              const char **attr_values, gpointer user_data, GError **error)
{
  ItSvgParse *p = user_data;
  ItSvg *svg = p->svg;
  gboolean semantic = FALSE;

  svg->n_elements++;
  if (g_ascii_strncasecmp (name, "script", 6) == 0 || strstr (name, ":script"))
    svg->n_script_elements++;
  for (guint i = 0; attr_names[i]; i++)
    {
      if (g_ascii_strncasecmp (attr_names[i], "on", 2) == 0)
        svg->n_event_attributes++;
      if (strcmp (attr_names[i], "href") == 0 || strcmp (attr_names[i], "xlink:href") == 0)
        {
          g_autofree char *v = g_strstrip (g_strdup (attr_values[i]));
          if (g_ascii_strncasecmp (v, "javascript:", 11) == 0)
            svg->n_event_attributes++;
        }
    }

  if (strcmp (name, "svg") == 0 && p->stack->len == 0)
    {
      for (guint i = 0; attr_names[i]; i++)
        {
          if (strcmp (attr_names[i], "width") == 0)
            svg->width = g_ascii_strtod (attr_values[i], NULL);
          else if (strcmp (attr_names[i], "height") == 0)
            svg->height = g_ascii_strtod (attr_values[i], NULL);
          else if (strcmp (attr_names[i], "class") == 0)
            svg->root_class = g_strdup (attr_values[i]);
        }
    }

  if (strcmp (name, "g") == 0)
    {
      const char *klass = NULL, *id = NULL;
      for (guint i = 0; attr_names[i]; i++)
        {
          if (strcmp (attr_names[i], "class") == 0)
            klass = attr_values[i];
          else if (strcmp (attr_names[i], "data-id") == 0)
            id = attr_values[i];
        }
      if (klass && *klass)
        {
          semantic = TRUE;
          svg->n_groups_with_class++;
          g_auto(GStrv) tokens = g_strsplit_set (klass, " \t\n", -1);
          for (guint t = 0; tokens[t]; t++)
            {
              if (!*tokens[t])
                continue;
              guint n = GPOINTER_TO_UINT (g_hash_table_lookup (svg->groups_by_class, tokens[t]));
              g_hash_table_replace (svg->groups_by_class, g_strdup (tokens[t]), GUINT_TO_POINTER (n + 1));
              GHashTable *ids = g_hash_table_lookup (svg->ids_by_class, tokens[t]);
              if (!ids)
                {
                  ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
                  g_hash_table_insert (svg->ids_by_class, g_strdup (tokens[t]), ids);
                }
              if (id)
                g_hash_table_add (ids, g_strdup (id));
              else
                {
                  guint m = GPOINTER_TO_UINT (g_hash_table_lookup (svg->missing_id_by_class, tokens[t]));
                  g_hash_table_replace (svg->missing_id_by_class, g_strdup (tokens[t]), GUINT_TO_POINTER (m + 1));
                }
            }
        }
    }

  if (strcmp (name, "title") == 0 && p->stack->len > 0
      && g_array_index (p->stack, gboolean, p->stack->len - 1))
    {
      svg->n_groups_with_title++;
      /* Count each group's title once. */
      g_array_index (p->stack, gboolean, p->stack->len - 1) = FALSE;
    }
  g_array_append_val (p->stack, semantic);
}

static void
it_svg_end (GMarkupParseContext *ctx, const char *name, gpointer user_data, GError **error)
{
  ItSvgParse *p = user_data;
  g_array_set_size (p->stack, p->stack->len - 1);
}

static void
it_svg_text (GMarkupParseContext *ctx, const char *text, gsize len, gpointer user_data,
             GError **error)
{
  ItSvgParse *p = user_data;
  gboolean blank = TRUE;
  for (gsize i = 0; i < len && blank; i++)
    blank = g_ascii_isspace (text[i]);
  if (blank)
    return;
  g_string_append_len (p->svg->text, text, len);
  g_string_append_c (p->svg->text, '\n');
}

gboolean
it_svg_parse (ItSvg *svg, const char *data, gsize len, GError **error)
{
  static const GMarkupParser parser = { it_svg_start, it_svg_end, it_svg_text, NULL, NULL };
  memset (svg, 0, sizeof *svg);
  svg->ids_by_class = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) g_hash_table_unref);
  svg->groups_by_class = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  svg->missing_id_by_class = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  svg->text = g_string_new (NULL);

  /* GMarkup does not know DOCTYPEs; the SVG writer emits none. */
  ItSvgParse p = { svg, g_array_new (FALSE, FALSE, sizeof (gboolean)) };
  GMarkupParseContext *ctx = g_markup_parse_context_new (&parser, G_MARKUP_PREFIX_ERROR_POSITION, &p, NULL);
  gboolean ok = g_markup_parse_context_parse (ctx, data, (gssize) len, error)
                && g_markup_parse_context_end_parse (ctx, error);
  g_markup_parse_context_free (ctx);
  g_array_unref (p.stack);
  return ok;
}

void
it_svg_clear (ItSvg *svg)
{
  g_clear_pointer (&svg->ids_by_class, g_hash_table_unref);
  g_clear_pointer (&svg->groups_by_class, g_hash_table_unref);
  g_clear_pointer (&svg->missing_id_by_class, g_hash_table_unref);
  if (svg->text)
    g_string_free (svg->text, TRUE);
  svg->text = NULL;
  g_clear_pointer (&svg->root_class, g_free);
}

guint
it_svg_n_ids (const ItSvg *svg, const char *klass)
{
  GHashTable *ids = g_hash_table_lookup (svg->ids_by_class, klass);
  return ids ? g_hash_table_size (ids) : 0;
}

guint
it_svg_n_groups (const ItSvg *svg, const char *klass)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (svg->groups_by_class, klass));
}

guint
it_svg_n_missing_ids (const ItSvg *svg, const char *klass)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (svg->missing_id_by_class, klass));
}

gboolean
it_svg_has_id (const ItSvg *svg, const char *klass, const char *id)
{
  GHashTable *ids = g_hash_table_lookup (svg->ids_by_class, klass);
  return ids && g_hash_table_contains (ids, id);
}
