/* actorscope-search-bar.h: find messages by actor, label or payload text
 * (ingest-search.c, as the console's search), with a match count and
 * next/previous. Ctrl+F reveals it.
 *
 * Stepping to a match emits "match-activated" (message id, time in ns);
 * the owner moves the window there and selects the message. Matches are
 * those of the console for the same text and fields, in the same order. */
#pragma once

#include <gtk/gtk.h>
#include "actorscope-document.h"
#include "ingest-search.h"

G_BEGIN_DECLS

/* As the console: the first 1000 matches are kept to step through; the
 * count says how many there are. */
#define ACTORSCOPE_SEARCH_MAX_MATCHES 1000

#define ACTORSCOPE_TYPE_SEARCH_BAR (actorscope_search_bar_get_type ())
G_DECLARE_FINAL_TYPE (ActorscopeSearchBar, actorscope_search_bar, ACTORSCOPE, SEARCH_BAR, GtkWidget)

GtkWidget *actorscope_search_bar_new (void);
void actorscope_search_bar_set_document (ActorscopeSearchBar *self, ActorscopeDocument *document);
/* Shows the bar and focuses its entry (text selected). */
void actorscope_search_bar_open (ActorscopeSearchBar *self);
void actorscope_search_bar_close (ActorscopeSearchBar *self);
gboolean actorscope_search_bar_is_open (ActorscopeSearchBar *self);

/* Searches now for text (borrowed; "" clears) in fields
 * (IngestSearchFields), as typing it and setting the toggles does, and
 * steps to the first match. */
void actorscope_search_bar_search (ActorscopeSearchBar *self, const char *text, guint fields);
/* Steps to the next (previous) match, wrapping around. FALSE if none. */
gboolean actorscope_search_bar_next (ActorscopeSearchBar *self);
gboolean actorscope_search_bar_previous (ActorscopeSearchBar *self);

/* The last search's result (borrowed; NULL before any), the match stepped
 * to (-1: none) and the count as shown ("3 of 12"). */
const IngestSearchResult *actorscope_search_bar_get_result (ActorscopeSearchBar *self);
int actorscope_search_bar_get_current (ActorscopeSearchBar *self);
const char *actorscope_search_bar_get_count_text (ActorscopeSearchBar *self);

G_END_DECLS
