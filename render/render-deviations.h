/* render-deviations.h: one deviation (ingest/views/ingest-deviations.h)
 * in plain words, the sentence every front end shows in its row: the
 * console's deviations reply and the desktop's deviations list.
 *
 * Worded once, here, so the two never drift. The sentences are marked for
 * translation (N_) in this file; a front end that translates passes its
 * gettext as the hook, one that does not (the console's JSON) passes NULL
 * and gets the English text. */
#pragma once

#include <glib.h>

#include "ingest-deviations.h"

G_BEGIN_DECLS

/* Returns msgid translated (borrowed: gettext semantics), or msgid itself. */
typedef const char *(*RenderTranslateFunc) (const char *msgid);

/* What d says happened, without internal keys: "dropped ping from /a: full",
 * "mailbox at 12, over the limit of 10". spec is the one the deviations
 * were found with (its thresholds appear in some sentences); translate may
 * be NULL. Caller holds whatever lock keeps store's actors and messages
 * readable. Returns newly allocated UTF-8 text (g_free); trace strings in
 * it are not escaped (plain text: escape where it lands). */
char *render_deviation_describe (IngestStore *store, const IngestDeviation *d, const IngestDeviationSpec *spec,
                                 RenderTranslateFunc translate);

G_END_DECLS
