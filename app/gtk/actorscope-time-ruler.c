/* actorscope-time-ruler.c: the time axis above the timeline. */
#include "config.h"

#include <math.h>

#include "actorscope-time-ruler.h"
#include "render-ticks.h"

#define RULER_HEIGHT 24

struct _ActorscopeTimeRuler {
  GtkWidget parent_instance;
  ActorscopeSceneView *view;   /* weak */
  gulong window_handler, scene_handler;
};

G_DEFINE_FINAL_TYPE (ActorscopeTimeRuler, actorscope_time_ruler, GTK_TYPE_WIDGET)

static void
actorscope_time_ruler_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  ActorscopeTimeRuler *self = ACTORSCOPE_TIME_RULER (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  gint64 from = 0, to = 0, origin = 0, dummy;
  double x_from, x_to;
  RenderTicks ticks;
  GdkRGBA fg;
  cairo_t *cr;
  PangoLayout *layout;

  if (self->view == NULL || actorscope_scene_view_get_document (self->view) == NULL)
    return;
  /* The visible range is whatever lies under the widget's two ends. */
  if (!actorscope_scene_view_x_to_time (self->view, 0, &from) ||
      !actorscope_scene_view_x_to_time (self->view, w, &to) || to <= from)
    return;
  actorscope_document_get_time_range (actorscope_scene_view_get_document (self->view), &origin, &dummy);
  if (!render_ticks_compute (from, to, MAX (2, w / 110), &ticks))
    return;

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  layout = gtk_widget_create_pango_layout (widget, NULL);
  cairo_set_line_width (cr, 1);
  for (guint i = 0; i < ticks.n; i++)
    {
      gint64 t = ticks.first_ns + (gint64) i * ticks.step_ns;
      char buf[64];
      double x;
      int tw, th;

      if (!actorscope_scene_view_time_to_x (self->view, t, &x))
        continue;
      x = floor (x) + 0.5;
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.45);
      cairo_move_to (cr, x, h - 7);
      cairo_line_to (cr, x, h);
      cairo_stroke (cr);
      render_ticks_format_time (t, ticks.step_ns, origin, buf, sizeof buf);
      pango_layout_set_text (layout, buf, -1);
      pango_layout_get_pixel_size (layout, &tw, &th);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.8);
      cairo_move_to (cr, x + 3, (h - 7 - th) / 2.0);
      pango_cairo_show_layout (cr, layout);
    }
  /* Mark the data's own ends so the user sees where the trace stops. */
  if (actorscope_scene_view_time_to_x (self->view, origin, &x_from) &&
      actorscope_scene_view_time_to_x (self->view, dummy, &x_to))
    {
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.2);
      if (x_from > 0)
        cairo_rectangle (cr, 0, h - 2, x_from, 2);
      if (x_to < w)
        cairo_rectangle (cr, x_to, h - 2, w - x_to, 2);
      cairo_fill (cr);
    }
  g_object_unref (layout);
  cairo_destroy (cr);
}

static void
actorscope_time_ruler_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                               int *minimum, int *natural, int *minimum_baseline,
                               int *natural_baseline)
{
  *minimum = *natural = orientation == GTK_ORIENTATION_VERTICAL ? RULER_HEIGHT : 100;
}

static void
on_view_changed (ActorscopeSceneView *view, gpointer user_data)
{
  ActorscopeTimeRuler *self = user_data;

  gtk_widget_set_visible (GTK_WIDGET (self),
                          actorscope_scene_view_get_kind (view) == RENDER_VIEW_TIMELINE);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
actorscope_time_ruler_set_view (ActorscopeTimeRuler *self, ActorscopeSceneView *view)
{
  g_return_if_fail (ACTORSCOPE_IS_TIME_RULER (self));
  if (self->view != NULL)
    {
      g_clear_signal_handler (&self->window_handler, self->view);
      g_clear_signal_handler (&self->scene_handler, self->view);
      g_object_remove_weak_pointer (G_OBJECT (self->view), (gpointer *) &self->view);
    }
  self->view = view;
  if (view != NULL)
    {
      g_object_add_weak_pointer (G_OBJECT (view), (gpointer *) &self->view);
      self->window_handler = g_signal_connect (view, "window-changed", G_CALLBACK (on_view_changed), self);
      self->scene_handler = g_signal_connect (view, "scene-changed", G_CALLBACK (on_view_changed), self);
      on_view_changed (view, self);
    }
}

static void
actorscope_time_ruler_dispose (GObject *object)
{
  actorscope_time_ruler_set_view (ACTORSCOPE_TIME_RULER (object), NULL);
  G_OBJECT_CLASS (actorscope_time_ruler_parent_class)->dispose (object);
}

static void
actorscope_time_ruler_class_init (ActorscopeTimeRulerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = actorscope_time_ruler_dispose;
  widget_class->snapshot = actorscope_time_ruler_snapshot;
  widget_class->measure = actorscope_time_ruler_measure;
  gtk_widget_class_set_css_name (widget_class, "timeruler");
}

static void
actorscope_time_ruler_init (ActorscopeTimeRuler *self)
{
}
