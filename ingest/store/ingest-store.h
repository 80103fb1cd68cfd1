/* ingest-store.h: the append-only event store and its derived facts.
 *
 * One IngestStore holds everything accepted from any number of sources:
 * interned strings, actors, messages and events (with stable sequence
 * numbers), plus facts derived incrementally on each append (pairing of
 * send/receive/done and request/response, mailbox depth, per-actor and
 * per-edge counts and latency histograms).
 *
 * Threading: a store is not locked. Use it from one thread at a time (a
 * loader thread may fill a fresh store and then hand it to the UI thread).
 */
#pragma once

#include "ingest-model.h"

G_BEGIN_DECLS

typedef struct _IngestStore IngestStore;

/* A string argument: pointer + byte length; len < 0 means NUL-terminated;
 * ptr == NULL means "absent". Bytes need not be valid UTF-8 (invalid sequences
 * become U+FFFD when interned) and may contain anything but are cut at
 * INGEST_STORE_MAX_STRING bytes. */
typedef struct {
  const char *ptr;
  gssize len;
} IngestStr;

#define INGEST_STR(s) ((IngestStr){ (s), -1 })
#define INGEST_STR_NONE ((IngestStr){ NULL, 0 })

/* Longest interned name/label (bytes); longer ones are cut on a UTF-8
 * boundary and end with "…". Payloads have their own, larger bound. */
#define INGEST_STORE_MAX_STRING 4096
#define INGEST_STORE_MAX_PAYLOAD 65536
/* A path-like actor name ("/user/a/b") implies its ancestors ("/user",
 * "/user/a"): the root-most ones are created, at most
 * INGEST_STORE_MAX_IMPLIED_LEVELS of them and while their names take at
 * most INGEST_STORE_MAX_IMPLIED_BYTES together; deeper levels stay in the
 * name, under the deepest ancestor kept. So a name costs at most a few
 * times its length. */
#define INGEST_STORE_MAX_IMPLIED_LEVELS 64
#define INGEST_STORE_MAX_IMPLIED_BYTES (2 * INGEST_STORE_MAX_STRING)

/* One event as a parser hands it to the store: strings not yet interned.
 * Which fields matter depends on kind (see IngestEventKind):
 *   SPAWN: actor, [actor_kind], [peer = parent/spawner]
 *   EXIT: actor, exit_status, [text = reason]
 *   SEND: actor = sender, peer = receiver, message_key, [label, size,
 *         payload, reply_to, in_reply_to, until_ack]
 *   RECEIVE: actor = receiver, message_key, [peer = sender, span,
 *            label (kept when the message has none: a span's name, or a
 *            receive whose send was never seen)]
 *   DONE, ACK: actor, message_key
 *   DROP: actor, message_key, [text = reason]
 *   MARK: [actor], text
 * A message_key names a message across its events; the first event that
 * names an unknown key creates the message. */
typedef struct {
  IngestEventKind kind;
  gint64 time_ns;
  IngestStr actor;
  IngestActorKind actor_kind;   /* used when the event creates `actor` */
  gboolean actor_kind_set;      /* FALSE: keep/choose default kind */
  IngestStr peer;
  IngestActorKind peer_kind;
  gboolean peer_kind_set;
  IngestStr message_key;
  IngestStr label;
  IngestStr payload;
  IngestStr reply_to;           /* actor name */
  IngestStr in_reply_to;        /* message key of the request answered */
  IngestStr text;
  guint32 size;
  IngestExitStatus exit_status;
  gboolean until_ack;           /* SEND: see IngestMessage.until_ack */
  gboolean span;                /* RECEIVE creating the message: see IngestMessage.span */
} IngestEventInput;

/* Event times are clamped to [-INGEST_STORE_MAX_TIME,
 * INGEST_STORE_MAX_TIME] ns (2^62 - 1 ns: 146 years either side of the
 * origin, so wall-clock times up to the year 2116), so the difference of any
 * two stored times fits a gint64 (at most 2^63 - 2). */
#define INGEST_STORE_MAX_TIME ((G_GINT64_CONSTANT (1) << 62) - 1)

/* Returns a new empty store (owned; free with ingest_store_free()). */
IngestStore *ingest_store_new (void);
void ingest_store_free (IngestStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestStore, ingest_store_free)

/* Options of a new store, against hostile input. A trace naming millions
 * of distinct actors would otherwise grow every per-actor table (the store's,
 * the parsers', the live windows') without bound. Once max_actors actors
 * exist, every new actor name is folded into one actor named
 * INGEST_STORE_OTHER_ACTORS (created then, not counted in max_actors; a
 * trace actor that already had that name stays separate) and each folded
 * reference is counted in the counters' folded_actor_refs. Names already
 * known keep resolving to their actors. */
typedef struct {
  guint32 max_actors;   /* 0 = INGEST_STORE_DEFAULT_MAX_ACTORS */
} IngestStoreOptions;

#define INGEST_STORE_DEFAULT_MAX_ACTORS 1000000u
#define INGEST_STORE_OTHER_ACTORS "(other actors)"

/* Returns a new empty store with options (may be NULL: defaults; copied).
 * Owned by the caller; free with ingest_store_free(). */
IngestStore *ingest_store_new_with_options (const IngestStoreOptions *options);
/* The "(other actors)" actor, 0 while the actor cap was never hit. */
IngestActorId ingest_store_other_actors (const IngestStore *store);

/* Appends one event, creating actors/messages it names. Returns its sequence
 * number. Never fails: the store has no limit besides memory, bounded
 * strings, the actor cap (IngestStoreOptions) and the 2^32-1 message ids. */
IngestSeq ingest_store_append (IngestStore *store, const IngestEventInput *input);

/* Declares an actor (or updates its kind/parent if it exists). parent may be
 * absent; a path-like name ("/user/a/b") gets its parents created from the
 * path. Returns the actor's id. */
IngestActorId ingest_store_ensure_actor (IngestStore *store, IngestStr name,
                                         IngestActorKind kind, IngestStr parent);

/* Interning. The returned text is borrowed from the store. */
IngestAtom ingest_store_intern (IngestStore *store, IngestStr s);
const char *ingest_store_atom (const IngestStore *store, IngestAtom atom); /* "" for 0 */
/* Payload text (borrowed, "" when 0); payloads are not interned. */
const char *ingest_store_payload (const IngestStore *store, guint32 payload);

/* Counts. */
guint64 ingest_store_n_events (const IngestStore *store);
guint32 ingest_store_n_actors (const IngestStore *store);   /* valid ids are 1..n */
guint32 ingest_store_n_messages (const IngestStore *store); /* valid ids are 1..n */
/* Of those ids, how many are spans (IngestMessage.span), not messages: a
 * count of messages is ingest_store_n_messages - ingest_store_n_spans. */
guint32 ingest_store_n_spans (const IngestStore *store);

/* Borrowed pointers, valid while the store lives (with a memory budget, see
 * ingest_store_set_memory_budget()); NULL when out of range. */
const IngestEvent *ingest_store_event (const IngestStore *store, IngestSeq seq);
const IngestActor *ingest_store_actor (const IngestStore *store, IngestActorId id);
const IngestMessage *ingest_store_message (const IngestStore *store, IngestMessageId id);
/* Stats are recomputed from histograms on call; fills *out. */
void ingest_store_actor_stats (const IngestStore *store, IngestActorId id,
                               IngestActorStats *out);
/* Figures of several actors taken as one (a group): the latency histograms
 * of every actor in ids[0..n) merged, so the group's quantiles are those of
 * all its members' samples (not an average of their quantiles). Fills *out
 * with the sums of the counts and gauges and the merged latencies; ids out
 * of range are skipped. */
void ingest_store_actors_stats_merged (const IngestStore *store, const IngestActorId *ids, gsize n,
                                       IngestActorStats *out);
IngestActorId ingest_store_find_actor (const IngestStore *store, const char *name);
const char *ingest_store_actor_name (const IngestStore *store, IngestActorId id);

/* Time range of all events (min, max time_ns); FALSE when empty. After
 * retention (ingest_store_retain_before()) min is that of the events still
 * held. */
gboolean ingest_store_time_range (const IngestStore *store, gint64 *min_ns, gint64 *max_ns);

/* Events in time order: the store keeps a time-sorted index of sequence
 * numbers (appends that arrive in order are O(1); out-of-order ones are
 * merged lazily). Returns the first index position with time >= t and fills
 * the borrowed array of seqs (valid until the next append). */
gsize ingest_store_time_lower_bound (IngestStore *store, gint64 t_ns);
const IngestSeq *ingest_store_time_order (IngestStore *store, gsize *n_out);
/* The seq at one position of the time order (pos < n_events). Prefer it to
 * ingest_store_time_order() in loops: while appends arrive in time order the
 * index is the identity and takes no memory, and ingest_store_time_order()
 * has to materialise 8 bytes per event. */
IngestSeq ingest_store_time_seq (IngestStore *store, gsize pos);

/* How many times the store changed actors or messages it already held in
 * a way no appended event naming a message shows: an actor's parent, kind
 * or liveness (SPAWN, EXIT), its first DONE, a rename, a message labelled
 * afterwards. With the events appended since, it tells a view of past time
 * whether it is still what a rebuild would give (ingest_view_stamp_holds()). */
guint64 ingest_store_edits (const IngestStore *store);

/* TRUE when a DROP event named this message. */
gboolean ingest_store_message_dropped (const IngestStore *store, IngestMessageId id);

/* Per-edge facts (sender -> receiver, by actor id). */
typedef struct {
  IngestActorId from, to;
  guint64 count;             /* messages sent */
  guint64 received;          /* of which received */
  guint64 dropped;
  guint64 bytes;
  gint64 first_ns, last_ns;
  IngestLatency mailbox;     /* send -> receive */
  IngestLatency processing;  /* receive -> done at `to` */
  IngestLatency round_trip;  /* request from->to answered back: send -> response receive */
  IngestAtom top_label;      /* most frequent label */
} IngestEdgeStats;

/* All edges seen so far, as a new array the caller frees with g_free();
 * *n_out gets the count. */
IngestEdgeStats *ingest_store_dup_edges (const IngestStore *store, gsize *n_out);

/* Counters the sources/parsers feed (shown by `stats`). */
typedef struct {
  guint64 skipped_records;  /* malformed records skipped in lenient mode */
  guint64 lost_events;      /* lost while attached: gaps in a source's ids
                             * (message-switch ring wrap, broker restart) */
  /* Lost before attach: ids a source started at 0 that were gone before
   * anyone read them (a capture or live attach whose first
   * message-switch id is 8 lost 0..7). */
  guint64 lost_before_attach;
  guint64 duplicate_events; /* dropped as duplicates (overlapping polls) */
  guint64 unmatched;        /* receive/done/ack naming an unknown message */
  /* Actor references folded into "(other actors)" because the store
   * held max_actors actors (one per reference, not per distinct name). */
  guint64 folded_actor_refs;
  /* Messages not stored because the store's 2^32 - 1 message ids were
   * used up (a run of days at tens of thousands of messages a second):
   * their events are stored, unpaired. Counted again by a restore, not
   * kept in the log. */
  guint64 messages_over_limit;
} IngestStoreCounters;

IngestStoreCounters *ingest_store_counters (IngestStore *store); /* borrowed, writable */

/* Approximate bytes the store holds (for benchmarks and memory limits). */
gsize ingest_store_memory_bytes (const IngestStore *store);

/* A memory budget: keeps ingest_store_memory_bytes() within budget_bytes
 * (0: no budget, the default) by evicting the oldest events, and the
 * messages created before them, from RAM, but only events the owner
 * declared safe with ingest_store_set_evictable() (the durable log holds
 * them). Evicted chunks go to an unnamed page file in page_dir (borrowed;
 * put it on the data directory's disk) and are read back, through a bounded
 * cache, when something reaches into evicted time: every function of this
 * header keeps its answer, only slower there. What stays in RAM whatever the
 * budget, growing with cardinality, not with time: actors (capped, see
 * IngestStoreOptions), edges, histograms, interned strings (names, labels,
 * texts: 2 GiB at most, then "(overflow)"); growing with time: payloads,
 * the ids of dropped messages and, for events appended out of time order,
 * the time index (4 bytes per event). Message keys leave RAM with their
 * messages, and the key table keeps only the keys still open (see
 * ingest_store_n_retired_messages()). So the budget is what the
 * store aims at; a store whose fixed part outgrows it evicts every event it
 * may and stays above.
 *
 * With a budget, a pointer to an event or message that was evicted (from
 * ingest_store_event(), ingest_store_message()) stays valid only until
 * INGEST_STORE_PAGER_CACHE (64) other evicted chunks have been read: hold a
 * few, never one across a loop over old events. Returns FALSE and an
 * INGEST_ERROR_IO error when the page file cannot be created. If the page
 * file later refuses a write (full disk), eviction stops for good and the
 * store keeps everything in RAM from then on (nothing is lost);
 * ingest_store_get_evict_error() then says why. */
gboolean ingest_store_set_memory_budget (IngestStore *store, gsize budget_bytes,
                                         const char *page_dir, GError **error);
/* Events with seq < n are durable elsewhere and may leave RAM from now on
 * (a smaller n than before stops further eviction below it; what left RAM
 * stays out). */
void ingest_store_set_evictable (IngestStore *store, IngestSeq n);
/* Evicts what the budget asks now (appends do it on their own at every
 * 2048th event). */
void ingest_store_evict (IngestStore *store);
/* Events evicted from RAM so far (the oldest ones, seqs 0..n-1), and chunks
 * read back from the page file (for tests and benchmarks). */
guint64 ingest_store_n_evicted_events (const IngestStore *store);
guint64 ingest_store_n_page_reads (const IngestStore *store);
/* Bytes of RAM of the per-chunk bookkeeping (chunk tables, page-file
 * slots, marks of the events', messages' and keys' chunks): the part of
 * ingest_store_memory_bytes() that grows with the history held, not with
 * the events in RAM (for tests and benchmarks). */
gsize ingest_store_chunk_tables_bytes (const IngestStore *store);
/* Messages whose key left the message key table, so that it stays bounded
 * with a budget (none without one). The keys of the newest budget / 128
 * messages (at least 65536) always stay: late events naming those pair as
 * without a budget. An older message leaves it once evicted from RAM and
 * complete: sent (unless a span), received, done, acked if held until
 * acked, answered if it asked for an answer (reply_to). Events naming it
 * then give the same answers, except a late ACK, DROP or answer
 * (in_reply_to): that counts as unmatched and begins a new message, like a
 * key never seen. When more than that many older messages are still open,
 * they all leave it; *n_open (may be NULL) gets how many left that way:
 * late events naming those count as unmatched too. */
guint64 ingest_store_n_retired_messages (const IngestStore *store, guint64 *n_open);
/* Why eviction stopped (borrowed), NULL while it works. */
const GError *ingest_store_get_evict_error (const IngestStore *store);
/* Called after an eviction round that freed chunks (also in the middle of
 * an append, so it must not touch the store): the owner may give the freed
 * RAM back to the system (malloc_trim), which a library should not decide.
 * func NULL: none. */
typedef void (*IngestStoreEvictedFunc) (IngestStore *store, gpointer user_data);
void ingest_store_set_evicted_func (IngestStore *store, IngestStoreEvictedFunc func,
                                    gpointer user_data);

/* Retention: a live store forgets its oldest events for good, so that the
 * disk a long-running service uses (data directory and page file) is bounded
 * by the owner's retention, not by its uptime. ingest_store_retain_before()
 * drops every whole 2048-event chunk below seq that already left RAM
 * (evicted: the durable log held it), and the messages no remaining event
 * names; their page-file bytes are given back (holes punched). After it:
 *  - ingest_store_first_seq() is the first seq still held (a multiple of
 *    2048, <= seq); n_events and every seq number stay as they were;
 *  - ingest_store_event() of an earlier seq returns NULL; the time order
 *    keeps those events at positions 0..first-1 and
 *    ingest_store_time_lower_bound() never returns a position below first,
 *    so a view over any window sees only the events still held;
 *  - since-start facts stay running totals over every event ever appended
 *    (counts, bytes, pending, errors, depth, histograms); a latency whose
 *    first event was retained away (a message open for longer than the
 *    history kept) gets no sample (counted in IngestStoreRetained.latencies);
 *  - a late event naming a message retained away is unmatched, as for a
 *    key never seen (and the ids of dropped messages retained away leave
 *    the dropped set); a link (response, in_reply_to) from a kept message to
 *    one retained away reads as a message with no events (key 0, seqs
 *    INGEST_SEQ_NONE).
 * Returns the new first seq; *out (may be NULL) gets what this call dropped
 * (latencies unused). Without a memory budget nothing is ever evicted, so
 * nothing is dropped. */
typedef struct {
  guint64 events;       /* events dropped */
  guint64 messages;     /* message ids dropped */
  guint64 page_bytes;   /* page file bytes given back */
  guint64 latencies;    /* latency samples not taken (ingest_store_get_retained()) */
} IngestStoreRetained;

IngestSeq ingest_store_retain_before (IngestStore *store, IngestSeq seq, IngestStoreRetained *out);
IngestSeq ingest_store_first_seq (const IngestStore *store);
/* Totals since the store was made. */
void ingest_store_get_retained (const IngestStore *store, IngestStoreRetained *out);
/* Bytes of disk the store's page files take now (0 without a budget). */
gint64 ingest_store_page_disk_bytes (const IngestStore *store);

/* Corrections after the fact, for formats that need them (Chrome metadata
 * names processes and threads after their events, and Chrome slices are
 * messages without a SEND): ingest_store_rename_actor gives actor id a new name (its short name
 * follows); FALSE when id is invalid, the name is empty or another actor has
 * it. ingest_store_set_message_label sets the label of a message that has
 * none yet (a SEND's label always wins). */
gboolean ingest_store_rename_actor (IngestStore *store, IngestActorId id, IngestStr name);
void ingest_store_set_message_label (IngestStore *store, IngestMessageId id, IngestStr label);

G_END_DECLS
