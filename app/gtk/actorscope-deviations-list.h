/* actorscope-deviations-list.h: what went wrong in the trace, as a list
 * (crashes, drops, unanswered requests, lost events, stuck queues, slow
 * mailboxes, mailboxes over a limit).
 *
 * The rows come from ingest_deviations_find() with the same spec the
 * browser console's deviations panel uses (default thresholds, 100 rows per
 * kind), so both front ends list the same deviations for the same trace.
 * Activating a row emits "deviation-activated" (time_ns, actor); the window
 * decides what that means (it moves the view there and selects the actor).
 */
#pragma once

#include <gtk/gtk.h>

#include "actorscope-document.h"
#include "ingest-deviations.h"

G_BEGIN_DECLS

#define ACTORSCOPE_TYPE_DEVIATIONS_LIST (actorscope_deviations_list_get_type ())
G_DECLARE_FINAL_TYPE (ActorscopeDeviationsList, actorscope_deviations_list, ACTORSCOPE, DEVIATIONS_LIST, GtkWidget)

/* Rows kept per kind: the same as the console's panel. */
#define ACTORSCOPE_DEVIATIONS_ROWS_PER_KIND 100

GtkWidget *actorscope_deviations_list_new (void);

/* Scans document (takes a reference; NULL empties the list). Live
 * documents are scanned again by actorscope_deviations_list_refresh. */
void actorscope_deviations_list_set_document (ActorscopeDeviationsList *self, ActorscopeDocument *document);
void actorscope_deviations_list_refresh (ActorscopeDeviationsList *self);

/* The list found by the last scan, or NULL without a document (borrowed;
 * valid until the next scan). */
const IngestDeviations *actorscope_deviations_list_get_deviations (ActorscopeDeviationsList *self);

/* The text shown in row i ("time · actor · what"; owned by the caller),
 * or NULL past the end. */
char *actorscope_deviations_list_dup_row_text (ActorscopeDeviationsList *self, guint i);

/* Activates row i as a click would. */
void actorscope_deviations_list_activate_row (ActorscopeDeviationsList *self, guint i);

G_END_DECLS
