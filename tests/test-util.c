/* test-util.c: temporary folders, connecting, main-loop waits and CPU time
 * for the test programs. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>

#include "test-util.h"

char *
test_tmpdir_new (const char *tmpl)
{
  g_autoptr(GError) error = NULL;
  char *path = g_dir_make_tmp (tmpl, &error);
  if (path == NULL)
    {
      fprintf (stderr, "cannot create a temporary folder: %s\n", error->message);
      exit (99);
    }
  return path;
}

gboolean
test_tmpdir_remove (const char *path)
{
  GStatBuf st;
  gboolean ok = TRUE;

  if (path == NULL)
    return TRUE;
  if (g_lstat (path, &st) != 0)
    return errno == ENOENT;
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          if (!test_tmpdir_remove (child))
            ok = FALSE;
        }
    }
  return g_remove (path) == 0 && ok;
}

void
test_tmpdir_clear (char **path)
{
  test_tmpdir_remove (*path);
  g_clear_pointer (path, g_free);
}

static char *group_tmpdir;

int
test_tmpdir_group_setup (void **state)
{
  g_autofree char *tmpl = g_strdup_printf ("actorscope-%s-XXXXXX", program_invocation_short_name);
  g_assert (group_tmpdir == NULL);
  group_tmpdir = test_tmpdir_new (tmpl);
  return 0;
}

int
test_tmpdir_group_teardown (void **state)
{
  gboolean removed = test_tmpdir_remove (group_tmpdir);
  g_clear_pointer (&group_tmpdir, g_free);
  return removed ? 0 : -1;
}

const char *
test_tmpdir (void)
{
  g_assert (group_tmpdir != NULL);
  return group_tmpdir;
}

GSocketConnection *
test_unix_connect (const char *path, guint timeout_ms)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) addr = g_unix_socket_address_new (path);
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  do
    {
      GSocketConnection *c = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (addr), NULL, NULL);
      if (c != NULL)
        return c;
      g_usleep (20 * 1000);
    }
  while (g_get_monotonic_time () < end);
  return NULL;
}

static gboolean
spin_done_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
test_spin_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, spin_done_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

gboolean
test_wait_for (gboolean (*cond) (gpointer data), gpointer data, guint max_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) max_ms * 1000;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      test_spin_ms (10);
    }
  return TRUE;
}

double
test_thread_cpu_seconds (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}
