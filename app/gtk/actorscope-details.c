/* actorscope-details.c: the details pane. */
#include "config.h"

#include <glib/gi18n.h>
#include <jansson.h>
#include <string.h>

#include "actorscope-actor-charts.h"
#include "actorscope-details.h"
#include "ingest-view.h"
#include "render-ticks.h"

/* Bound what one range summary lists: a person reads the top of it. */
#define MAX_RANGE_EDGES 50
/* Bound what the payload view shows (a label lays out all of its text);
 * larger payloads are cut with a note saying how much is left out. */
#define MAX_PAYLOAD_SHOWN (64 * 1024)
/* Payloads up to this size are checked for JSON and pretty-printed. */
#define MAX_PAYLOAD_PRETTY (256 * 1024)

struct _ActorscopeDetails {
  GtkWidget parent_instance;
  GtkWidget *box;
  GtkWidget *title;
  GtkWidget *edge_title;        /* an edge's title: one line per actor */
  GtkWidget *edge_from, *edge_to;
  GtkWidget *subtitle;
  GtkWidget *grid;
  GtkWidget *buttons;
  GtkWidget *payload_label;
  GtkWidget *payload_scroller;
  GtkWidget *payload;          /* GtkLabel: plain text, never markup */
  GtkWidget *extra;            /* range: per-edge table */
  GtkWidget *charts;           /* ActorscopeActorCharts: an actor over time */
  ActorscopeDocument *document;
  /* Replaying: the figures of the window ending at the cursor (a
   * reference); an actor or an edge is shown with those, not the whole
   * trace's. NULL otherwise. */
  ActorscopeWindowFigures *figures;
  IngestActorId shown_actor;   /* what is shown, to show it again with new figures */
  IngestActorId shown_from, shown_to;
  const char *kind;
  GHashTable *values;          /* key -> value, for tests */
  int row;
};

G_DEFINE_FINAL_TYPE (ActorscopeDetails, actorscope_details, GTK_TYPE_WIDGET)

enum { JUMP_TO_ACTOR, JUMP_TO_MESSAGE, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
clear (ActorscopeDetails *self, const char *kind)
{
  GtkWidget *child;

  self->kind = kind;
  g_hash_table_remove_all (self->values);
  while ((child = gtk_widget_get_first_child (self->grid)) != NULL)
    gtk_grid_remove (GTK_GRID (self->grid), child);
  while ((child = gtk_widget_get_first_child (self->buttons)) != NULL)
    gtk_box_remove (GTK_BOX (self->buttons), child);
  while ((child = gtk_widget_get_first_child (self->extra)) != NULL)
    gtk_box_remove (GTK_BOX (self->extra), child);
  gtk_widget_set_visible (self->payload_label, FALSE);
  gtk_widget_set_visible (self->payload_scroller, FALSE);
  actorscope_actor_charts_clear (ACTORSCOPE_ACTOR_CHARTS (self->charts));
  gtk_label_set_text (GTK_LABEL (self->payload), "");
  gtk_label_set_text (GTK_LABEL (self->subtitle), "");
  gtk_widget_set_visible (self->title, TRUE);
  gtk_widget_set_visible (self->edge_title, FALSE);
  self->row = 0;
}

static void
add_row (ActorscopeDetails *self, const char *key, const char *value)
{
  GtkWidget *k = gtk_label_new (key);
  GtkWidget *v = gtk_label_new (value);

  gtk_label_set_xalign (GTK_LABEL (k), 1);
  gtk_label_set_yalign (GTK_LABEL (k), 0);
  gtk_widget_add_css_class (k, "dim-label");
  /* Long keys ("Mailbox depth (max)") wrap rather than squeeze the values
   * (times, latency summaries) into breaking inside a number. */
  gtk_label_set_wrap (GTK_LABEL (k), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (k), PANGO_WRAP_WORD);
  gtk_label_set_max_width_chars (GTK_LABEL (k), 12);
  gtk_label_set_justify (GTK_LABEL (k), GTK_JUSTIFY_RIGHT);
  gtk_label_set_xalign (GTK_LABEL (v), 0);
  gtk_label_set_wrap_mode (GTK_LABEL (v), PANGO_WRAP_WORD);
  gtk_label_set_wrap (GTK_LABEL (v), TRUE);
  gtk_label_set_selectable (GTK_LABEL (v), TRUE);
  gtk_widget_set_hexpand (v, TRUE);
  gtk_grid_attach (GTK_GRID (self->grid), k, 0, self->row, 1, 1);
  gtk_grid_attach (GTK_GRID (self->grid), v, 1, self->row, 1, 1);
  self->row++;
  g_hash_table_insert (self->values, g_strdup (key), g_strdup (value));
}

static void
add_count (ActorscopeDetails *self, const char *key, guint64 n)
{
  char buf[32];

  g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, n);
  add_row (self, key, buf);
}

static void
add_duration (ActorscopeDetails *self, const char *key, gint64 ns)
{
  char buf[48];

  add_row (self, key, render_ticks_format_duration (ns, buf, sizeof buf));
}

static void
add_latency (ActorscopeDetails *self, const char *key, const IngestLatency *lat)
{
  char p50[48], p99[48], max[48];
  g_autofree char *text = NULL;

  if (lat->count == 0)
    return;
  render_ticks_format_duration (lat->p50_ns, p50, sizeof p50);
  render_ticks_format_duration (lat->p99_ns, p99, sizeof p99);
  render_ticks_format_duration (lat->max_ns, max, sizeof max);
  /* Translators: latency summary: median, 99th percentile, maximum. */
  text = g_strdup_printf (_("p50 %s · p99 %s · max %s"), p50, p99, max);
  add_row (self, key, text);
}

static gint64
origin (ActorscopeDetails *self)
{
  gint64 t0 = 0, t1;

  actorscope_document_get_time_range (self->document, &t0, &t1);
  return t0;
}

static void
add_time (ActorscopeDetails *self, const char *key, gint64 t)
{
  char buf[64];

  /* Microseconds: the store's latencies are no finer, and nine digits of
   * nanoseconds made the times wrap in the narrow pane. */
  add_row (self, key, render_ticks_format_time (t, 1000, origin (self), buf, sizeof buf));
}

static void
on_jump_actor (GtkButton *button, gpointer user_data)
{
  g_signal_emit (user_data, signals[JUMP_TO_ACTOR], 0,
                 GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "target")));
}

static void
on_jump_message (GtkButton *button, gpointer user_data)
{
  g_signal_emit (user_data, signals[JUMP_TO_MESSAGE], 0,
                 GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "target")));
}

static void
add_button (ActorscopeDetails *self, const char *label, guint target, gboolean actor)
{
  GtkWidget *button = gtk_button_new_with_label (label);

  g_object_set_data (G_OBJECT (button), "target", GUINT_TO_POINTER (target));
  g_signal_connect (button, "clicked", actor ? G_CALLBACK (on_jump_actor) : G_CALLBACK (on_jump_message), self);
  gtk_widget_set_tooltip_text (button, label);
  gtk_label_set_ellipsize (GTK_LABEL (gtk_button_get_child (GTK_BUTTON (button))), PANGO_ELLIPSIZE_MIDDLE);
  gtk_box_append (GTK_BOX (self->buttons), button);
}

static const char *
actor_name (ActorscopeDetails *self, IngestActorId id)
{
  const char *name = id ? ingest_store_actor_name (actorscope_document_get_store (self->document), id) : NULL;

  return name && *name ? name : "?";
}

static void
indent (GString *out, guint depth)
{
  g_string_append_c (out, '\n');
  for (guint i = 0; i < depth; i++)
    g_string_append (out, "  ");
}

/* Re-indents JSON text that jansson has already accepted. Works on the
 * text itself rather than on jansson's values so that what is shown is
 * exactly what was sent (numbers such as 0.1 or 1e3 keep their spelling,
 * key order and duplicate keys are kept). */
static char *
reindent_json (const char *text, gsize len)
{
  GString *out = g_string_sized_new (len + len / 4);
  guint depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      if (in_string)
        {
          g_string_append_c (out, c);
          if (c == '\\' && i + 1 < len)
            g_string_append_c (out, text[++i]);
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      switch (c)
        {
        case ' ': case '\t': case '\n': case '\r':
          break;
        case '"':
          in_string = TRUE;
          g_string_append_c (out, c);
          break;
        case '{': case '[':
          {
            gsize j = i + 1;

            while (j < len && strchr (" \t\n\r", text[j]) != NULL)
              j++;
            g_string_append_c (out, c);
            /* Empty containers stay on one line: {} and []. */
            if (j < len && (text[j] == '}' || text[j] == ']'))
              {
                g_string_append_c (out, text[j]);
                i = j;
              }
            else
              indent (out, ++depth);
          }
          break;
        case '}': case ']':
          indent (out, depth > 0 ? --depth : 0);
          g_string_append_c (out, c);
          break;
        case ',':
          g_string_append_c (out, c);
          indent (out, depth);
          break;
        case ':':
          g_string_append (out, ": ");
          break;
        default:
          g_string_append_c (out, c);
        }
    }
  return g_string_free (out, FALSE);
}

/* Characters that would be invisible or would rearrange the text around
 * them: C0 controls other than newline and tab, DEL, C1 controls, and the
 * bidirectional overrides/isolates (a "Trojan source" payload). */
static gboolean
is_hidden_control (gunichar c)
{
  return (c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7f && c <= 0x9f) ||
         (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
         c == 0x200e || c == 0x200f || c == 0x061c || c == 0xfeff;
}

char *
actorscope_details_format_payload (const char *payload, gsize *n_controls)
{
  g_autofree char *pretty = NULL;
  g_autoptr(GString) out = NULL;
  const char *text, *p, *end;
  gsize len, shown, controls = 0;

  g_return_val_if_fail (payload != NULL, NULL);
  len = strlen (payload);
  if (len <= MAX_PAYLOAD_PRETTY)
    {
      json_t *json = json_loadb (payload, len, 0, NULL);   /* objects and arrays only */

      if (json != NULL)
        {
          pretty = reindent_json (payload, len);
          json_decref (json);
        }
    }
  text = pretty ? pretty : payload;
  len = strlen (text);
  /* The store already repaired invalid UTF-8; never trust that blindly. */
  shown = MIN (len, MAX_PAYLOAD_SHOWN);
  if (!g_utf8_validate (text, shown, &end))
    shown = end - text;
  out = g_string_sized_new (shown + 64);
  for (p = text; p < text + shown; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (!is_hidden_control (c))
        g_string_append_unichar (out, c);
      else
        {
          controls++;
          if (c < 0x20)
            g_string_append_unichar (out, 0x2400 + c);   /* ␀ ␁ … ␟ */
          else if (c == 0x7f)
            g_string_append_unichar (out, 0x2421);       /* ␡ */
          else
            g_string_append_printf (out, "<U+%04X>", c);
        }
    }
  if (shown < len)
    {
      char more[32];

      g_snprintf (more, sizeof more, "%" G_GSIZE_FORMAT, len - shown);
      g_string_append_c (out, '\n');
      /* Translators: shown after a payload too long to show in full; %s is a number of bytes. */
      g_string_append_printf (out, _("… (%s more bytes not shown)"), more);
    }
  if (n_controls)
    *n_controls = controls;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

void
actorscope_details_show_nothing (ActorscopeDetails *self)
{
  g_return_if_fail (ACTORSCOPE_IS_DETAILS (self));
  clear (self, "none");
  gtk_label_set_text (GTK_LABEL (self->title), _("Nothing Selected"));
  gtk_label_set_text (GTK_LABEL (self->subtitle),
                      _("Click an actor, a message or an edge, or Shift+drag over the timeline or the overview to summarise a time range."));
}

/* The window's counterpart of add_subtree, from the window's nodes. */
static void
add_subtree_window (ActorscopeDetails *self, IngestStore *store, IngestActorId id)
{
  const IngestGraph *graph = self->figures->graph;
  guint32 n = ingest_store_n_actors (store);
  guint64 received = 0, sent = 0, errors = 0, members = 0;
  gint64 depth_max = 0;

  for (IngestActorId a = 1; a <= n; a++)
    {
      IngestActorId up = a;
      guint level = 0;

      while (up != 0 && up != id && level++ < 512)
        up = ingest_store_actor (store, up)->parent;
      if (up == id)
        members++;
    }
  if (members <= 1)
    return;
  for (guint i = 0; i < graph->nodes->len; i++)
    {
      const IngestViewNode *node = &g_array_index (graph->nodes, IngestViewNode, i);
      IngestActorId up = node->actor;
      guint level = 0;

      if (node->is_group || node->is_fold)
        continue;
      while (up != 0 && up != id && level++ < 512)
        up = ingest_store_actor (store, up)->parent;
      if (up != id)
        continue;
      received += node->received;
      sent += node->sent;
      errors += node->errors;
      depth_max = MAX (depth_max, node->mailbox_depth_max);
    }
  {
    g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, members - 1);
    g_autofree char *heading = g_strdup_printf (_("With its %s descendants"), count);
    add_row (self, heading, "");
  }
  add_count (self, _("Received (subtree)"), received);
  add_count (self, _("Sent (subtree)"), sent);
  add_count (self, _("Errors (subtree)"), errors);
  add_count (self, _("Mailbox depth (max, subtree)"), (guint64) MAX (0, depth_max));
}

/* Replaying: the actor's figures over the window ending at the cursor,
 * as its tree row and its node in the graph count them. What only the
 * whole trace knows (pending, round trips, first and last seen) is left
 * out rather than shown from the future. */
static void
show_actor_window (ActorscopeDetails *self, IngestStore *store, const IngestActor *actor, IngestActorId id)
{
  static const IngestViewNode idle;
  const IngestGraph *graph = self->figures->graph;
  const IngestViewNode *node = actorscope_window_figures_find_actor (self->figures, id);

  if (node == NULL)
    node = &idle;
  add_row (self, _("Kind"), ingest_actor_kind_to_string (actor->kind));
  /* Translators: a row of the details card during a replay: the figures
   * below cover the trace up to this time (the replay cursor). */
  add_time (self, _("Up to"), graph->to_ns);
  add_count (self, _("Received"), node->received);
  add_count (self, _("Sent"), node->sent);
  add_count (self, _("Dropped"), node->dropped);
  add_count (self, _("Errors"), node->errors);
  add_count (self, _("Crashes"), node->crashes);
  add_count (self, _("Mailbox depth (max)"), (guint64) MAX (0, node->mailbox_depth_max));
  add_latency (self, _("Time in mailbox"), &node->mailbox);
  add_latency (self, _("Processing"), &node->processing);
  add_subtree_window (self, store, id);
  actorscope_document_read_lock (self->document);
  actorscope_actor_charts_show (ACTORSCOPE_ACTOR_CHARTS (self->charts), store, id, graph->from_ns, graph->to_ns);
  actorscope_document_read_unlock (self->document);
}

/* An actor with descendants is a row of the tree that sums its subtree
 * and, folded, one node of the views: the card shows those sums too
 * (the same figures as the tree row), not only the actor's own. */
static void
add_subtree (ActorscopeDetails *self, IngestStore *store, IngestActorId id)
{
  guint32 n = ingest_store_n_actors (store);
  guint64 received = 0, sent = 0, errors = 0, members = 0;
  gint64 depth_max = 0;

  for (IngestActorId a = 1; a <= n; a++)
    {
      IngestActorId up = a;
      IngestActorStats st;
      guint level = 0;

      while (up != 0 && up != id && level++ < 512)
        up = ingest_store_actor (store, up)->parent;
      if (up != id)
        continue;
      ingest_store_actor_stats (store, a, &st);
      received += st.received;
      sent += st.sent;
      errors += st.errors;
      depth_max = MAX (depth_max, st.mailbox_depth_max);
      members++;
    }
  if (members <= 1)
    return;
  {
    g_autofree char *count = g_strdup_printf ("%" G_GUINT64_FORMAT, members - 1);
    /* Translators: a heading of the details card: the figures of an actor
     * together with its %s descendants (as its tree row and its folded
     * node show them). */
    g_autofree char *heading = g_strdup_printf (_("With its %s descendants"), count);
    add_row (self, heading, "");
  }
  add_count (self, _("Received (subtree)"), received);
  add_count (self, _("Sent (subtree)"), sent);
  add_count (self, _("Errors (subtree)"), errors);
  add_count (self, _("Mailbox depth (max, subtree)"), (guint64) MAX (0, depth_max));
}

void
actorscope_details_show_actor (ActorscopeDetails *self, IngestActorId id)
{
  IngestStore *store;
  const IngestActor *actor;
  IngestActorStats st;

  g_return_if_fail (ACTORSCOPE_IS_DETAILS (self));
  if (self->document == NULL ||
      (actor = ingest_store_actor (store = actorscope_document_get_store (self->document), id)) == NULL)
    {
      actorscope_details_show_nothing (self);
      return;
    }
  clear (self, "actor");
  self->shown_actor = id;
  gtk_label_set_text (GTK_LABEL (self->title), ingest_store_atom (store, actor->short_name));
  gtk_label_set_text (GTK_LABEL (self->subtitle), ingest_store_atom (store, actor->name));
  if (self->figures != NULL)
    {
      show_actor_window (self, store, actor, id);
      if (actor->parent != 0)
        {
          g_autofree char *label = g_strdup_printf (_("Parent: %s"), actor_name (self, actor->parent));
          add_button (self, label, actor->parent, TRUE);
        }
      return;
    }
  ingest_store_actor_stats (store, id, &st);
  add_row (self, _("Kind"), ingest_actor_kind_to_string (actor->kind));
  add_row (self, _("State"), actor->alive ? _("alive") : _("exited"));
  add_count (self, _("Received"), st.received);
  add_count (self, _("Sent"), st.sent);
  add_count (self, _("Processed"), st.processed);
  add_count (self, _("Dropped"), st.dropped);
  add_count (self, _("Errors"), st.errors);
  add_count (self, _("Crashes"), st.crashes);
  add_count (self, _("Mailbox depth (max)"), (guint64) MAX (0, st.mailbox_depth_max));
  add_count (self, _("Never received"), st.pending);
  add_latency (self, _("Time in mailbox"), &st.mailbox);
  add_latency (self, _("Processing"), &st.processing);
  add_latency (self, _("Round trip"), &st.round_trip);
  if (st.last_ns >= st.first_ns && st.received + st.sent > 0)
    {
      add_time (self, _("First seen"), st.first_ns);
      add_time (self, _("Last seen"), st.last_ns);
    }
  add_subtree (self, store, id);
  /* Over the whole trace, as the console charts an open window. */
  actorscope_document_read_lock (self->document);
  actorscope_actor_charts_show (ACTORSCOPE_ACTOR_CHARTS (self->charts), store, id, INGEST_TIME_MIN, INGEST_TIME_MAX);
  actorscope_document_read_unlock (self->document);
  if (actor->parent != 0)
    {
      g_autofree char *label = g_strdup_printf (_("Parent: %s"), actor_name (self, actor->parent));
      add_button (self, label, actor->parent, TRUE);
    }
}

void
actorscope_details_show_message (ActorscopeDetails *self, IngestMessageId id)
{
  IngestStore *store;
  const IngestMessage *msg;
  const IngestEvent *send = NULL, *recv = NULL, *done = NULL;
  const char *label;

  g_return_if_fail (ACTORSCOPE_IS_DETAILS (self));
  if (self->document == NULL ||
      (msg = ingest_store_message (store = actorscope_document_get_store (self->document), id)) == NULL)
    {
      actorscope_details_show_nothing (self);
      return;
    }
  clear (self, "message");
  label = ingest_store_atom (store, msg->label);
  gtk_label_set_text (GTK_LABEL (self->title), *label ? label : _("Message"));
  {
    g_autofree char *sub = g_strdup_printf ("%s → %s", actor_name (self, msg->from), actor_name (self, msg->to));
    gtk_label_set_text (GTK_LABEL (self->subtitle), sub);
  }
  add_row (self, _("Id"), ingest_store_atom (store, msg->key));
  if (msg->send_seq != INGEST_SEQ_NONE) send = ingest_store_event (store, msg->send_seq);
  if (msg->receive_seq != INGEST_SEQ_NONE) recv = ingest_store_event (store, msg->receive_seq);
  if (msg->done_seq != INGEST_SEQ_NONE) done = ingest_store_event (store, msg->done_seq);
  if (send) add_time (self, _("Sent"), send->time_ns);
  if (recv) add_time (self, _("Received"), recv->time_ns);
  else add_row (self, _("Received"), _("never (pending)"));
  if (done) add_time (self, _("Done"), done->time_ns);
  if (send && recv) add_duration (self, _("Time in mailbox"), recv->time_ns - send->time_ns);
  if (recv && done) add_duration (self, _("Processing"), done->time_ns - recv->time_ns);
  if (msg->size > 0) add_count (self, _("Size (bytes)"), msg->size);
  if (msg->reply_to != 0) add_row (self, _("Reply to"), actor_name (self, msg->reply_to));

  if (msg->from != 0)
    {
      g_autofree char *l = g_strdup_printf (_("Sender: %s"), actor_name (self, msg->from));
      add_button (self, l, msg->from, TRUE);
    }
  if (msg->to != 0)
    {
      g_autofree char *l = g_strdup_printf (_("Receiver: %s"), actor_name (self, msg->to));
      add_button (self, l, msg->to, TRUE);
    }
  if (msg->in_reply_to != 0)
    add_button (self, _("Go to Request"), msg->in_reply_to, FALSE);
  if (msg->response != 0)
    {
      const IngestMessage *resp = ingest_store_message (store, msg->response);

      add_button (self, _("Go to Response"), msg->response, FALSE);
      if (resp && send && resp->receive_seq != INGEST_SEQ_NONE)
        add_duration (self, _("Round trip"),
                      ingest_store_event (store, resp->receive_seq)->time_ns - send->time_ns);
    }
  if (msg->payload != 0)
    {
      const char *raw = ingest_store_payload (store, msg->payload);
      gsize controls = 0;
      g_autofree char *shown = actorscope_details_format_payload (raw ? raw : "", &controls);

      /* gtk_label_set_text: plain text, never markup; control characters
       * were made visible by format_payload. */
      gtk_label_set_text (GTK_LABEL (self->payload), shown);
      gtk_widget_set_tooltip_text (self->payload_label,
                                   controls > 0 ? _("Invisible control characters are shown as symbols such as ␛ or <U+202E>.") : NULL);
      gtk_widget_set_visible (self->payload_label, TRUE);
      gtk_widget_set_visible (self->payload_scroller, TRUE);
      g_hash_table_insert (self->values, g_strdup ("payload"), g_strdup (raw ? raw : ""));
      g_hash_table_insert (self->values, g_strdup ("payload-shown"), g_steal_pointer (&shown));
    }
}

static void
set_edge_end (GtkWidget *label, const char *name, const char *prefix)
{
  g_autofree char *text = g_strconcat (prefix, name, NULL);

  gtk_label_set_text (GTK_LABEL (label), text);
  gtk_widget_set_tooltip_text (label, name);
}

static GtkWidget *
edge_end_new (void)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), FALSE);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (label, "title-3");
  return label;
}

/* The title of an edge's card and its buttons. */
static void
edge_card_begin (ActorscopeDetails *self, IngestActorId from, IngestActorId to)
{
  g_autofree char *title = NULL;

  clear (self, "edge");
  self->shown_from = from;
  self->shown_to = to;
  title = g_strdup_printf ("%s → %s", actor_name (self, from), actor_name (self, to));
  gtk_label_set_text (GTK_LABEL (self->title), title);
  /* Never break inside an actor name (a wrapped title read
   * "storage.nf-s"): one line per actor, shortened in the middle,
   * where paths differ least, with the full name in a tooltip. */
  set_edge_end (self->edge_from, actor_name (self, from), "");
  set_edge_end (self->edge_to, actor_name (self, to), "→ ");
  gtk_widget_set_visible (self->title, FALSE);
  gtk_widget_set_visible (self->edge_title, TRUE);
  gtk_label_set_text (GTK_LABEL (self->subtitle), _("Messages on this edge"));
}

static void
edge_card_buttons (ActorscopeDetails *self, IngestActorId from, IngestActorId to)
{
  g_autofree char *sender = g_strdup_printf (_("Sender: %s"), actor_name (self, from));
  g_autofree char *receiver = g_strdup_printf (_("Receiver: %s"), actor_name (self, to));

  add_button (self, sender, from, TRUE);
  add_button (self, receiver, to, TRUE);
}

/* Replaying: the edge over the window ending at the cursor, as the
 * graph's edge counts it; no messages on it yet reads 0. */
static void
show_edge_window (ActorscopeDetails *self, IngestStore *store, IngestActorId from, IngestActorId to)
{
  const IngestGraph *graph = self->figures->graph;
  const IngestViewEdge *edge = NULL;
  static const IngestViewEdge none;

  for (guint i = 0; i < graph->edges->len && edge == NULL; i++)
    {
      const IngestViewEdge *e = &g_array_index (graph->edges, IngestViewEdge, i);

      if (g_array_index (graph->nodes, IngestViewNode, e->from).actor == from &&
          g_array_index (graph->nodes, IngestViewNode, e->to).actor == to)
        edge = e;
    }
  if (edge == NULL)
    edge = &none;
  edge_card_begin (self, from, to);
  add_time (self, _("Up to"), graph->to_ns);
  add_count (self, _("Messages"), edge->count);
  add_count (self, _("Received"), edge->received);
  add_count (self, _("Dropped"), edge->dropped);
  add_count (self, _("Bytes"), edge->bytes);
  if (edge->count > 0)
    {
      char buf[32];
      g_snprintf (buf, sizeof buf, "%.2f", edge->rate_per_s);
      add_row (self, _("Rate (msg/s)"), buf);
    }
  if (edge->top_label)
    add_row (self, _("Most frequent"), ingest_graph_atom (graph, edge->top_label));
  add_latency (self, _("Time in mailbox"), &edge->mailbox);
  add_latency (self, _("Round trip"), &edge->round_trip);
  edge_card_buttons (self, from, to);
}

void
actorscope_details_show_edge (ActorscopeDetails *self, IngestActorId from, IngestActorId to)
{
  g_autofree IngestEdgeStats *edges = NULL;
  gsize n = 0;
  IngestStore *store;

  g_return_if_fail (ACTORSCOPE_IS_DETAILS (self));
  if (self->document == NULL)
    return;
  store = actorscope_document_get_store (self->document);
  if (self->figures != NULL)
    {
      show_edge_window (self, store, from, to);
      return;
    }
  edges = ingest_store_dup_edges (store, &n);
  for (gsize i = 0; i < n; i++)
    {
      IngestEdgeStats *e = &edges[i];

      if (e->from != from || e->to != to)
        continue;
      edge_card_begin (self, from, to);
      add_count (self, _("Messages"), e->count);
      add_count (self, _("Received"), e->received);
      add_count (self, _("Dropped"), e->dropped);
      add_count (self, _("Bytes"), e->bytes);
      if (e->last_ns > e->first_ns)
        {
          char buf[32];
          g_snprintf (buf, sizeof buf, "%.2f", e->count / ((e->last_ns - e->first_ns) / 1e9));
          add_row (self, _("Rate (msg/s)"), buf);
        }
      if (e->top_label)
        add_row (self, _("Most frequent"), ingest_store_atom (store, e->top_label));
      add_latency (self, _("Time in mailbox"), &e->mailbox);
      add_latency (self, _("Processing"), &e->processing);
      add_latency (self, _("Round trip"), &e->round_trip);
      edge_card_buttons (self, from, to);
      return;
    }
  actorscope_details_show_nothing (self);
}

static int
compare_edges_by_count (gconstpointer a, gconstpointer b)
{
  const IngestViewEdge *ea = a, *eb = b;

  return ea->count < eb->count ? 1 : ea->count > eb->count ? -1 : 0;
}

void
actorscope_details_show_range (ActorscopeDetails *self, gint64 from_ns, gint64 to_ns,
                               const char *actor_pattern)
{
  IngestViewSpec spec = { 0 };
  g_autoptr(IngestGraph) graph = NULL;
  g_autoptr(GError) error = NULL;
  guint64 total = 0, dropped = 0;
  char a[64], b[64], d[48];
  g_autofree char *sub = NULL;
  GtkWidget *table;

  g_return_if_fail (ACTORSCOPE_IS_DETAILS (self));
  if (self->document == NULL || from_ns >= to_ns)
    return;
  spec.from_ns = from_ns;
  spec.to_ns = to_ns;
  spec.actor_filter = actor_pattern;
  graph = ingest_graph_build (actorscope_document_get_store (self->document), &spec, &error);
  clear (self, "range");
  gtk_label_set_text (GTK_LABEL (self->title), _("Selected Time Range"));
  render_ticks_format_time (from_ns, 1000, origin (self), a, sizeof a);
  render_ticks_format_time (to_ns, 1000, origin (self), b, sizeof b);
  render_ticks_format_duration (to_ns - from_ns, d, sizeof d);
  sub = g_strdup_printf ("%s – %s (%s)", a, b, d);
  gtk_label_set_text (GTK_LABEL (self->subtitle), sub);
  if (graph == NULL)
    {
      add_row (self, _("Error"), error->message);
      return;
    }
  g_array_sort (graph->edges, compare_edges_by_count);
  for (guint i = 0; i < graph->edges->len; i++)
    {
      total += g_array_index (graph->edges, IngestViewEdge, i).count;
      dropped += g_array_index (graph->edges, IngestViewEdge, i).dropped;
    }
  add_count (self, _("Messages"), total);
  add_count (self, _("Dropped"), dropped);
  {
    char buf[32];
    g_snprintf (buf, sizeof buf, "%.2f", total / ((to_ns - from_ns) / 1e9));
    add_row (self, _("Rate (msg/s)"), buf);
  }
  add_count (self, _("Edges"), graph->edges->len);

  /* One small table: edge, count, rate, p50, p99 of the time in mailbox. */
  table = gtk_grid_new ();
  gtk_grid_set_column_spacing (GTK_GRID (table), 10);
  gtk_grid_set_row_spacing (GTK_GRID (table), 2);
  gtk_widget_add_css_class (table, "range-table");
  {
    const char *heads[] = { _("Edge"), C_("column", "Count"), C_("column", "Msg/s"),
                            C_("column", "p50"), C_("column", "p99") };
    for (guint c = 0; c < G_N_ELEMENTS (heads); c++)
      {
        GtkWidget *h = gtk_label_new (heads[c]);
        gtk_label_set_xalign (GTK_LABEL (h), c == 0 ? 0 : 1);
        gtk_widget_add_css_class (h, "heading");
        gtk_grid_attach (GTK_GRID (table), h, c, 0, 1, 1);
      }
  }
  for (guint i = 0; i < MIN (graph->edges->len, MAX_RANGE_EDGES); i++)
    {
      const IngestViewEdge *e = &g_array_index (graph->edges, IngestViewEdge, i);
      const IngestViewNode *nf = &g_array_index (graph->nodes, IngestViewNode, e->from);
      const IngestViewNode *nt = &g_array_index (graph->nodes, IngestViewNode, e->to);
      const IngestLatency *lat = e->round_trip.count > 0 ? &e->round_trip : &e->mailbox;
      const char *sf = strrchr (nf->name, '/'), *st = strrchr (nt->name, '/');
      /* Short names fit the pane; the full paths are in the tooltip. */
      g_autofree char *name = g_strdup_printf ("%s → %s", sf && sf[1] ? sf + 1 : nf->name,
                                               st && st[1] ? st + 1 : nt->name);
      g_autofree char *full = g_strdup_printf ("%s → %s", nf->name, nt->name);
      char count[32], rate[32], p50[48], p99[48];
      const char *cells[5];

      g_snprintf (count, sizeof count, "%" G_GUINT64_FORMAT, e->count);
      g_snprintf (rate, sizeof rate, "%.1f", e->rate_per_s);
      if (lat->count > 0)
        {
          render_ticks_format_duration (lat->p50_ns, p50, sizeof p50);
          render_ticks_format_duration (lat->p99_ns, p99, sizeof p99);
        }
      else
        {
          g_strlcpy (p50, "–", sizeof p50);
          g_strlcpy (p99, "–", sizeof p99);
        }
      cells[0] = name; cells[1] = count; cells[2] = rate; cells[3] = p50; cells[4] = p99;
      /* The pane is narrow: the edge gets a line of its own, its figures
       * the line below. */
      for (guint c = 0; c < 5; c++)
        {
          GtkWidget *l = gtk_label_new (cells[c]);
          gtk_label_set_xalign (GTK_LABEL (l), c == 0 ? 0 : 1);
          if (c == 0)
            {
              gtk_label_set_ellipsize (GTK_LABEL (l), PANGO_ELLIPSIZE_MIDDLE);
              gtk_widget_set_tooltip_text (l, full);
              gtk_widget_set_margin_top (l, 4);
              gtk_grid_attach (GTK_GRID (table), l, 0, 2 * i + 1, 5, 1);
            }
          else
            {
              gtk_widget_add_css_class (l, "numeric");
              gtk_widget_set_hexpand (l, TRUE);
              gtk_grid_attach (GTK_GRID (table), l, c, 2 * i + 2, 1, 1);
            }
        }
      if (i == 0)
        g_hash_table_insert (self->values, g_strdup ("top-edge"), g_strdup (full));
    }
  gtk_box_append (GTK_BOX (self->extra), table);
}

void
actorscope_details_set_document (ActorscopeDetails *self, ActorscopeDocument *document)
{
  g_return_if_fail (ACTORSCOPE_IS_DETAILS (self));
  g_set_object (&self->document, document);
  g_clear_pointer (&self->figures, actorscope_window_figures_unref);
  actorscope_details_show_nothing (self);
}

void
actorscope_details_set_window_figures (ActorscopeDetails *self, ActorscopeWindowFigures *figures)
{
  g_return_if_fail (ACTORSCOPE_IS_DETAILS (self));
  if (figures == self->figures)
    return;
  g_clear_pointer (&self->figures, actorscope_window_figures_unref);
  if (figures != NULL)
    self->figures = actorscope_window_figures_ref (figures);
  /* What is shown follows the cursor; a message or a range does not
   * depend on it. */
  if (g_strcmp0 (self->kind, "actor") == 0)
    actorscope_details_show_actor (self, self->shown_actor);
  else if (g_strcmp0 (self->kind, "edge") == 0)
    actorscope_details_show_edge (self, self->shown_from, self->shown_to);
}

const char *
actorscope_details_get_kind (ActorscopeDetails *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_DETAILS (self), NULL);
  return self->kind;
}

GtkLabel *
actorscope_details_get_edge_end (ActorscopeDetails *self, gboolean to)
{
  g_return_val_if_fail (ACTORSCOPE_IS_DETAILS (self), NULL);
  if (!gtk_widget_get_visible (self->edge_title))
    return NULL;
  return GTK_LABEL (to ? self->edge_to : self->edge_from);
}

const char *
actorscope_details_get_title (ActorscopeDetails *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_DETAILS (self), NULL);
  return gtk_label_get_text (GTK_LABEL (self->title));
}

ActorscopeActorCharts *
actorscope_details_get_charts (ActorscopeDetails *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_DETAILS (self), NULL);
  return ACTORSCOPE_ACTOR_CHARTS (self->charts);
}

const char *
actorscope_details_get_value (ActorscopeDetails *self, const char *key)
{
  g_return_val_if_fail (ACTORSCOPE_IS_DETAILS (self), NULL);
  return g_hash_table_lookup (self->values, key);
}

static void
actorscope_details_dispose (GObject *object)
{
  ActorscopeDetails *self = ACTORSCOPE_DETAILS (object);

  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_object (&self->document);
  g_clear_pointer (&self->figures, actorscope_window_figures_unref);
  g_clear_pointer (&self->values, g_hash_table_unref);
  G_OBJECT_CLASS (actorscope_details_parent_class)->dispose (object);
}

static void
actorscope_details_class_init (ActorscopeDetailsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = actorscope_details_dispose;
  signals[JUMP_TO_ACTOR] = g_signal_new ("jump-to-actor", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                         1, G_TYPE_UINT);
  signals[JUMP_TO_MESSAGE] = g_signal_new ("jump-to-message", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                           1, G_TYPE_UINT);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "details");
}

static void
actorscope_details_init (ActorscopeDetails *self)
{
  GtkWidget *scroller;

  self->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  gtk_widget_set_margin_start (self->box, 12);
  gtk_widget_set_margin_end (self->box, 12);
  gtk_widget_set_margin_top (self->box, 12);
  gtk_widget_set_margin_bottom (self->box, 12);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  self->title = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->title), 0);
  gtk_label_set_wrap (GTK_LABEL (self->title), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (self->title), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (self->title), TRUE);
  gtk_widget_add_css_class (self->title, "title-3");
  gtk_box_append (GTK_BOX (self->box), self->title);

  self->edge_title = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  self->edge_from = edge_end_new ();
  self->edge_to = edge_end_new ();
  gtk_box_append (GTK_BOX (self->edge_title), self->edge_from);
  gtk_box_append (GTK_BOX (self->edge_title), self->edge_to);
  gtk_widget_set_visible (self->edge_title, FALSE);
  gtk_box_append (GTK_BOX (self->box), self->edge_title);

  self->subtitle = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->subtitle), 0);
  gtk_label_set_wrap (GTK_LABEL (self->subtitle), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (self->subtitle), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (self->subtitle), TRUE);
  gtk_widget_add_css_class (self->subtitle, "dim-label");
  gtk_box_append (GTK_BOX (self->box), self->subtitle);

  self->grid = gtk_grid_new ();
  gtk_grid_set_column_spacing (GTK_GRID (self->grid), 12);
  gtk_grid_set_row_spacing (GTK_GRID (self->grid), 4);
  gtk_widget_set_margin_top (self->grid, 6);
  gtk_box_append (GTK_BOX (self->box), self->grid);

  self->extra = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_box_append (GTK_BOX (self->box), self->extra);

  self->charts = actorscope_actor_charts_new ();
  gtk_widget_set_margin_top (self->charts, 6);
  gtk_box_append (GTK_BOX (self->box), self->charts);

  self->buttons = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_margin_top (self->buttons, 6);
  gtk_box_append (GTK_BOX (self->box), self->buttons);

  self->payload_label = gtk_label_new (_("Payload"));
  gtk_label_set_xalign (GTK_LABEL (self->payload_label), 0);
  gtk_widget_add_css_class (self->payload_label, "heading");
  gtk_box_append (GTK_BOX (self->box), self->payload_label);

  /* A label rather than a GtkTextView: a label measures its wrapped height
   * for the width it gets (the text view kept the height of one line when
   * its text changed, cutting the payload off), and gtk_label_set_text
   * never interprets markup. Long payloads scroll inside their own box so
   * the buttons above stay in reach. */
  self->payload = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->payload), 0);
  gtk_label_set_yalign (GTK_LABEL (self->payload), 0);
  gtk_label_set_wrap (GTK_LABEL (self->payload), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (self->payload), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (self->payload), TRUE);
  gtk_label_set_use_markup (GTK_LABEL (self->payload), FALSE);
  gtk_widget_add_css_class (self->payload, "payload");
  gtk_widget_add_css_class (self->payload, "monospace");
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), 420);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), self->payload);
  gtk_widget_add_css_class (scroller, "payload-box");
  self->payload_scroller = scroller;
  gtk_box_append (GTK_BOX (self->box), scroller);

  actorscope_details_show_nothing (self);
}
