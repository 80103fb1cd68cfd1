/* actorscope-details.h: the details pane.
 *
 * Shows one thing at a time: an actor, a message (times, latencies, the
 * paired request/response, the payload as plain text), an edge, or the
 * aggregate statistics of a selected time range (per edge: count, rate,
 * latency p50/p99). Buttons emit "jump-to-actor" (actor id) and
 * "jump-to-message" (message id); the owner decides what jumping means.
 * Every string from the trace is set as plain text, never markup.
 */
#pragma once

#include <gtk/gtk.h>
#include "actorscope-actor-charts.h"
#include "actorscope-document.h"
#include "actorscope-scene-builder.h"

G_BEGIN_DECLS

#define ACTORSCOPE_TYPE_DETAILS (actorscope_details_get_type ())
G_DECLARE_FINAL_TYPE (ActorscopeDetails, actorscope_details, ACTORSCOPE, DETAILS, GtkWidget)

void actorscope_details_set_document (ActorscopeDetails *self, ActorscopeDocument *document);
/* Replaying: an actor or an edge is shown with the figures of the window
 * of figures (the one ending at the cursor; a reference is kept), and the
 * one shown now is shown again with them; NULL: the whole trace's. */
void actorscope_details_set_window_figures (ActorscopeDetails *self, ActorscopeWindowFigures *figures);
void actorscope_details_show_nothing (ActorscopeDetails *self);
void actorscope_details_show_actor (ActorscopeDetails *self, IngestActorId id);
void actorscope_details_show_message (ActorscopeDetails *self, IngestMessageId id);
void actorscope_details_show_edge (ActorscopeDetails *self, IngestActorId from, IngestActorId to);
/* Aggregates over [from_ns, to_ns) with the view's filter (may be NULL). */
void actorscope_details_show_range (ActorscopeDetails *self, gint64 from_ns, gint64 to_ns,
                                    const char *actor_pattern);

/* What is shown: "none", "actor", "message", "edge" or "range". */
const char *actorscope_details_get_kind (ActorscopeDetails *self);
/* The title line shown (borrowed). */
const char *actorscope_details_get_title (ActorscopeDetails *self);
/* An edge's title shows one line per actor: the label of the sender (to
 * FALSE) or receiver (to TRUE), or NULL when no edge is shown (borrowed). */
GtkLabel *actorscope_details_get_edge_end (ActorscopeDetails *self, gboolean to);
/* The actor's charts over time (borrowed; hidden unless an actor is shown). */
ActorscopeActorCharts *actorscope_details_get_charts (ActorscopeDetails *self);
/* The value shown for a row whose label is key (for tests), or NULL. */
const char *actorscope_details_get_value (ActorscopeDetails *self, const char *key);

/* The payload as the pane shows it (owned by the caller, g_free): JSON
 * objects and arrays re-indented (their text otherwise unchanged), control
 * and bidi characters made visible (␛, <U+202E>), at most 64 KiB with a
 * note on what was left out. n_controls (may be NULL) receives how many
 * characters were made visible. payload must be UTF-8. */
char *actorscope_details_format_payload (const char *payload, gsize *n_controls);

G_END_DECLS
