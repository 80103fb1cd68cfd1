/* test-util.h: what every test program may use: temporary folders,
 * connecting to a service that is still starting, and running the main
 * loop for a while or until a condition holds. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Makes a new empty folder from tmpl, a base name ending in XXXXXX, in
 * g_get_tmp_dir() (g_dir_make_tmp()). Returns its path, owned by the
 * caller. Never NULL: without a folder the program cannot test anything, so
 * it says why and exits with 99 (meson test: an error, not a failure). */
char *test_tmpdir_new (const char *tmpl);

/* Removes path and everything below it, without following symbolic links
 * (a link goes, not what it points to). NULL or a missing path is nothing
 * to do. Returns FALSE when something could not be removed. */
gboolean test_tmpdir_remove (const char *path);

/* test_tmpdir_remove (*path), then frees *path and sets it to NULL: the
 * teardown of a folder kept in a variable. */
void test_tmpdir_clear (char **path);

/* cmocka group fixtures for a program whose tests share one folder:
 * test_tmpdir_group_setup makes it (named after the program), test_tmpdir()
 * returns its path (borrowed) until test_tmpdir_group_teardown removes it.
 * The state argument is not used. */
int test_tmpdir_group_setup (void **state);
int test_tmpdir_group_teardown (void **state);
const char *test_tmpdir (void);

/* Connects to the unix socket at path, retrying every 20 ms while the
 * service behind it starts, for at most timeout_ms. Returns the connection
 * (owned by the caller) or NULL when the socket never answered. */
GSocketConnection *test_unix_connect (const char *path, guint timeout_ms);

/* Runs the default main context for ms milliseconds: lets GTK lay out and
 * draw, and timeouts and idle sources fire. */
void test_spin_ms (guint ms);

/* Runs the default main context until cond (data) holds, looking every
 * 10 ms, for at most max_ms: a wait for a condition instead of a fixed
 * time, so a loaded CI machine gets the time it needs and an idle one does
 * not wait at all. Returns FALSE if cond is still false after max_ms. */
gboolean test_wait_for (gboolean (*cond) (gpointer data), gpointer data, guint max_ms);

/* CPU seconds the calling thread has used (benchmarks: what a piece of
 * work costs, whatever else the machine runs). */
double test_thread_cpu_seconds (void);

G_END_DECLS
