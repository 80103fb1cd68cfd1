/* test-util.h: what every test program may use: temporary folders. */
#pragma once

#include <glib.h>

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

G_END_DECLS
