/* actorscope-window.h: the main window (template data/ui/actorscope-window.ui).
 *
 * Owns at most one ActorscopeDocument and wires the widgets together: the
 * scene view, ruler and overview share the time window; the actor tree, the
 * view and the details pane share the selection; the replay controls move a
 * cursor through a file trace. Widgets never reach up to the window: they
 * emit signals and the window applies them.
 */
#pragma once

#include <gtk/gtk.h>
#include "actorscope-application.h"
#include "actorscope-actor-tree.h"
#include "actorscope-details.h"
#include "actorscope-deviations-list.h"
#include "actorscope-document.h"
#include "actorscope-live.h"
#include "actorscope-scene-view.h"
#include "actorscope-search-bar.h"

G_BEGIN_DECLS

#define ACTORSCOPE_TYPE_WINDOW (actorscope_window_get_type ())
G_DECLARE_FINAL_TYPE (ActorscopeWindow, actorscope_window, ACTORSCOPE, WINDOW, GtkApplicationWindow)

ActorscopeWindow *actorscope_window_new (ActorscopeApplication *app);

/* Starts loading file in the background (progress shown in the window). */
void actorscope_window_open (ActorscopeWindow *self, GFile *file);
/* Shows an already built document (takes a reference). */
void actorscope_window_set_document (ActorscopeWindow *self, ActorscopeDocument *document);
ActorscopeDocument *actorscope_window_get_document (ActorscopeWindow *self);
gboolean actorscope_window_is_loading (ActorscopeWindow *self);
/* The last load/export error shown in the window's error bar, or NULL. */
const char *actorscope_window_get_error (ActorscopeWindow *self);

/* Attaches to a live service (ws://...) or a message-switch broker
 * (unix:PATH, http://HOST:PORT) in a new live document; FALSE with error
 * for a bad address. */
gboolean actorscope_window_attach (ActorscopeWindow *self, const char *url, GError **error);
/* The live connection, or NULL (borrowed). */
ActorscopeLive *actorscope_window_get_live (ActorscopeWindow *self);

/* Writes the current view to path; format "svg", "png" or "pdf". */
gboolean actorscope_window_export (ActorscopeWindow *self, const char *path, const char *format,
                                   GError **error);
/* Exports to file as the Export menu does: on success the window says where
 * the file went (with "Open" and "Show in Folder"), on failure it shows the
 * error in the window. Returns whether the file was written. */
gboolean actorscope_window_export_file (ActorscopeWindow *self, GFile *file, const char *format);
/* The export confirmation shown, or NULL when none is (borrowed). */
const char *actorscope_window_get_export_message (ActorscopeWindow *self);

/* The replay speed factor (1 = real time): one of the speed menu's
 * entries; set picks the nearest. Kept in the "replay-speed" setting. */
void actorscope_window_set_replay_speed (ActorscopeWindow *self, double speed);
double actorscope_window_get_replay_speed (ActorscopeWindow *self);

/* The parts, for tests (borrowed). */
ActorscopeSceneView *actorscope_window_get_scene_view (ActorscopeWindow *self);
/* The view state the window's widgets share (borrowed). */
ActorscopeSession *actorscope_window_get_session (ActorscopeWindow *self);
ActorscopeActorTree *actorscope_window_get_actor_tree (ActorscopeWindow *self);
ActorscopeDetails *actorscope_window_get_details (ActorscopeWindow *self);
/* The deviations list of the header bar's popover. */
ActorscopeDeviationsList *actorscope_window_get_deviations_list (ActorscopeWindow *self);
GtkEditable *actorscope_window_get_filter_entry (ActorscopeWindow *self);
ActorscopeSearchBar *actorscope_window_get_search_bar (ActorscopeWindow *self);
/* The status line text (borrowed). */
const char *actorscope_window_get_status (ActorscopeWindow *self);

G_END_DECLS
