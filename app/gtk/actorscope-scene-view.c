/* actorscope-scene-view.c: one view of a document, drawn from a RenderScene.
 *
 * Data flow: (document, kind, window, filter, theme) -> ingest view ->
 * render layout -> RenderScene, built by the builder's worker
 * (actorscope-scene-builder.c) outside of drawing, rasterised by a picture
 * worker (actorscope-scene-raster.c). snapshot() only transforms and
 * paints. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "actorscope-scene-view.h"
#include "actorscope-scene-builder.h"
#include "actorscope-scene-raster.h"
#include "ingest-matcher.h"
#include "ingest-view.h"
#include "render-ticks.h"
#include "render-cairo.h"

#include <pango/pangocairo.h>

#define MIN_SPAN_NS 1000          /* do not zoom the time axis below 1 µs */
#define MIN_ZOOM 0.02
#define MAX_ZOOM 40.0
/* Sequence "fit width" stops here: below it labels are unreadable, and a
 * horizontal pan is the better deal. */
#define MIN_FIT_ZOOM 0.7
#define REBUILD_DELAY_MS 40       /* coalesce a burst of zoom/pan events */

struct _ActorscopeSceneView {
  GtkWidget parent_instance;

  ActorscopeDocument *document;
  gulong changed_handler;
  RenderViewKind kind;
  char *filter_error;
  gboolean dark;
  ActorscopeSession *session;     /* window, area, cursor, filter, groups */
  gulong session_handler;
  guint window_delay_ms;          /* how soon a window change of ours rebuilds */

  ActorscopeSceneBuilder *builder;
  ActorscopeSceneRef *scene_ref;  /* shared with picture workers */
  RenderScene *scene;             /* scene_ref->scene, borrowed */
  RenderViewKind scene_kind;  /* what the current scene shows */
  double scene_w, scene_h;
  gint64 scene_from, scene_to;    /* effective window the scene shows */
  RenderTimeAxis axis;            /* timeline: where time lies in scene x; the
                                     scene's own time labels end at axis.height */
  GArray *rows;                   /* sequence: RenderRowTime of the scene's rows
                                     (owned), else NULL */
  int built_width;                /* widget width the scene was laid out for */
  double build_ms;
  /* Graph: the node positions of the scene shown and what they were laid
   * out for (filter, groups, threads, canvas size); a build for the same
   * starts from them, so nodes hold still while the cursor or the data
   * moves and only a change of the node set moves them. */
  RenderGraphPositions *positions;
  char *positions_key;
  ActorscopeWindowFigures *figures; /* replaying: every actor over the scene's window */

  /* widget = scene * (sx, sy) + (ox, oy) */
  double sx, sy, ox, oy;
  gboolean fitted;                /* graph: keep fitting on resize until the user zooms;
                                     sequence: keep fitting the width */
  gboolean reset_scroll;          /* scroll to the top when the next scene arrives */

  gboolean disposed;

  /* see "the picture" below */
  GskRenderNode *picture;         /* the rasterised scene */
  double pic_sx, pic_sy, pic_ox, pic_oy, pic_mx, pic_my;
  int pic_w, pic_h, pic_scale;
  gboolean picture_frozen;
  double frozen_kx, frozen_ky, frozen_tx, frozen_ty;
  gboolean painting;              /* a picture is being drawn in a worker */
  guint scene_serial;             /* counts the scenes installed */
  guint painting_serial;          /* scene_serial of the picture being drawn */
  guint pic_serial;               /* scene_serial of the picture shown */
  guint picture_id;
  double picture_ms;

  char *sel_class, *sel_id;
  gboolean sel_bounds_valid;
  double sel_x0, sel_y0, sel_x1, sel_y1;


  /* gestures */
  double drag_ox, drag_oy;
  gint64 drag_from, drag_to;
  gboolean drag_area;
  gboolean drag_has_area;         /* the area being dragged, until it is selected */
  gint64 drag_area_from, drag_area_to;
  double drag_start_x;
  double pinch_last;
};

G_DEFINE_FINAL_TYPE (ActorscopeSceneView, actorscope_scene_view, GTK_TYPE_WIDGET)

enum { ITEM_ACTIVATED, AREA_SELECTED, WINDOW_CHANGED, SCENE_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void params_changed (ActorscopeSceneView *self, guint delay_ms);
static void drop_picture (ActorscopeSceneView *self);


/* ---- geometry helpers ---- */

static void
scene_to_widget (ActorscopeSceneView *self, double x, double y, double *wx, double *wy)
{
  *wx = x * self->sx + self->ox;
  *wy = y * self->sy + self->oy;
}

static void
widget_to_scene (ActorscopeSceneView *self, double wx, double wy, double *x, double *y)
{
  *x = (wx - self->ox) / self->sx;
  *y = (wy - self->oy) / self->sy;
}

/* Timeline: the height of the scene's own time labels, kept above the top
 * edge (the window's ruler shows the time axis instead). */
static double
axis_height (ActorscopeSceneView *self)
{
  return self->scene_kind == RENDER_VIEW_TIMELINE && self->axis.valid ? self->axis.height : 0;
}

static void
update_selection_bounds (ActorscopeSceneView *self)
{
  const RenderNode *g = render_scene_find_group (self->scene, self->sel_class, self->sel_id);
  double b[4];

  self->sel_bounds_valid = g != NULL && render_scene_group_bounds (self->scene, g, b);
  if (self->sel_bounds_valid)
    {
      self->sel_x0 = b[0]; self->sel_y0 = b[1];
      self->sel_x1 = b[2]; self->sel_y1 = b[3];
    }
}

static void
fit_graph (ActorscopeSceneView *self)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self));
  int h = gtk_widget_get_height (GTK_WIDGET (self));
  double z;

  if (self->scene == NULL || w <= 0 || h <= 0 || self->scene_w <= 0 || self->scene_h <= 0)
    return;
  z = MIN (w / self->scene_w, h / self->scene_h);
  z = CLAMP (z, MIN_ZOOM, MAX_ZOOM);
  self->sx = self->sy = z;
  self->ox = (w - self->scene_w * z) / 2;
  self->oy = (h - self->scene_h * z) / 2;
}

/* What a graph layout's positions depend on besides time: the same key,
 * the same place for each node. Owned. */
static char *
layout_key (const ActorscopeSceneBuild *job)
{
  g_autofree char *groups = job->groups != NULL ? g_strjoinv ("\x1f", job->groups) : NULL;

  return g_strdup_printf ("%s\x1e%s\x1e%d\x1e%.0fx%.0f", job->pattern ? job->pattern : "",
                          groups ? groups : "", job->expand_threads, job->width, job->height);
}

/* The current parameters as a build; width/height 0 = the widget's. */
static ActorscopeSceneBuild *
build_new (ActorscopeSceneView *self, double width, double height)
{
  ActorscopeSceneBuild *job;
  int w = gtk_widget_get_width (GTK_WIDGET (self));
  int h = gtk_widget_get_height (GTK_WIDGET (self));

  if (self->document == NULL)
    return NULL;
  if (w <= 0) w = 1000;
  if (h <= 0) h = 700;
  job = actorscope_scene_build_new (self->document);
  job->kind = self->kind;
  job->pattern = ingest_matcher_pattern_from_search (actorscope_session_get_filter (self->session));
  job->groups = g_strdupv ((char **) actorscope_session_get_groups (self->session));
  job->expand_threads = actorscope_session_get_expand_threads (self->session);
  actorscope_session_get_window (self->session, &job->from_ns, &job->to_ns);
  job->to_ns = MIN (job->to_ns, actorscope_session_get_cursor (self->session));
  job->dark = self->dark;
  job->widget_w = w;
  /* The graph is laid out at a fixed aspect and fitted; the time views are
   * laid out at the widget's width so text is never stretched. */
  job->width = width > 0 ? width : MAX (w, 400);
  job->height = height > 0 ? height : self->kind == RENDER_VIEW_GRAPH ? MAX (h, 300) : 0;
  job->fill_height = self->kind == RENDER_VIEW_TIMELINE && height <= 0 ? h : 0;
  if (self->kind == RENDER_VIEW_GRAPH && self->positions != NULL)
    {
      g_autofree char *key = layout_key (job);

      if (g_strcmp0 (key, self->positions_key) == 0)
        job->previous = render_graph_positions_copy (self->positions);
    }
  return job;
}

static ActorscopeSceneBuild *
request_build (gpointer user_data)
{
  ActorscopeSceneView *self = user_data;
  ActorscopeSceneBuild *job = build_new (self, 0, 0);

  /* Replaying: the tree and the details pane show the same window. */
  if (job != NULL)
    job->want_figures = actorscope_session_get_cursor (self->session) != INGEST_TIME_MAX;
  return job;
}

/* Shows a finished build (main thread). */
static void
install_build (ActorscopeSceneBuild *job, gpointer user_data)
{
  ActorscopeSceneView *self = user_data;
  int w = gtk_widget_get_width (GTK_WIDGET (self));
  int h = gtk_widget_get_height (GTK_WIDGET (self));

  self->build_ms = job->build_ms;
  g_clear_pointer (&self->filter_error, g_free);
  g_clear_pointer (&self->figures, actorscope_window_figures_unref);
  self->figures = g_steal_pointer (&job->figures);
  if (job->scene == NULL)
    {
      self->filter_error = g_strdup (job->error ? job->error->message : _("Could not build the view"));
      g_signal_emit (self, signals[SCENE_CHANGED], 0);
      return;
    }
  if (w <= 0) w = job->widget_w;
  if (h <= 0) h = 700;

  drop_picture (self);
  self->scene_serial++;
  g_clear_pointer (&self->scene_ref, actorscope_scene_ref_unref);
  self->scene_ref = actorscope_scene_ref_new (g_steal_pointer (&job->scene));
  self->scene = self->scene_ref->scene;
  self->scene_kind = job->kind;
  render_scene_get_size (self->scene, &self->scene_w, &self->scene_h);
  self->scene_from = job->scene_from;
  self->scene_to = job->scene_to;
  self->built_width = job->widget_w;
  self->axis = job->axis;
  g_clear_pointer (&self->rows, g_array_unref);
  self->rows = g_steal_pointer (&job->rows);
  if (job->positions != NULL)
    {
      g_clear_pointer (&self->positions, render_graph_positions_free);
      g_free (self->positions_key);
      self->positions = g_steal_pointer (&job->positions);
      self->positions_key = layout_key (job);
    }
  update_selection_bounds (self);

  if (self->reset_scroll)
    {
      self->sx = self->sy = 1;
      self->ox = self->oy = 0;
      self->reset_scroll = FALSE;
    }
  if (job->kind == RENDER_VIEW_GRAPH)
    {
      if (self->fitted)
        fit_graph (self);
    }
  else if (job->kind == RENDER_VIEW_SEQUENCE)
    {
      /* Fit the width on open (lanes can be wider than the pane); after
       * that the user's zoom is kept. */
      if (self->fitted)
        {
          self->sx = self->sy = CLAMP (MIN (1.0, w / MAX (1.0, self->scene_w)), MIN_FIT_ZOOM, MAX_ZOOM);
          self->ox = MAX (0, (w - self->scene_w * self->sx) / 2);
        }
      self->oy = CLAMP (self->oy, MIN (0, h - self->scene_h * self->sy), 0);
      /* Replaying: time runs down the chart and the scene ends at the
       * cursor, so keep its bottom (the newest message) in view. */
      if (actorscope_session_get_cursor (self->session) != INGEST_TIME_MAX)
        self->oy = MIN (0, h - self->scene_h * self->sy);
    }
  else
    {
      /* Timeline: x is laid out for this width; keep the vertical scroll
       * within the new height, and the scene's own time labels above the
       * top edge: the window's ruler shows the time axis (it stays put
       * while lanes scroll and follows zooms at once). */
      self->sx = (double) w / MAX (1, self->built_width);
      self->sy = 1.0;
      self->ox = 0;
      self->oy = CLAMP (self->oy, MIN (-axis_height (self), h - self->scene_h), -axis_height (self));
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[SCENE_CHANGED], 0);
  g_signal_emit (self, signals[WINDOW_CHANGED], 0);
}

/* ---- drawing ---- */

static void
draw_overlay (ActorscopeSceneView *self, cairo_t *cr, int width, int height)
{
  GdkRGBA accent = { 0.21, 0.52, 0.89, 1.0 };
  gint64 area_from = 0, area_to = 0;
  gint64 cursor_ns = actorscope_session_get_cursor (self->session);

  if (self->sel_bounds_valid)
    {
      double x0, y0, x1, y1;

      scene_to_widget (self, self->sel_x0, self->sel_y0, &x0, &y0);
      scene_to_widget (self, self->sel_x1, self->sel_y1, &x1, &y1);
      cairo_save (cr);
      cairo_set_line_width (cr, 2.0);
      cairo_set_source_rgba (cr, accent.red, accent.green, accent.blue, 0.9);
      cairo_rectangle (cr, floor (x0) - 3.5, floor (y0) - 3.5, ceil (x1 - x0) + 7, ceil (y1 - y0) + 7);
      cairo_stroke_preserve (cr);
      cairo_set_source_rgba (cr, accent.red, accent.green, accent.blue, 0.12);
      cairo_fill (cr);
      cairo_restore (cr);
    }

  if (self->drag_area ? self->drag_has_area
                      : actorscope_session_get_area (self->session, &area_from, &area_to))
    {
      double x0, x1;

      if (self->drag_area)
        {
          area_from = self->drag_area_from;
          area_to = self->drag_area_to;
        }
      if (actorscope_scene_view_time_to_x (self, area_from, &x0) &&
          actorscope_scene_view_time_to_x (self, area_to, &x1))
        {
          cairo_save (cr);
          cairo_set_source_rgba (cr, accent.red, accent.green, accent.blue, 0.15);
          cairo_rectangle (cr, x0, 0, x1 - x0, height);
          cairo_fill (cr);
          cairo_set_source_rgba (cr, accent.red, accent.green, accent.blue, 0.8);
          cairo_set_line_width (cr, 1);
          cairo_move_to (cr, floor (x0) + 0.5, 0);
          cairo_line_to (cr, floor (x0) + 0.5, height);
          cairo_move_to (cr, floor (x1) + 0.5, 0);
          cairo_line_to (cr, floor (x1) + 0.5, height);
          cairo_stroke (cr);
          cairo_restore (cr);
        }
    }

  if (cursor_ns != INGEST_TIME_MAX)
    {
      double x;

      if (actorscope_scene_view_time_to_x (self, cursor_ns, &x))
        {
          cairo_save (cr);
          cairo_set_source_rgba (cr, 0.88, 0.11, 0.14, 0.9);
          cairo_set_line_width (cr, 2);
          cairo_move_to (cr, x, 0);
          cairo_line_to (cr, x, height);
          cairo_stroke (cr);
          cairo_restore (cr);
        }
    }
}

/* ---- the sequence chart's sticky lane headers and ruler ----
 *
 * Zoomed out to fit, the chart's own text is a few pixels high; scrolled,
 * its headers and times leave the screen. The names and times are read
 * from the scene (the first header's actor groups, the axis group) and
 * drawn again over the picture, at 9 pt, in a band along the top and a
 * strip along the left edge. */

#define STICKY_FONT_PX 12.0   /* 9 pt at 96 dpi */
#define RULER_MIN_GAP_PX 16.0
#define RULER_ROW_GAP_PX (STICKY_FONT_PX * 3)

/* The ruler from the rows' own times: every row has one, so zoomed in the
 * ruler labels as many rows as fit a label apart (the chart's own axis
 * labels every 5th row, which leaves a zoomed screen with one time or
 * none). Digits follow the labelled rows' typical spacing; a label equal
 * to the one above is left out. */
static void
ruler_from_rows (ActorscopeSceneView *self, int height, GArray *out)
{
  g_autoptr(GArray) picked = g_array_new (FALSE, FALSE, sizeof (guint));
  double last_y = -G_MAXDOUBLE;
  gint64 step = 1000;
  char last[48] = "", tb[48];

  for (guint i = 0; i < self->rows->len; i++)
    {
      const RenderRowTime *r = &g_array_index (self->rows, RenderRowTime, i);
      double y = r->y * self->sy + self->oy;
      if (y < ACTORSCOPE_STICKY_BAND_PX + STICKY_FONT_PX / 2 || y > height - STICKY_FONT_PX / 2
          || y - last_y < RULER_ROW_GAP_PX)
        continue;
      g_array_append_val (picked, i);
      last_y = y;
    }
  if (picked->len > 1)
    {
      gint64 t0 = g_array_index (self->rows, RenderRowTime, g_array_index (picked, guint, 0)).t_ns;
      gint64 t1 = g_array_index (self->rows, RenderRowTime,
                                 g_array_index (picked, guint, picked->len - 1)).t_ns;
      double gap = render_ticks_diff (t0, t1) / (picked->len - 1);
      while (step < G_GINT64_CONSTANT (1000000000) && step * 10 <= gap)
        step *= 10;
    }
  for (guint k = 0; k < picked->len; k++)
    {
      const RenderRowTime *r = &g_array_index (self->rows, RenderRowTime, g_array_index (picked, guint, k));
      render_ticks_format_time (r->t_ns, step, g_array_index (self->rows, RenderRowTime, 0).t_ns,
                                tb, sizeof tb);
      if (strcmp (tb, last) == 0)
        continue;
      g_strlcpy (last, tb, sizeof last);
      ActorscopeStickyLabel l = { 0 };
      l.y = r->y * self->sy + self->oy;
      l.font_px = STICKY_FONT_PX;
      l.text = g_strdup (tb);
      g_array_append_val (out, l);
    }
}

static void
sticky_label_clear (gpointer data)
{
  ActorscopeStickyLabel *l = data;
  g_free (l->text);
}

GArray *
actorscope_scene_view_get_sticky_labels (ActorscopeSceneView *self)
{
  GArray *out = g_array_new (FALSE, TRUE, sizeof (ActorscopeStickyLabel));
  int height;
  guint header_depth = G_MAXUINT, actor_depth = G_MAXUINT, axis_depth = G_MAXUINT;
  gboolean header_done = FALSE;
  double last_ruler_y = -G_MAXDOUBLE;

  g_return_val_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self), out);
  g_array_set_clear_func (out, sticky_label_clear);
  if (self->scene == NULL || self->scene_kind != RENDER_VIEW_SEQUENCE)
    return out;
  height = gtk_widget_get_height (GTK_WIDGET (self));
  for (const RenderNode *n = render_scene_get_first (self->scene); n != NULL; n = n->next)
    {
      if (n->kind == RENDER_NODE_GROUP_BEGIN)
        {
          const char *klass = n->u.group.klass;
          if (header_depth == G_MAXUINT && !header_done && g_strcmp0 (klass, "header") == 0)
            header_depth = n->u.group.depth;
          else if (header_depth != G_MAXUINT && g_strcmp0 (klass, "actor") == 0)
            actor_depth = n->u.group.depth;
          else if (axis_depth == G_MAXUINT && g_strcmp0 (klass, "axis") == 0)
            axis_depth = n->u.group.depth;
          continue;
        }
      if (n->kind == RENDER_NODE_GROUP_END)
        {
          /* a group end closes the innermost open group */
          if (actor_depth != G_MAXUINT)
            actor_depth = G_MAXUINT;
          else if (header_depth != G_MAXUINT)
            {
              header_depth = G_MAXUINT;
              header_done = TRUE;
            }
          else if (axis_depth != G_MAXUINT)
            axis_depth = G_MAXUINT;
          continue;
        }
      if (n->kind != RENDER_NODE_TEXT || n->u.text.text == NULL)
        continue;
      if (actor_depth != G_MAXUINT)
        {
          ActorscopeStickyLabel l = { 0 };
          l.x = n->u.text.x * self->sx + self->ox;
          l.y = ACTORSCOPE_STICKY_BAND_PX / 2;
          l.font_px = STICKY_FONT_PX;
          l.is_lane = TRUE;
          l.text = g_strdup (n->u.text.text);
          g_array_append_val (out, l);
        }
      else if (axis_depth != G_MAXUINT && (self->rows == NULL || self->rows->len == 0))
        {
          double y = n->u.text.y * self->sy + self->oy;
          if (y < ACTORSCOPE_STICKY_BAND_PX + STICKY_FONT_PX / 2 || y > height - STICKY_FONT_PX / 2
              || y - last_ruler_y < RULER_MIN_GAP_PX)
            continue;
          ActorscopeStickyLabel l = { 0 };
          l.y = y;
          l.font_px = STICKY_FONT_PX;
          l.text = g_strdup (n->u.text.text);
          g_array_append_val (out, l);
          last_ruler_y = y;
        }
    }
  if (self->rows != NULL && self->rows->len > 0)
    ruler_from_rows (self, height, out);
  return out;
}

static void
draw_sticky (ActorscopeSceneView *self, cairo_t *cr, int width, int height)
{
  g_autoptr(GArray) labels = actorscope_scene_view_get_sticky_labels (self);
  if (labels->len == 0)
    return;
  RenderColor bg = render_scene_get_background (self->scene);
  double lum = (0.2126 * bg.r + 0.7152 * bg.g + 0.0722 * bg.b) / 255.0;
  double fg = lum > 0.5 ? 0.1 : 0.92;
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *font = pango_font_description_from_string ("Sans");
  pango_font_description_set_absolute_size (font, STICKY_FONT_PX * PANGO_SCALE);

  /* The lanes' spacing bounds each name's width. */
  double spacing = G_MAXDOUBLE, prev_x = -G_MAXDOUBLE, ruler_w = 0;
  for (guint i = 0; i < labels->len; i++)
    {
      const ActorscopeStickyLabel *l = &g_array_index (labels, ActorscopeStickyLabel, i);
      if (l->is_lane)
        {
          if (prev_x > -G_MAXDOUBLE)
            spacing = MIN (spacing, fabs (l->x - prev_x));
          prev_x = l->x;
        }
    }
  if (spacing == G_MAXDOUBLE)
    spacing = width;
  spacing = MAX (spacing - 8, 24);

  cairo_save (cr);
  /* ruler strip: as wide as its widest label */
  pango_font_description_set_weight (font, PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (layout, font);
  for (guint i = 0; i < labels->len; i++)
    {
      const ActorscopeStickyLabel *l = &g_array_index (labels, ActorscopeStickyLabel, i);
      int pw, ph;
      if (l->is_lane)
        continue;
      pango_layout_set_text (layout, l->text, -1);
      pango_layout_get_pixel_size (layout, &pw, &ph);
      ruler_w = MAX (ruler_w, pw + 12);
    }
  if (ruler_w > 0)
    {
      cairo_set_source_rgba (cr, bg.r / 255.0, bg.g / 255.0, bg.b / 255.0, 0.88);
      cairo_rectangle (cr, 0, ACTORSCOPE_STICKY_BAND_PX, ruler_w, height - ACTORSCOPE_STICKY_BAND_PX);
      cairo_fill (cr);
      cairo_set_source_rgba (cr, fg, fg, fg, 0.75);
      for (guint i = 0; i < labels->len; i++)
        {
          const ActorscopeStickyLabel *l = &g_array_index (labels, ActorscopeStickyLabel, i);
          int pw, ph;
          if (l->is_lane)
            continue;
          pango_layout_set_text (layout, l->text, -1);
          pango_layout_get_pixel_size (layout, &pw, &ph);
          cairo_move_to (cr, ruler_w - 6 - pw, l->y - ph / 2.0);
          pango_cairo_show_layout (cr, layout);
        }
    }
  /* lane header band */
  cairo_set_source_rgba (cr, bg.r / 255.0, bg.g / 255.0, bg.b / 255.0, 0.94);
  cairo_rectangle (cr, 0, 0, width, ACTORSCOPE_STICKY_BAND_PX);
  cairo_fill (cr);
  cairo_set_source_rgba (cr, fg, fg, fg, 0.25);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, 0, ACTORSCOPE_STICKY_BAND_PX - 0.5);
  cairo_line_to (cr, width, ACTORSCOPE_STICKY_BAND_PX - 0.5);
  cairo_stroke (cr);
  pango_font_description_set_weight (font, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, font);
  pango_layout_set_width (layout, (int) (spacing * PANGO_SCALE));
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_START);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  cairo_set_source_rgba (cr, fg, fg, fg, 1);
  for (guint i = 0; i < labels->len; i++)
    {
      const ActorscopeStickyLabel *l = &g_array_index (labels, ActorscopeStickyLabel, i);
      int pw, ph;
      if (!l->is_lane || l->x < -spacing || l->x > width + spacing)
        continue;
      pango_layout_set_text (layout, l->text, -1);
      pango_layout_get_pixel_size (layout, &pw, &ph);
      cairo_move_to (cr, l->x - spacing / 2, l->y - ph / 2.0);
      pango_cairo_show_layout (cr, layout);
    }
  cairo_restore (cr);
  pango_font_description_free (font);
  g_object_unref (layout);
}

void
actorscope_scene_view_draw (ActorscopeSceneView *self, cairo_t *cr, int width, int height)
{
  g_return_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self));

  if (self->scene == NULL)
    return;
  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_clip (cr);
  cairo_save (cr);
  cairo_translate (cr, self->ox, self->oy);
  cairo_scale (cr, self->sx, self->sy);
  render_cairo_draw (self->scene, cr);
  cairo_restore (cr);
  draw_sticky (self, cr, width, height);
  draw_overlay (self, cr, width, height);
  cairo_restore (cr);
}

/* ---- the picture: the scene rasterised off the UI thread ----
 *
 * (actorscope-scene-raster.c draws it.) A frame only paints the picture,
 * mapped from the transform it was drawn at to the current one (a stretch
 * while zooming, a shift while panning). When
 * the view rests at a transform the picture was not drawn for, a new one is
 * asked for (debounced); until it arrives the old one stays, stretched.
 * Culling is cairo's: the picture's clip rejects what lies outside it. */

#define PICTURE_MARGIN 0.25       /* of the widget size, on each side */
#define PICTURE_DELAY_MS 60

static void
drop_picture (ActorscopeSceneView *self)
{
  /* The old picture stays on screen, frozen where it was, until the new
   * scene's picture arrives: no blank frame between two scenes. */
  if (self->picture != NULL && !self->picture_frozen)
    {
      double kx = self->sx / self->pic_sx, ky = self->sy / self->pic_sy;

      self->frozen_kx = kx;
      self->frozen_ky = ky;
      self->frozen_tx = self->ox - (self->pic_mx + self->pic_ox) * kx;
      self->frozen_ty = self->oy - (self->pic_my + self->pic_oy) * ky;
      self->picture_frozen = TRUE;
    }
}

static void request_picture (ActorscopeSceneView *self, guint delay_ms);

static gboolean
picture_matches (ActorscopeSceneView *self)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self)), h = gtk_widget_get_height (GTK_WIDGET (self));

  return self->picture != NULL && !self->picture_frozen && self->pic_serial == self->scene_serial &&
         self->pic_sx == self->sx && self->pic_sy == self->sy &&
         self->pic_ox == self->ox && self->pic_oy == self->oy &&
         self->pic_w == w && self->pic_h == h &&
         self->pic_scale == gtk_widget_get_scale_factor (GTK_WIDGET (self));
}

static void
take_picture (ActorscopeSceneView *self, ActorscopePictureJob *job, guint serial)
{
  g_clear_pointer (&self->picture, gsk_render_node_unref);
  self->picture = g_steal_pointer (&job->node);
  self->picture_frozen = FALSE;
  self->pic_serial = serial;
  self->pic_sx = job->sx;
  self->pic_sy = job->sy;
  self->pic_ox = job->ox;
  self->pic_oy = job->oy;
  self->pic_mx = job->mx;
  self->pic_my = job->my;
  self->pic_w = (int) round (job->px_w / (double) job->scale - 2 * job->mx);
  self->pic_h = (int) round (job->px_h / (double) job->scale - 2 * job->my);
  self->pic_scale = job->scale;
  self->picture_ms = job->ms;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static ActorscopePictureJob *
picture_job_new (ActorscopeSceneView *self)
{
  return actorscope_picture_job_new (self->scene_ref, self->sx, self->sy, self->ox, self->oy,
                                     gtk_widget_get_width (GTK_WIDGET (self)),
                                     gtk_widget_get_height (GTK_WIDGET (self)),
                                     gtk_widget_get_scale_factor (GTK_WIDGET (self)),
                                     PICTURE_MARGIN);
}

static void
picture_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ActorscopeSceneView *self = ACTORSCOPE_SCENE_VIEW (source);
  ActorscopePictureJob *job = actorscope_picture_job_from_result (result);

  self->painting = FALSE;
  if (self->disposed)
    return;
  /* Any transform is fine (the frame maps it). A picture of a scene no
   * longer shown is still newer than the frozen one on screen: during a
   * replay scenes arrive faster than pictures are drawn, and dropping them
   * all would freeze the screen on the first picture. */
  if (job->ref == self->scene_ref || self->painting_serial > self->pic_serial)
    take_picture (self, job, self->painting_serial);
  if (self->scene_ref != NULL && !picture_matches (self))
    request_picture (self, PICTURE_DELAY_MS);
}

static void
start_picture (ActorscopeSceneView *self)
{
  if (self->scene_ref == NULL || self->painting || picture_matches (self))
    return;
  self->painting = TRUE;
  self->painting_serial = self->scene_serial;
  actorscope_picture_job_run_async (picture_job_new (self), self, picture_done, NULL);
}

static gboolean
picture_cb (gpointer user_data)
{
  ActorscopeSceneView *self = user_data;

  self->picture_id = 0;
  start_picture (self);
  return G_SOURCE_REMOVE;
}

static void
request_picture (ActorscopeSceneView *self, guint delay_ms)
{
  /* Each new request restarts the delay: the picture is made once the
   * gesture rests. */
  g_clear_handle_id (&self->picture_id, g_source_remove);
  if (delay_ms == 0)
    self->picture_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE + 20, picture_cb, self, NULL);
  else
    self->picture_id = g_timeout_add (delay_ms, picture_cb, self);
}

double
actorscope_scene_view_render_picture_now (ActorscopeSceneView *self)
{
  ActorscopePictureJob *job;
  double ms;

  g_return_val_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self), 0);
  if (self->scene_ref == NULL)
    return 0;
  g_clear_handle_id (&self->picture_id, g_source_remove);
  job = picture_job_new (self);
  actorscope_picture_job_run (job);
  ms = job->ms;
  take_picture (self, job, self->scene_serial);
  actorscope_picture_job_free (job);
  return ms;
}

static void
actorscope_scene_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  ActorscopeSceneView *self = ACTORSCOPE_SCENE_VIEW (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  cairo_t *cr;

  if (self->scene == NULL || w <= 0 || h <= 0)
    return;
  /* The scene's own background fills the whole widget, not only the scene
   * rectangle, so a zoomed-out picture has no odd frame around it. */
  {
    RenderColor bg = render_scene_get_background (self->scene);
    GdkRGBA rgba = { bg.r / 255.0, bg.g / 255.0, bg.b / 255.0, bg.a / 255.0 };

    if (bg.a > 0)
      gtk_snapshot_append_color (snapshot, &rgba, &GRAPHENE_RECT_INIT (0, 0, w, h));
  }
  if (!picture_matches (self))
    request_picture (self, self->picture == NULL || self->picture_frozen ? 0 : PICTURE_DELAY_MS);

  if (self->picture != NULL)
    {
      double kx, ky, tx, ty;

      if (self->picture_frozen)
        {
          kx = self->frozen_kx; ky = self->frozen_ky;
          tx = self->frozen_tx; ty = self->frozen_ty;
        }
      else
        {
          /* widget = (picture - margin - o_p) * s / s_p + o */
          kx = self->sx / self->pic_sx;
          ky = self->sy / self->pic_sy;
          tx = self->ox - (self->pic_mx + self->pic_ox) * kx;
          ty = self->oy - (self->pic_my + self->pic_oy) * ky;
        }
      if (kx == 1.0 && ky == 1.0)
        {
          /* Whole pixels: a plain copy, no resampling. */
          tx = round (tx);
          ty = round (ty);
        }
      gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (tx, ty));
      gtk_snapshot_scale (snapshot, kx, ky);
      gtk_snapshot_append_node (snapshot, self->picture);
      gtk_snapshot_restore (snapshot);
      gtk_snapshot_pop (snapshot);
    }
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  draw_sticky (self, cr, w, h);
  draw_overlay (self, cr, w, h);
  cairo_destroy (cr);
}

static void
actorscope_scene_view_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  ActorscopeSceneView *self = ACTORSCOPE_SCENE_VIEW (widget);

  if (self->scene == NULL)
    return;
  if (self->scene_kind == RENDER_VIEW_GRAPH)
    {
      if (self->fitted)
        fit_graph (self);
    }
  else if (self->scene_kind == RENDER_VIEW_TIMELINE && width != self->built_width)
    {
      /* Stretch meanwhile, re-lay out at the new width shortly. */
      self->sx = (double) width / MAX (1, self->built_width);
      params_changed (self, REBUILD_DELAY_MS * 3);
    }
  else if (self->scene_kind == RENDER_VIEW_SEQUENCE && self->fitted)
    {
      self->sx = self->sy = CLAMP (MIN (1.0, width / MAX (1.0, self->scene_w)), MIN_FIT_ZOOM, MAX_ZOOM);
      self->ox = MAX (0, (width - self->scene_w * self->sx) / 2);
      if (width != self->built_width)
        params_changed (self, REBUILD_DELAY_MS * 3);
    }
}

static void
actorscope_scene_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                               int *minimum, int *natural, int *minimum_baseline,
                               int *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 200 : 150;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 900 : 600;
}

/* ---- time axis ---- */

/* The scene has a usable time axis (a timeline with a window). */
static gboolean
has_time_axis (ActorscopeSceneView *self)
{
  return self->scene != NULL && self->scene_kind == RENDER_VIEW_TIMELINE && self->axis.valid &&
         self->axis.to_ns > self->axis.from_ns && self->axis.x1 > self->axis.x0;
}

gboolean
actorscope_scene_view_time_to_x (ActorscopeSceneView *self, gint64 t_ns, double *x)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self), FALSE);
  if (!has_time_axis (self))
    return FALSE;
  *x = render_time_axis_to_x (&self->axis, t_ns) * self->sx + self->ox;
  return TRUE;
}

gboolean
actorscope_scene_view_x_to_time (ActorscopeSceneView *self, double x, gint64 *t_ns)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self), FALSE);
  if (!has_time_axis (self))
    return FALSE;
  *t_ns = render_time_axis_to_time (&self->axis, (x - self->ox) / self->sx);
  return TRUE;
}

/* The window the user asked for, with open ends resolved against the data. */
static void
resolved_window (ActorscopeSceneView *self, gint64 *from, gint64 *to)
{
  gint64 t0 = 0, t1 = 0, want_from, want_to;

  if (self->document != NULL)
    actorscope_document_get_time_range (self->document, &t0, &t1);
  actorscope_session_get_window (self->session, &want_from, &want_to);
  *from = want_from == INGEST_TIME_MIN ? t0 : want_from;
  *to = want_to == INGEST_TIME_MAX ? t1 : want_to;
}

static void
set_window_internal (ActorscopeSceneView *self, gint64 from, gint64 to, guint delay_ms)
{
  gint64 t0 = 0, t1 = 0;

  if (from >= to)
    return;
  /* Open ends mean "all of it"; only a closed window needs clamping (and
   * must not be subtracted: MAX - MIN overflows). */
  if (from != INGEST_TIME_MIN && to != INGEST_TIME_MAX && self->document != NULL &&
      actorscope_document_get_time_range (self->document, &t0, &t1))
    {
      gint64 span = to - from;

      if (span < MIN_SPAN_NS)
        {
          gint64 mid = from + span / 2;
          from = mid - MIN_SPAN_NS / 2;
          to = from + MIN_SPAN_NS;
          span = MIN_SPAN_NS;
        }
      /* Slide back inside the data rather than showing empty space. */
      if (span >= t1 - t0)
        {
          from = INGEST_TIME_MIN;
          to = INGEST_TIME_MAX;
        }
      else if (from < t0)
        {
          from = t0;
          to = t0 + span;
        }
      else if (to > t1)
        {
          to = t1;
          from = t1 - span;
        }
    }
  /* The session's notification rebuilds (on_session_notify). */
  self->window_delay_ms = delay_ms;
  actorscope_session_set_window (self->session, from, to);
  self->window_delay_ms = 0;
}

/* ---- zoom & pan ---- */

static void
zoom_at (ActorscopeSceneView *self, double factor, double x, double y, guint delay_ms)
{
  if (self->scene == NULL || factor <= 0 || !isfinite (factor))
    return;
  if (self->scene_kind == RENDER_VIEW_TIMELINE)
    {
      gint64 t, from, to;

      if (!actorscope_scene_view_x_to_time (self, x, &t))
        return;
      resolved_window (self, &from, &to);
      t = CLAMP (t, from, to);
      /* Stretch the current picture around x at once, re-lay out later. */
      self->ox = x - (x - self->ox) * factor;
      self->sx *= factor;
      set_window_internal (self, t - (gint64) ((t - from) / factor),
                           t + (gint64) ((to - t) / factor), delay_ms);
    }
  else
    {
      double z = CLAMP (self->sx * factor, MIN_ZOOM, MAX_ZOOM);

      factor = z / self->sx;
      self->ox = x - (x - self->ox) * factor;
      self->oy = y - (y - self->oy) * factor;
      self->sx = self->sy = z;
      self->fitted = FALSE;
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
actorscope_scene_view_zoom_at (ActorscopeSceneView *self, double factor, double x, double y)
{
  g_return_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self));
  zoom_at (self, factor, x, y, REBUILD_DELAY_MS);
}

void
actorscope_scene_view_zoom (ActorscopeSceneView *self, double factor)
{
  g_return_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self));
  zoom_at (self, factor, gtk_widget_get_width (GTK_WIDGET (self)) / 2.0,
           gtk_widget_get_height (GTK_WIDGET (self)) / 2.0, REBUILD_DELAY_MS);
}

void
actorscope_scene_view_zoom_reset (ActorscopeSceneView *self)
{
  g_return_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self));
  if (self->scene_kind == RENDER_VIEW_GRAPH)
    {
      self->fitted = TRUE;
      fit_graph (self);
    }
  else if (self->scene_kind == RENDER_VIEW_SEQUENCE)
    {
      int w = gtk_widget_get_width (GTK_WIDGET (self));

      /* Back to "fit width", as on open. */
      self->fitted = TRUE;
      self->sx = self->sy = CLAMP (MIN (1.0, w / MAX (1.0, self->scene_w)), MIN_FIT_ZOOM, MAX_ZOOM);
      self->ox = MAX (0, (w - self->scene_w * self->sx) / 2);
      self->oy = 0;
    }
  else
    self->oy = -axis_height (self);
  set_window_internal (self, INGEST_TIME_MIN, INGEST_TIME_MAX, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

double
actorscope_scene_view_get_zoom (ActorscopeSceneView *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self), 1.0);
  return self->sx;
}

static void
pan_by (ActorscopeSceneView *self, double dx, double dy)
{
  int h = gtk_widget_get_height (GTK_WIDGET (self));

  if (self->scene == NULL)
    return;
  if (self->scene_kind == RENDER_VIEW_TIMELINE)
    {
      gint64 from, to, dt;
      double plot_w = (has_time_axis (self) ? self->axis.x1 - self->axis.x0 : self->scene_w) * self->sx;

      if (dx != 0 && plot_w > 0)
        {
          resolved_window (self, &from, &to);
          dt = (gint64) (-dx / plot_w * (double) (to - from));
          self->ox += dx;
          set_window_internal (self, from + dt, to + dt, REBUILD_DELAY_MS);
        }
      self->oy = CLAMP (self->oy + dy, MIN (-axis_height (self), h - self->scene_h * self->sy), -axis_height (self));
    }
  else
    {
      self->ox += dx;
      self->oy += dy;
      self->fitted = FALSE;
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
actorscope_scene_view_pan (ActorscopeSceneView *self, double dx, double dy)
{
  g_return_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self));
  pan_by (self, dx, dy);
}

static gboolean
on_scroll (GtkEventControllerScroll *controller, double dx, double dy, gpointer user_data)
{
  ActorscopeSceneView *self = user_data;
  GdkModifierType mods = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  GdkEvent *event = gtk_event_controller_get_current_event (GTK_EVENT_CONTROLLER (controller));
  double x = gtk_widget_get_width (GTK_WIDGET (self)) / 2.0, y = gtk_widget_get_height (GTK_WIDGET (self)) / 2.0;
  gboolean smooth = event && gdk_scroll_event_get_direction (event) == GDK_SCROLL_SMOOTH;
  double step = smooth ? 1.0 : 40.0;

  if (event != NULL)
    {
      double ex, ey;
      graphene_point_t p;
      GtkNative *native = gtk_widget_get_native (GTK_WIDGET (self));

      if (gdk_event_get_position (event, &ex, &ey) && native != NULL)
        {
          double nx, ny;

          gtk_native_get_surface_transform (native, &nx, &ny);
          if (gtk_widget_compute_point (GTK_WIDGET (native), GTK_WIDGET (self),
                                        &GRAPHENE_POINT_INIT (ex - nx, ey - ny), &p))
            {
              x = p.x;
              y = p.y;
            }
        }
    }

  if (mods & GDK_CONTROL_MASK)
    {
      zoom_at (self, pow (1.1, -dy * (smooth ? 0.1 : 1.0)), x, y, REBUILD_DELAY_MS);
      return TRUE;
    }
  if (mods & GDK_SHIFT_MASK)
    pan_by (self, -dy * step, -dx * step);
  else
    pan_by (self, -dx * step, -dy * step);
  return TRUE;
}

static void
on_drag_begin (GtkGestureDrag *gesture, double x, double y, gpointer user_data)
{
  ActorscopeSceneView *self = user_data;
  GdkModifierType mods = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));

  self->drag_ox = self->ox;
  self->drag_oy = self->oy;
  resolved_window (self, &self->drag_from, &self->drag_to);
  self->drag_area = (mods & GDK_SHIFT_MASK) && self->scene_kind == RENDER_VIEW_TIMELINE;
  self->drag_has_area = FALSE;
  self->drag_start_x = x;
}

static void
on_drag_update (GtkGestureDrag *gesture, double dx, double dy, gpointer user_data)
{
  ActorscopeSceneView *self = user_data;

  if (self->drag_area)
    {
      gint64 a, b;

      if (actorscope_scene_view_x_to_time (self, self->drag_start_x, &a) &&
          actorscope_scene_view_x_to_time (self, self->drag_start_x + dx, &b))
        {
          self->drag_has_area = a != b;
          self->drag_area_from = MIN (a, b);
          self->drag_area_to = MAX (a, b);
          gtk_widget_queue_draw (GTK_WIDGET (self));
        }
      return;
    }
  if (fabs (dx) < 2 && fabs (dy) < 2)
    return;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grabbing");
  /* Pan relative to where the drag started, so rebuilds mid-drag don't
   * accumulate rounding. */
  pan_by (self, (self->drag_ox + dx) - self->ox, (self->drag_oy + dy) - self->oy);
}

static void
on_drag_end (GtkGestureDrag *gesture, double dx, double dy, gpointer user_data)
{
  ActorscopeSceneView *self = user_data;

  gtk_widget_set_cursor (GTK_WIDGET (self), NULL);
  if (self->drag_area)
    {
      self->drag_area = FALSE;
      if (self->drag_has_area)
        {
          actorscope_session_set_area (self->session, self->drag_area_from, self->drag_area_to);
          g_signal_emit (self, signals[AREA_SELECTED], 0, self->drag_area_from, self->drag_area_to);
        }
      self->drag_has_area = FALSE;
    }
}

static void
on_zoom_begin (GtkGesture *gesture, GdkEventSequence *sequence, gpointer user_data)
{
  ACTORSCOPE_SCENE_VIEW (user_data)->pinch_last = 1.0;
}

static void
on_zoom_scale_changed (GtkGestureZoom *gesture, double scale, gpointer user_data)
{
  ActorscopeSceneView *self = user_data;
  double cx, cy;

  if (scale <= 0)
    return;
  if (!gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &cx, &cy))
    {
      cx = gtk_widget_get_width (GTK_WIDGET (self)) / 2.0;
      cy = gtk_widget_get_height (GTK_WIDGET (self)) / 2.0;
    }
  zoom_at (self, scale / self->pinch_last, cx, cy, REBUILD_DELAY_MS);
  self->pinch_last = scale;
}

static void
on_click_released (GtkGestureClick *gesture, int n_press, double x, double y, gpointer user_data)
{
  ActorscopeSceneView *self = user_data;
  GdkModifierType mods = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));
  double ox, oy;

  /* A drag that moved is a pan, not a click. */
  if (gtk_gesture_drag_get_offset (GTK_GESTURE_DRAG (g_object_get_data (G_OBJECT (self), "drag")), &ox, &oy) &&
      (fabs (ox) > 3 || fabs (oy) > 3))
    return;
  if (mods & GDK_SHIFT_MASK)
    return;
  gtk_widget_grab_focus (GTK_WIDGET (self));
  actorscope_scene_view_activate_at (self, x, y);
}

static gboolean
on_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip,
                  gpointer user_data)
{
  ActorscopeSceneView *self = ACTORSCOPE_SCENE_VIEW (widget);
  const RenderNode *hit;
  double sx, sy;

  if (self->scene == NULL || keyboard)
    return FALSE;
  widget_to_scene (self, x, y, &sx, &sy);
  hit = render_scene_hit_test (self->scene, sx, sy);
  if (hit == NULL || hit->u.group.title == NULL || *hit->u.group.title == '\0')
    return FALSE;
  /* Plain text: trace strings never reach markup. */
  gtk_tooltip_set_text (tooltip, hit->u.group.title);
  return TRUE;
}

static gboolean
on_key_pressed (GtkEventControllerKey *controller, guint keyval, guint keycode,
                GdkModifierType state, gpointer user_data)
{
  ActorscopeSceneView *self = user_data;

  if (state & (GDK_CONTROL_MASK | GDK_ALT_MASK))
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_Left: pan_by (self, 60, 0); return TRUE;
    case GDK_KEY_Right: pan_by (self, -60, 0); return TRUE;
    case GDK_KEY_Up: pan_by (self, 0, 60); return TRUE;
    case GDK_KEY_Down: pan_by (self, 0, -60); return TRUE;
    case GDK_KEY_plus: case GDK_KEY_KP_Add: actorscope_scene_view_zoom (self, 1.25); return TRUE;
    case GDK_KEY_minus: case GDK_KEY_KP_Subtract: actorscope_scene_view_zoom (self, 0.8); return TRUE;
    case GDK_KEY_Escape:
      actorscope_scene_view_set_area (self, 0, 0);
      actorscope_scene_view_select (self, NULL, NULL);
      g_signal_emit (self, signals[ITEM_ACTIVATED], 0, NULL, NULL, NULL);
      return TRUE;
    default: return FALSE;
    }
}

/* ---- the session ---- */

static void
on_session_notify (ActorscopeSession *session, GParamSpec *pspec, gpointer user_data)
{
  ActorscopeSceneView *self = user_data;
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "window-from") || g_str_equal (name, "window-to"))
    {
      params_changed (self, self->window_delay_ms);
      g_signal_emit (self, signals[WINDOW_CHANGED], 0);
    }
  else if (g_str_equal (name, "filter") || g_str_equal (name, "groups")
           || g_str_equal (name, "expand-threads"))
    {
      if (self->kind == RENDER_VIEW_GRAPH)
        self->fitted = TRUE;
      params_changed (self, 0);
    }
  else if (g_str_equal (name, "cursor"))
    {
      /* Not params_changed: a replay moves the cursor every frame, and a
       * build takes longer than a frame on a large trace, so invalidating
       * would drop every build and the picture would never change. A build
       * for a slightly older cursor is shown, then the newest is built. */
      actorscope_scene_builder_schedule (self->builder, 0);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  else if (g_str_has_prefix (name, "area-"))
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
actorscope_scene_view_set_session (ActorscopeSceneView *self, ActorscopeSession *session)
{
  g_autoptr(ActorscopeSession) own = NULL;

  g_return_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self));
  g_return_if_fail (session == NULL || ACTORSCOPE_IS_SESSION (session));
  if (session == NULL)
    session = own = actorscope_session_new ();
  if (self->session == session)
    return;
  if (self->session != NULL)
    g_clear_signal_handler (&self->session_handler, self->session);
  g_set_object (&self->session, session);
  self->session_handler = g_signal_connect (session, "notify", G_CALLBACK (on_session_notify), self);
  if (self->builder != NULL)
    params_changed (self, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

ActorscopeSession *
actorscope_scene_view_get_session (ActorscopeSceneView *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self), NULL);
  return self->session;
}

/* ---- public API ---- */

gboolean
actorscope_scene_view_activate_at (ActorscopeSceneView *self, double x, double y)
{
  const RenderNode *hit = NULL;
  double sx, sy;

  g_return_val_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self), FALSE);
  if (self->scene != NULL)
    {
      widget_to_scene (self, x, y, &sx, &sy);
      hit = render_scene_hit_test (self->scene, sx, sy);
    }
  if (hit == NULL)
    {
      actorscope_scene_view_select (self, NULL, NULL);
      g_signal_emit (self, signals[ITEM_ACTIVATED], 0, NULL, NULL, NULL);
      return FALSE;
    }
  actorscope_scene_view_select (self, hit->u.group.klass, hit->u.group.id);
  g_signal_emit (self, signals[ITEM_ACTIVATED], 0, hit->u.group.klass, hit->u.group.id, hit);
  return TRUE;
}

gboolean
actorscope_scene_view_locate (ActorscopeSceneView *self, const char *klass, const char *id,
                              double *x, double *y)
{
  const RenderNode *g;
  double b[4];

  g_return_val_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self), FALSE);
  g = render_scene_find_group (self->scene, klass, id);
  if (g == NULL || !render_scene_group_bounds (self->scene, g, b))
    return FALSE;
  scene_to_widget (self, (b[0] + b[2]) / 2, (b[1] + b[3]) / 2, x, y);
  return TRUE;
}

void
actorscope_scene_view_select (ActorscopeSceneView *self, const char *klass, const char *id)
{
  g_return_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self));
  if (g_strcmp0 (self->sel_class, klass) == 0 && g_strcmp0 (self->sel_id, id) == 0)
    return;
  g_free (self->sel_class);
  g_free (self->sel_id);
  self->sel_class = g_strdup (klass);
  self->sel_id = g_strdup (id);
  update_selection_bounds (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
actorscope_scene_view_get_selected_class (ActorscopeSceneView *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self), NULL);
  return self->sel_class;
}

const char *
actorscope_scene_view_get_selected_id (ActorscopeSceneView *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self), NULL);
  return self->sel_id;
}

void
actorscope_scene_view_set_area (ActorscopeSceneView *self, gint64 from_ns, gint64 to_ns)
{
  g_return_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self));
  actorscope_session_set_area (self->session, from_ns, to_ns);
}

/* A parameter of the view changed: builds started before are stale. */
static void
params_changed (ActorscopeSceneView *self, guint delay_ms)
{
  actorscope_scene_builder_invalidate (self->builder, delay_ms);
}

static void
on_document_changed (ActorscopeDocument *document, gpointer user_data)
{
  actorscope_scene_builder_schedule (ACTORSCOPE_SCENE_VIEW (user_data)->builder, 100);
}

void
actorscope_scene_view_set_document (ActorscopeSceneView *self, ActorscopeDocument *document)
{
  g_return_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self));
  if (self->document == document)
    return;
  if (self->document != NULL)
    g_clear_signal_handler (&self->changed_handler, self->document);
  g_set_object (&self->document, document);
  if (document != NULL)
    self->changed_handler = g_signal_connect (document, "changed",
                                              G_CALLBACK (on_document_changed), self);
  actorscope_session_reset_time (self->session);
  self->fitted = TRUE;
  self->sx = self->sy = 1;
  self->ox = self->oy = 0;
  g_clear_pointer (&self->sel_class, g_free);
  g_clear_pointer (&self->sel_id, g_free);
  g_clear_pointer (&self->scene_ref, actorscope_scene_ref_unref);
  self->scene = NULL;
  g_clear_pointer (&self->rows, g_array_unref);
  g_clear_pointer (&self->picture, gsk_render_node_unref);
  /* Another trace: a fresh layout, not the last one's places. */
  g_clear_pointer (&self->positions, render_graph_positions_free);
  g_clear_pointer (&self->positions_key, g_free);
  g_clear_pointer (&self->figures, actorscope_window_figures_unref);
  self->reset_scroll = TRUE;
  /* Also without a document: what a running build returns is stale. */
  params_changed (self, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

ActorscopeDocument *
actorscope_scene_view_get_document (ActorscopeSceneView *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self), NULL);
  return self->document;
}

void
actorscope_scene_view_set_kind (ActorscopeSceneView *self, RenderViewKind kind)
{
  g_return_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self));
  if (self->kind == kind)
    return;
  self->kind = kind;
  /* The current scene stays (with its own kind and transform) until the
   * new one arrives. */
  self->fitted = TRUE;
  self->reset_scroll = TRUE;
  if (self->document != NULL)
    params_changed (self, 0);
}

RenderViewKind
actorscope_scene_view_get_kind (ActorscopeSceneView *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self), RENDER_VIEW_GRAPH);
  return self->kind;
}

void
actorscope_scene_view_set_filter (ActorscopeSceneView *self, const char *filter)
{
  g_return_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self));
  actorscope_session_set_filter (self->session, filter);
}

const char *
actorscope_scene_view_get_filter (ActorscopeSceneView *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self), NULL);
  return actorscope_session_get_filter (self->session);
}

const char *
actorscope_scene_view_get_filter_error (ActorscopeSceneView *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self), NULL);
  return self->filter_error;
}

void
actorscope_scene_view_set_dark (ActorscopeSceneView *self, gboolean dark)
{
  g_return_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self));
  if (self->dark == !!dark)
    return;
  self->dark = !!dark;
  if (self->document != NULL)
    params_changed (self, 0);
}

void
actorscope_scene_view_set_window (ActorscopeSceneView *self, gint64 from_ns, gint64 to_ns)
{
  g_return_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self));
  if (from_ns >= to_ns)
    return;
  set_window_internal (self, from_ns, to_ns, 0);
}

void
actorscope_scene_view_get_window (ActorscopeSceneView *self, gint64 *from_ns, gint64 *to_ns)
{
  g_return_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self));
  if (self->scene == NULL || actorscope_scene_builder_is_busy (self->builder))
    resolved_window (self, from_ns, to_ns);
  else
    {
      *from_ns = self->scene_from;
      *to_ns = self->scene_to;
    }
}

void
actorscope_scene_view_set_cursor (ActorscopeSceneView *self, gint64 cursor_ns)
{
  g_return_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self));
  actorscope_session_set_cursor (self->session, cursor_ns);
}

gint64
actorscope_scene_view_get_cursor (ActorscopeSceneView *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self), INGEST_TIME_MAX);
  return actorscope_session_get_cursor (self->session);
}

const RenderScene *
actorscope_scene_view_get_scene (ActorscopeSceneView *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self), NULL);
  return self->scene;
}

RenderScene *
actorscope_scene_view_build_scene (ActorscopeSceneView *self, double width, double height,
                                   GError **error)
{
  g_autoptr(ActorscopeSceneBuild) job = NULL;
  RenderScene *scene;

  g_return_val_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self), NULL);
  if (self->document == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, _("No trace is open"));
      return NULL;
    }
  job = build_new (self, width, height);
  actorscope_scene_build_run (job);
  scene = g_steal_pointer (&job->scene);
  if (scene == NULL)
    g_propagate_error (error, g_steal_pointer (&job->error));
  return scene;
}

ActorscopeWindowFigures *
actorscope_scene_view_get_window_figures (ActorscopeSceneView *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self), NULL);
  return self->figures;
}

double
actorscope_scene_view_rebuild_now (ActorscopeSceneView *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self), 0);
  actorscope_scene_builder_build_now (self->builder);
  return self->build_ms;
}

void
actorscope_scene_view_set_groups (ActorscopeSceneView *self, const char *const *groups)
{
  g_return_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self));
  actorscope_session_set_groups (self->session, groups);
}

const char *const *
actorscope_scene_view_get_groups (ActorscopeSceneView *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self), NULL);
  return actorscope_session_get_groups (self->session);
}

gboolean
actorscope_scene_view_is_busy (ActorscopeSceneView *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self), FALSE);
  return actorscope_scene_builder_is_busy (self->builder);
}

guint
actorscope_scene_view_get_n_dropped (ActorscopeSceneView *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self), 0);
  return actorscope_scene_builder_get_n_dropped (self->builder);
}

gboolean
actorscope_scene_view_has_picture (ActorscopeSceneView *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SCENE_VIEW (self), FALSE);
  return picture_matches (self);
}

/* ---- GObject ---- */

static void
actorscope_scene_view_dispose (GObject *object)
{
  ActorscopeSceneView *self = ACTORSCOPE_SCENE_VIEW (object);

  /* Workers still running keep their own references (the task holds
   * self, jobs hold the document and scene); their results are ignored. */
  self->disposed = TRUE;
  if (self->builder != NULL)
    actorscope_scene_builder_stop (self->builder);
  g_clear_object (&self->builder);
  g_clear_handle_id (&self->picture_id, g_source_remove);
  g_clear_pointer (&self->picture, gsk_render_node_unref);
  if (self->document != NULL)
    g_clear_signal_handler (&self->changed_handler, self->document);
  g_clear_object (&self->document);
  if (self->session != NULL)
    g_clear_signal_handler (&self->session_handler, self->session);
  g_clear_object (&self->session);
  g_clear_pointer (&self->scene_ref, actorscope_scene_ref_unref);
  self->scene = NULL;
  g_clear_pointer (&self->rows, g_array_unref);
  g_clear_pointer (&self->positions, render_graph_positions_free);
  g_clear_pointer (&self->positions_key, g_free);
  g_clear_pointer (&self->figures, actorscope_window_figures_unref);
  G_OBJECT_CLASS (actorscope_scene_view_parent_class)->dispose (object);
}

static void
actorscope_scene_view_finalize (GObject *object)
{
  ActorscopeSceneView *self = ACTORSCOPE_SCENE_VIEW (object);

  g_free (self->filter_error);
  g_free (self->sel_class);
  g_free (self->sel_id);
  G_OBJECT_CLASS (actorscope_scene_view_parent_class)->finalize (object);
}

static void
actorscope_scene_view_class_init (ActorscopeSceneViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = actorscope_scene_view_dispose;
  object_class->finalize = actorscope_scene_view_finalize;
  widget_class->snapshot = actorscope_scene_view_snapshot;
  widget_class->measure = actorscope_scene_view_measure;
  widget_class->size_allocate = actorscope_scene_view_size_allocate;

  /* klass and id are NULL when the click hit nothing; node is the borrowed
   * GROUP_BEGIN node (valid during emission) or NULL. */
  signals[ITEM_ACTIVATED] = g_signal_new ("item-activated", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                          3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_POINTER);
  signals[AREA_SELECTED] = g_signal_new ("area-selected", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                         2, G_TYPE_INT64, G_TYPE_INT64);
  signals[WINDOW_CHANGED] = g_signal_new ("window-changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SCENE_CHANGED] = g_signal_new ("scene-changed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_css_name (widget_class, "sceneview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
actorscope_scene_view_init (ActorscopeSceneView *self)
{
  GtkEventController *scroll, *key, *click;
  GtkGesture *drag, *zoom;

  actorscope_scene_view_set_session (self, NULL);
  self->sx = self->sy = 1;
  self->fitted = TRUE;
  self->builder = actorscope_scene_builder_new (request_build, install_build, self);

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (on_query_tooltip), NULL);

  scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);

  drag = gtk_gesture_drag_new ();
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  g_object_set_data (G_OBJECT (self), "drag", drag);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  click = GTK_EVENT_CONTROLLER (gtk_gesture_click_new ());
  g_signal_connect (click, "released", G_CALLBACK (on_click_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self), click);

  zoom = gtk_gesture_zoom_new ();
  g_signal_connect (zoom, "begin", G_CALLBACK (on_zoom_begin), self);
  g_signal_connect (zoom, "scale-changed", G_CALLBACK (on_zoom_scale_changed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (zoom));

  key = gtk_event_controller_key_new ();
  g_signal_connect (key, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), key);
}

GtkWidget *
actorscope_scene_view_new (void)
{
  return g_object_new (ACTORSCOPE_TYPE_SCENE_VIEW, NULL);
}
