/* test-render-names.c: shortest unique display names (render-names.h),
 * and that every view labels its actors with them. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "render-names.h"
#include "render-text.h"
#include "render-view.h"
#include "test-ingest-common.h"

static void
check (const char *const *names, const char *const *want)
{
  guint n = g_strv_length ((char **) names);
  g_auto(GStrv) got = render_names_shorten (names, n);

  assert_int_equal (g_strv_length (got), n);
  for (guint i = 0; i < n; i++)
    assert_string_equal (got[i], want[i]);
}

static void
test_paths (void **state)
{
  /* Seven actors named "db" no longer read the same. */
  const char *names[] = { "/user/a/db", "/user/b/db", "/user/c", "/sys/a/db", NULL };
  const char *want[] = { "user/a/db", "b/db", "c", "sys/a/db", NULL };
  const char *glob[] = { "/user/workers/*", "/user", NULL };
  const char *glob_want[] = { "workers/*", "user", NULL };

  check (names, want);
  check (glob, glob_want);
}

static void
test_dotted (void **state)
{
  /* Two queues cut to "org.xen.xapi…" are told apart. */
  const char *names[] = { "org.xen.xapi.storage.gfs2", "org.xen.xapi.storage.nfs",
                          "org.xen.xapi.xenops.classic", "a.x.db", "b.x.db", NULL };
  const char *want[] = { "…storage.gfs2", "…storage.nfs", "…xenops.classic", "a.x.db", "b.x.db", NULL };

  check (names, want);
}

static void
test_whole (void **state)
{
  const char *names[] = { "xapi:15859", "10.0.0.1", "v1.2", "a</b>", "", "same", "same", NULL };
  const char *want[] = { "xapi:15859", "10.0.0.1", "v1.2", "a</b>", "?", "same", "same", NULL };

  check (names, want);
}

/* Distinct names always get distinct display names, however they nest. */
static void
test_unique (void **state)
{
  const char *names[] = { "/a/db", "/b/a/db", "/c/b/a/db", "/db", "/a/db/", NULL };
  guint n = g_strv_length ((char **) names);
  g_auto(GStrv) got = render_names_shorten (names, n);

  for (guint i = 0; i < n; i++)
    for (guint j = i + 1; j < n; j++)
      if (strcmp (names[i], names[j]) != 0 && !(i == 0 && j == 4))
        assert_string_not_equal (got[i], got[j]);
}

/* The views label with them: two "db" actors are "a/db" and "b/db" in the
 * graph, the sequence chart and the timeline. */
static void
test_views_use_them (void **state)
{
  static const char trace[] =
    "{\"ts\":1,\"ev\":\"send\",\"actor\":\"/user/api\",\"to\":\"/user/a/db\",\"id\":1}\n"
    "{\"ts\":2,\"ev\":\"recv\",\"actor\":\"/user/a/db\",\"id\":1}\n"
    "{\"ts\":3,\"ev\":\"send\",\"actor\":\"/user/api\",\"to\":\"/user/b/db\",\"id\":2}\n"
    "{\"ts\":4,\"ev\":\"recv\",\"actor\":\"/user/b/db\",\"id\":2}\n";
  g_autoptr(IngestStore) store = test_ingest_parse (trace, strlen (trace), 0, NULL, NULL, NULL);
  IngestViewSpec spec = { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX };

  assert_non_null (store);
  for (guint k = 0; k < RENDER_VIEW_N_KINDS; k++)
    {
      RenderViewRequest req = { .kind = k, .spec = &spec, .keep_svg = TRUE };
      g_auto(RenderViewResult) res = { 0 };

      req.layout.width = 900;
      req.layout.height = 600;
      assert_true (render_view_build (store, &req, &res, NULL));
      assert_non_null (res.svg);
      assert_non_null (strstr (res.svg->str, ">a/db<"));
      assert_non_null (strstr (res.svg->str, ">b/db<"));
    }
}

/* A label too long for its room keeps its end, where names differ. */
static void
test_ellipsize_start (void **state)
{
  RenderFont *font = render_font_new (NULL, 12, 400);
  double w = 0;
  g_autofree char *whole = render_font_ellipsize_start (font, "…storage.nfs", 1000, &w);
  g_autofree char *cut = render_font_ellipsize_start (font, "org.xen.xapi.storage.nfs", 60, &w);

  assert_string_equal (whole, "…storage.nfs");
  assert_true (g_str_has_prefix (cut, "…"));
  assert_true (g_str_has_suffix (cut, "nfs"));
  assert_true (w <= 60);
  render_font_free (font);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_paths),
    cmocka_unit_test (test_dotted),
    cmocka_unit_test (test_whole),
    cmocka_unit_test (test_unique),
    cmocka_unit_test (test_views_use_them),
    cmocka_unit_test (test_ellipsize_start),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
