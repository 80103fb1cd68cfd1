/* actorscope-actor-tree.h: the sidebar's actor tree.
 *
 * A GtkColumnView over a GtkTreeListModel of ActorscopeActorItem (the
 * hierarchy from actor paths), with Akka-console columns (messages in/out,
 * rate, mailbox depth, time in mailbox, processing time, errors), sortable
 * by any column, filtered by the same pattern as the views. Selecting a row
 * emits "actor-selected" with the actor id (0 when cleared).
 */
#pragma once

#include <gtk/gtk.h>
#include "actorscope-document.h"

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

G_END_DECLS
