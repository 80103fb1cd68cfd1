/* ingest-search.h: messages whose sender or receiver name, label or payload
 * contains a text (ASCII letters compared without case), in time order, for
 * a front end's "find, next, previous". Data only. */
#pragma once

#include "ingest-store.h"

G_BEGIN_DECLS

typedef enum {
  INGEST_SEARCH_ACTOR = 1 << 0,    /* sender or receiver name */
  INGEST_SEARCH_LABEL = 1 << 1,    /* message label */
  INGEST_SEARCH_PAYLOAD = 1 << 2,  /* payload text */
  INGEST_SEARCH_ALL = 7,
} IngestSearchFields;

typedef struct {
  IngestMessageId message;
  gint64 time_ns;            /* sent (received when the send was never seen) */
  guint8 fields;             /* IngestSearchFields that matched */
} IngestSearchMatch;

typedef struct {
  GArray *matches;           /* IngestSearchMatch in time order (owned) */
  guint64 total;             /* matches found, kept or not */
  gboolean truncated;        /* max_messages reached: the scan stopped early */
} IngestSearchResult;

/* Scans the messages of store sent within [from_ns, to_ns] for text
 * (non-empty; borrowed). Keeps the first max_matches (0 = 1000) matches,
 * examines at most max_messages (0 = 5,000,000). Returns a new result
 * (free with ingest_search_result_free), never NULL. */
IngestSearchResult *ingest_search_messages (IngestStore *store, const char *text, guint fields,
                                            gint64 from_ns, gint64 to_ns, guint max_matches,
                                            guint64 max_messages);
void ingest_search_result_free (IngestSearchResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestSearchResult, ingest_search_result_free)

G_END_DECLS
