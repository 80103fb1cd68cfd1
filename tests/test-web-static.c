/* test-web-static.c: static file resolution can't escape its root; token
 * and Origin checks. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <unistd.h>

#include "web-auth.h"
#include "web-protocol.h"
#include "web-static.h"
#include "test-util.h"

typedef struct {
  char *dir;      /* temp dir */
  char *root;     /* dir/static (real path) */
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  g_autofree char *static_dir = NULL, *secret = NULL, *link = NULL, *sub = NULL;

  f->dir = test_tmpdir_new ("actorscope-web-static-XXXXXX");
  static_dir = g_build_filename (f->dir, "static", NULL);
  sub = g_build_filename (static_dir, "sub", NULL);
  g_mkdir_with_parents (sub, 0700);
  g_autofree char *index = g_build_filename (static_dir, "index.html", NULL);
  g_autofree char *css = g_build_filename (sub, "app.css", NULL);
  g_autofree char *hidden = g_build_filename (static_dir, ".hidden", NULL);
  g_file_set_contents (index, "<html></html>", -1, NULL);
  g_file_set_contents (css, "body{}", -1, NULL);
  g_file_set_contents (hidden, "x", -1, NULL);
  secret = g_build_filename (f->dir, "secret.txt", NULL);
  g_file_set_contents (secret, "secret", -1, NULL);
  link = g_build_filename (static_dir, "escape.txt", NULL);
  assert_int_equal (symlink (secret, link), 0);
  f->root = realpath (static_dir, NULL);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  assert_true (test_tmpdir_remove (f->dir));
  free (f->root);
  g_free (f->dir);
  g_free (f);
  return 0;
}

static void
test_serves_files (void **state)
{
  Fixture *f = *state;
  const char *mime = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *p1 = web_static_resolve (f->root, "/", &mime, &error);
  g_autofree char *p2 = NULL;

  assert_non_null (p1);
  assert_true (g_str_has_suffix (p1, "/index.html"));
  assert_string_equal (mime, "text/html; charset=utf-8");
  p2 = web_static_resolve (f->root, "/sub/app.css", &mime, &error);
  assert_non_null (p2);
  assert_string_equal (mime, "text/css; charset=utf-8");
}

static void
test_traversal_refused (void **state)
{
  Fixture *f = *state;
  const char *bad[] = {
    "/../secret.txt", "/sub/../../secret.txt", "/..", "/./index.html", "/sub/./app.css",
    "/%2e%2e/secret.txt", "/sub\\..\\..\\secret.txt", "//etc/passwd", "/.hidden",
    "/escape.txt" /* symlink out of the root */, "relative.html", "/index.html\x01",
    "/sub/", "/a b",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *p = web_static_resolve (f->root, bad[i], NULL, &error);
      if (p != NULL)
        fail_msg ("served %s for %s", p, bad[i]);
      assert_non_null (error);
    }
}

static void
test_missing_is_not_found (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autofree char *p = web_static_resolve (f->root, "/nope.js", NULL, &error);

  assert_null (p);
  assert_true (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT));
}

static void
test_token (void **state)
{
  assert_true (web_auth_check_token (NULL, NULL, NULL, NULL));
  assert_false (web_auth_check_token ("s3cret", NULL, NULL, NULL));
  assert_true (web_auth_check_token ("s3cret", "Bearer s3cret", NULL, NULL));
  assert_false (web_auth_check_token ("s3cret", "Bearer s3cre", NULL, NULL));
  assert_false (web_auth_check_token ("s3cret", "Bearer s3cretX", NULL, NULL));
  assert_true (web_auth_check_token ("s3cret", NULL, "a=b; actorscope_token=s3cret", NULL));
  assert_false (web_auth_check_token ("s3cret", NULL, "xactorscope_token=s3cret", NULL));
  assert_true (web_auth_check_token ("s3cret", NULL, NULL, "x=1&token=s3cret"));
  assert_false (web_auth_check_token ("s3cret", NULL, NULL, "token=wrong"));
  assert_false (web_auth_token_equal ("", "x"));
  assert_true (web_auth_token_equal ("abc", "abc"));
}

static void
test_origin (void **state)
{
  const char *allowed[] = { "http://tools.example:3000", NULL };

  assert_true (web_auth_check_origin (NULL, "127.0.0.1:8000", NULL));
  assert_true (web_auth_check_origin ("http://127.0.0.1:8000", "127.0.0.1:8000", NULL));
  assert_false (web_auth_check_origin ("http://evil.example", "127.0.0.1:8000", NULL));
  assert_false (web_auth_check_origin ("http://127.0.0.1:8001", "127.0.0.1:8000", NULL));
  assert_true (web_auth_check_origin ("http://tools.example:3000", "127.0.0.1:8000", allowed));
  assert_true (web_auth_is_loopback ("127.0.0.1"));
  assert_true (web_auth_is_loopback ("::1"));
  assert_true (web_auth_is_loopback ("localhost"));
  assert_false (web_auth_is_loopback ("0.0.0.0"));
  assert_false (web_auth_is_loopback ("192.168.1.4"));
  assert_true (web_auth_host_header_is_loopback (NULL));
  assert_true (web_auth_host_header_is_loopback ("127.0.0.1:8000"));
  assert_true (web_auth_host_header_is_loopback ("localhost:8000"));
  assert_true (web_auth_host_header_is_loopback ("[::1]:8000"));
  assert_true (web_auth_host_header_is_loopback ("localhost"));
  assert_false (web_auth_host_header_is_loopback ("evil.example:8000"));
  assert_false (web_auth_host_header_is_loopback ("127.0.0.1.evil.example"));
  assert_false (web_auth_host_header_is_loopback ("[::1"));
}

/* An error quoting invalid UTF-8 from a trace still becomes a reply. */
static void
test_error_json_invalid_utf8 (void **state)
{
  g_autoptr(GError) error = g_error_new_literal (WEB_PROTOCOL_ERROR, WEB_PROTOCOL_ERROR_BAD_FIELD,
                                                 "bad actor \"\xff\xfe<script>\"");
  g_autofree char *text = web_protocol_error_json (error);

  assert_non_null (text);
  assert_non_null (strstr (text, "\"type\":\"error\""));
  assert_non_null (strstr (text, "<script>"));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_serves_files, setup, teardown),
    cmocka_unit_test_setup_teardown (test_traversal_refused, setup, teardown),
    cmocka_unit_test_setup_teardown (test_missing_is_not_found, setup, teardown),
    cmocka_unit_test (test_token),
    cmocka_unit_test (test_origin),
    cmocka_unit_test (test_error_json_invalid_utf8),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
