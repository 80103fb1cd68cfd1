/* test-util-tmpdir.c: the tests' temporary folders are made empty and
 * removed whole, links and all, without touching what a link points to. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include <cmocka.h>

#include "test-util.h"

static void
test_new_and_remove_tree (void **state)
{
  g_autofree char *outside = test_tmpdir_new ("test-util-outside-XXXXXX");
  g_autofree char *kept = g_build_filename (outside, "kept.txt", NULL);
  char *dir = test_tmpdir_new ("test-util-XXXXXX");
  g_autofree char *sub = g_build_filename (dir, "a", "b", NULL);
  g_autofree char *file = g_build_filename (sub, "f.txt", NULL);
  g_autofree char *link = g_build_filename (dir, "a", "to-outside", NULL);

  assert_true (g_file_test (dir, G_FILE_TEST_IS_DIR));
  assert_int_equal (g_mkdir_with_parents (sub, 0700), 0);
  assert_true (g_file_set_contents (file, "x", -1, NULL));
  assert_true (g_file_set_contents (kept, "y", -1, NULL));
  assert_int_equal (symlink (outside, link), 0);

  test_tmpdir_clear (&dir);
  assert_null (dir);
  assert_false (g_file_test (sub, G_FILE_TEST_EXISTS));
  assert_true (g_file_test (kept, G_FILE_TEST_IS_REGULAR));

  assert_true (test_tmpdir_remove (outside));
  assert_false (g_file_test (outside, G_FILE_TEST_EXISTS));
  assert_true (test_tmpdir_remove (outside)); /* already gone */
  assert_true (test_tmpdir_remove (NULL));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_new_and_remove_tree),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
