/* actorscope-deviations-list.c: the deviations list (see the header). */
#include "config.h"

#include <glib/gi18n.h>

#include "actorscope-deviations-list.h"
#include "render-deviations.h"
#include "render-ticks.h"

struct _ActorscopeDeviationsList {
  GtkWidget parent_instance;

  GtkWidget *box;               /* summary + scrolled list */
  GtkLabel *summary;
  GtkListBox *rows;
  ActorscopeDocument *document; /* owned */
  IngestDeviations *list;       /* owned; NULL without a document */
};

G_DEFINE_FINAL_TYPE (ActorscopeDeviationsList, actorscope_deviations_list, GTK_TYPE_WIDGET)

enum { SIGNAL_DEVIATION_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* The console's default spec: the whole trace, default thresholds. */
static void
default_spec (IngestDeviationSpec *spec)
{
  *spec = (IngestDeviationSpec) { .from_ns = INGEST_TIME_MIN, .to_ns = INGEST_TIME_MAX,
                                  .max_rows = ACTORSCOPE_DEVIATIONS_ROWS_PER_KIND };
}

/* The row's sentences are worded once in render/ and translated here. */
static const char *
translate (const char *msgid)
{
  return _(msgid);
}

/* Three labels: time, actor, what. Plain text (never markup): names and
 * reasons are trace content. Caller holds the document's read lock. */
static GtkWidget *
make_row (ActorscopeDeviationsList *self, IngestStore *store, const IngestDeviation *d,
          const IngestDeviationSpec *spec, gint64 origin_ns)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *time_label, *actor_label, *what_label;
  g_autofree char *text = render_deviation_describe (store, d, spec, translate);
  char buf[64] = "";

  if (d->time_ns != 0)
    render_ticks_format_time (d->time_ns, 1000, origin_ns, buf, sizeof buf);
  time_label = gtk_label_new (buf);
  gtk_widget_add_css_class (time_label, "numeric");
  gtk_widget_add_css_class (time_label, "dim-label");
  actor_label = gtk_label_new (d->actor != 0 ? ingest_store_actor_name (store, d->actor) : _("the source"));
  gtk_label_set_ellipsize (GTK_LABEL (actor_label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_xalign (GTK_LABEL (actor_label), 0);
  gtk_widget_set_hexpand (actor_label, TRUE);
  gtk_widget_set_tooltip_text (actor_label, gtk_label_get_text (GTK_LABEL (actor_label)));
  gtk_widget_add_css_class (actor_label, "heading");
  gtk_box_append (GTK_BOX (top), actor_label);
  gtk_box_append (GTK_BOX (top), time_label);

  what_label = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (what_label), 0);
  gtk_label_set_wrap (GTK_LABEL (what_label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (what_label), PANGO_WRAP_WORD_CHAR);
  gtk_widget_add_css_class (what_label, ingest_deviation_kind_to_string (d->kind));

  gtk_box_append (GTK_BOX (row), top);
  gtk_box_append (GTK_BOX (row), what_label);
  gtk_widget_add_css_class (row, "deviation");
  gtk_widget_set_margin_start (row, 6);
  gtk_widget_set_margin_end (row, 6);
  gtk_widget_set_margin_top (row, 4);
  gtk_widget_set_margin_bottom (row, 4);
  g_object_set_data_full (G_OBJECT (row), "text", g_strdup_printf ("%s · %s · %s", buf,
                          gtk_label_get_text (GTK_LABEL (actor_label)), text), g_free);
  return row;
}

static void
clear_rows (ActorscopeDeviationsList *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->rows))) != NULL)
    gtk_list_box_remove (self->rows, child);
}

void
actorscope_deviations_list_refresh (ActorscopeDeviationsList *self)
{
  IngestDeviationSpec spec;
  IngestStore *store;
  gint64 t0 = 0, t1 = 0;
  g_autofree char *summary = NULL;

  g_return_if_fail (ACTORSCOPE_IS_DEVIATIONS_LIST (self));
  clear_rows (self);
  g_clear_pointer (&self->list, ingest_deviations_free);
  if (self->document == NULL)
    {
      gtk_label_set_text (self->summary, _("No trace open"));
      return;
    }
  default_spec (&spec);
  store = actorscope_document_get_store (self->document);
  actorscope_document_get_time_range (self->document, &t0, &t1);
  actorscope_document_read_lock (self->document);
  self->list = ingest_deviations_find (store, &spec);
  for (guint i = 0; i < self->list->rows->len; i++)
    gtk_list_box_append (self->rows, make_row (self, store, &g_array_index (self->list->rows, IngestDeviation, i),
                                               &spec, t0));
  actorscope_document_read_unlock (self->document);

  if (self->list->total == 0)
    summary = g_strdup (_("No deviations"));
  else if (self->list->total > self->list->rows->len)
    summary = g_strdup_printf (_("%llu deviations, the first %u of each kind listed"),
                               (unsigned long long) self->list->total, (guint) ACTORSCOPE_DEVIATIONS_ROWS_PER_KIND);
  else
    summary = g_strdup_printf (g_dngettext (NULL, "%llu deviation",
                                            "%llu deviations", self->list->total),
                               (unsigned long long) self->list->total);
  if (self->list->truncated)
    {
      char *more = g_strdup_printf (_("%s (scan stopped early: too many events)"), summary);
      g_free (summary);
      summary = more;
    }
  gtk_label_set_text (self->summary, summary);
}

void
actorscope_deviations_list_set_document (ActorscopeDeviationsList *self, ActorscopeDocument *document)
{
  g_return_if_fail (ACTORSCOPE_IS_DEVIATIONS_LIST (self));
  g_set_object (&self->document, document);
  actorscope_deviations_list_refresh (self);
}

const IngestDeviations *
actorscope_deviations_list_get_deviations (ActorscopeDeviationsList *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_DEVIATIONS_LIST (self), NULL);
  return self->list;
}

char *
actorscope_deviations_list_dup_row_text (ActorscopeDeviationsList *self, guint i)
{
  GtkListBoxRow *row;

  g_return_val_if_fail (ACTORSCOPE_IS_DEVIATIONS_LIST (self), NULL);
  row = gtk_list_box_get_row_at_index (self->rows, (int) i);
  if (row == NULL)
    return NULL;
  return g_strdup (g_object_get_data (G_OBJECT (gtk_list_box_row_get_child (row)), "text"));
}

static void
on_row_activated (GtkListBox *box, GtkListBoxRow *row, gpointer user_data)
{
  ActorscopeDeviationsList *self = user_data;
  int i = gtk_list_box_row_get_index (row);
  const IngestDeviation *d;

  if (self->list == NULL || i < 0 || (guint) i >= self->list->rows->len)
    return;
  d = &g_array_index (self->list->rows, IngestDeviation, i);
  g_signal_emit (self, signals[SIGNAL_DEVIATION_ACTIVATED], 0, d->time_ns, (guint) d->actor);
}

void
actorscope_deviations_list_activate_row (ActorscopeDeviationsList *self, guint i)
{
  GtkListBoxRow *row;

  g_return_if_fail (ACTORSCOPE_IS_DEVIATIONS_LIST (self));
  row = gtk_list_box_get_row_at_index (self->rows, (int) i);
  if (row != NULL)
    {
      on_row_activated (self->rows, row, self);
    }
}

static void
actorscope_deviations_list_dispose (GObject *object)
{
  ActorscopeDeviationsList *self = ACTORSCOPE_DEVIATIONS_LIST (object);

  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_pointer (&self->list, ingest_deviations_free);
  g_clear_object (&self->document);
  G_OBJECT_CLASS (actorscope_deviations_list_parent_class)->dispose (object);
}

static void
actorscope_deviations_list_class_init (ActorscopeDeviationsListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = actorscope_deviations_list_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "deviations");

  /* time_ns (0: no time, e.g. lost events), actor (0: the source). */
  signals[SIGNAL_DEVIATION_ACTIVATED] =
    g_signal_new ("deviation-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_UINT);
}

static void
actorscope_deviations_list_init (ActorscopeDeviationsList *self)
{
  GtkWidget *scroller = gtk_scrolled_window_new ();

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  /* Wide enough for an actor path and a sentence; a popover otherwise
   * shrinks to the narrowest word. */
  gtk_widget_set_size_request (self->box, 460, -1);
  self->summary = GTK_LABEL (gtk_label_new (""));
  gtk_label_set_xalign (self->summary, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->summary), "heading");
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->summary));

  self->rows = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->rows, GTK_SELECTION_NONE);
  gtk_list_box_set_activate_on_single_click (self->rows, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->rows), "boxed-list");
  g_signal_connect (self->rows, "row-activated", G_CALLBACK (on_row_activated), self);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->rows));
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scroller), 320);
  gtk_scrolled_window_set_min_content_width (GTK_SCROLLED_WINDOW (scroller), 420);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), 560);
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_box_append (GTK_BOX (self->box), scroller);
  gtk_label_set_text (self->summary, _("No trace open"));
}

GtkWidget *
actorscope_deviations_list_new (void)
{
  return g_object_new (ACTORSCOPE_TYPE_DEVIATIONS_LIST, NULL);
}
