/* actorscope-overview.c: the activity strip under the view. */
#include "config.h"

#include <math.h>

#include "actorscope-overview.h"
#include "render-ticks.h"

#define STRIP_HEIGHT 48

struct _ActorscopeOverview {
  GtkWidget parent_instance;
  ActorscopeDocument *document;
  gulong changed_handler;
  ActorscopeSession *session;     /* window, area and cursor shown */
  gulong session_handler;
  /* drag state; the area being dragged shows before it is selected */
  gboolean dragging_area;
  gint64 area_from, area_to;
  double drag_x;
  gint64 drag_win_from, drag_win_to;
};

G_DEFINE_FINAL_TYPE (ActorscopeOverview, actorscope_overview, GTK_TYPE_WIDGET)

enum { SCRUB, AREA_SELECTED, N_SIGNALS };
static guint signals[N_SIGNALS];

static gboolean
range (ActorscopeOverview *self, gint64 *t0, gint64 *t1)
{
  return self->document != NULL && actorscope_document_get_time_range (self->document, t0, t1) &&
         *t1 > *t0;
}

/* The window the views show: open ends resolved against the data, and
 * during a replay only up to the cursor (as the views build it). */
static gboolean
shown_window (ActorscopeOverview *self, gint64 t0, gint64 t1, gint64 *from, gint64 *to)
{
  actorscope_session_get_window (self->session, from, to);
  if (*from == INGEST_TIME_MIN)
    *from = t0;
  if (*to == INGEST_TIME_MAX)
    *to = t1;
  *to = MIN (*to, actorscope_session_get_cursor (self->session));
  return *to > *from;
}

/* Windows, areas and the cursor may lie anywhere in the gint64 range (a
 * zoomed-out view), the data at both ends of it: differences through
 * render_ticks_diff, never a gint64 subtraction. */
static double
time_to_x (ActorscopeOverview *self, gint64 t, gint64 t0, gint64 t1)
{
  return render_ticks_diff (t0, t) / render_ticks_diff (t0, t1) * gtk_widget_get_width (GTK_WIDGET (self));
}

static gint64
x_to_time (ActorscopeOverview *self, double x, gint64 t0, gint64 t1)
{
  int w = MAX (1, gtk_widget_get_width (GTK_WIDGET (self)));
  double off = CLAMP (x / w, 0.0, 1.0) * render_ticks_diff (t0, t1);

  /* t1 > t0: off is in [0, t1 - t0] up to rounding; add in unsigned. */
  if (off >= render_ticks_diff (t0, t1))
    return t1;
  return (gint64) ((guint64) t0 + (guint64) off);
}

static void
actorscope_overview_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  ActorscopeOverview *self = ACTORSCOPE_OVERVIEW (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  const guint32 *bins;
  guint32 max = 0;
  gint64 t0, t1;
  gint64 win_from, win_to, area_from, area_to, cursor_ns;
  gboolean has_area;
  GdkRGBA fg;
  cairo_t *cr;
  double bw;

  if (!range (self, &t0, &t1) || w <= 0)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  bins = actorscope_document_get_activity (self->document, &max);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));

  /* Activity as a filled area, on a square-root scale so quiet stretches
   * still show next to bursts. */
  bw = (double) w / ACTORSCOPE_DOCUMENT_N_BINS;
  cairo_move_to (cr, 0, h);
  for (guint i = 0; i < ACTORSCOPE_DOCUMENT_N_BINS; i++)
    {
      double v = max > 0 ? sqrt ((double) bins[i] / max) : 0;
      double y = h - 2 - v * (h - 6);

      cairo_line_to (cr, i * bw, y);
      cairo_line_to (cr, (i + 1) * bw, y);
    }
  cairo_line_to (cr, w, h);
  cairo_close_path (cr);
  cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 0.35);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 0.8);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);

  /* Dim what is outside the window. */
  if (shown_window (self, t0, t1, &win_from, &win_to))
    {
      double x0 = time_to_x (self, win_from, t0, t1);
      double x1 = time_to_x (self, win_to, t0, t1);

      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.12);
      cairo_rectangle (cr, 0, 0, MAX (0, x0), h);
      cairo_rectangle (cr, x1, 0, MAX (0, w - x1), h);
      cairo_fill (cr);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.6);
      cairo_rectangle (cr, floor (x0) + 0.5, 0.5, MAX (2, floor (x1 - x0)), h - 1);
      cairo_stroke (cr);
    }
  if (self->dragging_area)
    {
      area_from = self->area_from;
      area_to = self->area_to;
      has_area = area_to > area_from;
    }
  else
    has_area = actorscope_session_get_area (self->session, &area_from, &area_to);
  if (has_area)
    {
      double x0 = time_to_x (self, area_from, t0, t1);
      double x1 = time_to_x (self, area_to, t0, t1);

      cairo_set_source_rgba (cr, 0.96, 0.76, 0.07, 0.35);
      cairo_rectangle (cr, x0, 0, MAX (1, x1 - x0), h);
      cairo_fill (cr);
    }
  cursor_ns = actorscope_session_get_cursor (self->session);
  if (cursor_ns != INGEST_TIME_MAX)
    {
      double x = time_to_x (self, cursor_ns, t0, t1);

      cairo_set_source_rgba (cr, 0.88, 0.11, 0.14, 0.9);
      cairo_set_line_width (cr, 2);
      cairo_move_to (cr, x, 0);
      cairo_line_to (cr, x, h);
      cairo_stroke (cr);
    }
  cairo_destroy (cr);
}

static void
actorscope_overview_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                             int *minimum, int *natural, int *minimum_baseline,
                             int *natural_baseline)
{
  *minimum = *natural = orientation == GTK_ORIENTATION_VERTICAL ? STRIP_HEIGHT : 100;
}

static void
scrub_to (ActorscopeOverview *self, double x)
{
  gint64 t0, t1, span, from, to, centre;

  if (!range (self, &t0, &t1))
    return;
  if (__builtin_sub_overflow (self->drag_win_to, self->drag_win_from, &span) ||
      span <= 0 || span >= t1 - t0)
    return;
  centre = x_to_time (self, x, t0, t1);
  from = CLAMP (centre - span / 2, t0, t1 - span);
  to = from + span;
  actorscope_session_set_window (self->session, from, to);
  g_signal_emit (self, signals[SCRUB], 0, from, to);
}

static void
on_drag_begin (GtkGestureDrag *gesture, double x, double y, gpointer user_data)
{
  ActorscopeOverview *self = user_data;
  GdkModifierType mods = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));

  gint64 t0, t1;

  self->dragging_area = (mods & GDK_SHIFT_MASK) != 0;
  self->area_from = self->area_to = 0;
  self->drag_x = x;
  self->drag_win_from = self->drag_win_to = 0;
  if (range (self, &t0, &t1))
    shown_window (self, t0, t1, &self->drag_win_from, &self->drag_win_to);
  if (!self->dragging_area)
    scrub_to (self, x);
}

static void
on_drag_update (GtkGestureDrag *gesture, double dx, double dy, gpointer user_data)
{
  ActorscopeOverview *self = user_data;
  gint64 t0, t1;

  if (!self->dragging_area)
    {
      scrub_to (self, self->drag_x + dx);
      return;
    }
  if (!range (self, &t0, &t1))
    return;
  self->area_from = x_to_time (self, MIN (self->drag_x, self->drag_x + dx), t0, t1);
  self->area_to = x_to_time (self, MAX (self->drag_x, self->drag_x + dx), t0, t1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_drag_end (GtkGestureDrag *gesture, double dx, double dy, gpointer user_data)
{
  ActorscopeOverview *self = user_data;

  if (self->dragging_area && self->area_to > self->area_from)
    {
      actorscope_session_set_area (self->session, self->area_from, self->area_to);
      g_signal_emit (self, signals[AREA_SELECTED], 0, self->area_from, self->area_to);
    }
  self->dragging_area = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_document_changed (ActorscopeDocument *document, gpointer user_data)
{
  gtk_widget_queue_draw (GTK_WIDGET (user_data));
}

void
actorscope_overview_set_document (ActorscopeOverview *self, ActorscopeDocument *document)
{
  g_return_if_fail (ACTORSCOPE_IS_OVERVIEW (self));
  if (self->document != NULL)
    g_clear_signal_handler (&self->changed_handler, self->document);
  g_set_object (&self->document, document);
  if (document != NULL)
    self->changed_handler = g_signal_connect (document, "changed", G_CALLBACK (on_document_changed), self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_session_notify (ActorscopeSession *session, GParamSpec *pspec, gpointer user_data)
{
  gtk_widget_queue_draw (GTK_WIDGET (user_data));
}

void
actorscope_overview_set_session (ActorscopeOverview *self, ActorscopeSession *session)
{
  g_autoptr(ActorscopeSession) own = NULL;

  g_return_if_fail (ACTORSCOPE_IS_OVERVIEW (self));
  g_return_if_fail (session == NULL || ACTORSCOPE_IS_SESSION (session));
  if (session == NULL)
    session = own = actorscope_session_new ();
  if (self->session == session)
    return;
  if (self->session != NULL)
    g_clear_signal_handler (&self->session_handler, self->session);
  g_set_object (&self->session, session);
  self->session_handler = g_signal_connect (session, "notify", G_CALLBACK (on_session_notify), self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

ActorscopeSession *
actorscope_overview_get_session (ActorscopeOverview *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_OVERVIEW (self), NULL);
  return self->session;
}

static void
actorscope_overview_dispose (GObject *object)
{
  ActorscopeOverview *self = ACTORSCOPE_OVERVIEW (object);

  if (self->document != NULL)
    g_clear_signal_handler (&self->changed_handler, self->document);
  g_clear_object (&self->document);
  if (self->session != NULL)
    g_clear_signal_handler (&self->session_handler, self->session);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (actorscope_overview_parent_class)->dispose (object);
}

static void
actorscope_overview_class_init (ActorscopeOverviewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = actorscope_overview_dispose;
  widget_class->snapshot = actorscope_overview_snapshot;
  widget_class->measure = actorscope_overview_measure;

  signals[SCRUB] = g_signal_new ("scrub", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);
  signals[AREA_SELECTED] = g_signal_new ("area-selected", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                         2, G_TYPE_INT64, G_TYPE_INT64);
  gtk_widget_class_set_css_name (widget_class, "overview");
}

static void
actorscope_overview_init (ActorscopeOverview *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();

  actorscope_overview_set_session (self, NULL);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), NULL);
}
