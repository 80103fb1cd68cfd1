/* actorscope-search-bar.c: message search (see the header). */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "actorscope-search-bar.h"

/* As the console's search box: longer texts are refused there. */
#define MAX_TEXT 256

struct _ActorscopeSearchBar {
  GtkWidget parent_instance;

  GtkWidget *bar;                   /* GtkSearchBar */
  GtkSearchEntry *entry;
  GtkToggleButton *in[3];           /* actor, label, payload */
  GtkLabel *count;
  GtkWidget *prev_button, *next_button;
  ActorscopeDocument *document;     /* owned */
  IngestSearchResult *result;       /* owned; NULL before a search */
  int current;
  char *searched;                   /* text of result (owned) */
  guint searched_fields;
  gboolean updating;                /* setting the toggles from code */
};

G_DEFINE_FINAL_TYPE (ActorscopeSearchBar, actorscope_search_bar, GTK_TYPE_WIDGET)

enum { SIGNAL_MATCH_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

static const guint field_bits[3] = { INGEST_SEARCH_ACTOR, INGEST_SEARCH_LABEL, INGEST_SEARCH_PAYLOAD };

static void
update_count (ActorscopeSearchBar *self)
{
  g_autofree char *text = NULL;
  guint kept = self->result != NULL ? self->result->matches->len : 0;

  if (self->result == NULL)
    text = g_strdup ("");
  else if (self->result->total == 0)
    text = g_strdup (_("No matches"));
  else if (self->result->total > kept)
    /* Translators: the match stepped to, how many can be stepped through,
     * and how many there are in all. */
    text = g_strdup_printf (_("%d of the first %u of %llu"), self->current + 1, kept,
                            (unsigned long long) self->result->total);
  else
    /* Translators: the match stepped to and how many there are. */
    text = g_strdup_printf (_("%d of %u"), self->current + 1, kept);
  gtk_label_set_text (self->count, text);
  gtk_widget_set_sensitive (self->prev_button, kept > 0);
  gtk_widget_set_sensitive (self->next_button, kept > 0);
  if (self->result != NULL && self->result->total == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->entry), "error");
}

static void
step_to (ActorscopeSearchBar *self, int i)
{
  const IngestSearchMatch *m;

  self->current = i;
  update_count (self);
  if (i < 0)
    return;
  m = &g_array_index (self->result->matches, IngestSearchMatch, i);
  g_signal_emit (self, signals[SIGNAL_MATCH_ACTIVATED], 0, (guint) m->message, m->time_ns);
}

static guint
current_fields (ActorscopeSearchBar *self)
{
  guint fields = 0;

  for (guint i = 0; i < G_N_ELEMENTS (self->in); i++)
    if (gtk_toggle_button_get_active (self->in[i]))
      fields |= field_bits[i];
  return fields;
}

static void
run (ActorscopeSearchBar *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry));
  guint fields = current_fields (self);

  g_clear_pointer (&self->result, ingest_search_result_free);
  self->current = -1;
  g_free (self->searched);
  self->searched = g_strdup (text);
  self->searched_fields = fields;
  if (self->document == NULL || text[0] == '\0' || strlen (text) > MAX_TEXT || fields == 0)
    {
      update_count (self);
      return;
    }
  actorscope_document_read_lock (self->document);
  self->result = ingest_search_messages (actorscope_document_get_store (self->document), text, fields,
                                         INGEST_TIME_MIN, INGEST_TIME_MAX, ACTORSCOPE_SEARCH_MAX_MATCHES, 0);
  actorscope_document_read_unlock (self->document);
  step_to (self, self->result->matches->len > 0 ? 0 : -1);
}

void
actorscope_search_bar_search (ActorscopeSearchBar *self, const char *text, guint fields)
{
  g_return_if_fail (ACTORSCOPE_IS_SEARCH_BAR (self));
  g_return_if_fail (text != NULL);
  self->updating = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (self->in); i++)
    gtk_toggle_button_set_active (self->in[i], (fields & field_bits[i]) != 0);
  gtk_editable_set_text (GTK_EDITABLE (self->entry), text);
  self->updating = FALSE;
  run (self);
}

static gboolean
step (ActorscopeSearchBar *self, int by)
{
  int n = self->result != NULL ? (int) self->result->matches->len : 0;

  if (n == 0)
    return FALSE;
  step_to (self, ((self->current < 0 ? (by > 0 ? -1 : 0) : self->current) + by + n) % n);
  return TRUE;
}

gboolean
actorscope_search_bar_next (ActorscopeSearchBar *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SEARCH_BAR (self), FALSE);
  return step (self, 1);
}

gboolean
actorscope_search_bar_previous (ActorscopeSearchBar *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SEARCH_BAR (self), FALSE);
  return step (self, -1);
}

const IngestSearchResult *
actorscope_search_bar_get_result (ActorscopeSearchBar *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SEARCH_BAR (self), NULL);
  return self->result;
}

int
actorscope_search_bar_get_current (ActorscopeSearchBar *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SEARCH_BAR (self), -1);
  return self->current;
}

const char *
actorscope_search_bar_get_count_text (ActorscopeSearchBar *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SEARCH_BAR (self), NULL);
  return gtk_label_get_text (self->count);
}

void
actorscope_search_bar_set_document (ActorscopeSearchBar *self, ActorscopeDocument *document)
{
  g_return_if_fail (ACTORSCOPE_IS_SEARCH_BAR (self));
  if (!g_set_object (&self->document, document))
    return;
  g_clear_pointer (&self->result, ingest_search_result_free);
  self->current = -1;
  /* A new trace: the same text searched in it, if the bar is open. */
  if (actorscope_search_bar_is_open (self))
    run (self);
  else
    update_count (self);
}

void
actorscope_search_bar_open (ActorscopeSearchBar *self)
{
  g_return_if_fail (ACTORSCOPE_IS_SEARCH_BAR (self));
  gtk_search_bar_set_search_mode (GTK_SEARCH_BAR (self->bar), TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
  gtk_editable_select_region (GTK_EDITABLE (self->entry), 0, -1);
}

void
actorscope_search_bar_close (ActorscopeSearchBar *self)
{
  g_return_if_fail (ACTORSCOPE_IS_SEARCH_BAR (self));
  gtk_search_bar_set_search_mode (GTK_SEARCH_BAR (self->bar), FALSE);
}

gboolean
actorscope_search_bar_is_open (ActorscopeSearchBar *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_SEARCH_BAR (self), FALSE);
  return gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (self->bar));
}

static void
on_search_changed (GtkSearchEntry *entry, gpointer user_data)
{
  ActorscopeSearchBar *self = user_data;

  /* The entry reports a change after its typing delay, also for text set
   * by actorscope_search_bar_search: searching that again would step
   * back to the first match. */
  if (!self->updating && (g_strcmp0 (self->searched, gtk_editable_get_text (GTK_EDITABLE (entry))) != 0 ||
                          self->searched_fields != current_fields (self)))
    run (self);
}

static void
on_field_toggled (GtkToggleButton *button, gpointer user_data)
{
  ActorscopeSearchBar *self = user_data;

  if (!self->updating)
    run (self);
}

static void
on_next (gpointer user_data)
{
  actorscope_search_bar_next (user_data);
}

static void
on_previous (gpointer user_data)
{
  actorscope_search_bar_previous (user_data);
}

/* Shift+Enter steps back (plain Enter is the entry's "activate"). */
static gboolean
on_entry_key (GtkEventControllerKey *key, guint keyval, guint keycode, GdkModifierType state, gpointer user_data)
{
  if ((keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter) && (state & GDK_SHIFT_MASK) != 0)
    {
      actorscope_search_bar_previous (user_data);
      return TRUE;
    }
  return FALSE;
}

static void
on_stop (GtkSearchEntry *entry, gpointer user_data)
{
  actorscope_search_bar_close (user_data);
}

static void
actorscope_search_bar_dispose (GObject *object)
{
  ActorscopeSearchBar *self = ACTORSCOPE_SEARCH_BAR (object);

  g_clear_pointer (&self->bar, gtk_widget_unparent);
  g_clear_pointer (&self->result, ingest_search_result_free);
  g_clear_pointer (&self->searched, g_free);
  g_clear_object (&self->document);
  G_OBJECT_CLASS (actorscope_search_bar_parent_class)->dispose (object);
}

static void
actorscope_search_bar_class_init (ActorscopeSearchBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = actorscope_search_bar_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "message-search");
  /* message id, time in ns (sent, or received when the send is unseen). */
  signals[SIGNAL_MATCH_ACTIVATED] =
    g_signal_new ("match-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_INT64);
}

static void
actorscope_search_bar_init (ActorscopeSearchBar *self)
{
  static const char *const names[3] = { N_("Actor"), N_("Label"), N_("Payload") };
  static const char *const tips[3] = { N_("Search sender and receiver names"), N_("Search message labels"),
                                       N_("Search payload text") };
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *fields = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *steps = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);

  self->current = -1;
  self->bar = gtk_search_bar_new ();
  gtk_widget_set_parent (self->bar, GTK_WIDGET (self));
  gtk_search_bar_set_show_close_button (GTK_SEARCH_BAR (self->bar), TRUE);

  self->entry = GTK_SEARCH_ENTRY (gtk_search_entry_new ());
  g_object_set (self->entry, "placeholder-text", _("Find messages by actor, label or payload"), NULL);
  gtk_widget_set_size_request (GTK_WIDGET (self->entry), 320, -1);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->entry));

  gtk_widget_add_css_class (fields, "linked");
  for (guint i = 0; i < G_N_ELEMENTS (self->in); i++)
    {
      self->in[i] = GTK_TOGGLE_BUTTON (gtk_toggle_button_new_with_label (_(names[i])));
      gtk_toggle_button_set_active (self->in[i], TRUE);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->in[i]), _(tips[i]));
      g_signal_connect (self->in[i], "toggled", G_CALLBACK (on_field_toggled), self);
      gtk_box_append (GTK_BOX (fields), GTK_WIDGET (self->in[i]));
    }
  gtk_box_append (GTK_BOX (box), fields);

  gtk_widget_add_css_class (steps, "linked");
  self->prev_button = gtk_button_new_from_icon_name ("go-up-symbolic");
  gtk_widget_set_tooltip_text (self->prev_button, _("Previous match (Shift+Enter)"));
  g_signal_connect_swapped (self->prev_button, "clicked", G_CALLBACK (on_previous), self);
  self->next_button = gtk_button_new_from_icon_name ("go-down-symbolic");
  gtk_widget_set_tooltip_text (self->next_button, _("Next match (Enter)"));
  g_signal_connect_swapped (self->next_button, "clicked", G_CALLBACK (on_next), self);
  gtk_box_append (GTK_BOX (steps), self->prev_button);
  gtk_box_append (GTK_BOX (steps), self->next_button);
  gtk_box_append (GTK_BOX (box), steps);

  self->count = GTK_LABEL (gtk_label_new (""));
  gtk_widget_add_css_class (GTK_WIDGET (self->count), "numeric");
  gtk_widget_add_css_class (GTK_WIDGET (self->count), "dim-label");
  gtk_label_set_width_chars (self->count, 12);
  gtk_label_set_xalign (self->count, 0);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->count));

  gtk_search_bar_set_child (GTK_SEARCH_BAR (self->bar), box);
  gtk_search_bar_connect_entry (GTK_SEARCH_BAR (self->bar), GTK_EDITABLE (self->entry));
  g_signal_connect (self->entry, "search-changed", G_CALLBACK (on_search_changed), self);
  /* Enter and Ctrl+G step forward, Shift+Enter and Ctrl+Shift+G back. */
  g_signal_connect_swapped (self->entry, "activate", G_CALLBACK (on_next), self);
  g_signal_connect_swapped (self->entry, "next-match", G_CALLBACK (on_next), self);
  g_signal_connect_swapped (self->entry, "previous-match", G_CALLBACK (on_previous), self);
  g_signal_connect (self->entry, "stop-search", G_CALLBACK (on_stop), self);
  {
    GtkEventController *key = gtk_event_controller_key_new ();

    gtk_event_controller_set_propagation_phase (key, GTK_PHASE_CAPTURE);
    g_signal_connect (key, "key-pressed", G_CALLBACK (on_entry_key), self);
    gtk_widget_add_controller (GTK_WIDGET (self->entry), key);
  }
  update_count (self);
}

GtkWidget *
actorscope_search_bar_new (void)
{
  return g_object_new (ACTORSCOPE_TYPE_SEARCH_BAR, NULL);
}
