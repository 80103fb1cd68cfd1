/* actorscope-overview.h: the activity strip under the view.
 *
 * Shows the document's whole time range as an activity histogram
 * (actorscope_document_get_activity), the window currently shown, the replay
 * cursor and the area selection, all read from the window's session.
 * Clicking or dragging scrubs: it moves the session's window there and
 * emits "scrub" (from_ns, to_ns); Shift+drag selects a time range into the
 * session and emits "area-selected" (from_ns, to_ns).
 */
#pragma once

#include <gtk/gtk.h>
#include "actorscope-document.h"
#include "actorscope-session.h"

G_BEGIN_DECLS

#define ACTORSCOPE_TYPE_OVERVIEW (actorscope_overview_get_type ())
G_DECLARE_FINAL_TYPE (ActorscopeOverview, actorscope_overview, ACTORSCOPE, OVERVIEW, GtkWidget)

void actorscope_overview_set_document (ActorscopeOverview *self, ActorscopeDocument *document);
/* The session whose window, cursor and area the strip shows; dragging
 * writes its window (emitting "scrub" after) and, with Shift, its area
 * (emitting "area-selected" after). A reference is kept; NULL = a private
 * one. get is borrowed. */
void actorscope_overview_set_session (ActorscopeOverview *self, ActorscopeSession *session);
ActorscopeSession *actorscope_overview_get_session (ActorscopeOverview *self);

G_END_DECLS
