/* actorscope-actor-charts.c: an actor's charts on its card (see the header). */
#include "config.h"

#include <glib/gi18n.h>

#include "actorscope-actor-charts.h"
#include "ingest-actor-series.h"
#include "render-sparkline.h"

#define CHART_W 220
#define CHART_H 36

struct _ActorscopeActorCharts {
  GtkWidget parent_instance;

  GtkWidget *box;
  GtkWidget *value[ACTORSCOPE_ACTOR_N_CHARTS];   /* "max 12 · now 3" */
  GtkWidget *area[ACTORSCOPE_ACTOR_N_CHARTS];    /* GtkDrawingArea */
  GtkWidget *partners_heading;
  GtkWidget *partners;                            /* GtkBox of labels */
  double values[ACTORSCOPE_ACTOR_N_CHARTS][ACTORSCOPE_ACTOR_CHARTS_BINS];
  gboolean shown;
  GPtrArray *partner_names;                       /* char *, owned */
  GArray *partner_counts;                         /* IngestActorPartner (actor unused) */
};

G_DEFINE_FINAL_TYPE (ActorscopeActorCharts, actorscope_actor_charts, GTK_TYPE_WIDGET)

static const char *const titles[ACTORSCOPE_ACTOR_N_CHARTS] = {
  N_("Mailbox depth"), N_("Received /s"), N_("Wait p99 (ms)"),
};

/* The desktop's theme, as the colour-scheme follower set it. */
static RenderTheme
theme_of (GtkWidget *widget)
{
  gboolean dark = FALSE;

  g_object_get (gtk_widget_get_settings (widget), "gtk-application-prefer-dark-theme", &dark, NULL);
  return dark ? RENDER_THEME_DARK : RENDER_THEME_LIGHT;
}

static void
draw_chart (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
  ActorscopeActorCharts *self = user_data;
  guint chart = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (area), "chart"));

  if (self->shown)
    render_sparkline_draw (cr, self->values[chart], ACTORSCOPE_ACTOR_CHARTS_BINS, width, height,
                           theme_of (GTK_WIDGET (area)));
}

static void
clear_partners (ActorscopeActorCharts *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->partners)) != NULL)
    gtk_box_remove (GTK_BOX (self->partners), child);
  g_ptr_array_set_size (self->partner_names, 0);
  g_array_set_size (self->partner_counts, 0);
}

void
actorscope_actor_charts_clear (ActorscopeActorCharts *self)
{
  g_return_if_fail (ACTORSCOPE_IS_ACTOR_CHARTS (self));
  self->shown = FALSE;
  clear_partners (self);
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

/* Figures short enough for the narrow card: whole from 100 up, three
 * significant digits below. */
static void
format_figure (double v, char *buf, gsize len)
{
  if (v == (double) (gint64) v || v >= 100)
    g_snprintf (buf, len, "%.0f", v);
  else
    g_snprintf (buf, len, "%.3g", v);
}

gboolean
actorscope_actor_charts_show (ActorscopeActorCharts *self, IngestStore *store, IngestActorId actor,
                              gint64 from_ns, gint64 to_ns)
{
  gint64 lo = 0, hi = 0;

  g_return_val_if_fail (ACTORSCOPE_IS_ACTOR_CHARTS (self), FALSE);
  g_return_val_if_fail (store != NULL, FALSE);
  actorscope_actor_charts_clear (self);
  /* The window clamped to the data, as the console clamps an open one. */
  if (ingest_store_time_range (store, &lo, &hi))
    {
      from_ns = MAX (from_ns, lo);
      to_ns = MIN (to_ns, hi);
    }
  if (to_ns <= from_ns)
    to_ns = from_ns + 1;

  g_autoptr(IngestActorSeries) s = ingest_actor_series_build (store, actor, from_ns, to_ns,
                                                              ACTORSCOPE_ACTOR_CHARTS_BINS,
                                                              ACTORSCOPE_ACTOR_CHARTS_PARTNERS, 0);
  if (s == NULL)
    return FALSE;
  for (guint b = 0; b < ACTORSCOPE_ACTOR_CHARTS_BINS; b++)
    {
      self->values[ACTORSCOPE_ACTOR_CHART_MAILBOX][b] = (double) s->bins[b].depth_max;
      self->values[ACTORSCOPE_ACTOR_CHART_RATE][b] = (double) s->bins[b].received / ((double) s->bin_ns / 1e9);
      self->values[ACTORSCOPE_ACTOR_CHART_WAIT_P99][b] = (double) s->bins[b].wait_p99_ns / 1e6;
    }
  for (guint c = 0; c < ACTORSCOPE_ACTOR_N_CHARTS; c++)
    {
      double max = 0, last = self->values[c][ACTORSCOPE_ACTOR_CHARTS_BINS - 1];
      char max_buf[32], last_buf[32];
      g_autofree char *text = NULL;

      for (guint b = 0; b < ACTORSCOPE_ACTOR_CHARTS_BINS; b++)
        max = MAX (max, self->values[c][b]);
      format_figure (max, max_buf, sizeof max_buf);
      format_figure (last, last_buf, sizeof last_buf);
      /* Translators: beside a chart over time: its largest value and its
       * value in the last bin. */
      text = g_strdup_printf (_("max %s · last %s"), max_buf, last_buf);
      gtk_label_set_text (GTK_LABEL (self->value[c]), text);
      gtk_widget_queue_draw (self->area[c]);
    }
  for (guint i = 0; i < s->partners->len; i++)
    {
      const IngestActorPartner *p = &g_array_index (s->partners, IngestActorPartner, i);
      const char *name = ingest_store_actor_name (store, p->actor);
      g_autofree char *text = NULL;
      GtkWidget *label, *row;

      g_ptr_array_add (self->partner_names, g_strdup (name));
      g_array_append_val (self->partner_counts, *p);
      /* Name and counts apart, so a long name ellipsizes and the counts
       * stay readable. Plain text: names are trace content. */
      row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      label = gtk_label_new (name);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
      gtk_widget_set_hexpand (label, TRUE);
      gtk_widget_set_tooltip_text (label, name);
      gtk_box_append (GTK_BOX (row), label);
      /* Translators: a partner of the actor on its card: the messages
       * the actor sent to it and received from it. */
      text = g_strdup_printf (_("sent %llu · received %llu"), (unsigned long long) p->sent,
                              (unsigned long long) p->received);
      label = gtk_label_new (text);
      gtk_widget_add_css_class (label, "numeric");
      gtk_widget_add_css_class (label, "dim-label");
      gtk_box_append (GTK_BOX (row), label);
      gtk_box_append (GTK_BOX (self->partners), row);
    }
  gtk_widget_set_visible (self->partners_heading, s->partners->len > 0);
  self->shown = TRUE;
  gtk_widget_set_visible (GTK_WIDGET (self), TRUE);
  return TRUE;
}

const double *
actorscope_actor_charts_get_values (ActorscopeActorCharts *self, ActorscopeActorChart chart)
{
  g_return_val_if_fail (ACTORSCOPE_IS_ACTOR_CHARTS (self), NULL);
  g_return_val_if_fail (chart < ACTORSCOPE_ACTOR_N_CHARTS, NULL);
  return self->shown ? self->values[chart] : NULL;
}

const char *
actorscope_actor_charts_get_partner (ActorscopeActorCharts *self, guint i, guint64 *sent, guint64 *received)
{
  g_return_val_if_fail (ACTORSCOPE_IS_ACTOR_CHARTS (self), NULL);
  if (i >= self->partner_names->len)
    return NULL;
  if (sent != NULL)
    *sent = g_array_index (self->partner_counts, IngestActorPartner, i).sent;
  if (received != NULL)
    *received = g_array_index (self->partner_counts, IngestActorPartner, i).received;
  return g_ptr_array_index (self->partner_names, i);
}

static void
on_theme_changed (GtkSettings *settings, GParamSpec *pspec, gpointer user_data)
{
  ActorscopeActorCharts *self = user_data;

  for (guint c = 0; c < ACTORSCOPE_ACTOR_N_CHARTS; c++)
    gtk_widget_queue_draw (self->area[c]);
}

static void
actorscope_actor_charts_dispose (GObject *object)
{
  ActorscopeActorCharts *self = ACTORSCOPE_ACTOR_CHARTS (object);

  g_signal_handlers_disconnect_by_data (gtk_settings_get_default (), self);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_pointer (&self->partner_names, g_ptr_array_unref);
  g_clear_pointer (&self->partner_counts, g_array_unref);
  G_OBJECT_CLASS (actorscope_actor_charts_parent_class)->dispose (object);
}

static void
actorscope_actor_charts_class_init (ActorscopeActorChartsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = actorscope_actor_charts_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "actor-charts");
}

static GtkWidget *
heading_new (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "heading");
  return label;
}

static void
actorscope_actor_charts_init (ActorscopeActorCharts *self)
{
  self->partner_names = g_ptr_array_new_with_free_func (g_free);
  self->partner_counts = g_array_new (FALSE, TRUE, sizeof (IngestActorPartner));
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  gtk_box_append (GTK_BOX (self->box), heading_new (_("Over time")));
  for (guint c = 0; c < ACTORSCOPE_ACTOR_N_CHARTS; c++)
    {
      GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      GtkWidget *title = gtk_label_new (_(titles[c]));

      gtk_label_set_xalign (GTK_LABEL (title), 0);
      gtk_widget_set_hexpand (title, TRUE);
      gtk_widget_add_css_class (title, "dim-label");
      self->value[c] = gtk_label_new ("");
      gtk_widget_add_css_class (self->value[c], "numeric");
      gtk_box_append (GTK_BOX (top), title);
      gtk_box_append (GTK_BOX (top), self->value[c]);
      gtk_box_append (GTK_BOX (self->box), top);

      self->area[c] = gtk_drawing_area_new ();
      gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (self->area[c]), CHART_W);
      gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (self->area[c]), CHART_H);
      gtk_widget_set_hexpand (self->area[c], TRUE);
      g_object_set_data (G_OBJECT (self->area[c]), "chart", GUINT_TO_POINTER (c));
      gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->area[c]), draw_chart, self, NULL);
      gtk_widget_set_tooltip_text (self->area[c], _(titles[c]));
      gtk_box_append (GTK_BOX (self->box), self->area[c]);
    }
  self->partners_heading = heading_new (_("Top partners"));
  gtk_widget_set_margin_top (self->partners_heading, 6);
  gtk_box_append (GTK_BOX (self->box), self->partners_heading);
  self->partners = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_box_append (GTK_BOX (self->box), self->partners);
  g_signal_connect (gtk_settings_get_default (), "notify::gtk-application-prefer-dark-theme",
                    G_CALLBACK (on_theme_changed), self);
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

GtkWidget *
actorscope_actor_charts_new (void)
{
  return g_object_new (ACTORSCOPE_TYPE_ACTOR_CHARTS, NULL);
}
