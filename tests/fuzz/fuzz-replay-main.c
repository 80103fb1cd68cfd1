/* fuzz-replay-main.c: runs a fuzz target without libFuzzer.
 *
 *   fuzz-replay-TARGET PATH...
 *
 * Each PATH is a file (one input) or a directory (every regular file in it,
 * in name order). Every input goes through LLVMFuzzerTestOneInput; an
 * invariant failure aborts, so a regression fails the test. Built with the
 * project's normal compiler (gcc) and registered in the unit suite, so the
 * seed corpora and the saved crash inputs replay in every build (ASan,
 * valgrind). Prints "N passed, 0 failed" at the end. */
#include "config.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "fuzz-common.h"

static guint n_run;

static void
run_file (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;

  if (!g_file_get_contents (path, &contents, &len, &error))
    {
      fprintf (stderr, "fuzz-replay: %s\n", error->message);
      exit (1);
    }
  fprintf (stderr, "fuzz-replay: %s (%" G_GSIZE_FORMAT " bytes)\n", path, len);
  /* A copy of exactly len bytes, so ASan catches reads past the input. */
  {
    guint8 *copy = g_malloc (len > 0 ? len : 1);
    memcpy (copy, contents, len);
    LLVMFuzzerTestOneInput (copy, len);
    g_free (copy);
  }
  n_run++;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static void
run_path (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      run_file (path);
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  if (dir == NULL)
    {
      fprintf (stderr, "fuzz-replay: cannot open %s\n", path);
      exit (1);
    }
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    if (g_file_test (names->pdata[i], G_FILE_TEST_IS_REGULAR))
      run_file (names->pdata[i]);
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: %s FILE-OR-DIR...\n", argv[0]);
      return 2;
    }
  for (int i = 1; i < argc; i++)
    run_path (argv[i]);
  if (n_run == 0)
    {
      fprintf (stderr, "fuzz-replay: no input found\n");
      return 1;
    }
  printf ("%u passed, 0 failed\n", n_run);
  return 0;
}
