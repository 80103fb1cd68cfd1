/* render-cairo.c: the cairo backend (screen, PNG, PDF). */
#include "config.h"

#include <math.h>
#include <string.h>
#include <pango/pangocairo.h>
#include <cairo-pdf.h>

#include "render-backend.h"
#include "render-cairo.h"
#include "render-text.h"

/* cairo image surfaces are limited to 32767 pixels a side. */
#define MAX_PIXELS 32767

static void
warn (const RenderCairoOptions *opt, const char *msg)
{
  if (opt && opt->warning)
    opt->warning (msg, opt->warning_data);
}

static void
set_color (cairo_t *cr, RenderColor c)
{
  cairo_set_source_rgba (cr, c.r / 255.0, c.g / 255.0, c.b / 255.0, c.a / 255.0);
}

static void
fill_stroke (cairo_t *cr, const RenderStyle *st)
{
  if (st->fill.a)
    {
      set_color (cr, st->fill);
      if (st->stroke.a)
        cairo_fill_preserve (cr);
      else
        cairo_fill (cr);
    }
  if (st->stroke.a)
    {
      set_color (cr, st->stroke);
      cairo_set_line_width (cr, st->stroke_width);
      cairo_set_dash (cr, st->dashes, (int) st->n_dashes, 0);
      cairo_stroke (cr);
    }
  cairo_new_path (cr);
}

static void
rounded_rect (cairo_t *cr, double x, double y, double w, double h, double r)
{
  r = MIN (r, MIN (w, h) / 2);
  if (r <= 0)
    {
      cairo_rectangle (cr, x, y, w, h);
      return;
    }
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

typedef struct {
  PangoLayout *layout;
  guint32 style;        /* style the layout's font was set for */
} TextState;

static void
draw_text (cairo_t *cr, const RenderScene *scene, const RenderNode *n, TextState *ts)
{
  const RenderStyle *st = render_scene_get_style (scene, n->style);
  if (st->fill.a == 0)
    return;
  if (ts->layout == NULL || ts->style != n->style)
    {
      if (ts->layout == NULL)
        ts->layout = pango_layout_new (render_text_get_context ());
      PangoFontDescription *d = render_text_font_description (st->font_family, st->font_size,
                                                              st->font_weight);
      pango_layout_set_font_description (ts->layout, d);
      pango_font_description_free (d);
      ts->style = n->style;
    }
  const char *text = n->u.text.text;
  char *clean = NULL;
  gsize len = strlen (text);
  if (!g_utf8_validate (text, len, NULL))
    text = clean = render_text_sanitize (text, len);
  pango_layout_set_text (ts->layout, text, -1);
  int w = 0;
  pango_layout_get_size (ts->layout, &w, NULL);
  double width = w / (double) PANGO_SCALE;
  int baseline = pango_layout_get_baseline (ts->layout);
  double x = n->u.text.x, y = n->u.text.y;
  if (n->u.text.anchor == RENDER_ANCHOR_MIDDLE)
    x -= width / 2;
  else if (n->u.text.anchor == RENDER_ANCHOR_END)
    x -= width;
  y += render_text_baseline_offset (n->u.text.baseline, st->font_size);
  y -= baseline / (double) PANGO_SCALE;
  set_color (cr, st->fill);
  cairo_move_to (cr, x, y);
  /* The layout lives in the shared (72 dpi) context; show it on this cr
   * without re-creating it so measurement and drawing use the same fonts. */
  pango_cairo_show_layout (cr, ts->layout);
  cairo_new_path (cr);
  g_free (clean);
}

typedef struct {
  cairo_t *cr;
  const RenderScene *scene;
  TextState ts;
  guint depth;  /* saves for clips, so nothing can pop the caller's state */
} Painter;

static void
paint_rect (gpointer self, const RenderNode *n, const RenderStyle *st)
{
  Painter *p = self;
  rounded_rect (p->cr, n->u.rect.x, n->u.rect.y, n->u.rect.w, n->u.rect.h, n->u.rect.radius);
  fill_stroke (p->cr, st);
}

static void
paint_line (gpointer self, const RenderNode *n, const RenderStyle *st)
{
  Painter *p = self;
  cairo_move_to (p->cr, n->u.line.x1, n->u.line.y1);
  cairo_line_to (p->cr, n->u.line.x2, n->u.line.y2);
  fill_stroke (p->cr, st);
}

static void
paint_circle (gpointer self, const RenderNode *n, const RenderStyle *st)
{
  Painter *p = self;
  cairo_new_sub_path (p->cr);
  cairo_arc (p->cr, n->u.circle.cx, n->u.circle.cy, n->u.circle.r, 0, 2 * G_PI);
  fill_stroke (p->cr, st);
}

static void
paint_path (gpointer self, const RenderNode *n, const RenderStyle *st)
{
  Painter *p = self;
  cairo_t *cr = p->cr;
  const double *pt = n->u.path.points;
  guint pi = 0, np = n->u.path.n_points;
  for (guint i = 0; i < n->u.path.n_ops; i++)
    {
      switch (n->u.path.ops[i])
        {
        case RENDER_PATH_MOVE:
          if (pi + 1 > np) break;
          cairo_move_to (cr, pt[2 * pi], pt[2 * pi + 1]);
          pi++;
          break;
        case RENDER_PATH_LINE:
          if (pi + 1 > np) break;
          cairo_line_to (cr, pt[2 * pi], pt[2 * pi + 1]);
          pi++;
          break;
        case RENDER_PATH_CUBIC:
          if (pi + 3 > np) break;
          cairo_curve_to (cr, pt[2 * pi], pt[2 * pi + 1], pt[2 * pi + 2], pt[2 * pi + 3],
                          pt[2 * pi + 4], pt[2 * pi + 5]);
          pi += 3;
          break;
        case RENDER_PATH_CLOSE:
          cairo_close_path (cr);
          break;
        default:
          break;
        }
    }
  fill_stroke (cr, st);
}

static void
paint_arrow (gpointer self, const RenderNode *n, const RenderStyle *st, const RenderArrowGeometry *g)
{
  Painter *p = self;
  cairo_t *cr = p->cr;
  if (st->stroke.a == 0)
    return;
  set_color (cr, st->stroke);
  cairo_set_line_width (cr, st->stroke_width);
  cairo_set_dash (cr, st->dashes, (int) st->n_dashes, 0);
  cairo_move_to (cr, n->u.arrow.x1, n->u.arrow.y1);
  if (n->u.arrow.curved)
    cairo_curve_to (cr, n->u.arrow.cx1, n->u.arrow.cy1, g->cx2, g->cy2, g->shaft_x, g->shaft_y);
  else
    cairo_line_to (cr, g->shaft_x, g->shaft_y);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  switch (n->u.arrow.head)
    {
    case RENDER_HEAD_FILLED:
      cairo_move_to (cr, g->head[0], g->head[1]);
      cairo_line_to (cr, g->head[2], g->head[3]);
      cairo_line_to (cr, g->head[4], g->head[5]);
      cairo_close_path (cr);
      cairo_fill (cr);
      break;
    case RENDER_HEAD_OPEN:
      cairo_set_line_width (cr, MAX (st->stroke_width, 1.5));
      cairo_move_to (cr, g->head[0], g->head[1]);
      cairo_line_to (cr, g->head[2], g->head[3]);
      cairo_line_to (cr, g->head[4], g->head[5]);
      cairo_stroke (cr);
      break;
    case RENDER_HEAD_CROSS:
      cairo_set_line_width (cr, MAX (st->stroke_width, 1.5));
      cairo_move_to (cr, g->head[0], g->head[1]);
      cairo_line_to (cr, g->head[2], g->head[3]);
      cairo_move_to (cr, g->head[4], g->head[5]);
      cairo_line_to (cr, g->head[4] + n->u.arrow.head_size, g->head[5] - n->u.arrow.head_size);
      cairo_stroke (cr);
      break;
    default:
      break;
    }
}

static void
paint_text (gpointer self, const RenderNode *n, const RenderStyle *st)
{
  Painter *p = self;
  (void) st;
  draw_text (p->cr, p->scene, n, &p->ts);
}

static void
paint_clip_begin (gpointer self, const RenderNode *n)
{
  Painter *p = self;
  cairo_save (p->cr);
  p->depth++;
  gboolean ok = isfinite (n->u.clip.x) && isfinite (n->u.clip.y) && isfinite (n->u.clip.w) &&
                isfinite (n->u.clip.h);
  /* a non-finite clip (the walker warned) clips everything away */
  cairo_rectangle (p->cr, ok ? n->u.clip.x : 0, ok ? n->u.clip.y : 0, ok ? n->u.clip.w : 0,
                   ok ? n->u.clip.h : 0);
  cairo_clip (p->cr);
}

static void
paint_clip_end (gpointer self)
{
  Painter *p = self;
  if (p->depth > 0)
    {
      cairo_restore (p->cr);
      p->depth--;
    }
}

/* Groups are semantic only: nothing to paint, so no group members. */
static const RenderBackend cairo_backend = {
  .clip_begin = paint_clip_begin,
  .clip_end = paint_clip_end,
  .rect = paint_rect,
  .line = paint_line,
  .circle = paint_circle,
  .path = paint_path,
  .arrow = paint_arrow,
  .text = paint_text,
};

void
render_cairo_draw (const RenderScene *scene, cairo_t *cr)
{
  g_return_if_fail (scene != NULL);
  g_return_if_fail (cr != NULL);
  render_cairo_draw_full (scene, cr, NULL);
}

void
render_cairo_draw_full (const RenderScene *scene, cairo_t *cr, const RenderCairoOptions *opt)
{
  g_return_if_fail (scene != NULL);
  g_return_if_fail (cr != NULL);
  cairo_save (cr);
  RenderColor bg = render_scene_get_background (scene);
  double sw, sh;
  render_scene_get_size (scene, &sw, &sh);
  if (bg.a)
    {
      set_color (cr, bg);
      cairo_rectangle (cr, 0, 0, sw, sh);
      cairo_fill (cr);
    }
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  Painter p = { cr, scene, { NULL, 0 }, 0 };
  render_text_lock ();
  render_backend_walk (scene, &cairo_backend, &p, opt ? opt->warning : NULL,
                       opt ? opt->warning_data : NULL);
  g_clear_object (&p.ts.layout);
  render_text_unlock ();
  while (p.depth--)
    cairo_restore (cr);
  if (cairo_status (cr) != CAIRO_STATUS_SUCCESS)
    warn (opt, cairo_status_to_string (cairo_status (cr)));
  cairo_restore (cr);
}

typedef struct {
  GOutputStream *out;
  GCancellable *cancellable;
  GError *error;
} StreamClosure;

static cairo_status_t
closure_write (void *closure, const unsigned char *data, unsigned int length)
{
  StreamClosure *c = closure;
  if (c->error)
    return CAIRO_STATUS_WRITE_ERROR;
  if (!g_output_stream_write_all (c->out, data, length, NULL, c->cancellable, &c->error))
    return CAIRO_STATUS_WRITE_ERROR;
  return CAIRO_STATUS_SUCCESS;
}

static cairo_surface_t *
make_png_surface (const RenderScene *scene, const RenderCairoOptions *opt, double *scale_out)
{
  double w, h;
  render_scene_get_size (scene, &w, &h);
  double scale = opt && opt->scale > 0 && isfinite (opt->scale) ? opt->scale : 1.0;
  double max_side = MAX (w, h) * scale;
  if (max_side > MAX_PIXELS)
    {
      scale *= MAX_PIXELS / max_side;
      warn (opt, "picture larger than 32767 pixels: PNG scaled down (use SVG or PDF for full size)");
    }
  /* Keep a huge chart from exhausting memory and time: a 28,000-pixel
   * sequence chart at 2x wanted a 1 GB surface. At most
   * RENDER_CAIRO_MAX_PNG_PIXELS (4 bytes each), and the warning says so. */
  double px = ceil (w * scale) * ceil (h * scale);
  if (px > RENDER_CAIRO_MAX_PNG_PIXELS)
    {
      double full_w = ceil (w * scale), full_h = ceil (h * scale);
      scale *= sqrt (RENDER_CAIRO_MAX_PNG_PIXELS / px);
      g_autofree char *msg = g_strdup_printf ("picture of %.0f×%.0f pixels is over the PNG cap of %.0f million "
                                              "pixels: scaled down to %.0f×%.0f (use SVG or PDF for full size)",
                                              full_w, full_h, RENDER_CAIRO_MAX_PNG_PIXELS / 1e6,
                                              floor (w * scale), floor (h * scale));
      warn (opt, msg);
    }
  *scale_out = scale;
  int pw = MAX (1, (int) ceil (w * scale)), ph = MAX (1, (int) ceil (h * scale));
  return cairo_image_surface_create (CAIRO_FORMAT_ARGB32, pw, ph);
}

static gboolean
status_error (cairo_status_t st, const char *what, GError **error)
{
  if (st == CAIRO_STATUS_SUCCESS)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", what, cairo_status_to_string (st));
  return FALSE;
}

static gboolean
draw_png (const RenderScene *scene, const RenderCairoOptions *opt, cairo_surface_t **out_surface,
          GError **error)
{
  double scale;
  cairo_surface_t *surface = make_png_surface (scene, opt, &scale);
  if (!status_error (cairo_surface_status (surface), "cannot create image", error))
    {
      cairo_surface_destroy (surface);
      return FALSE;
    }
  cairo_t *cr = cairo_create (surface);
  cairo_scale (cr, scale, scale);
  render_cairo_draw_full (scene, cr, opt);
  cairo_destroy (cr);
  *out_surface = surface;
  return TRUE;
}

/* The path variants: one stream writer into a replaced file. */
typedef gboolean (*StreamWriter) (const RenderScene *scene, GOutputStream *out,
                                  const RenderCairoOptions *opt, GCancellable *cancellable,
                                  GError **error);

static gboolean
write_to_path (StreamWriter writer, const RenderScene *scene, const char *path,
               const RenderCairoOptions *opt, GError **error)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileOutputStream) out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE,
                                                      NULL, error);
  if (!out)
    return FALSE;
  if (!writer (scene, G_OUTPUT_STREAM (out), opt, NULL, error))
    return FALSE;
  return g_output_stream_close (G_OUTPUT_STREAM (out), NULL, error);
}

gboolean
render_cairo_write_png (const RenderScene *scene, const char *path,
                        const RenderCairoOptions *opt, GError **error)
{
  g_return_val_if_fail (scene != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return write_to_path (render_cairo_write_png_stream, scene, path, opt, error);
}

gboolean
render_cairo_write_png_stream (const RenderScene *scene, GOutputStream *out,
                               const RenderCairoOptions *opt, GCancellable *cancellable,
                               GError **error)
{
  g_return_val_if_fail (scene != NULL, FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  cairo_surface_t *surface = NULL;
  if (!draw_png (scene, opt, &surface, error))
    return FALSE;
  StreamClosure c = { out, cancellable, NULL };
  cairo_status_t st = cairo_surface_write_to_png_stream (surface, closure_write, &c);
  cairo_surface_destroy (surface);
  if (c.error)
    {
      g_propagate_error (error, c.error);
      return FALSE;
    }
  return status_error (st, "cannot write PNG", error);
}

gboolean
render_cairo_write_pdf (const RenderScene *scene, const char *path,
                        const RenderCairoOptions *opt, GError **error)
{
  g_return_val_if_fail (scene != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return write_to_path (render_cairo_write_pdf_stream, scene, path, opt, error);
}

gboolean
render_cairo_write_pdf_stream (const RenderScene *scene, GOutputStream *out,
                               const RenderCairoOptions *opt, GCancellable *cancellable,
                               GError **error)
{
  g_return_val_if_fail (scene != NULL, FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (out), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  double w, h;
  render_scene_get_size (scene, &w, &h);
  /* PDF pages are limited to 14400 pt a side: scale tall charts down. */
  double scale = 1.0;
  if (MAX (w, h) > 14400)
    {
      scale = 14400 / MAX (w, h);
      warn (opt, "picture larger than a PDF page allows: scaled down");
    }
  StreamClosure c = { out, cancellable, NULL };
  cairo_surface_t *surface = cairo_pdf_surface_create_for_stream (closure_write, &c,
                                                                  MAX (1, w * scale),
                                                                  MAX (1, h * scale));
  cairo_t *cr = cairo_create (surface);
  cairo_scale (cr, scale, scale);
  render_cairo_draw_full (scene, cr, opt);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  cairo_status_t st = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  if (c.error)
    {
      g_propagate_error (error, c.error);
      return FALSE;
    }
  return status_error (st, "cannot write PDF", error);
}
