/* ingest-model.h: the one event model every trace source maps onto.
 *
 * Plain data types shared by the store, the parsers and the views. The store
 * (ingest-store.h) owns every instance; everything here is read through
 * borrowed pointers that stay valid for the store's lifetime (events,
 * messages and actors live in chunked arrays that never move).
 *
 * Units: every time is signed 64-bit nanoseconds (since the Unix epoch when
 * the source has wall-clock time, otherwise since the source's own origin);
 * every duration is nanoseconds; sizes are bytes.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Interned string handle. 0 means "no string". Resolve with
 * ingest_store_atom(); the text is NUL-terminated, valid UTF-8 (invalid
 * input bytes are replaced with U+FFFD at intern time) and borrowed from the
 * store. */
typedef guint32 IngestAtom;

/* Index of an actor in the store, from 1; 0 means "no actor". */
typedef guint32 IngestActorId;

/* Index of a message in the store, from 1; 0 means "no message". */
typedef guint32 IngestMessageId;

/* Stable sequence number of an event: its position in the append-only store,
 * from 0. Never reused, never renumbered. */
typedef guint64 IngestSeq;
#define INGEST_SEQ_NONE G_MAXUINT64

#define INGEST_TIME_MIN G_MININT64
#define INGEST_TIME_MAX G_MAXINT64

typedef enum {
  INGEST_ACTOR_ACTOR = 0,
  INGEST_ACTOR_QUEUE,
  INGEST_ACTOR_THREAD,
  INGEST_ACTOR_PROCESS,
  INGEST_ACTOR_CLIENT,
  INGEST_ACTOR_N_KINDS
} IngestActorKind;

typedef enum {
  INGEST_EVENT_SPAWN = 0, /* actor came to life (actor, peer = spawner or 0) */
  INGEST_EVENT_EXIT,      /* actor ended; status in exit_status, reason in text */
  INGEST_EVENT_SEND,      /* actor sent message to peer */
  INGEST_EVENT_RECEIVE,   /* actor (receiver) started processing message from peer */
  INGEST_EVENT_DONE,      /* actor finished processing message */
  INGEST_EVENT_ACK,       /* actor acknowledged message */
  INGEST_EVENT_DROP,      /* message dropped / dead-lettered at actor; reason in text */
  INGEST_EVENT_MARK,      /* free text mark on actor (or 0 for global) */
  INGEST_EVENT_N_KINDS
} IngestEventKind;

typedef enum {
  INGEST_EXIT_NORMAL = 0,
  INGEST_EXIT_CRASH = 1,
} IngestExitStatus;

/* One event, 32 bytes. */
typedef struct {
  gint64 time_ns;
  IngestActorId actor;     /* the subject: sender, receiver, spawned, exiting... */
  IngestActorId peer;      /* SEND: receiver; RECEIVE: sender; SPAWN: parent/spawner; else 0 */
  IngestMessageId message; /* SEND/RECEIVE/DONE/ACK/DROP; else 0 */
  IngestAtom text;         /* MARK text, EXIT/DROP reason, else 0 */
  guint8 kind;             /* IngestEventKind */
  guint8 exit_status;      /* IngestExitStatus for EXIT */
  guint16 reserved;         /* store-internal (mailbox depth sample flag) */
  guint32 reserved2;        /* store-internal (receiver's mailbox depth) */
} IngestEvent;

/* What the store knows about one message; filled in as its events arrive. */
typedef struct {
  IngestAtom key;            /* the source's message id, as text */
  IngestAtom label;          /* message type / label, 0 if unknown */
  IngestActorId from, to;    /* sender and receiver (receiver may be learnt late) */
  IngestActorId reply_to;    /* actor the answer should go to, or 0 */
  IngestMessageId in_reply_to; /* the request this message answers, or 0 */
  IngestMessageId response;    /* the first message answering this one, or 0 */
  guint32 size;              /* bytes, 0 if unknown */
  guint32 payload;           /* payload handle for ingest_store_payload(), 0 = none */
  /* TRUE: the receiver is a broker queue that keeps the message until an
   * ACK names it (message-switch): RECEIVE is a delivery, ACK the removal,
   * so depth, pending and time in queue end at the ACK. FALSE: a RECEIVE
   * takes it out of the mailbox. */
  guint8 until_ack;
  /* TRUE: not a message but a span, work done on the receiver's own lane
   * with no sender by nature (a Chrome X or B/E slice): its RECEIVE and
   * DONE are the span's start and end. Spans are counted apart from
   * messages (IngestActorStats.spans, ingest_store_n_spans) and are never
   * "unmatched"; their durations are processing time on that actor. */
  guint8 span;
  IngestSeq send_seq;        /* INGEST_SEQ_NONE when not (yet) seen */
  IngestSeq receive_seq;
  IngestSeq done_seq;
  IngestSeq ack_seq;         /* first ACK naming it, INGEST_SEQ_NONE until then */
} IngestMessage;

/* Latency summary over a log-bucketed histogram (relative error <= 2 %).
 * All values in ns; count == 0 means "no samples" and the rest is 0. */
typedef struct {
  guint64 count;
  gint64 min_ns, max_ns;
  gint64 mean_ns, p50_ns, p99_ns;
} IngestLatency;

/* Per-actor derived facts, updated incrementally on every append. */
typedef struct {
  guint64 sent, received, processed, dropped, acked;
  guint64 spans;             /* spans begun here (IngestMessage.span): not in
                              * received/processed; their durations are in
                              * processing */
  guint64 errors;            /* crashes + drops at this actor + error marks */
  guint64 crashes, spawns, exits;
  /* current: sends to it not yet taken out (received; for messages held
   * until acked, see IngestMessage.until_ack, acked) */
  gint64 mailbox_depth;
  gint64 mailbox_depth_max;
  gint64 first_ns, last_ns;  /* time of first and last event involving it */
  IngestLatency mailbox;     /* send -> receive (held until acked: send -> ack),
                              * for messages taken out here */
  IngestLatency processing;  /* receive -> done, here */
  IngestLatency round_trip;  /* request sent here -> its response received here */
  guint64 pending;           /* messages sent to it not taken out (so far) */
  guint64 delivered_unacked; /* held until acked: delivered, not acked yet */
  guint64 unanswered;        /* requests it sent (reply_to set) with no response yet */
} IngestActorStats;

typedef struct {
  IngestAtom name;           /* full path, e.g. "/user/workers/w1" or "xapi:15859" */
  IngestAtom short_name;     /* last path component ("w1"), == name if flat */
  IngestActorId parent;      /* from the path hierarchy or the source, 0 = root */
  guint8 kind;               /* IngestActorKind */
  guint8 alive;              /* TRUE between spawn and exit (TRUE if never spawned) */
  /* TRUE once a message held until acked (IngestMessage.until_ack) was
   * sent to it: a broker queue where delivery is not removal. */
  guint8 removed_on_ack;
  guint8 reserved;
} IngestActor;

const char *ingest_actor_kind_to_string (IngestActorKind kind);
gboolean    ingest_actor_kind_from_string (const char *s, gsize len, IngestActorKind *out);
const char *ingest_event_kind_to_string (IngestEventKind kind);
gboolean    ingest_event_kind_from_string (const char *s, gsize len, IngestEventKind *out);

/* Errors: the project's GError domain for every layer below the front ends. */
#define INGEST_ERROR (ingest_error_quark ())
GQuark ingest_error_quark (void);

typedef enum {
  INGEST_ERROR_SYNTAX,      /* malformed JSON / record */
  INGEST_ERROR_SCHEMA,      /* well-formed but missing/wrong fields */
  INGEST_ERROR_LIMIT,       /* a bound was hit (line length, nesting, size) */
  INGEST_ERROR_FORMAT,      /* format could not be detected / unsupported */
  INGEST_ERROR_IO,
  INGEST_ERROR_FILTER,      /* bad filter/regex in a view spec */
} IngestErrorCode;

G_END_DECLS
