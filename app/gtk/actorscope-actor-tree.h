/* actorscope-actor-tree.h: the sidebar's actor tree.
 *
 * A GtkColumnView over a GtkTreeListModel of ActorscopeActorItem (the
 * hierarchy from actor paths), with Akka-console columns (messages in/out,
 * rate, mailbox depth, time in mailbox, processing time, errors), sortable
 * by any column, filtered by the same pattern as the views. Selecting a row
 * emits "actor-selected" with the actor id (0 when cleared). A row with
 * children shows its whole subtree's figures (counts and rates summed, the
 * largest mailbox depth, latencies of the merged histograms).
 */
#pragma once

#include <gtk/gtk.h>
#include "actorscope-document.h"
#include "actorscope-scene-builder.h"

G_BEGIN_DECLS

#define ACTORSCOPE_TYPE_ACTOR_ITEM (actorscope_actor_item_get_type ())
G_DECLARE_FINAL_TYPE (ActorscopeActorItem, actorscope_actor_item, ACTORSCOPE, ACTOR_ITEM, GObject)

IngestActorId actorscope_actor_item_get_id (ActorscopeActorItem *self);
/* The actor's full path (borrowed). */
const char *actorscope_actor_item_get_path (ActorscopeActorItem *self);

#define ACTORSCOPE_TYPE_ACTOR_TREE (actorscope_actor_tree_get_type ())
G_DECLARE_FINAL_TYPE (ActorscopeActorTree, actorscope_actor_tree, ACTORSCOPE, ACTOR_TREE, GtkWidget)

void actorscope_actor_tree_set_document (ActorscopeActorTree *self, ActorscopeDocument *document);
/* Re-reads every actor's stats (after live appends). */
void actorscope_actor_tree_refresh (ActorscopeActorTree *self);
/* Replaying: the rows show the figures of the window of figures (the one
 * ending at the cursor: counts, rate per second of that window, mailbox
 * maximum and latencies in it; a reference is kept); NULL shows the whole
 * trace's again. */
void actorscope_actor_tree_set_window_figures (ActorscopeActorTree *self, ActorscopeWindowFigures *figures);
/* Same pattern syntax as actorscope_scene_view_set_filter(); NULL shows all. */
void actorscope_actor_tree_set_filter (ActorscopeActorTree *self, const char *filter);
/* Selects the row of actor id (expanding its parents); 0 clears. */
void actorscope_actor_tree_select_actor (ActorscopeActorTree *self, IngestActorId id);
IngestActorId actorscope_actor_tree_get_selected_actor (ActorscopeActorTree *self);
/* Rows currently shown (after filtering and expansion). */
guint actorscope_actor_tree_get_n_visible (ActorscopeActorTree *self);
/* Sorts by the column named name ("actor", "in", "out", "rate", "depth",
 * "mailbox", "processing", "errors"), as a click on its header would. */
gboolean actorscope_actor_tree_sort_by (ActorscopeActorTree *self, const char *name,
                                        gboolean descending);
/* The actor id shown at visible row position (0 if none): for tests. */
IngestActorId actorscope_actor_tree_get_actor_at (ActorscopeActorTree *self, guint position);

/* Grouping: fold the subtree under actor id into one node/lane of the views
 * (IngestViewSpec.groups), or show its members again. Only rows with
 * children can be grouped; FALSE when id can't be (leaf, unknown, or no
 * pattern matches exactly its subtree). Emits "groups-changed". The rows'
 * context menu (right-click) does the same. */
gboolean actorscope_actor_tree_set_grouped (ActorscopeActorTree *self, IngestActorId id, gboolean grouped);
gboolean actorscope_actor_tree_get_grouped (ActorscopeActorTree *self, IngestActorId id);
/* The view group patterns of the grouped subtrees, outermost first,
 * NULL-terminated; NULL when none. Borrowed, valid until the next change. */
const char *const *actorscope_actor_tree_get_groups (ActorscopeActorTree *self);
/* Opens the context menu of actor id's row at (x, y) in tree coordinates. */
void actorscope_actor_tree_popup_menu (ActorscopeActorTree *self, IngestActorId id, double x, double y);

/* The row item of actor id (borrowed; NULL if none). Its properties
 * ("received", "sent", "rate", "depth", "mailbox", "processing", "errors",
 * "grouped") are what the columns show. */
ActorscopeActorItem *actorscope_actor_tree_get_item (ActorscopeActorTree *self, IngestActorId id);
/* Whether the rows' context menu is open (for tests). */
gboolean actorscope_actor_tree_get_menu_visible (ActorscopeActorTree *self);

/* The long form of a column's short header, shown as its tooltip (borrowed;
 * NULL for an unknown column name). */
const char *actorscope_actor_tree_get_column_tooltip (ActorscopeActorTree *self, const char *name);
/* The text of the cell of actor id's row in the numeric column name ("in",
 * "out", "rate", "depth", "mailbox", "processing", "errors"), as it is
 * shown (render-columns.h); NULL for an unknown actor or column. Owned by
 * the caller. */
char *actorscope_actor_tree_dup_cell_text (ActorscopeActorTree *self, IngestActorId id, const char *name);
/* The sum of the columns' fixed widths in pixels: what the tree needs to
 * show every column without scrolling (for tests and the window). */
int actorscope_actor_tree_get_columns_width (ActorscopeActorTree *self);

G_END_DECLS
