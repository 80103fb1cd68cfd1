/* cairo backend: PNGs are non-blank and show what was drawn where, PDFs are
 * real PDFs, limits are reported through the warning callback. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <cairo.h>
#include <valgrind/valgrind.h>

#include "test-render-common.h"
#include "render-cairo.h"
#include "test-util.h"

/* One ARGB32 pixel of a cairo image (native-endian guint32; memcpy, as
 * the byte pointer carries no alignment the compiler can see). */
static guint32
read_px (const guint8 *p)
{
  guint32 v;
  memcpy (&v, p, sizeof v);
  return v;
}

static RenderScene *
sample_scene (void)
{
  RenderScene *scene = render_scene_new (200, 100);
  render_scene_set_background (scene, render_color_rgb (0xffffff));
  render_scene_set_fill (scene, render_color_rgb (0xff0000));
  render_scene_rect (scene, 10, 10, 50, 50, 5);
  render_scene_set_fill (scene, RENDER_COLOR_NONE);
  render_scene_set_stroke (scene, render_color_rgb (0x0000ff));
  render_scene_set_stroke_width (scene, 3);
  render_scene_arrow (scene, 80, 30, 180, 30, RENDER_HEAD_FILLED, 10);
  render_scene_set_fill (scene, render_color_rgb (0x000000));
  render_scene_set_stroke (scene, RENDER_COLOR_NONE);
  render_scene_text (scene, 100, 80, "hello \xff world", RENDER_ANCHOR_START, RENDER_BASELINE_MIDDLE, -1);
  return scene;
}

static void
test_png (void **state)
{
  g_autoptr (RenderScene) scene = sample_scene ();
  g_autofree char *dir = test_tmpdir_new ("actorscope-render-cairo-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "out.png", NULL);
  g_autoptr (GError) error = NULL;
  RenderCairoOptions opt = { 2.0, NULL, NULL };
  assert_true (render_cairo_write_png (scene, path, &opt, &error));
  cairo_surface_t *img = cairo_image_surface_create_from_png (path);
  assert_int_equal (cairo_surface_status (img), CAIRO_STATUS_SUCCESS);
  assert_int_equal (cairo_image_surface_get_width (img), 400);
  assert_int_equal (cairo_image_surface_get_height (img), 200);
  cairo_surface_flush (img);
  const guint8 *data = cairo_image_surface_get_data (img);
  int stride = cairo_image_surface_get_stride (img);
#define PX(x, y) (read_px (data + (y) * stride + (x) * 4))
  assert_int_equal (PX (70, 70) & 0xffffff, 0xff0000);   /* inside the red rect (scaled x2) */
  assert_int_equal (PX (390, 190) & 0xffffff, 0xffffff); /* background */
  assert_int_equal (PX (260, 60) & 0xffffff, 0x0000ff);  /* on the arrow */
  /* text drew something dark around (200..380, 150..170) */
  guint dark = 0;
  double sum = 0, sum2 = 0;
  for (int y = 0; y < 200; y++)
    for (int x = 0; x < 400; x++)
      {
        guint32 p = PX (x, y);
        double v = ((p >> 16) & 255) + ((p >> 8) & 255) + (p & 255);
        sum += v;
        sum2 += v * v;
        if (x >= 200 && y >= 140 && v < 200)
          dark++;
      }
#undef PX
  double mean = sum / (400 * 200), var = sum2 / (400 * 200) - mean * mean;
  assert_true (var > 1000);  /* not blank */
  assert_true (dark > 50);
  cairo_surface_destroy (img);
  test_tmpdir_remove (dir);
}

static void
test_pdf_and_streams (void **state)
{
  g_autoptr (RenderScene) scene = sample_scene ();
  g_autoptr (GOutputStream) mem = g_memory_output_stream_new_resizable ();
  g_autoptr (GError) error = NULL;
  assert_true (render_cairo_write_pdf_stream (scene, mem, NULL, NULL, &error));
  g_output_stream_close (mem, NULL, NULL);
  gsize size = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (mem));
  const char *data = g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (mem));
  assert_true (size > 500);
  assert_memory_equal (data, "%PDF", 4);

  g_autoptr (GOutputStream) mem2 = g_memory_output_stream_new_resizable ();
  assert_true (render_cairo_write_png_stream (scene, mem2, NULL, NULL, &error));
  g_output_stream_close (mem2, NULL, NULL);
  data = g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (mem2));
  assert_memory_equal (data, "\x89PNG", 4);

  /* a path that can't be written is an error, not a crash */
  assert_false (render_cairo_write_pdf (scene, "/nonexistent-dir/x.pdf", NULL, &error));
  assert_non_null (error);
}

static void
count_warning (const char *message, gpointer data)
{
  (*(int *) data)++;
}

static void
test_limits_warn (void **state)
{
  /* Taller than cairo's image limit: scaled down, with a warning. */
  g_autoptr (RenderScene) scene = render_scene_new (100, 100000);
  render_scene_set_fill (scene, render_color_rgb (0));
  render_scene_rect (scene, 0, 0, 100, 100000, 0);
  render_scene_rect (scene, NAN, 0, 1, 1, 0);
  int warnings = 0;
  RenderCairoOptions opt = { 1.0, count_warning, &warnings };
  g_autoptr (GOutputStream) mem = g_memory_output_stream_new_resizable ();
  assert_true (render_cairo_write_png_stream (scene, mem, &opt, NULL, NULL));
  assert_true (warnings >= 2);
}

static void
keep_warning (const char *message, gpointer data)
{
  g_free (*(char **) data);
  *(char **) data = g_strdup (message);
}

/* A huge chart (2000 × 30000, 60 Mpixel) is capped to
 * RENDER_CAIRO_MAX_PNG_PIXELS, and the warning says so with the sizes. */
static void
test_png_pixel_cap (void **state)
{
  /* Under valgrind (the CI's memcheck pass) the capped picture's ~32
   * Mpixel fill and deflate take 20-30 s and walk the same code as
   * test_png at a larger size: skipped there (before anything is
   * allocated: skip() leaves the function); the normal build checks the
   * cap and the ASan + UBSan build checks its memory. */
  if (RUNNING_ON_VALGRIND)
    skip ();

  g_autoptr (RenderScene) scene = render_scene_new (2000, 30000);
  g_autofree char *message = NULL;
  RenderCairoOptions opt = { 1.0, keep_warning, &message };
  g_autoptr (GOutputStream) mem = g_memory_output_stream_new_resizable ();
  const guint8 *png;
  guint32 w, h;

  render_scene_set_fill (scene, render_color_rgb (0x336699));
  render_scene_rect (scene, 0, 0, 2000, 30000, 0);
  assert_true (render_cairo_write_png_stream (scene, mem, &opt, NULL, NULL));
  assert_non_null (message);
  assert_non_null (strstr (message, "2000×30000"));
  assert_non_null (strstr (message, "PNG cap"));
  png = g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (mem));
  w = (guint32) png[16] << 24 | (guint32) png[17] << 16 | (guint32) png[18] << 8 | png[19];
  h = (guint32) png[20] << 24 | (guint32) png[21] << 16 | (guint32) png[22] << 8 | png[23];
  assert_true ((double) w * h <= RENDER_CAIRO_MAX_PNG_PIXELS * 1.01);
  assert_true (h > w * 14 && h < w * 16);  /* the shape is kept */
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_png),
    cmocka_unit_test (test_pdf_and_streams),
    cmocka_unit_test (test_limits_warn),
    cmocka_unit_test (test_png_pixel_cap),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
