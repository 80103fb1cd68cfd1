/* actorscope-window.c: the main window. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "actorscope-window.h"
#include "actorscope-deviations-list.h"
#include "actorscope-dir-follow.h"
#include "actorscope-search-bar.h"
#include "actorscope-live.h"
#include "actorscope-overview.h"
#include "actorscope-time-ruler.h"
#include "actorscope-settings.h"
#include "ingest-matcher.h"
#include "render-cairo.h"
#include "render-svg.h"
#include "render-ticks.h"

static const double replay_speeds[] = { 0.1, 0.5, 1, 2, 10, 100 };

struct _ActorscopeWindow {
  GtkApplicationWindow parent_instance;

  /* template children */
  GtkMenuButton *recent_button;
  GtkInfoBar *error_bar;
  GtkLabel *error_label;
  GtkInfoBar *export_bar;
  GtkLabel *export_label;
  GtkPaned *sidebar_paned;
  GtkPaned *details_paned;
  GtkWidget *sidebar;
  GtkSearchEntry *filter_entry;
  ActorscopeActorTree *actor_tree;
  GtkStack *main_stack;
  GtkLabel *loading_label;
  GtkProgressBar *loading_progress;
  ActorscopeTimeRuler *ruler;
  ActorscopeSceneView *scene_view;
  ActorscopeOverview *overview;
  GtkWidget *replay_bar;
  GtkToggleButton *play_button;
  GtkDropDown *speed_dropdown;
  GtkScale *seek_scale;
  GtkLabel *position_label;
  GtkLabel *selection_label;
  GtkWidget *now_button;
  GtkWidget *details_scroller;
  ActorscopeDetails *details;
  GtkLabel *status_label;
  GtkMenuButton *deviations_button;
  GtkLabel *deviations_badge;
  GtkPopover *deviations_popover;
  ActorscopeDeviationsList *deviations_list;
  ActorscopeSearchBar *search_bar;  /* under the header bar; owned by its parent box */

  GSettings *settings;
  ActorscopeSession *session;   /* window, area, cursor, filter, groups: shared by the views */
  ActorscopeDocument *document;
  GCancellable *load_cancellable;
  char *error;
  char *export_uri;             /* the last file exported (for "Open") */
  gulong dark_handler;

  /* replay */
  guint tick_id;
  gint64 last_frame_us;
  gint64 replay_pos;            /* time-order position of the last stepped event, -1 = start */
  gboolean following;           /* live: keep the newest events in view */
  gboolean moving_seek_scale;   /* the cursor moves the scale, not the user */

  ActorscopeLive *live;
  ActorscopeDirFollow *dir_follow;  /* the document is a data dir a service may still write */
};

G_DEFINE_FINAL_TYPE (ActorscopeWindow, actorscope_window, GTK_TYPE_APPLICATION_WINDOW)

static void update_status (ActorscopeWindow *self);
static void set_playing (ActorscopeWindow *self, gboolean playing);

/* ---- errors ---- */

static void
show_error (ActorscopeWindow *self, const char *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  /* Plain text: error messages quote trace content. */
  gtk_label_set_text (self->error_label, message);
  gtk_info_bar_set_revealed (self->error_bar, TRUE);
  gtk_info_bar_set_revealed (self->export_bar, FALSE);
}

static void
on_error_response (GtkInfoBar *bar, int response, gpointer user_data)
{
  gtk_info_bar_set_revealed (bar, FALSE);
}

/* ---- document ---- */

static char *
current_pattern (ActorscopeWindow *self)
{
  return ingest_matcher_pattern_from_search (gtk_editable_get_text (GTK_EDITABLE (self->filter_entry)));
}

static void
update_position_label (ActorscopeWindow *self)
{
  gint64 cursor = actorscope_scene_view_get_cursor (self->scene_view);
  gint64 t0 = 0, t1 = 0;
  char buf[64];

  if (self->document == NULL || !actorscope_document_get_time_range (self->document, &t0, &t1))
    {
      gtk_label_set_text (self->position_label, "");
      return;
    }
  if (cursor == INGEST_TIME_MAX)
    cursor = t1;
  render_ticks_format_time (cursor, 1000, t0, buf, sizeof buf);
  gtk_label_set_text (self->position_label, buf);
  self->moving_seek_scale = TRUE;
  gtk_range_set_value (GTK_RANGE (self->seek_scale),
                       t1 > t0 ? 1000.0 * (double) (cursor - t0) / (double) (t1 - t0) : 1000.0);
  self->moving_seek_scale = FALSE;
}

static void
on_scene_changed (ActorscopeSceneView *view, gpointer user_data)
{
  ActorscopeWindow *self = user_data;
  const char *err = actorscope_scene_view_get_filter_error (view);
  ActorscopeWindowFigures *figures = actorscope_scene_view_get_window_figures (view);

  /* Replaying, the tree and the card count what the scene shows: the
   * window ending at the cursor (computed with the scene); the whole
   * trace again once the cursor is back at the end. */
  actorscope_actor_tree_set_window_figures (self->actor_tree, figures);
  actorscope_details_set_window_figures (self->details, figures);

  if (err != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->filter_entry), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->filter_entry), err);
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->filter_entry), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->filter_entry), NULL);
    }
}

/* The tree's context menu folded or unfolded a subtree: the views show it
 * as one node/lane. */
static void
on_groups_changed (ActorscopeActorTree *tree, gpointer user_data)
{
  ActorscopeWindow *self = user_data;

  actorscope_session_set_groups (self->session, actorscope_actor_tree_get_groups (tree));
}

static void
on_document_changed (ActorscopeDocument *document, gpointer user_data)
{
  ActorscopeWindow *self = user_data;

  update_status (self);
  actorscope_actor_tree_refresh (self->actor_tree);
  if (self->following)
    {
      gint64 from, to, t0, t1;

      /* Keep the window's span and slide it to the newest event. */
      actorscope_scene_view_get_window (self->scene_view, &from, &to);
      if (actorscope_document_get_time_range (document, &t0, &t1) && to > from)
        actorscope_scene_view_set_window (self->scene_view, MAX (t0, t1 - (to - from)), t1);
    }
  update_position_label (self);
}

static void
update_status (ActorscopeWindow *self)
{
  IngestStore *store;
  g_autofree char *text = NULL;
  g_autofree char *skipped = NULL;

  if (self->document == NULL)
    {
      gtk_label_set_text (self->status_label, "");
      return;
    }
  store = actorscope_document_get_store (self->document);
  {
    /* Numbers are formatted first: gettext cannot see through
     * G_GUINT64_FORMAT inside a translatable format. */
    guint64 n_skipped = actorscope_document_get_n_skipped (self->document);
    g_autofree char *events = g_strdup_printf ("%" G_GUINT64_FORMAT, ingest_store_n_events (store));
    g_autofree char *n_skipped_s = g_strdup_printf ("%" G_GUINT64_FORMAT, n_skipped);

    if (n_skipped > 0)
      skipped = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, " · %s malformed record skipped",
                                              " · %s malformed records skipped",
                                              n_skipped > 1000000 ? 1000000 + n_skipped % 1000000 : n_skipped),
                                 n_skipped_s);
    {
      /* Lost events (message-switch ids the broker's ring dropped), before
       * and while attached apart: the first is the capture starting late,
       * the second a poller too slow for the ring. */
      IngestStoreCounters *c = ingest_store_counters (store);
      if (c->lost_before_attach > 0 || c->lost_events > 0)
        {
          g_autofree char *before = g_strdup_printf ("%" G_GUINT64_FORMAT, c->lost_before_attach);
          g_autofree char *during = g_strdup_printf ("%" G_GUINT64_FORMAT, c->lost_events);
          /* Translators: a note of the status line: events lost before the
           * capture started and while it ran. */
          g_autofree char *lost = g_strdup_printf (_(" · lost %s before attach, %s while attached"),
                                                   before, during);
          char *joined = g_strconcat (skipped ? skipped : "", lost, NULL);
          g_free (skipped);
          skipped = joined;
        }
      /* The other record counters `actorscope stats` prints. */
      if (c->duplicate_events > 0 || c->unmatched > 0)
        {
          g_autofree char *dup = g_strdup_printf ("%" G_GUINT64_FORMAT, c->duplicate_events);
          g_autofree char *unmatched = g_strdup_printf ("%" G_GUINT64_FORMAT, c->unmatched);
          /* Translators: a note of the status line: events read twice
           * (dropped) and records that match no message. */
          g_autofree char *note = g_strdup_printf (_(" · %s duplicate, %s unmatched"), dup, unmatched);
          char *joined = g_strconcat (skipped ? skipped : "", note, NULL);
          g_free (skipped);
          skipped = joined;
        }
    }
    /* Translators: the status line: file name, then counts of events,
     * actors and messages; the last two %s add optional notes. */
    /* spans (Chrome slices) are not messages: counted apart */
    guint32 n_spans = ingest_store_n_spans (store);
    if (n_spans > 0)
      {
        /* Translators: a note of the status line: spans (Chrome slices,
         * work on a thread) counted apart from messages. */
        char *joined = g_strdup_printf (_(" · %u spans%s"), n_spans, skipped ? skipped : "");
        g_free (skipped);
        skipped = joined;
      }
    text = g_strdup_printf (_("%s · %s events · %u actors · %u messages%s%s"),
                            actorscope_document_get_title (self->document),
                            events, ingest_store_n_actors (store),
                            ingest_store_n_messages (store) - n_spans, skipped ? skipped : "",
                            actorscope_document_get_live (self->document) ? _(" · live") : "");
  }
  gtk_label_set_text (self->status_label, text);
}

/* The header bar's count: how many deviations the list found. */
static void
update_deviations_badge (ActorscopeWindow *self)
{
  const IngestDeviations *list = actorscope_deviations_list_get_deviations (self->deviations_list);
  guint64 total = list != NULL ? list->total : 0;
  char buf[32];

  g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, total);
  gtk_label_set_text (self->deviations_badge, buf);
  gtk_widget_set_visible (GTK_WIDGET (self->deviations_button), self->document != NULL);
  if (total > 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->deviations_badge), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->deviations_badge), "error");
}

/* A live trace grows: scan again whenever the list is opened. */
static void
on_deviations_popover_show (GtkWidget *popover, gpointer user_data)
{
  ActorscopeWindow *self = user_data;

  if (self->document != NULL && actorscope_document_get_live (self->document))
    {
      actorscope_deviations_list_refresh (self->deviations_list);
      update_deviations_badge (self);
    }
}

static void
on_dir_follow_state (ActorscopeDirFollow *follow, const char *message, gboolean failed, gpointer user_data)
{
  show_error (user_data, message);
}

void
actorscope_window_set_document (ActorscopeWindow *self, ActorscopeDocument *document)
{
  g_return_if_fail (ACTORSCOPE_IS_WINDOW (self));
  /* A file (or nothing) replaces a live document: stop following it. */
  if (self->live != NULL && (document == NULL || !actorscope_document_get_live (document)))
    g_clear_object (&self->live);
  if (document != self->document)
    g_clear_object (&self->dir_follow);
  /* A data directory: what a running service writes next shows up, as in
   * a live document (a finished one simply stops growing). */
  if (document != NULL && self->dir_follow == NULL && actorscope_document_get_data_dir_end (document, NULL))
    {
      actorscope_document_set_live (document, TRUE);
      self->dir_follow = actorscope_dir_follow_new (document);
      g_signal_connect_object (self->dir_follow, "state", G_CALLBACK (on_dir_follow_state), self, 0);
    }

  set_playing (self, FALSE);
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_set_object (&self->document, document);
  self->replay_pos = -1;
  self->following = document != NULL && actorscope_document_get_live (document);
  actorscope_scene_view_set_document (self->scene_view, document);
  actorscope_overview_set_document (self->overview, document);
  actorscope_actor_tree_set_document (self->actor_tree, document);
  actorscope_details_set_document (self->details, document);
  actorscope_deviations_list_set_document (self->deviations_list, document);
  actorscope_search_bar_set_document (self->search_bar, document);
  update_deviations_badge (self);
  gtk_label_set_text (self->selection_label, "");
  if (document != NULL)
    {
      g_autofree char *filter = NULL;

      g_signal_connect (document, "changed", G_CALLBACK (on_document_changed), self);
      gtk_window_set_title (GTK_WINDOW (self), actorscope_document_get_title (document));
      gtk_stack_set_visible_child_name (self->main_stack, "view");
      filter = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->filter_entry)));
      actorscope_actor_tree_set_filter (self->actor_tree, filter);
      actorscope_session_set_filter (self->session, filter);
    }
  else
    {
      gtk_window_set_title (GTK_WINDOW (self), "Actorscope");
      gtk_stack_set_visible_child_name (self->main_stack, "empty");
    }
  gtk_widget_set_visible (self->now_button, document != NULL && actorscope_document_get_live (document));
  update_status (self);
  update_position_label (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export", document != NULL);
}

ActorscopeDocument *
actorscope_window_get_document (ActorscopeWindow *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_WINDOW (self), NULL);
  return self->document;
}

gboolean
actorscope_window_is_loading (ActorscopeWindow *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_WINDOW (self), FALSE);
  return self->load_cancellable != NULL;
}

const char *
actorscope_window_get_error (ActorscopeWindow *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_WINDOW (self), NULL);
  return self->error;
}

static void
on_load_progress (guint64 done, guint64 total, gpointer user_data)
{
  ActorscopeWindow *self = user_data;
  char text[64];

  if (total > 0)
    {
      gtk_progress_bar_set_fraction (self->loading_progress, (double) done / total);
      g_snprintf (text, sizeof text, "%.0f %%", 100.0 * done / total);
      gtk_progress_bar_set_text (self->loading_progress, text);
    }
  else
    {
      g_autofree char *size = g_format_size (done);
      gtk_progress_bar_pulse (self->loading_progress);
      gtk_progress_bar_set_text (self->loading_progress, size);
    }
}

static void
on_load_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(ActorscopeWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ActorscopeDocument) doc = actorscope_document_load_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->load_cancellable);
  if (doc == NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("Could not open the trace: %s"), error->message);
      show_error (self, msg);
      gtk_stack_set_visible_child_name (self->main_stack, self->document ? "view" : "empty");
      return;
    }
  gtk_info_bar_set_revealed (self->error_bar, FALSE);
  g_clear_pointer (&self->error, g_free);
  {
    GFile *file = actorscope_document_get_file (doc);
    g_autofree char *uri = file ? g_file_get_uri (file) : NULL;

    /* Full data: without a MIME type and an Exec line the bookmark file
     * cannot be written (GLib warns about a NULL field). */
    if (uri != NULL)
      {
        GtkRecentData data = {
          .display_name = NULL,
          .mime_type = (char *) (actorscope_document_get_data_dir_end (doc, NULL) ? "inode/directory"
                                                                                  : "application/x-ndjson"),
          .app_name = (char *) g_get_application_name (),
          .app_exec = (char *) "actorscope-gtk %u",
        };

        gtk_recent_manager_add_full (gtk_recent_manager_get_default (), uri, &data);
      }
  }
  actorscope_window_set_document (self, doc);
}

void
actorscope_window_open (ActorscopeWindow *self, GFile *file)
{
  g_autofree char *name = NULL;
  g_autofree char *label = NULL;

  g_return_if_fail (ACTORSCOPE_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();
  name = g_file_get_basename (file);
  label = g_strdup_printf (_("Loading %s…"), name);
  gtk_label_set_text (self->loading_label, label);
  gtk_progress_bar_set_fraction (self->loading_progress, 0);
  gtk_progress_bar_set_text (self->loading_progress, NULL);
  gtk_stack_set_visible_child_name (self->main_stack, "loading");
  actorscope_document_load_async (file, FALSE, self->load_cancellable, on_load_progress, self,
                                  on_load_done, g_object_ref (self));
}

/* ---- export ---- */

static void
export_warning (const char *message, gpointer user_data)
{
  g_debug ("export: %s", message);
}

gboolean
actorscope_window_export (ActorscopeWindow *self, const char *path, const char *format,
                          GError **error)
{
  g_autoptr(RenderScene) scene = NULL;
  const RenderScene *shown;
  double w = 0, h = 0;

  g_return_val_if_fail (ACTORSCOPE_IS_WINDOW (self), FALSE);
  /* The same layout as on screen (same window, filter, theme and size),
   * built fresh so it is complete rather than clipped by the viewport.
   * The size comes from the scene about to be on screen: build it now if
   * the one shown is older than the view's parameters. */
  if (actorscope_scene_view_is_busy (self->scene_view))
    actorscope_scene_view_rebuild_now (self->scene_view);
  shown = actorscope_scene_view_get_scene (self->scene_view);
  if (shown != NULL)
    render_scene_get_size (shown, &w, &h);
  scene = actorscope_scene_view_build_scene (self->scene_view, w,
                                             actorscope_scene_view_get_kind (self->scene_view) == RENDER_VIEW_GRAPH ? h : 0,
                                             error);
  if (scene == NULL)
    return FALSE;
  if (g_strcmp0 (format, "svg") == 0)
    {
      g_autoptr(GString) out = g_string_new (NULL);
      RenderSvgOptions options = { .warning = export_warning };

      render_svg_write_full (scene, &options, out);
      return g_file_set_contents (path, out->str, out->len, error);
    }
  else
    {
      RenderCairoOptions options = { .scale = 1, .warning = export_warning };

      if (g_strcmp0 (format, "png") == 0)
        {
          options.scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));
          return render_cairo_write_png (scene, path, &options, error);
        }
      if (g_strcmp0 (format, "pdf") == 0)
        return render_cairo_write_pdf (scene, path, &options, error);
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("Unknown export format “%s”"), format);
  return FALSE;
}

/* The export bar's buttons (besides close). */
enum { EXPORT_RESPONSE_OPEN = 1, EXPORT_RESPONSE_FOLDER };

static void
on_export_launched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(ActorscopeWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    {
      g_autofree char *msg = g_strdup_printf (_("Could not open the exported file: %s"), error->message);
      show_error (self, msg);
    }
}

/* GtkFileLauncher is GTK 4.10: the default application for the file, or
 * for its folder (the file manager), through GIO. */
static void
on_export_bar_response (GtkInfoBar *bar, int response, gpointer user_data)
{
  ActorscopeWindow *self = user_data;
  g_autofree char *uri = NULL;

  gtk_info_bar_set_revealed (bar, FALSE);
  if (self->export_uri == NULL || (response != EXPORT_RESPONSE_OPEN && response != EXPORT_RESPONSE_FOLDER))
    return;
  if (response == EXPORT_RESPONSE_FOLDER)
    {
      g_autoptr(GFile) file = g_file_new_for_uri (self->export_uri);
      g_autoptr(GFile) parent = g_file_get_parent (file);

      uri = parent != NULL ? g_file_get_uri (parent) : g_strdup (self->export_uri);
    }
  else
    uri = g_strdup (self->export_uri);
  g_app_info_launch_default_for_uri_async (uri, NULL, NULL, on_export_launched, g_object_ref (self));
}

gboolean
actorscope_window_export_file (ActorscopeWindow *self, GFile *file, const char *format)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *msg = NULL;

  g_return_val_if_fail (ACTORSCOPE_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file) && format != NULL, FALSE);
  path = g_file_get_path (file);
  if (path == NULL || !actorscope_window_export (self, path, format, &error))
    {
      msg = g_strdup_printf (_("Could not export: %s"), error ? error->message : _("not a local file"));
      show_error (self, msg);
      return FALSE;
    }
  g_free (self->export_uri);
  self->export_uri = g_file_get_uri (file);
  /* Plain text: the path may hold anything. */
  msg = g_strdup_printf (_("Exported to %s"), path);
  gtk_label_set_text (self->export_label, msg);
  gtk_info_bar_set_revealed (self->error_bar, FALSE);
  gtk_info_bar_set_revealed (self->export_bar, TRUE);
  return TRUE;
}

const char *
actorscope_window_get_export_message (ActorscopeWindow *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_WINDOW (self), NULL);
  return gtk_info_bar_get_revealed (self->export_bar) ? gtk_label_get_text (self->export_label) : NULL;
}

static void
on_export_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  ActorscopeWindow *self = user_data;
  const char *format = g_object_get_data (G_OBJECT (dialog), "format");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      actorscope_window_export_file (self, file, format);
    }
  g_object_unref (dialog);
}

static void
action_export (GtkWidget *widget, const char *action_name, GVariant *param)
{
  ActorscopeWindow *self = ACTORSCOPE_WINDOW (widget);
  const char *format = g_variant_get_string (param, NULL);
  GtkFileChooserNative *dialog;
  g_autofree char *name = NULL;
  GtkFileFilter *filter;

  if (self->document == NULL)
    return;
  dialog = gtk_file_chooser_native_new (_("Export View"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  g_object_set_data_full (G_OBJECT (dialog), "format", g_strdup (format), g_free);
  name = g_strdup_printf ("%s-%s.%s", actorscope_document_get_title (self->document),
                          render_view_kind_to_string (actorscope_scene_view_get_kind (self->scene_view)),
                          format);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, g_str_equal (format, "svg") ? _("SVG images")
                                    : g_str_equal (format, "png") ? _("PNG images") : _("PDF documents"));
  gtk_file_filter_add_suffix (filter, format);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  g_object_unref (filter);
  g_signal_connect (dialog, "response", G_CALLBACK (on_export_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* ---- open ---- */

static void
on_open_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  ActorscopeWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autoptr(GFile) parent = g_file_get_parent (file);
      g_autofree char *folder = parent ? g_file_get_path (parent) : NULL;

      if (folder != NULL)
        g_settings_set_string (self->settings, "last-folder", folder);
      actorscope_window_open (self, file);
    }
  g_object_unref (dialog);
}

static void
action_open (GtkWidget *widget, const char *action_name, GVariant *param)
{
  ActorscopeWindow *self = ACTORSCOPE_WINDOW (widget);
  GtkFileChooserNative *dialog;
  GtkFileFilter *traces, *all;
  g_autofree char *folder = g_settings_get_string (self->settings, "last-folder");

  dialog = gtk_file_chooser_native_new (_("Open Trace"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  traces = gtk_file_filter_new ();
  gtk_file_filter_set_name (traces, _("Traces"));
  for (const char *const *s = (const char *const[]) { "ndjson", "jsonl", "json", "gz", "trace", NULL }; *s; s++)
    gtk_file_filter_add_suffix (traces, *s);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), traces);
  all = gtk_file_filter_new ();
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), all);
  g_object_unref (traces);
  g_object_unref (all);
  if (folder != NULL && *folder != '\0')
    {
      g_autoptr(GFile) dir = g_file_new_for_path (folder);
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), dir, NULL);
    }
  g_signal_connect (dialog, "response", G_CALLBACK (on_open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* A data directory is a folder, which GTK 4.8's Open chooser cannot pick:
 * a folder chooser of its own. */
static void
action_open_data_dir (GtkWidget *widget, const char *action_name, GVariant *param)
{
  ActorscopeWindow *self = ACTORSCOPE_WINDOW (widget);
  GtkFileChooserNative *dialog;
  g_autofree char *folder = g_settings_get_string (self->settings, "last-folder");

  dialog = gtk_file_chooser_native_new (_("Open Data Directory"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Open"), _("_Cancel"));
  if (folder != NULL && *folder != '\0')
    {
      g_autoptr(GFile) dir = g_file_new_for_path (folder);
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), dir, NULL);
    }
  g_signal_connect (dialog, "response", G_CALLBACK (on_open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
action_open_recent (GtkWidget *widget, const char *action_name, GVariant *param)
{
  g_autoptr(GFile) file = g_file_new_for_uri (g_variant_get_string (param, NULL));

  actorscope_window_open (ACTORSCOPE_WINDOW (widget), file);
}

/* The recent menu is rebuilt each time it opens, from GtkRecentManager's
 * items registered by this application. */
static void
rebuild_recent_menu (ActorscopeWindow *self)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  GList *items = gtk_recent_manager_get_items (gtk_recent_manager_get_default ());
  const char *app_name = g_get_application_name ();
  guint n = 0;

  for (GList *l = items; l != NULL && n < 10; l = l->next)
    {
      GtkRecentInfo *info = l->data;
      g_autoptr(GMenuItem) item = NULL;

      if (app_name != NULL && !gtk_recent_info_has_application (info, app_name))
        continue;
      if (!gtk_recent_info_exists (info))
        continue;
      item = g_menu_item_new (gtk_recent_info_get_display_name (info), NULL);
      g_menu_item_set_action_and_target (item, "win.open-recent", "s", gtk_recent_info_get_uri (info));
      g_menu_append_item (menu, item);
      n++;
    }
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
  if (n == 0)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (_("No recent traces"), "win.none");
      g_menu_append_item (menu, item);
    }
  gtk_menu_button_set_menu_model (self->recent_button, G_MENU_MODEL (menu));
}

static void
on_recent_changed (GtkRecentManager *manager, gpointer user_data)
{
  rebuild_recent_menu (user_data);
}

static gboolean
on_drop (GtkDropTarget *target, const GValue *value, double x, double y, gpointer user_data)
{
  ActorscopeWindow *self = user_data;

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *files = g_value_get_boxed (value);

      if (files == NULL)
        return FALSE;
      actorscope_window_open (self, files->data);
      return TRUE;
    }
  return FALSE;
}

/* ---- view & navigation actions ---- */

static void
action_view (GSimpleAction *action, GVariant *state, gpointer user_data)
{
  ActorscopeWindow *self = user_data;
  RenderViewKind kind;

  if (!render_view_kind_from_string (g_variant_get_string (state, NULL), &kind))
    return;
  g_simple_action_set_state (action, state);
  actorscope_scene_view_set_kind (self->scene_view, kind);
  g_settings_set_string (self->settings, "view", render_view_kind_to_string (kind));
}

static void
action_zoom (GtkWidget *widget, const char *action_name, GVariant *param)
{
  ActorscopeWindow *self = ACTORSCOPE_WINDOW (widget);

  if (g_str_equal (action_name, "win.zoom-in"))
    actorscope_scene_view_zoom (self->scene_view, 1.25);
  else if (g_str_equal (action_name, "win.zoom-out"))
    actorscope_scene_view_zoom (self->scene_view, 0.8);
  else
    actorscope_scene_view_zoom_reset (self->scene_view);
}

static void
action_find (GtkWidget *widget, const char *action_name, GVariant *param)
{
  ActorscopeWindow *self = ACTORSCOPE_WINDOW (widget);

  actorscope_search_bar_open (self->search_bar);
}

static void
action_filter_actors (GtkWidget *widget, const char *action_name, GVariant *param)
{
  ActorscopeWindow *self = ACTORSCOPE_WINDOW (widget);

  gtk_widget_set_visible (self->sidebar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->filter_entry));
}

static void
action_cancel_load (GtkWidget *widget, const char *action_name, GVariant *param)
{
  ActorscopeWindow *self = ACTORSCOPE_WINDOW (widget);

  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  gtk_stack_set_visible_child_name (self->main_stack, self->document ? "view" : "empty");
}

static void
action_close (GtkWidget *widget, const char *action_name, GVariant *param)
{
  gtk_window_close (GTK_WINDOW (widget));
}

static void
on_filter_changed (GtkSearchEntry *entry, gpointer user_data)
{
  ActorscopeWindow *self = user_data;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));

  actorscope_session_set_filter (self->session, text);
  actorscope_actor_tree_set_filter (self->actor_tree, text);
}

/* ---- selection ---- */

static guint
parse_id (const char *id)
{
  /* Scene ids look like "m42" or "42": the number is what matters. */
  while (id != NULL && *id != '\0' && !g_ascii_isdigit (*id))
    id++;
  return id != NULL && *id != '\0' ? (guint) g_ascii_strtoull (id, NULL, 10) : 0;
}

static const char *
node_data (const RenderNode *node, const char *key)
{
  if (node == NULL)
    return NULL;
  for (const RenderData *d = node->u.group.data; d != NULL; d = d->next)
    if (g_strcmp0 (d->key, key) == 0)
      return d->value;
  return NULL;
}

static void
on_item_activated (ActorscopeSceneView *view, const char *klass, const char *id,
                   gpointer node_ptr, gpointer user_data)
{
  ActorscopeWindow *self = user_data;
  const RenderNode *node = node_ptr;
  IngestStore *store;

  if (self->document == NULL)
    return;
  store = actorscope_document_get_store (self->document);
  /* One selection: anything but an actor clears the tree's (an actor
   * selects its row below). */
  if (klass == NULL || !(g_str_equal (klass, "actor") || g_str_equal (klass, "lane") ||
                         g_str_equal (klass, "lifeline")))
    actorscope_actor_tree_select_actor (self->actor_tree, 0);
  if (klass == NULL)
    {
      actorscope_details_show_nothing (self->details);
      return;
    }
  if (g_str_equal (klass, "actor") || g_str_equal (klass, "lane") || g_str_equal (klass, "lifeline"))
    {
      const char *name = node_data (node, "name");
      IngestActorId actor = ingest_store_find_actor (store, name ? name : id);

      if (actor != 0)
        {
          actorscope_details_show_actor (self->details, actor);
          actorscope_actor_tree_select_actor (self->actor_tree, actor);
        }
      return;
    }
  if (g_str_equal (klass, "message"))
    {
      const char *mid = node_data (node, "message");
      guint message = parse_id (mid ? mid : id);

      if (message != 0)
        actorscope_details_show_message (self->details, message);
      return;
    }
  if (g_str_equal (klass, "edge"))
    {
      IngestActorId from = ingest_store_find_actor (store, node_data (node, "from"));
      IngestActorId to = ingest_store_find_actor (store, node_data (node, "to"));

      actorscope_details_show_edge (self->details, from, to);
    }
}

static void
on_actor_selected (ActorscopeActorTree *tree, guint actor, gpointer user_data)
{
  ActorscopeWindow *self = user_data;

  if (self->document == NULL)
    return;
  if (actor == 0)
    {
      actorscope_scene_view_select (self->scene_view, NULL, NULL);
      actorscope_details_show_nothing (self->details);
      return;
    }
  actorscope_details_show_actor (self->details, actor);
  actorscope_scene_view_select (self->scene_view, "actor",
                                ingest_store_actor_name (actorscope_document_get_store (self->document), actor));
}

static void
on_jump_to_actor (ActorscopeDetails *details, guint actor, gpointer user_data)
{
  ActorscopeWindow *self = user_data;

  actorscope_actor_tree_select_actor (self->actor_tree, actor);
  on_actor_selected (self->actor_tree, actor, self);
}

/* The view's window (same width) centred on time_ns; the whole trace in
 * view zooms to a tenth of it so the moment shows. */
static void
centre_window_on (ActorscopeWindow *self, gint64 time_ns)
{
  gint64 from, to, t0, t1, width;

  if (!actorscope_document_get_time_range (self->document, &t0, &t1))
    return;
  actorscope_scene_view_get_window (self->scene_view, &from, &to);
  from = MAX (from, t0);
  to = MIN (to, t1);
  width = to > from ? to - from : 0;
  if (width == 0 || width >= t1 - t0)
    width = MAX ((t1 - t0) / 10, 1000);
  actorscope_scene_view_set_window (self->scene_view, time_ns - width / 2, time_ns - width / 2 + width);
}

/* A deviation row: the window centred on when it happened, and its actor
 * selected everywhere. */
static void
on_deviation_activated (ActorscopeDeviationsList *list, gint64 time_ns, guint actor, gpointer user_data)
{
  ActorscopeWindow *self = user_data;

  if (self->document == NULL)
    return;
  if (time_ns != 0)
    centre_window_on (self, time_ns);
  if (actor != 0)
    {
      actorscope_actor_tree_select_actor (self->actor_tree, actor);
      on_actor_selected (self->actor_tree, actor, self);
    }
  gtk_popover_popdown (self->deviations_popover);
}

static void
select_message (ActorscopeWindow *self, IngestMessageId message)
{
  g_autofree char *id = g_strdup_printf ("%u", message);

  actorscope_actor_tree_select_actor (self->actor_tree, 0);
  actorscope_details_show_message (self->details, message);
  actorscope_scene_view_select (self->scene_view, "message", id);
}

/* A search match: the window centred on it, the message selected. */
static void
on_search_match (ActorscopeSearchBar *bar, guint message, gint64 time_ns, gpointer user_data)
{
  ActorscopeWindow *self = user_data;

  if (self->document == NULL)
    return;
  centre_window_on (self, time_ns);
  select_message (self, message);
}

static void
on_jump_to_message (ActorscopeDetails *details, guint message, gpointer user_data)
{
  ActorscopeWindow *self = user_data;
  const IngestMessage *msg;

  if (self->document == NULL ||
      (msg = ingest_store_message (actorscope_document_get_store (self->document), message)) == NULL)
    return;
  /* Bring the message into the window if it is outside. */
  if (msg->send_seq != INGEST_SEQ_NONE)
    {
      const IngestEvent *ev = ingest_store_event (actorscope_document_get_store (self->document), msg->send_seq);
      gint64 from, to;

      actorscope_scene_view_get_window (self->scene_view, &from, &to);
      if (ev->time_ns < from || ev->time_ns > to)
        actorscope_scene_view_set_window (self->scene_view, ev->time_ns - (to - from) / 2,
                                          ev->time_ns + (to - from) / 2);
    }
  select_message (self, message);
}

static void
on_area_selected (GObject *source, gint64 from, gint64 to, gpointer user_data)
{
  ActorscopeWindow *self = user_data;
  g_autofree char *pattern = current_pattern (self);
  char a[48];
  g_autofree char *text = NULL;

  actorscope_session_set_area (self->session, from, to);
  actorscope_details_show_range (self->details, from, to, pattern);
  gtk_widget_set_visible (self->details_scroller, TRUE);
  render_ticks_format_duration (to - from, a, sizeof a);
  text = g_strdup_printf (_("Selection: %s, %s messages"), a,
                          actorscope_details_get_value (self->details, _("Messages")) ?: "0");
  gtk_label_set_text (self->selection_label, text);
}

static void
on_scrub (ActorscopeOverview *overview, gint64 from, gint64 to, gpointer user_data)
{
  ActorscopeWindow *self = user_data;

  /* The overview moved the session's window; stop following the live
   * end. */
  self->following = FALSE;
}

/* ---- replay ---- */

static void
set_cursor (ActorscopeWindow *self, gint64 cursor)
{
  gint64 from, to;

  actorscope_session_set_cursor (self->session, cursor);
  /* Keep the cursor in view: slide the window when it runs past it. */
  actorscope_scene_view_get_window (self->scene_view, &from, &to);
  if (cursor != INGEST_TIME_MAX && actorscope_scene_view_get_kind (self->scene_view) == RENDER_VIEW_TIMELINE)
    {
      gint64 t0, t1;

      if (actorscope_document_get_time_range (self->document, &t0, &t1) && (to - from) < (t1 - t0) &&
          (cursor > to || cursor < from))
        actorscope_scene_view_set_window (self->scene_view, cursor - (to - from) * 9 / 10,
                                          cursor + (to - from) / 10);
    }
  update_position_label (self);
}

static gboolean
replay_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  ActorscopeWindow *self = ACTORSCOPE_WINDOW (widget);
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  gint64 t0, t1, cursor;
  double speed = actorscope_window_get_replay_speed (self);

  if (self->document == NULL || !actorscope_document_get_time_range (self->document, &t0, &t1))
    {
      self->tick_id = 0;
      set_playing (self, FALSE);
      return G_SOURCE_REMOVE;
    }
  cursor = actorscope_scene_view_get_cursor (self->scene_view);
  if (cursor == INGEST_TIME_MAX || cursor >= t1)
    cursor = t0;
  if (self->last_frame_us != 0)
    cursor += (gint64) ((now - self->last_frame_us) * 1000.0 * speed);
  self->last_frame_us = now;
  if (cursor >= t1)
    {
      set_cursor (self, INGEST_TIME_MAX);
      self->tick_id = 0;
      set_playing (self, FALSE);
      return G_SOURCE_REMOVE;
    }
  set_cursor (self, cursor);
  self->replay_pos = actorscope_document_position_for_time (self->document, cursor) - 1;
  return G_SOURCE_CONTINUE;
}

static void
set_playing (ActorscopeWindow *self, gboolean playing)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "play");

  if (playing && self->document == NULL)
    playing = FALSE;
  if (action != NULL)
    g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (playing));
  gtk_button_set_icon_name (GTK_BUTTON (self->play_button),
                            playing ? "media-playback-pause-symbolic" : "media-playback-start-symbolic");
  if (playing && self->tick_id == 0)
    {
      self->last_frame_us = 0;
      self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), replay_tick, NULL, NULL);
    }
  else if (!playing && self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
}

static void
action_play (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  ActorscopeWindow *self = user_data;
  g_autoptr(GVariant) state = g_action_get_state (G_ACTION (action));

  set_playing (self, !g_variant_get_boolean (state));
}

static void
step (ActorscopeWindow *self, gboolean forward)
{
  gint64 pos;
  const IngestEvent *ev;

  if (self->document == NULL)
    return;
  set_playing (self, FALSE);
  if (self->replay_pos < 0 && !forward)
    return;
  if (actorscope_scene_view_get_cursor (self->scene_view) == INGEST_TIME_MAX && !forward)
    self->replay_pos = (gint64) ingest_store_n_events (actorscope_document_get_store (self->document));
  if (!actorscope_document_find_send (self->document, self->replay_pos, forward, &pos))
    return;
  self->replay_pos = pos;
  ev = actorscope_document_event_at (self->document, pos);
  set_cursor (self, ev->time_ns);
  select_message (self, ev->message);
}

static void
action_step (GtkWidget *widget, const char *action_name, GVariant *param)
{
  step (ACTORSCOPE_WINDOW (widget), g_str_equal (action_name, "win.step-next"));
}

void
actorscope_window_set_replay_speed (ActorscopeWindow *self, double speed)
{
  guint best = 0;

  g_return_if_fail (ACTORSCOPE_IS_WINDOW (self));
  /* Nearest on a log scale: the entries are factors. */
  speed = MAX (speed, 1e-6);
  for (guint i = 1; i < G_N_ELEMENTS (replay_speeds); i++)
    if (fabs (log (replay_speeds[i] / speed)) < fabs (log (replay_speeds[best] / speed)))
      best = i;
  gtk_drop_down_set_selected (self->speed_dropdown, best);
}

double
actorscope_window_get_replay_speed (ActorscopeWindow *self)
{
  guint i;

  g_return_val_if_fail (ACTORSCOPE_IS_WINDOW (self), 1.0);
  i = gtk_drop_down_get_selected (self->speed_dropdown);
  return replay_speeds[MIN (i, G_N_ELEMENTS (replay_speeds) - 1)];
}

static void
on_speed_selected (GtkDropDown *dropdown, GParamSpec *pspec, gpointer user_data)
{
  ActorscopeWindow *self = user_data;

  g_settings_set_double (self->settings, "replay-speed", actorscope_window_get_replay_speed (self));
}

/* Moves the cursor to t_ns (clamped to the data; at or past the end it
 * shows everything) without changing play/pause: a replay running goes on
 * from there. The next step starts from the new place. */
static void
seek (ActorscopeWindow *self, gint64 t_ns)
{
  gint64 t0, t1;

  if (self->document == NULL || !actorscope_document_get_time_range (self->document, &t0, &t1))
    return;
  self->following = FALSE;
  self->last_frame_us = 0;
  if (t_ns >= t1)
    {
      set_cursor (self, INGEST_TIME_MAX);
      self->replay_pos = -1;
      return;
    }
  t_ns = MAX (t_ns, t0);
  set_cursor (self, t_ns);
  self->replay_pos = actorscope_document_position_for_time (self->document, t_ns + 1) - 1;
}

static void
action_seek (GtkWidget *widget, const char *action_name, GVariant *param)
{
  seek (ACTORSCOPE_WINDOW (widget), g_variant_get_int64 (param));
}

static void
on_seek_scale_changed (GtkRange *range, gpointer user_data)
{
  ActorscopeWindow *self = user_data;
  gint64 t0, t1;

  if (self->moving_seek_scale || self->document == NULL ||
      !actorscope_document_get_time_range (self->document, &t0, &t1))
    return;
  seek (self, t0 + (gint64) ((double) (t1 - t0) * gtk_range_get_value (range) / 1000.0));
}

static void
action_jump_to_now (GtkWidget *widget, const char *action_name, GVariant *param)
{
  ActorscopeWindow *self = ACTORSCOPE_WINDOW (widget);
  gint64 from, to, t0, t1;

  if (self->document == NULL)
    return;
  set_playing (self, FALSE);
  set_cursor (self, INGEST_TIME_MAX);
  self->following = TRUE;
  actorscope_scene_view_get_window (self->scene_view, &from, &to);
  if (actorscope_document_get_time_range (self->document, &t0, &t1) && to > from)
    actorscope_scene_view_set_window (self->scene_view, MAX (t0, t1 - (to - from)), t1);
}

/* ---- live ---- */

static void
on_live_state (ActorscopeLive *live, const char *message, gboolean failed, gpointer user_data)
{
  ActorscopeWindow *self = user_data;

  if (failed)
    show_error (self, message);
  update_status (self);
}

gboolean
actorscope_window_attach (ActorscopeWindow *self, const char *url, GError **error)
{
  g_autoptr(ActorscopeLive) live = NULL;
  g_autoptr(ActorscopeDocument) doc = NULL;

  g_return_val_if_fail (ACTORSCOPE_IS_WINDOW (self), FALSE);
  live = actorscope_live_new (url, error);
  if (live == NULL)
    return FALSE;
  g_clear_object (&self->live);
  self->live = g_steal_pointer (&live);
  doc = actorscope_document_new (ingest_store_new (), url);
  actorscope_document_set_live (doc, TRUE);
  actorscope_window_set_document (self, doc);
  g_signal_connect_object (self->live, "state", G_CALLBACK (on_live_state), self, 0);
  actorscope_live_start (self->live, doc);
  return TRUE;
}

ActorscopeLive *
actorscope_window_get_live (ActorscopeWindow *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_WINDOW (self), NULL);
  return self->live;
}

static void
on_attach_response (GtkDialog *dialog, int response, gpointer user_data)
{
  ActorscopeWindow *self = user_data;
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "entry");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GError) error = NULL;

      if (!actorscope_window_attach (self, gtk_editable_get_text (entry), &error))
        show_error (self, error->message);
    }
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
action_attach (GtkWidget *widget, const char *action_name, GVariant *param)
{
  ActorscopeWindow *self = ACTORSCOPE_WINDOW (widget);
  GtkWidget *dialog, *box, *label, *entry;
  gboolean mswitch = g_str_equal (action_name, "win.attach-mswitch");

  dialog = gtk_dialog_new_with_buttons (mswitch ? _("Attach to Message-Switch Broker")
                                                : _("Attach to Live Service"), GTK_WINDOW (self),
                                        GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT |
                                        GTK_DIALOG_USE_HEADER_BAR,
                                        _("_Cancel"), GTK_RESPONSE_CANCEL,
                                        _("_Attach"), GTK_RESPONSE_ACCEPT, NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  box = gtk_dialog_get_content_area (GTK_DIALOG (dialog));
  gtk_box_set_spacing (GTK_BOX (box), 8);
  gtk_widget_set_margin_start (box, 18);
  gtk_widget_set_margin_end (box, 18);
  gtk_widget_set_margin_top (box, 18);
  gtk_widget_set_margin_bottom (box, 18);
  label = gtk_label_new (mswitch ? _("Address of the broker’s socket (unix:/path/to/switch.sock) or http://host:port:")
                                 : _("Address of a running “actorscope serve” (its /events stream):"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_box_append (GTK_BOX (box), label);
  entry = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (entry), mswitch ? "unix:/var/run/message-switch/sock"
                                                       : "ws://127.0.0.1:8000/events");
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_widget_set_size_request (entry, 380, -1);
  gtk_box_append (GTK_BOX (box), entry);
  g_object_set_data (G_OBJECT (dialog), "entry", entry);
  g_signal_connect (dialog, "response", G_CALLBACK (on_attach_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- state & style ---- */

static void
on_dark_changed (GtkSettings *settings, GParamSpec *pspec, gpointer user_data)
{
  ActorscopeWindow *self = user_data;
  gboolean dark = FALSE;

  g_object_get (settings, "gtk-application-prefer-dark-theme", &dark, NULL);
  actorscope_scene_view_set_dark (self->scene_view, dark);
}

/* The details pane is the end of its paned, whose position is the width of
 * the start: it can only be set from the saved width once the paned knows
 * its own width (max-position), at the first allocation. */
static void
on_details_paned_allocated (GtkPaned *paned, GParamSpec *pspec, gpointer user_data)
{
  ActorscopeWindow *self = user_data;
  int max = 0, width = g_settings_get_int (self->settings, "details-width");

  g_object_get (paned, "max-position", &max, NULL);
  if (max <= 0)
    return;
  g_signal_handlers_disconnect_by_func (paned, on_details_paned_allocated, self);
  if (width > 0 && width < max)
    gtk_paned_set_position (paned, max - width);
}

static gboolean
actorscope_window_close_request (GtkWindow *window)
{
  ActorscopeWindow *self = ACTORSCOPE_WINDOW (window);
  int w, h;

  gtk_window_get_default_size (window, &w, &h);
  g_settings_delay (self->settings);
  g_settings_set_int (self->settings, "window-width", MAX (w, 360));
  g_settings_set_int (self->settings, "window-height", MAX (h, 300));
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  g_settings_set_int (self->settings, "sidebar-width", MAX (120, gtk_paned_get_position (self->sidebar_paned)));
  if (gtk_widget_get_visible (self->details_scroller) && gtk_widget_get_width (self->details_scroller) > 0)
    g_settings_set_int (self->settings, "details-width", MIN (4096, gtk_widget_get_width (self->details_scroller)));
  g_settings_apply (self->settings);
  return GTK_WINDOW_CLASS (actorscope_window_parent_class)->close_request (window);
}

static void
actorscope_window_dispose (GObject *object)
{
  ActorscopeWindow *self = ACTORSCOPE_WINDOW (object);

  /* A child may outlive this dispose for a moment (a scene build finishing
   * after the window closed emits "scene-changed"): its signals must not
   * reach a window whose template children are gone. */
  if (self->scene_view != NULL)
    g_signal_handlers_disconnect_by_data (self->scene_view, self);
  if (self->overview != NULL)
    g_signal_handlers_disconnect_by_data (self->overview, self);
  if (self->actor_tree != NULL)
    g_signal_handlers_disconnect_by_data (self->actor_tree, self);
  if (self->details != NULL)
    g_signal_handlers_disconnect_by_data (self->details, self);
  if (self->deviations_list != NULL)
    g_signal_handlers_disconnect_by_data (self->deviations_list, self);
  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  if (self->tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
  self->tick_id = 0;
  g_clear_object (&self->live);
  g_clear_object (&self->dir_follow);
  if (self->document != NULL)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_clear_object (&self->document);
  g_clear_signal_handler (&self->dark_handler, gtk_settings_get_default ());
  g_signal_handlers_disconnect_by_data (gtk_recent_manager_get_default (), self);
  gtk_widget_dispose_template (GTK_WIDGET (self), ACTORSCOPE_TYPE_WINDOW);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (actorscope_window_parent_class)->dispose (object);
}

static void
actorscope_window_finalize (GObject *object)
{
  ActorscopeWindow *self = ACTORSCOPE_WINDOW (object);

  g_clear_object (&self->settings);
  g_free (self->error);
  g_free (self->export_uri);
  G_OBJECT_CLASS (actorscope_window_parent_class)->finalize (object);
}

static void
actorscope_window_class_init (ActorscopeWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = actorscope_window_dispose;
  object_class->finalize = actorscope_window_finalize;
  window_class->close_request = actorscope_window_close_request;

  g_type_ensure (ACTORSCOPE_TYPE_SCENE_VIEW);
  g_type_ensure (ACTORSCOPE_TYPE_TIME_RULER);
  g_type_ensure (ACTORSCOPE_TYPE_OVERVIEW);
  g_type_ensure (ACTORSCOPE_TYPE_ACTOR_TREE);
  g_type_ensure (ACTORSCOPE_TYPE_DETAILS);
  g_type_ensure (ACTORSCOPE_TYPE_DEVIATIONS_LIST);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/actorscope/Actorscope/ui/actorscope-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, ActorscopeWindow, name)
  BIND (recent_button);
  BIND (error_bar);
  BIND (error_label);
  BIND (export_bar);
  BIND (export_label);
  BIND (sidebar_paned);
  BIND (details_paned);
  BIND (sidebar);
  BIND (filter_entry);
  BIND (actor_tree);
  BIND (main_stack);
  BIND (loading_label);
  BIND (loading_progress);
  BIND (ruler);
  BIND (scene_view);
  BIND (overview);
  BIND (replay_bar);
  BIND (play_button);
  BIND (speed_dropdown);
  BIND (seek_scale);
  BIND (position_label);
  BIND (selection_label);
  BIND (now_button);
  BIND (details_scroller);
  BIND (details);
  BIND (status_label);
  BIND (deviations_button);
  BIND (deviations_badge);
  BIND (deviations_popover);
  BIND (deviations_list);
#undef BIND

  gtk_widget_class_install_action (widget_class, "win.open", NULL, action_open);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", action_open_recent);
  gtk_widget_class_install_action (widget_class, "win.open-data-dir", NULL, action_open_data_dir);
  gtk_widget_class_install_action (widget_class, "win.close", NULL, action_close);
  gtk_widget_class_install_action (widget_class, "win.cancel-load", NULL, action_cancel_load);
  gtk_widget_class_install_action (widget_class, "win.export", "s", action_export);
  gtk_widget_class_install_action (widget_class, "win.zoom-in", NULL, action_zoom);
  gtk_widget_class_install_action (widget_class, "win.zoom-out", NULL, action_zoom);
  gtk_widget_class_install_action (widget_class, "win.zoom-reset", NULL, action_zoom);
  gtk_widget_class_install_action (widget_class, "win.find", NULL, action_find);
  gtk_widget_class_install_action (widget_class, "win.filter-actors", NULL, action_filter_actors);
  gtk_widget_class_install_action (widget_class, "win.step-next", NULL, action_step);
  gtk_widget_class_install_action (widget_class, "win.step-prev", NULL, action_step);
  gtk_widget_class_install_action (widget_class, "win.jump-to-now", NULL, action_jump_to_now);
  /* Parameter: the time to show the past up to, ns on the trace's clock. */
  gtk_widget_class_install_action (widget_class, "win.seek", "x", action_seek);
  gtk_widget_class_install_action (widget_class, "win.attach", NULL, action_attach);
  gtk_widget_class_install_action (widget_class, "win.attach-mswitch", NULL, action_attach);
}

/* A boolean action named name that mirrors the boolean setting key (what
 * g_settings_create_action does, but under a name of our choosing). */
static void
on_toggle_activate (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  ActorscopeWindow *self = user_data;
  const char *key = g_object_get_data (G_OBJECT (action), "key");

  g_settings_set_boolean (self->settings, key, !g_settings_get_boolean (self->settings, key));
}

static void
on_toggle_setting_changed (GSettings *settings, const char *key, gpointer user_data)
{
  g_simple_action_set_state (user_data, g_variant_new_boolean (g_settings_get_boolean (settings, key)));
}

static void
add_setting_toggle (ActorscopeWindow *self, const char *name, const char *key)
{
  g_autoptr(GSimpleAction) action = NULL;
  g_autofree char *signal = g_strdup_printf ("changed::%s", key);

  action = g_simple_action_new_stateful (name, NULL,
                                         g_variant_new_boolean (g_settings_get_boolean (self->settings, key)));
  g_object_set_data_full (G_OBJECT (action), "key", g_strdup (key), g_free);
  g_signal_connect (action, "activate", G_CALLBACK (on_toggle_activate), self);
  g_signal_connect_object (self->settings, signal, G_CALLBACK (on_toggle_setting_changed), action, 0);
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (action));
}

static void
actorscope_window_init (ActorscopeWindow *self)
{
  g_autoptr(GSimpleAction) view = NULL;
  g_autoptr(GSimpleAction) play = NULL;
  g_autofree char *view_name = NULL;
  g_autoptr(GError) settings_error = NULL;
  GtkDropTarget *drop;
  GtkSettings *gtk_settings = gtk_settings_get_default ();

  gtk_widget_init_template (GTK_WIDGET (self));
  /* The application checked at start-up that the schema is there. */
  self->settings = actorscope_settings_new (ACTORSCOPE_APP_ID, NULL, &settings_error);
  if (self->settings == NULL)
    g_error ("%s", settings_error->message);
  self->replay_pos = -1;

  /* One session for the views: they read and write it, not each other. */
  self->session = actorscope_session_new ();
  actorscope_scene_view_set_session (self->scene_view, self->session);
  actorscope_overview_set_session (self->overview, self->session);
  actorscope_time_ruler_set_view (self->ruler, self->scene_view);

  view_name = g_settings_get_string (self->settings, "view");
  view = g_simple_action_new_stateful ("view", G_VARIANT_TYPE_STRING, g_variant_new_string (view_name));
  g_signal_connect (view, "change-state", G_CALLBACK (action_view), self);
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (view));
  {
    RenderViewKind kind;
    if (render_view_kind_from_string (view_name, &kind))
      actorscope_scene_view_set_kind (self->scene_view, kind);
  }
  /* Threads fold into their process by default (a browser's 88 threads
   * draw as its 10 processes); the menu toggle expands them. */
  {
    g_autoptr(GPropertyAction) expand = g_property_action_new ("expand-threads", self->session,
                                                               "expand-threads");
    g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (expand));
  }
  play = g_simple_action_new_stateful ("play", NULL, g_variant_new_boolean (FALSE));
  g_signal_connect (play, "activate", G_CALLBACK (action_play), self);
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (play));

  /* Visibility of the panes is a setting, so it survives restarts. */
  g_settings_bind (self->settings, "sidebar-visible", self->sidebar, "visible", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "details-visible", self->details_scroller, "visible", G_SETTINGS_BIND_DEFAULT);
  add_setting_toggle (self, "toggle-sidebar", "sidebar-visible");
  add_setting_toggle (self, "toggle-details", "details-visible");

  gtk_window_set_default_size (GTK_WINDOW (self), g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  gtk_paned_set_position (self->sidebar_paned, g_settings_get_int (self->settings, "sidebar-width"));
  g_signal_connect (self->details_paned, "notify::max-position", G_CALLBACK (on_details_paned_allocated), self);
  actorscope_window_set_replay_speed (self, g_settings_get_double (self->settings, "replay-speed"));
  g_signal_connect (self->speed_dropdown, "notify::selected", G_CALLBACK (on_speed_selected), self);

  g_signal_connect (self->error_bar, "response", G_CALLBACK (on_error_response), self);
  gtk_info_bar_add_button (self->export_bar, _("_Open"), EXPORT_RESPONSE_OPEN);
  gtk_info_bar_add_button (self->export_bar, _("Show in _Folder"), EXPORT_RESPONSE_FOLDER);
  g_signal_connect (self->export_bar, "response", G_CALLBACK (on_export_bar_response), self);
  g_signal_connect (self->deviations_list, "deviation-activated", G_CALLBACK (on_deviation_activated), self);
  g_signal_connect (self->deviations_popover, "show", G_CALLBACK (on_deviations_popover_show), self);
  self->search_bar = ACTORSCOPE_SEARCH_BAR (actorscope_search_bar_new ());
  /* Under the header bar across the window, as GNOME apps place it: the
   * view's pane alone is too narrow for it. */
  gtk_widget_insert_before (GTK_WIDGET (self->search_bar), gtk_widget_get_parent (GTK_WIDGET (self->sidebar_paned)),
                            GTK_WIDGET (self->sidebar_paned));
  g_signal_connect (self->search_bar, "match-activated", G_CALLBACK (on_search_match), self);
  gtk_widget_set_visible (GTK_WIDGET (self->deviations_button), FALSE);
  g_signal_connect (self->filter_entry, "search-changed", G_CALLBACK (on_filter_changed), self);
  g_signal_connect (self->scene_view, "item-activated", G_CALLBACK (on_item_activated), self);
  g_signal_connect (self->scene_view, "area-selected", G_CALLBACK (on_area_selected), self);
  g_signal_connect (self->scene_view, "scene-changed", G_CALLBACK (on_scene_changed), self);
  g_signal_connect (self->overview, "scrub", G_CALLBACK (on_scrub), self);
  g_signal_connect (self->seek_scale, "value-changed", G_CALLBACK (on_seek_scale_changed), self);
  g_signal_connect (self->overview, "area-selected", G_CALLBACK (on_area_selected), self);
  g_signal_connect (self->actor_tree, "actor-selected", G_CALLBACK (on_actor_selected), self);
  g_signal_connect (self->actor_tree, "groups-changed", G_CALLBACK (on_groups_changed), self);
  g_signal_connect (self->details, "jump-to-actor", G_CALLBACK (on_jump_to_actor), self);
  g_signal_connect (self->details, "jump-to-message", G_CALLBACK (on_jump_to_message), self);

  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  g_signal_connect (gtk_recent_manager_get_default (), "changed", G_CALLBACK (on_recent_changed), self);
  rebuild_recent_menu (self);

  self->dark_handler = g_signal_connect (gtk_settings, "notify::gtk-application-prefer-dark-theme",
                                         G_CALLBACK (on_dark_changed), self);
  on_dark_changed (gtk_settings, NULL, self);

  actorscope_window_set_document (self, NULL);
}

ActorscopeWindow *
actorscope_window_new (ActorscopeApplication *app)
{
  return g_object_new (ACTORSCOPE_TYPE_WINDOW, "application", app, NULL);
}

ActorscopeSession *
actorscope_window_get_session (ActorscopeWindow *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_WINDOW (self), NULL);
  return self->session;
}

ActorscopeSceneView *
actorscope_window_get_scene_view (ActorscopeWindow *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_WINDOW (self), NULL);
  return self->scene_view;
}

ActorscopeActorTree *
actorscope_window_get_actor_tree (ActorscopeWindow *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_WINDOW (self), NULL);
  return self->actor_tree;
}

ActorscopeDeviationsList *
actorscope_window_get_deviations_list (ActorscopeWindow *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_WINDOW (self), NULL);
  return self->deviations_list;
}

ActorscopeDetails *
actorscope_window_get_details (ActorscopeWindow *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_WINDOW (self), NULL);
  return self->details;
}

ActorscopeSearchBar *
actorscope_window_get_search_bar (ActorscopeWindow *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_WINDOW (self), NULL);
  return self->search_bar;
}

GtkEditable *
actorscope_window_get_filter_entry (ActorscopeWindow *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_WINDOW (self), NULL);
  return GTK_EDITABLE (self->filter_entry);
}

const char *
actorscope_window_get_status (ActorscopeWindow *self)
{
  g_return_val_if_fail (ACTORSCOPE_IS_WINDOW (self), NULL);
  return gtk_label_get_text (self->status_label);
}
