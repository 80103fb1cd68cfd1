/* actorscope-overview.h: the activity strip under the view.
 *
 * Shows the document's whole time range as an activity histogram
 * (actorscope_document_get_activity), the window currently shown, the replay
 * cursor and the area selection. Clicking or dragging scrubs: it emits
 * "scrub" (from_ns, to_ns) with the window moved there; Shift+drag selects a
 * time range and emits "area-selected" (from_ns, to_ns). The owner (the
 * window) applies both; the strip only draws what it is told.
 */
#pragma once

#include <gtk/gtk.h>
#include "actorscope-document.h"

G_BEGIN_DECLS

#define ACTORSCOPE_TYPE_OVERVIEW (actorscope_overview_get_type ())
G_DECLARE_FINAL_TYPE (ActorscopeOverview, actorscope_overview, ACTORSCOPE, OVERVIEW, GtkWidget)

void actorscope_overview_set_document (ActorscopeOverview *self, ActorscopeDocument *document);
/* The window shown by the view, ns. */
void actorscope_overview_set_window (ActorscopeOverview *self, gint64 from_ns, gint64 to_ns);
/* INGEST_TIME_MAX = no cursor. */
void actorscope_overview_set_cursor (ActorscopeOverview *self, gint64 cursor_ns);
/* from >= to clears. */
void actorscope_overview_set_area (ActorscopeOverview *self, gint64 from_ns, gint64 to_ns);

G_END_DECLS
