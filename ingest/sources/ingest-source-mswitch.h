/* ingest-source-mswitch.h: a client of a message-switch broker's trace
 * endpoint (`--mswitch unix:/path/to/switch.sock` or `--mswitch
 * http://host:port`); see shared/formats/message-switch.md.
 *
 * It long-polls GET /trace/<next>/<timeout> (HTTP/1.1, one connection per
 * poll), feeds each body to a message-switch parser, and keeps
 * next = last id + 1. Because the broker's ring is small (16 events by
 * default) and restarts reset ids, every answer is checked:
 *   - first id > next: the ring wrapped; first - next events were lost.
 *     They are counted (store counters' lost_events) and reported.
 *   - first id < next: the broker restarted (ids start again at 0). Reported
 *     and counted; polling continues from the new ids.
 *   - ids below next that overlap what we already have are dropped
 *     (duplicate_events), so overlapping polls never double-count.
 * When the broker is unreachable, or answers with something that is not a
 * /trace answer (a status other than 200, a bad status line, a body cut
 * short, larger than max_body_bytes or not {"events":[...]}), the client
 * retries with exponential backoff (backoff_min_ms doubling up to
 * backoff_max_ms), reports each bad answer, the outage once, and the
 * reconnection. A poll that gets no complete answer within poll_timeout_s +
 * answer_grace_ms (a hung broker or network, a dribbling answer) is
 * abandoned and counted as a failure like the others.
 *
 * Restarts are also looked for after every failure, because a broker that
 * was restarted while we could not reach it may already have counted past
 * our next id: the first poll after a failure asks from next - 1 and
 * compares the event it gets for that id with the one kept from before. The
 * same broker always still holds that id or a later one (its ring keeps the
 * newest events), so an empty answer, a smaller first id or a different
 * event there means a new broker: counted as a restart, and polling starts
 * again from 0 so that every event the new broker still holds is read (and
 * the parser, seeing the ids go back, gives its message keys a new epoch).
 * Only a restarted broker that has already counted past next - 1 AND
 * dropped that id from its ring is indistinguishable from a ring wrap; it
 * is then reported as lost events.
 */
#pragma once

#include "ingest-source.h"

G_BEGIN_DECLS

typedef struct _IngestMswitchSource IngestMswitchSource;

typedef struct {
  double poll_timeout_s;     /* the <timeout> sent to the broker; 0 = 5 */
  guint backoff_min_ms;      /* 0 = 100 */
  guint backoff_max_ms;      /* 0 = 5000 */
  gsize max_body_bytes;      /* 0 = 64 MiB; a larger answer is an error */
  guint answer_grace_ms;     /* 0 = 10000: a poll (connect + request + answer)
                              * taking longer than poll_timeout_s + this is
                              * abandoned and retried */
} IngestMswitchOptions;

/* target: "unix:PATH" or "http://HOST:PORT". Returns NULL with error for a
 * bad target. Starts polling at once. Owned by the caller. */
IngestMswitchSource *ingest_mswitch_source_new (IngestStore *store, const char *target,
                                                const IngestMswitchOptions *options,
                                                const IngestSourceHooks *hooks,
                                                GError **error);
void ingest_mswitch_source_free (IngestMswitchSource *source);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestMswitchSource, ingest_mswitch_source_free)

typedef struct {
  guint64 polls;             /* polls answered with a /trace body */
  guint64 events;            /* events handed to the parser (ids not seen before) */
  guint64 lost;              /* events lost to ring wrap while attached */
  guint64 lost_before_attach; /* ids below the first one ever read (from 0) */
  guint64 duplicates;        /* events dropped as already seen */
  guint64 restarts;          /* broker restarts detected */
  guint64 failures;          /* failed polls of any kind (the three below and
                              * refused/reset connections) */
  guint64 bad_answers;       /* answers that were not a usable /trace answer */
  guint64 timeouts;          /* polls abandoned after poll_timeout_s + grace */
  guint64 outages;           /* times the broker became unreachable (reported once each) */
  guint backoff_ms;          /* the current retry delay (0 while polls succeed) */
  gint64 next;               /* the next id asked for (-1 before the first answer) */
  gboolean connected;        /* the last poll got an answer */
} IngestMswitchStats;

void ingest_mswitch_source_get_stats (IngestMswitchSource *source, IngestMswitchStats *out);

/* One element of a /trace body: its byte range (the "[ID,{...}]" text) and
 * id. */
typedef struct {
  gsize start, end;          /* body[start..end) */
  gint64 id;
} IngestMswitchItem;

/* Splits a /trace body into its elements without decoding the events
 * (payloads may be invalid UTF-8, which JSON libraries refuse). Returns a
 * GArray of IngestMswitchItem (owned), or NULL with error for a body that is
 * not {"events":[[ID,{...}],...]}. Pure; for tests. */
GArray *ingest_mswitch_split_body (const char *body, gsize len, GError **error);

/* One HTTP/1.x answer to a poll, as read so far. Only Content-Length
 * framing is understood: the broker never sends chunked bodies (see
 * shared/formats/message-switch.md); without Content-Length the body runs to
 * the end of the connection. */
#define INGEST_MSWITCH_MAX_HEADER_BYTES (64 * 1024)

typedef enum {
  INGEST_MSWITCH_HTTP_INCOMPLETE,  /* need more bytes */
  INGEST_MSWITCH_HTTP_COMPLETE,    /* *out describes the answer */
  INGEST_MSWITCH_HTTP_BAD,         /* unusable; error says why */
} IngestMswitchHttp;

typedef struct {
  int status;                /* e.g. 200 */
  gsize body_offset;         /* the body is data[body_offset..+body_len) */
  gsize body_len;
  gint64 content_length;     /* -1 when absent */
} IngestMswitchResponse;

/* Parses the bytes of an HTTP answer received so far (data need not be
 * NUL-terminated; eof: the peer closed). A truncated body at eof, a bad or
 * conflicting Content-Length, a bad status line or headers over
 * INGEST_MSWITCH_MAX_HEADER_BYTES are BAD. Pure; for tests and fuzzing. */
IngestMswitchHttp ingest_mswitch_parse_response (const char *data, gsize len, gboolean eof,
                                                 IngestMswitchResponse *out, GError **error);

G_END_DECLS
