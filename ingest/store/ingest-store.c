/* ingest-store.c: the append-only event store and its incremental facts.
 *
 * Memory is the design constraint (<= 64 bytes per event all-in for a typical
 * send/receive/done trace), so:
 *  - events (32 B), messages (64 B) and actors live in chunked arrays: no
 *    per-item allocation, pointers never move, at most one chunk of slack;
 *  - an atom is a byte offset into the string arena (no pointer table);
 *  - message keys are stored once in their own arena, not interned; the message
 *    table maps a key's hash straight to the message id (8-byte slots holding
 *    hash and id, so a probe rarely touches the message itself);
 *  - the time-order index costs nothing while events arrive in time order
 *    (it is then the identity) and is 4 bytes per event otherwise;
 *  - histograms are allocated per actor/edge on their first sample.
 *
 * With a memory budget (ingest_store_set_memory_budget()) the oldest chunks
 * of events, and of the messages created before them, leave RAM once the
 * owner says a durable log holds those events
 * (ingest_store_set_evictable()): they go to the page file
 * (ingest-store-pager.h) and come back, cached, when something reaches into
 * evicted time. Everything since-start (actors, edges, histograms, counters,
 * depth) is a running aggregate that never needs an old event, so eviction
 * changes no answer. Message keys live in their own arena
 * (ingest-message-keys.h) and leave RAM with their messages; the key table
 * keeps the keys of evicted messages only while they are open, so a late
 * RECEIVE, ACK or response of an open message still finds it (what a late
 * event naming a retired key does: ingest_store_n_retired_messages()).
 * The per-chunk tables (chunk pointers, page-file slots, marks) start at
 * the first chunk held (ingest-offset-array.h): with retention they stay
 * flat however long the service runs.
 */
#include "config.h"

#include <string.h>

#include "ingest-bytes-private.h"
#include "ingest-store-private.h"
#include "ingest-store-pager.h"
#include "ingest-time-index.h"
#include "ingest-message-keys.h"

#define EVENT_CHUNK_SHIFT 11   /* 2048 events = 64 KiB */
#define MESSAGE_CHUNK_SHIFT 10 /* 1024 messages = 64 KiB */
#define ACTOR_CHUNK_SHIFT 8
#define INITIAL_MESSAGE_SLOTS 64  /* per shard */
#define MSHARD_BITS 4
#define MSHARDS (1u << MSHARD_BITS)
#define MAX_IDS (G_MAXUINT32 - 1)

struct _IngestStore {
  IngestStrings *strings;   /* names, labels, texts */
  /* Message keys (one per message, so they must be able to leave RAM with
   * their messages; ingest-message-keys.h). */
  IngestMessageKeys *keys;
  /* guint64 per message chunk: keys' mark when it began; it starts at the
   * oldest chunk in RAM (eviction and new messages read it; retention
   * needs none, see kept_keys_mark()). */
  IngestOffsetArray message_key_mark;
  /* Messages whose key left the key table (see retire_message()). */
  guint64 n_retired, n_retired_open;
  gsize retire_chunks;      /* message chunks whose complete messages were retired */
  IngestStrings *payloads;  /* NULL until the first payload (its arena is big) */
  IngestChunked events;     /* IngestEvent */
  IngestChunked messages;   /* IngestMessage */
  IngestChunked actors;     /* IngestActorRec */
  GHashTable *actor_by_atom; /* name atom -> actor id */
  /* Direct-mapped caches in front of the hash tables: a trace names the
   * same few actors and edges over and over. */
  guint32 actor_cache_atom[256], actor_cache_id[256];
  IngestEdgeRec *edge_cache[1024];
  /* Raw name bytes -> actor, direct-mapped and checked against the arena
   * copy of the name (which never moves): a hit skips hashing, the intern
   * table and the atom -> actor lookup. Only names whose raw bytes are
   * exactly the stored name get in, so a hit resolves as interning would. */
  struct {
    const char *text;
    gsize len;
    IngestActorId id;
  } name_cache[256];

  /* Message key table: open addressing, (hash << 32) | message id. The size
   * is not a power of two (slot = hash * n >> 32) so it can grow by 1.5x:
   * the table is the store's biggest overhead after events and messages,
   * and 1.5x keeps it at least half full. It is split in MSHARDS tables by
   * the hash's top bits, each growing on its own: growing copies one shard,
   * so the old and the new copy together cost a sixteenth of what one big
   * table's growth would (with a memory limit, that peak counts). */
  struct {
    guint64 *slots;
    gsize n, used;
  } mshard[MSHARDS];
  /* Recently used keys, (hash << 32) | id, direct-mapped: a message's
   * RECEIVE and DONE usually follow its SEND closely, and this 32 KiB stays
   * in cache where the big table doesn't. Always agrees with the table. */
  guint64 mcache[4096];

  GHashTable *edges;        /* &rec->key -> IngestEdgeRec* */
  GPtrArray *edge_list;     /* IngestEdgeRec*, creation order, owns them */
  GHashTable *dropped;      /* message ids named by a DROP */
  /* Bit (id % 4096) set for every id in dropped: most messages are never
   * dropped, and one bit test answers for them without a hash lookup. */
  guint64 dropped_filter[64];
  /* Raw label bytes -> atom, like name_cache (labels repeat on every send). */
  struct {
    const char *text;
    gsize len;
    IngestAtom atom;
  } label_cache[64];

  gboolean have_time;
  gint64 tmin, tmax;
  gint64 held_tmin;         /* with retention: earliest time of the events held */

  /* Time order: while in_order, position == seq. Otherwise the index
   * (ingest-time-index.h) maps positions to seqs, sorted by (time, seq);
   * later seqs are merged on the next query. */
  gboolean in_order;
  gint64 last_time;
  gsize sorted_prefix;      /* events before the first out-of-order one */
  IngestTimeIndex *index;   /* NULL while in_order */
  IngestStorePager *index_pager; /* its page file, with a memory budget */
  guint64 order_gen;        /* bumped whenever positions of old seqs change */
  IngestSeq *order64;       /* materialised for ingest_store_time_order() */
  gsize order64_len, order64_cap;
  guint64 order64_gen;

  IngestActorId unknown_actor;
  /* "(other actors)": every actor name that arrives once max_actors actors
   * exist. Not in actor_by_atom: a trace actor of the same name stays its
   * own actor. */
  IngestActorId overflow_actor;
  guint32 max_actors;       /* distinct actors kept, the overflow one not counted */
  guint32 n_spans;          /* messages that are spans (IngestMessage.span) */
  IngestStoreCounters counters;
  /* Changes to actors and messages already held that no event naming a
   * message shows (ingest_store_edits()). */
  guint64 edits;
  /* Actors that existed before the current append: changing one made by
   * it changes no view of earlier time, so it is no edit. */
  IngestActorId actors_before;

  /* Memory budget (0: none) and eviction, see ingest_store_set_memory_budget(). */
  gsize budget;
  IngestSeq evictable;          /* events below it are in a durable log */
  IngestStorePager *event_pager, *message_pager; /* NULL until a budget */
  /* guint32 per event chunk: messages.len when it began (with a budget);
   * it starts at the oldest chunk in RAM, all eviction reads. */
  IngestOffsetArray chunk_message_mark;
  gsize tables_bytes;           /* the costly part of the memory count, cached */
  guint tables_countdown;       /* chunks until tables_bytes is counted again */
  GError *evict_error;         /* the page file refused a write: no more eviction */
  IngestStoreEvictedFunc evicted_func; /* see ingest_store_set_evicted_func() */
  gpointer evicted_data;

  /* Retention (ingest_store_retain_before()): chunks 0..n-1 are gone for
   * good, so events below events_discarded << EVENT_CHUNK_SHIFT are. */
  gsize events_discarded, messages_discarded;
  guint64 retained_messages, retained_page_bytes, retained_latencies;
  /* What a read of a message retained away gets (see message_in_chunk()). */
  IngestMessage tombstone;
};

enum { SLOT_NONE, SLOT_SEND, SLOT_RECEIVE, SLOT_DONE };

static void chunk_begins (IngestStore *self);

/* --- basics ---------------------------------------------------------------- */

#define EVENT_CHUNK_MASK ((G_GUINT64_CONSTANT (1) << EVENT_CHUNK_SHIFT) - 1)
#define MESSAGE_CHUNK_MASK (((gsize) 1 << MESSAGE_CHUNK_SHIFT) - 1)

/* Events and messages may be evicted (see the top of the file): the chunks
 * below n_evicted are the pager's. */
static inline IngestSeq
first_seq (const IngestStore *self)
{
  return (IngestSeq) self->events_discarded << EVENT_CHUNK_SHIFT;
}

static inline IngestEvent *
event_at (const IngestStore *self, IngestSeq seq)
{
  gsize c = (gsize) (seq >> EVENT_CHUNK_SHIFT);
  IngestEvent *chunk;
  if (G_UNLIKELY (c < self->events.n_evicted))
    chunk = ingest_store_pager_get (self->event_pager, c, FALSE);
  else
    chunk = ingest_chunked_chunk (&self->events, c);
  return chunk + (seq & EVENT_CHUNK_MASK);
}

static inline IngestMessage *
message_in_chunk (const IngestStore *self, IngestMessageId id, gboolean writable)
{
  gsize i = id - 1, c = i >> MESSAGE_CHUNK_SHIFT;
  IngestMessage *chunk;
  if (G_LIKELY (c >= self->messages.n_evicted))
    chunk = ingest_chunked_chunk (&self->messages, c);
  else
    {
      if (G_UNLIKELY (c < self->messages_discarded))
        {
          /* Retained away: only a link (response, in_reply_to) from a kept
           * message reaches here. It reads as a message with no events, so
           * nothing pairs with it; a write lands in the scratch copy. */
          IngestStore *mut = (IngestStore *) self;
          memset (&mut->tombstone, 0, sizeof mut->tombstone);
          mut->tombstone.send_seq = mut->tombstone.receive_seq = INGEST_SEQ_NONE;
          mut->tombstone.done_seq = mut->tombstone.ack_seq = INGEST_SEQ_NONE;
          return &mut->tombstone;
        }
      chunk = ingest_store_pager_get (self->message_pager, c, writable);
    }
  return chunk + (i & MESSAGE_CHUNK_MASK);
}

/* An event retained away sorts before every kept one (INGEST_TIME_MIN):
 * the time order keeps them at its first positions. */
static inline gint64
seq_time (const IngestStore *self, IngestSeq seq)
{
  if (G_UNLIKELY (seq < first_seq (self)))
    return INGEST_TIME_MIN;
  return event_at (self, seq)->time_ns;
}

/* The time from event s0 to event s1 in *v; FALSE (and counted) when one
 * of them was retained away, so the sample cannot be taken. */
static inline gboolean
latency_between (IngestStore *self, IngestSeq s0, IngestSeq s1, gint64 *v)
{
  IngestSeq first = first_seq (self);
  if (G_UNLIKELY (s0 < first || s1 < first))
    {
      self->retained_latencies++;
      return FALSE;
    }
  *v = event_at (self, s1)->time_ns - event_at (self, s0)->time_ns;
  return TRUE;
}

/* A message the append path may change (an evicted one is written back). */
static inline IngestMessage *
msg_at (const IngestStore *self, IngestMessageId id)
{
  return message_in_chunk (self, id, TRUE);
}

static inline IngestActorRec *
actor_at (const IngestStore *self, IngestActorId id)
{
  return ingest_chunked_at (&self->actors, id - 1);
}

/* The keys' mark when message chunk c began (c in RAM). */
static inline guint64
message_key_mark (const IngestStore *self, gsize c)
{
  return *(const guint64 *) ingest_offset_array_at (&self->message_key_mark, c);
}

/* messages.len when event chunk c began; 0 for a chunk begun before the
 * budget (see chunk_begins()). */
static inline guint32
chunk_message_mark (const IngestStore *self, gsize c)
{
  if (c < ingest_offset_array_start (&self->chunk_message_mark)
      || c >= ingest_offset_array_end (&self->chunk_message_mark))
    return 0;
  return *(const guint32 *) ingest_offset_array_at (&self->chunk_message_mark, c);
}

static void
edge_rec_free (gpointer data)
{
  IngestEdgeRec *e = data;
  ingest_latency_hist_free (e->mailbox);
  ingest_latency_hist_free (e->processing);
  ingest_latency_hist_free (e->round_trip);
  g_free (e);
}

IngestStore *
ingest_store_new (void)
{
  return ingest_store_new_with_options (NULL);
}

IngestStore *
ingest_store_new_with_options (const IngestStoreOptions *options)
{
  IngestStore *self = g_new0 (IngestStore, 1);

  self->max_actors = options && options->max_actors ? options->max_actors
                                                    : INGEST_STORE_DEFAULT_MAX_ACTORS;
  self->max_actors = MIN (self->max_actors, MAX_IDS - 1);

  self->strings = ingest_strings_new (INGEST_STORE_MAX_STRING);
  self->keys = ingest_message_keys_new (INGEST_STORE_MAX_STRING);
  ingest_offset_array_init (&self->message_key_mark, sizeof (guint64));
  ingest_offset_array_init (&self->chunk_message_mark, sizeof (guint32));
  ingest_chunked_init (&self->events, sizeof (IngestEvent), EVENT_CHUNK_SHIFT);
  ingest_chunked_init (&self->messages, sizeof (IngestMessage), MESSAGE_CHUNK_SHIFT);
  ingest_chunked_init (&self->actors, sizeof (IngestActorRec), ACTOR_CHUNK_SHIFT);
  self->actor_by_atom = g_hash_table_new (g_direct_hash, g_direct_equal);
  for (guint k = 0; k < MSHARDS; k++)
    {
      self->mshard[k].n = INITIAL_MESSAGE_SLOTS;
      self->mshard[k].slots = g_new0 (guint64, INITIAL_MESSAGE_SLOTS);
    }
  self->edges = ingest_pair_table_new (NULL, NULL);
  self->edge_list = g_ptr_array_new_with_free_func (edge_rec_free);
  self->dropped = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->in_order = TRUE;
  return self;
}

void
ingest_store_free (IngestStore *self)
{
  if (self == NULL)
    return;
  for (gsize i = 0; i < self->actors.len; i++)
    {
      IngestActorRec *a = ingest_chunked_at (&self->actors, i);
      ingest_latency_hist_free (a->mailbox);
      ingest_latency_hist_free (a->processing);
      ingest_latency_hist_free (a->round_trip);
    }
  ingest_strings_free (self->strings);
  ingest_message_keys_free (self->keys);
  ingest_offset_array_clear (&self->message_key_mark);
  ingest_strings_free (self->payloads);
  ingest_chunked_clear (&self->events);
  ingest_chunked_clear (&self->messages);
  ingest_chunked_clear (&self->actors);
  g_hash_table_unref (self->actor_by_atom);
  for (guint k = 0; k < MSHARDS; k++)
    g_free (self->mshard[k].slots);
  g_hash_table_unref (self->edges);
  g_ptr_array_unref (self->edge_list);
  g_hash_table_unref (self->dropped);
  ingest_time_index_free (self->index);
  g_free (self->order64);
  ingest_store_pager_free (self->index_pager);
  ingest_store_pager_free (self->event_pager);
  ingest_store_pager_free (self->message_pager);
  ingest_offset_array_clear (&self->chunk_message_mark);
  g_clear_error (&self->evict_error);
  g_free (self);
}

/* --- strings --------------------------------------------------------------- */

IngestAtom
ingest_store_intern (IngestStore *self, IngestStr s)
{
  g_return_val_if_fail (self != NULL, 0);
  return ingest_strings_intern (self->strings, s.ptr, s.len);
}

const char *
ingest_store_atom (const IngestStore *self, IngestAtom atom)
{
  g_return_val_if_fail (self != NULL, "");
  if (atom & INGEST_MESSAGE_KEYS_BIT)
    return ingest_message_keys_get (self->keys, atom);
  return ingest_strings_get (self->strings, atom);
}

const char *
ingest_store_payload (const IngestStore *self, guint32 payload)
{
  g_return_val_if_fail (self != NULL, "");
  return ingest_strings_get (self->payloads, payload);
}

/* --- actors ---------------------------------------------------------------- */

/* Splits a path-like name. Returns the byte length of the parent's name (0:
 * no parent) and sets the last component. "/user/a/b" -> "/user/a", "b";
 * "akka://sys/user" -> "akka://sys", "user"; "akka://sys" is a root; flat
 * names ("xapi:15859", "pid 12/tid 3") have no parent and are their own short
 * name. */
static gsize
path_split (const char *s, gsize len, gsize *short_start, gsize *short_len)
{
  *short_start = 0;
  *short_len = len;
  if (len == 0 || !(s[0] == '/' || g_strstr_len (s, (gssize) len, "://") != NULL))
    return 0;

  gsize end = len;
  while (end > 1 && s[end - 1] == '/')
    end--;
  gssize idx = (gssize) end - 1;
  while (idx >= 0 && s[idx] != '/')
    idx--;
  if (idx < 0 || (gsize) idx + 1 >= end)
    return 0;
  *short_start = (gsize) idx + 1;
  *short_len = end - (gsize) idx - 1;
  if (idx >= 2 && s[idx - 1] == '/' && s[idx - 2] == ':')
    return 0; /* "scheme://authority" is a root */
  gsize p = (gsize) idx;
  while (p > 0 && s[p - 1] == '/')
    p--;
  if (p > 0 && s[p - 1] == ':')
    return 0;
  return p;
}

static gboolean
would_cycle (IngestStore *self, IngestActorId child, IngestActorId parent)
{
  for (IngestActorId a = parent; a != 0; a = actor_at (self, a)->pub.parent)
    if (a == child)
      return TRUE;
  return FALSE;
}

/* Counts a change to actor id (see actors_before). */
static inline void
note_edit (IngestStore *self, IngestActorId id)
{
  if (id <= self->actors_before)
    self->edits++;
}

static void
set_parent (IngestStore *self, IngestActorId child, IngestActorId parent)
{
  if (child == 0 || parent == 0 || child == parent || would_cycle (self, child, parent))
    return;
  if (actor_at (self, child)->pub.parent != parent)
    note_edit (self, child);
  actor_at (self, child)->pub.parent = parent;
}

static void
set_kind (IngestStore *self, IngestActorId id, IngestActorKind kind)
{
  IngestActorRec *a = actor_at (self, id);
  if (a->pub.kind != (guint8) kind)
    {
      a->pub.kind = (guint8) kind;
      note_edit (self, id);
    }
}

/* TRUE once max_actors actors exist: new names fold into "(other actors)". */
static inline gboolean
actors_full (const IngestStore *self)
{
  return self->actors.len - (self->overflow_actor != 0) >= self->max_actors;
}

static IngestActorId
other_actors (IngestStore *self)
{
  self->counters.folded_actor_refs++;
  if (self->overflow_actor == 0)
    {
      IngestAtom name = ingest_strings_intern (self->strings, INGEST_STORE_OTHER_ACTORS, -1);
      IngestActorRec *o = ingest_chunked_push (&self->actors);
      o->pub.name = o->pub.short_name = name;
      o->pub.alive = TRUE;
      o->first_ns = INGEST_TIME_MAX;
      o->last_ns = INGEST_TIME_MIN;
      self->overflow_actor = (IngestActorId) self->actors.len;
    }
  return self->overflow_actor;
}

static IngestActorId
create_actor (IngestStore *self, IngestAtom name, IngestAtom short_name,
              IngestActorKind kind, IngestActorId parent)
{
  if (actors_full (self))
    return other_actors (self);
  IngestActorRec *a = ingest_chunked_push (&self->actors);
  a->pub.name = name;
  a->pub.short_name = short_name ? short_name : name;
  a->pub.parent = parent;
  a->pub.kind = (guint8) kind;
  a->pub.alive = TRUE;
  a->first_ns = INGEST_TIME_MAX;
  a->last_ns = INGEST_TIME_MIN;
  IngestActorId id = (IngestActorId) self->actors.len;
  g_hash_table_insert (self->actor_by_atom, GUINT_TO_POINTER (name), GUINT_TO_POINTER (id));
  return id;
}

/* Fibonacci hashing to `bits` bits, for the direct-mapped caches. */
static inline guint
cache_slot (guint64 key, guint bits)
{
  return (guint) ((key * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)) >> (64 - bits));
}

static inline IngestActorId
actor_lookup (const IngestStore *self, IngestAtom atom)
{
  guint c = cache_slot (atom, 8);
  if (atom != 0 && self->actor_cache_atom[c] == atom)
    return self->actor_cache_id[c];
  IngestActorId id = GPOINTER_TO_UINT (g_hash_table_lookup (self->actor_by_atom, GUINT_TO_POINTER (atom)));
  if (id != 0)
    {
      /* const only to callers: the cache is an invisible detail. */
      IngestStore *mut = (IngestStore *) self;
      mut->actor_cache_atom[c] = atom;
      mut->actor_cache_id[c] = id;
    }
  return id;
}

/* Creates the actor for the first len bytes of name (normalized, in the
 * arena), its short name being the last path level. */
static IngestActorId
create_path_actor (IngestStore *self, const char *name, gsize len, IngestActorKind kind,
                   IngestActorId parent)
{
  gsize ss, sl;
  path_split (name, len, &ss, &sl);
  IngestAtom a = ingest_strings_intern_normalized (self->strings, name, len,
                                                   ingest_strings_hash (name, len));
  IngestAtom short_atom = a;
  if (sl != len)
    short_atom = ingest_strings_intern_normalized (self->strings, name + ss, sl,
                                                   ingest_strings_hash (name + ss, sl));
  return create_actor (self, a, short_atom, kind, parent);
}

/* The actor named by normalized bytes, created with its path ancestors when
 * new. Ancestors are created iteratively (a 4 KiB name can be 2,000 levels
 * deep), and only the root-most ones within INGEST_STORE_MAX_IMPLIED_LEVELS
 * and _BYTES: all 2,000 would be 4 MB of
 * prefixes for one 4 KiB name. Existing ancestors are found without
 * interning the prefixes. */
static IngestActorId
actor_for_text (IngestStore *self, const char *s, gsize len,
                IngestActorKind kind, gboolean kind_set)
{
  IngestAtom atom = ingest_strings_intern_normalized (self->strings, s, len,
                                                      ingest_strings_hash (s, len));
  IngestActorId id = actor_lookup (self, atom);
  if (id != 0)
    {
      if (kind_set && id != self->overflow_actor)
        set_kind (self, id, kind);
      return id;
    }

  /* From here on read the name from the arena: s may be a scratch buffer. */
  const char *name = ingest_strings_get (self->strings, atom);
  g_autoptr (GArray) cuts = g_array_new (FALSE, FALSE, sizeof (gsize)); /* deepest first */
  gsize plen = strlen (name), bytes = 0;
  guint first, start;

  for (;;)
    {
      gsize ss, sl;
      gsize p = path_split (name, plen, &ss, &sl);
      if (p == 0)
        break;
      g_array_append_val (cuts, p);
      plen = p;
    }
  /* Keep the root-most levels within the budget: cuts[first..] */
  for (first = cuts->len; first > 0 && cuts->len - first < INGEST_STORE_MAX_IMPLIED_LEVELS; first--)
    {
      bytes += g_array_index (cuts, gsize, first - 1);
      if (bytes > INGEST_STORE_MAX_IMPLIED_BYTES)
        break;
    }
  /* The deepest kept ancestor that exists already. */
  IngestActorId parent = 0;
  for (start = first; start < cuts->len; start++)
    {
      gsize l = g_array_index (cuts, gsize, start);
      IngestAtom pa = ingest_strings_lookup (self->strings, name, l);
      if (pa != 0 && (parent = actor_lookup (self, pa)) != 0)
        break;
    }
  for (guint i = start; i-- > first;)
    parent = create_path_actor (self, name, g_array_index (cuts, gsize, i), INGEST_ACTOR_ACTOR,
                                parent);
  return create_path_actor (self, name, strlen (name), kind_set ? kind : INGEST_ACTOR_ACTOR,
                            parent);
}

/* Cheap slot for the name cache: the length and the last bytes, which is
 * where sibling actors' names ("/user/pool/w3", "/user/pool/w4") differ. */
static inline guint
name_cache_slot (const char *s, gsize len)
{
  guint64 x;
  if (len >= 8)
    x = ingest_load_u64 (s + len - 8) ^ ((guint64) ingest_load_u32 (s) << 29);
  else if (len >= 4)
    x = ((guint64) ingest_load_u32 (s) << 32) | ingest_load_u32 (s + len - 4);
  else
    x = ((guint64) (guchar) s[0] << 16) | ((guint64) (guchar) s[len >> 1] << 8) | (guchar) s[len - 1];
  return cache_slot (x ^ len, 8);
}

/* memcmp (a, b, len) == 0 for len >= 1, a word at a time, inlined. */
static inline gboolean
bytes_equal (const char *a, const char *b, gsize len)
{
  if (len >= 8)
    {
      gsize i = 0;
      for (; i + 8 < len; i += 8)
        if (ingest_load_u64 (a + i) != ingest_load_u64 (b + i))
          return FALSE;
      return ingest_load_u64 (a + len - 8) == ingest_load_u64 (b + len - 8);
    }
  if (len >= 4)
    return ingest_load_u32 (a) == ingest_load_u32 (b)
           && ingest_load_u32 (a + len - 4) == ingest_load_u32 (b + len - 4);
  return a[0] == b[0] && a[len >> 1] == b[len >> 1] && a[len - 1] == b[len - 1];
}

static IngestActorId
actor_resolve (IngestStore *self, IngestStr name, IngestActorKind kind, gboolean kind_set)
{
  if (name.ptr == NULL)
    return 0;
  if ((guint) kind >= INGEST_ACTOR_N_KINDS)
    {
      kind = INGEST_ACTOR_ACTOR;
      kind_set = FALSE;
    }

  gsize raw = name.len < 0 ? strnlen (name.ptr, INGEST_STORE_MAX_STRING + 1) : (gsize) name.len;
  guint slot = 0;
  IngestActorId id;
  if (raw > 0 && raw <= INGEST_STORE_MAX_STRING)
    {
      slot = name_cache_slot (name.ptr, raw);
      if (self->name_cache[slot].len == raw && bytes_equal (self->name_cache[slot].text, name.ptr, raw))
        {
          id = self->name_cache[slot].id;
          goto found;
        }
    }

  if (actors_full (self))
    {
      /* Known names still resolve; a new one is folded without being
       * interned, so a flood of distinct names costs no memory. */
      gsize nlen;
      const char *n = ingest_strings_normalize (self->strings, name.ptr, name.len, &nlen);
      if (nlen == 0)
        return 0;
      IngestAtom known = ingest_strings_lookup (self->strings, n, nlen);
      id = known ? actor_lookup (self, known) : 0;
      if (id == 0)
        return other_actors (self);
      goto found;
    }

  IngestAtom atom = ingest_strings_intern (self->strings, name.ptr, name.len);
  if (atom == 0)
    return 0;
  id = actor_lookup (self, atom);
  if (id == 0)
    {
      const char *text = ingest_strings_get (self->strings, atom);
      id = actor_for_text (self, text, strlen (text), kind, kind_set);
      kind_set = FALSE; /* actor_for_text() applied it */
    }
  if (id != 0 && raw > 0 && raw <= INGEST_STORE_MAX_STRING && atom != INGEST_STRINGS_OVERFLOW_ATOM)
    {
      const char *text = ingest_strings_get (self->strings, atom);
      if (memcmp (text, name.ptr, raw) == 0 && text[raw] == '\0')
        {
          self->name_cache[slot].text = text;
          self->name_cache[slot].len = raw;
          self->name_cache[slot].id = id;
        }
    }

found:
  if (kind_set && id != 0 && id != self->overflow_actor)
    set_kind (self, id, kind);
  return id;
}

static IngestActorId
unknown_actor (IngestStore *self)
{
  if (self->unknown_actor == 0)
    self->unknown_actor = actor_for_text (self, "(unknown)", 9, INGEST_ACTOR_ACTOR, FALSE);
  return self->unknown_actor;
}

IngestActorId
ingest_store_ensure_actor (IngestStore *self, IngestStr name, IngestActorKind kind,
                           IngestStr parent)
{
  g_return_val_if_fail (self != NULL, 0);
  self->actors_before = (IngestActorId) self->actors.len;
  IngestActorId id = actor_resolve (self, name, kind, TRUE);
  if (id == 0)
    return 0;
  if (parent.ptr != NULL)
    {
      IngestActorId pid = actor_resolve (self, parent, INGEST_ACTOR_ACTOR, FALSE);
      set_parent (self, id, pid);
    }
  return id;
}

IngestActorId
ingest_store_find_actor (const IngestStore *self, const char *name)
{
  g_return_val_if_fail (self != NULL, 0);
  if (name == NULL)
    return 0;
  IngestAtom atom = ingest_strings_lookup (self->strings, name, strlen (name));
  return atom ? actor_lookup (self, atom) : 0;
}

const char *
ingest_store_actor_name (const IngestStore *self, IngestActorId id)
{
  const IngestActor *a = ingest_store_actor (self, id);
  return a ? ingest_store_atom (self, a->name) : "";
}

/* --- messages -------------------------------------------------------------- */

/* The shard of a hash (its top bits), and its slot there (the other bits). */
static inline guint
mshard_of (guint32 hash)
{
  return hash >> (32 - MSHARD_BITS);
}

static inline gsize
mslot_of (guint32 hash, gsize n)
{
  hash <<= MSHARD_BITS;
  return (gsize) (((guint64) hash * n) >> 32);
}

static void
mtable_grow (IngestStore *self, guint k)
{
  gsize old_n = self->mshard[k].n, n = old_n + old_n / 2;
  guint64 *old = self->mshard[k].slots, *slots = g_new0 (guint64, n);

  for (gsize i = 0; i < old_n; i++)
    {
      guint64 v = old[i];
      if (v == 0)
        continue;
      gsize j = mslot_of ((guint32) (v >> 32), n);
      while (slots[j] != 0)
        j = j + 1 == n ? 0 : j + 1;
      slots[j] = v;
    }
  g_free (old);
  self->mshard[k].slots = slots;
  self->mshard[k].n = n;
}

static IngestMessageId
message_new (IngestStore *self, IngestAtom key)
{
  if (self->messages.len >= MAX_IDS)
    {
      self->counters.messages_over_limit++;
      return 0;
    }
  if ((self->messages.len & MESSAGE_CHUNK_MASK) == 0)
    {
      *(guint64 *) ingest_offset_array_append (&self->message_key_mark)
        = ingest_message_keys_mark (self->keys);
    }
  IngestMessage *m = ingest_chunked_push (&self->messages);
  m->key = key;
  m->send_seq = m->receive_seq = m->done_seq = m->ack_seq = INGEST_SEQ_NONE;
  return (IngestMessageId) self->messages.len;
}

/* TRUE when the message's key is (normalized bytes) s. */
static inline gboolean
key_equal (const IngestStore *self, IngestAtom key, const char *s, gsize len)
{
  if ((key & INGEST_MESSAGE_KEYS_BIT) == 0)
    return ingest_strings_equal (self->strings, key, s, len);
  const char *t = ingest_message_keys_get (self->keys, key);
  return memcmp (t, s, len) == 0 && t[len] == '\0';
}

static gboolean
slot_filled (const IngestMessage *m, int slot)
{
  switch (slot)
    {
    case SLOT_SEND: return m->send_seq != INGEST_SEQ_NONE;
    case SLOT_RECEIVE: return m->receive_seq != INGEST_SEQ_NONE;
    case SLOT_DONE: return m->done_seq != INGEST_SEQ_NONE;
    default: return FALSE;
    }
}

/* The message a key names. When the event would fill a slot the current
 * message already has (a key reused by the source, a redelivery), a new
 * message takes over the key. *created tells whether it is new. */
static IngestMessageId
message_for_key (IngestStore *self, IngestStr key, int slot, gboolean *created)
{
  *created = FALSE;
  if (key.ptr == NULL)
    return 0;

  /* Probe with the raw bytes first (see ingest_strings_intern()): only a
   * key never seen before pays for the UTF-8 check. */
  gsize raw = key.len < 0 ? strnlen (key.ptr, INGEST_STORE_MAX_STRING + 1) : (gsize) key.len;
  const char *s = key.ptr;
  gsize len = raw;
  gboolean normalized = FALSE;
  if (raw > INGEST_STORE_MAX_STRING)
    {
      s = ingest_strings_normalize (self->strings, key.ptr, (gssize) raw, &len);
      normalized = TRUE;
    }
  if (len == 0)
    return 0;

  guint32 hash;
  guint64 *cached, *mslots = NULL;
  gsize i;
  for (;;)
    {
      hash = ingest_strings_hash (s, len);
      cached = &self->mcache[hash & (G_N_ELEMENTS (self->mcache) - 1)];
      if (*cached != 0 && (guint32) (*cached >> 32) == hash)
        {
          IngestMessageId cid = (IngestMessageId) *cached;
          IngestMessage *cm = msg_at (self, cid);
          if (!slot_filled (cm, slot) && key_equal (self, cm->key, s, len))
            return cid;
        }

      mslots = self->mshard[mshard_of (hash)].slots;
      gsize n_slots = self->mshard[mshard_of (hash)].n;
      i = mslot_of (hash, n_slots);
      for (;;)
        {
          guint64 v = mslots[i];
          if (v == 0)
            break;
          if ((guint32) (v >> 32) == hash)
            {
              IngestMessageId id = (IngestMessageId) v;
              IngestMessage *m = msg_at (self, id);
              if (key_equal (self, m->key, s, len))
                {
                  if (!slot_filled (m, slot))
                    {
                      *cached = v;
                      return id;
                    }
                  /* A new message of a reused key. It shares the key's
                   * text while that is recent; an old one is stored again,
                   * so that retention, which drops keys with their
                   * messages (ingest_message_keys_discard_below()), never
                   * drops a key a kept message names. */
                  IngestAtom nkey = m->key;
                  if ((nkey & INGEST_MESSAGE_KEYS_BIT) && self->messages.len > 0
                      && ingest_message_keys_offset (self->keys, nkey)
                           < message_key_mark (self, (self->messages.len - 1) >> MESSAGE_CHUNK_SHIFT))
                    {
                      nkey = ingest_message_keys_add (self->keys, s, len);
                      if (nkey == 0) /* the keys' ring is full: the string arena, as below */
                        nkey = ingest_strings_add_normalized (self->strings, s, len);
                    }
                  IngestMessageId nid = message_new (self, nkey);
                  if (nid == 0)
                    return 0;
                  mslots[i] = ((guint64) hash << 32) | nid;
                  *cached = mslots[i];
                  *created = TRUE;
                  return nid;
                }
            }
          i = i + 1 == n_slots ? 0 : i + 1;
        }
      if (normalized)
        break;
      /* A new key: repair it, and look again if repair changed it. */
      gsize nlen;
      const char *ns = ingest_strings_normalize (self->strings, key.ptr, (gssize) raw, &nlen);
      normalized = TRUE;
      if (ns == key.ptr && nlen == raw)
        break;
      s = ns;
      len = nlen;
      if (len == 0)
        return 0;
    }

  IngestAtom katom = ingest_message_keys_add (self->keys, s, len);
  if (katom == 0) /* the keys' ring is full: the rest share the string arena */
    katom = ingest_strings_add_normalized (self->strings, s, len);
  IngestMessageId id = message_new (self, katom);
  if (id == 0)
    return 0;
  guint k = mshard_of (hash);
  mslots[i] = ((guint64) hash << 32) | id;
  *cached = mslots[i];
  self->mshard[k].used++;
  if (self->mshard[k].used * 4 > self->mshard[k].n * 3)
    mtable_grow (self, k);
  *created = TRUE;
  return id;
}

/* --- retiring keys from the key table -------------------------------------
 *
 * With a memory budget the key table is what would still grow with every
 * message (8 bytes a slot, at least half full), so old messages leave it.
 * The keys of the newest max_keys() messages always stay: any late event
 * naming one of them pairs exactly as without a budget. Older ones, once
 * their chunk left RAM:
 *  - a message whose pairing is complete (see message_complete()) leaves
 *    it (also later, when its last event arrives). A later SEND, RECEIVE or
 *    DONE naming the key would have started a new message anyway (its slot
 *    is filled), so those answers do not change; only a late ACK, DROP or
 *    answer (in_reply_to) naming it finds no message and counts as
 *    unmatched, as for a key never seen;
 *  - when more than max_keys() old open keys remain (a source that never
 *    completes its messages, or a hostile one), they all leave it: counted
 *    in n_retired_open, so a late event that then counts as unmatched is
 *    never a silent miscount.
 */

/* Messages whose keys always stay, and the bound on old open keys. */
static inline gsize
max_keys (const IngestStore *self)
{
  return MAX (self->budget / 128, (gsize) 1 << 16);
}

/* Nothing more can pair with it but an ACK or DROP nobody waits for. */
static gboolean
message_complete (const IngestMessage *m)
{
  if (m->key == 0 || m->receive_seq == INGEST_SEQ_NONE || m->done_seq == INGEST_SEQ_NONE)
    return FALSE;
  if (!m->span && m->send_seq == INGEST_SEQ_NONE)
    return FALSE;
  if (m->until_ack && m->ack_seq == INGEST_SEQ_NONE)
    return FALSE;
  return m->reply_to == 0 || m->response != 0;
}

/* Takes message id out of the key table (when it is still there: a reused
 * key may have passed to a newer message). Linear probing, so the entries
 * after it move back instead of leaving a tombstone. TRUE when removed. */
static gboolean
retire_message (IngestStore *self, IngestMessageId id, const IngestMessage *m)
{
  if (m->key == 0)
    return FALSE;
  const char *t = (m->key & INGEST_MESSAGE_KEYS_BIT) ? ingest_message_keys_peek (self->keys, m->key)
                                                     : ingest_strings_get (self->strings, m->key);
  guint32 hash = ingest_strings_hash (t, strlen (t));
  guint64 v = ((guint64) hash << 32) | id;
  guint k = mshard_of (hash);
  guint64 *slots = self->mshard[k].slots;
  gsize n = self->mshard[k].n, i = mslot_of (hash, n);

  while (slots[i] != v)
    {
      if (slots[i] == 0)
        return FALSE;
      i = i + 1 == n ? 0 : i + 1;
    }
  for (gsize j = i;;)
    {
      j = j + 1 == n ? 0 : j + 1;
      if (slots[j] == 0)
        break;
      gsize home = mslot_of ((guint32) (slots[j] >> 32), n);
      /* an entry whose probe from home to j passes i moves back to i */
      gboolean stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (stays)
        continue;
      slots[i] = slots[j];
      i = j;
    }
  slots[i] = 0;
  self->mshard[k].used--;
  guint64 *cached = &self->mcache[hash & (G_N_ELEMENTS (self->mcache) - 1)];
  if (*cached == v)
    *cached = 0;
  self->n_retired++;
  return TRUE;
}

/* An old message whose last event just arrived. */
static inline void
retire_if_complete (IngestStore *self, IngestMessageId id)
{
  if (id == 0 || ((gsize) (id - 1) >> MESSAGE_CHUNK_SHIFT) >= self->retire_chunks)
    return;
  const IngestMessage *m = message_in_chunk (self, id, FALSE);
  if (message_complete (m))
    retire_message (self, id, m);
}

static gsize
key_table_used (const IngestStore *self)
{
  gsize used = 0;
  for (guint k = 0; k < MSHARDS; k++)
    used += self->mshard[k].used;
  return used;
}

/* After a message chunk left RAM: the complete messages of the evicted
 * chunks that became old, and then, over the bound, every old open one. */
static void
retire_keys (IngestStore *self)
{
  gsize keep = max_keys (self);
  gsize horizon = self->messages.len > keep ? self->messages.len - keep : 0;
  horizon = MIN (horizon, self->messages.n_evicted << MESSAGE_CHUNK_SHIFT);
  /* chunks retained away left the table already (retain_message_chunk()) */
  self->retire_chunks = MAX (self->retire_chunks, self->messages_discarded);
  while (((self->retire_chunks + 1) << MESSAGE_CHUNK_SHIFT) <= horizon)
    {
      IngestMessageId first = (IngestMessageId) (self->retire_chunks << MESSAGE_CHUNK_SHIFT) + 1;
      /* one pass over old chunks: peeked, so the cache views use stays */
      const IngestMessage *chunk;
      if (self->retire_chunks < self->messages.n_evicted)
        chunk = ingest_store_pager_peek (self->message_pager, self->retire_chunks);
      else
        chunk = ingest_chunked_chunk (&self->messages, self->retire_chunks);
      for (guint i = 0; i < (1u << MESSAGE_CHUNK_SHIFT); i++)
        if (message_complete (&chunk[i]))
          retire_message (self, first + i, &chunk[i]);
      self->retire_chunks++;
    }
  IngestMessageId end = (IngestMessageId) (self->retire_chunks << MESSAGE_CHUNK_SHIFT);
  if (key_table_used (self) <= (self->messages.len - end) + keep)
    return;
  /* Over the bound, the keys still in the table below end are open
   * (complete ones left already): they all go, found by their ids alone,
   * so nothing is read back from the page files. Each shard is rebuilt at
   * its size; the cache may name them, so it is emptied. */
  for (guint k = 0; k < MSHARDS; k++)
    {
      gsize n = self->mshard[k].n;
      guint64 *old = self->mshard[k].slots, *slots = g_new0 (guint64, n);
      for (gsize i = 0; i < n; i++)
        {
          guint64 v = old[i];
          if (v == 0)
            continue;
          if ((IngestMessageId) v <= end)
            {
              self->mshard[k].used--;
              self->n_retired++;
              self->n_retired_open++;
              continue;
            }
          gsize j = mslot_of ((guint32) (v >> 32), n);
          while (slots[j] != 0)
            j = j + 1 == n ? 0 : j + 1;
          slots[j] = v;
        }
      g_free (old);
      self->mshard[k].slots = slots;
    }
  memset (self->mcache, 0, sizeof self->mcache);
}

gboolean
ingest_store_message_dropped (const IngestStore *self, IngestMessageId id)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return (self->dropped_filter[(id >> 6) & 63] >> (id & 63) & 1) != 0
         && g_hash_table_contains (self->dropped, GUINT_TO_POINTER (id));
}

/* --- edges ----------------------------------------------------------------- */

static IngestEdgeRec *
edge_get (IngestStore *self, IngestActorId from, IngestActorId to)
{
  IngestPairKey key = ingest_pair_key (from, to);
  guint c = cache_slot (key, 10);
  IngestEdgeRec *e = self->edge_cache[c];
  if (e != NULL && e->key == key)
    return e;
  e = g_hash_table_lookup (self->edges, &key);
  if (e != NULL)
    {
      self->edge_cache[c] = e;
      return e;
    }
  e = g_new0 (IngestEdgeRec, 1);
  e->key = key;
  e->from = from;
  e->to = to;
  e->first_ns = INGEST_TIME_MAX;
  e->last_ns = INGEST_TIME_MIN;
  g_hash_table_insert (self->edges, &e->key, e);
  g_ptr_array_add (self->edge_list, e);
  return e;
}

static IngestAtom
edge_top_label (const IngestEdgeRec *e)
{
  return ingest_edge_top_labels_best (e->top_label, e->top_count);
}

static inline void
hist_record (IngestLatencyHist **h, gint64 v)
{
  if (*h == NULL)
    *h = ingest_latency_hist_new ();
  ingest_latency_hist_record (*h, v);
}

/* --- latencies ------------------------------------------------------------- */

/* Each latency is recorded exactly once: by the event that makes it
 * computable, whatever order the events arrive in. Callers snapshot these
 * predicates before changing a message and compare after. */

static inline gboolean
mailbox_ready (const IngestMessage *m)
{
  return m->send_seq != INGEST_SEQ_NONE && m->receive_seq != INGEST_SEQ_NONE
         && m->from != 0 && m->to != 0;
}

static inline gboolean
processing_actor_ready (const IngestMessage *m)
{
  return m->receive_seq != INGEST_SEQ_NONE && m->done_seq != INGEST_SEQ_NONE && m->to != 0;
}

static inline gboolean
processing_edge_ready (const IngestMessage *m)
{
  return processing_actor_ready (m) && m->from != 0;
}

static inline gboolean
round_trip_ready (const IngestStore *self, const IngestMessage *m)
{
  return m->response != 0 && m->send_seq != INGEST_SEQ_NONE && m->from != 0 && m->to != 0
         && msg_at (self, m->response)->receive_seq != INGEST_SEQ_NONE;
}

typedef struct {
  gboolean mailbox, proc_actor, proc_edge, rtt_self, rtt_request;
  IngestMessageId request;
} Readiness;

static void
readiness_take (const IngestStore *self, IngestMessageId id, IngestMessageId request,
                Readiness *r)
{
  const IngestMessage *m = msg_at (self, id);
  r->mailbox = mailbox_ready (m);
  r->proc_actor = processing_actor_ready (m);
  r->proc_edge = processing_edge_ready (m);
  r->rtt_self = round_trip_ready (self, m);
  r->request = request;
  r->rtt_request = request ? round_trip_ready (self, msg_at (self, request)) : FALSE;
}

static void
record_round_trip (IngestStore *self, const IngestMessage *req)
{
  const IngestMessage *resp = msg_at (self, req->response);
  gint64 v;
  if (!latency_between (self, req->send_seq, resp->receive_seq, &v))
    return;
  hist_record (&actor_at (self, req->from)->round_trip, v);
  hist_record (&edge_get (self, req->from, req->to)->round_trip, v);
}

static void
readiness_apply (IngestStore *self, IngestMessageId id, const Readiness *before)
{
  Readiness after;
  IngestMessage *m = msg_at (self, id);

  readiness_take (self, id, before->request, &after);
  if (after.mailbox && !before->mailbox)
    {
      gint64 v;
      gboolean known = latency_between (self, m->send_seq, m->receive_seq, &v);
      IngestEdgeRec *e = edge_get (self, m->from, m->to);
      /* a message held until acked spends its time in the queue until the
       * ACK (recorded there) */
      if (!m->until_ack && known)
        {
          hist_record (&actor_at (self, m->to)->mailbox, v);
          hist_record (&e->mailbox, v);
        }
      e->received++;
    }
  if (after.proc_actor && !before->proc_actor)
    {
      gint64 v;
      if (latency_between (self, m->receive_seq, m->done_seq, &v))
        hist_record (&actor_at (self, m->to)->processing, v);
    }
  if (after.proc_edge && !before->proc_edge)
    {
      gint64 v;
      if (latency_between (self, m->receive_seq, m->done_seq, &v))
        hist_record (&edge_get (self, m->from, m->to)->processing, v);
    }
  if (after.rtt_self && !before->rtt_self)
    record_round_trip (self, m);
  if (before->request && after.rtt_request && !before->rtt_request)
    record_round_trip (self, msg_at (self, before->request));
}

/* --- mailbox depth ---------------------------------------------------------- */

static void
depth_sample (IngestStore *self, IngestEvent *ev, IngestActorId receiver)
{
  if (receiver == 0)
    return;
  gint64 d = actor_at (self, receiver)->depth;
  ev->reserved |= INGEST_EVENT_FLAG_DEPTH;
  ev->reserved2 = (guint32) CLAMP (d, 0, (gint64) G_MAXUINT32);
}

/* Still in its receiver's mailbox or queue: not received, or for a message
 * held until acked, not acked. */
static inline gboolean
message_queued (const IngestMessage *m)
{
  return m->until_ack ? m->ack_seq == INGEST_SEQ_NONE : m->receive_seq == INGEST_SEQ_NONE;
}

static inline void
depth_add (IngestStore *self, IngestActorId receiver, gint64 delta)
{
  IngestActorRec *a = actor_at (self, receiver);
  a->depth = MAX (0, a->depth + delta);
  a->depth_max = MAX (a->depth_max, a->depth);
}

/* --- append ---------------------------------------------------------------- */

static inline void
touch_actor (IngestStore *self, IngestActorId id, gint64 t)
{
  if (id == 0)
    return;
  IngestActorRec *a = actor_at (self, id);
  a->first_ns = MIN (a->first_ns, t);
  a->last_ns = MAX (a->last_ns, t);
}

static IngestAtom
intern_str (IngestStore *self, IngestStr s)
{
  return ingest_strings_intern (self->strings, s.ptr, s.len);
}

/* intern_str() for labels, through label_cache (see name_cache). */
static IngestAtom
intern_label (IngestStore *self, IngestStr s)
{
  gsize raw = s.len < 0 ? strnlen (s.ptr, INGEST_STORE_MAX_STRING + 1) : (gsize) s.len;
  if (raw == 0 || raw > INGEST_STORE_MAX_STRING)
    return intern_str (self, s);
  guint slot = name_cache_slot (s.ptr, raw) & (G_N_ELEMENTS (self->label_cache) - 1);
  if (self->label_cache[slot].len == raw && bytes_equal (self->label_cache[slot].text, s.ptr, raw))
    return self->label_cache[slot].atom;
  IngestAtom atom = intern_str (self, s);
  if (atom != 0 && atom != INGEST_STRINGS_OVERFLOW_ATOM)
    {
      const char *text = ingest_strings_get (self->strings, atom);
      if (memcmp (text, s.ptr, raw) == 0 && text[raw] == '\0')
        {
          self->label_cache[slot].text = text;
          self->label_cache[slot].len = raw;
          self->label_cache[slot].atom = atom;
        }
    }
  return atom;
}

static void
append_send (IngestStore *self, const IngestEventInput *in, IngestSeq seq, IngestEvent *ev)
{
  gboolean created, created_req;
  IngestMessageId id = message_for_key (self, in->message_key, SLOT_SEND, &created);

  if (in->message_key.ptr == NULL || id == 0)
    {
      /* No usable key: an anonymous message nobody can pair with. */
      if (id == 0)
        id = message_new (self, 0);
      created = TRUE;
      if (id == 0)
        return;
    }
  IngestMessage *m = msg_at (self, id);
  gboolean was_unmatched = !created && m->send_seq == INGEST_SEQ_NONE;

  IngestMessageId req = 0;
  if (in->in_reply_to.ptr != NULL)
    {
      req = message_for_key (self, in->in_reply_to, SLOT_NONE, &created_req);
      if (created_req)
        self->counters.unmatched++; /* answers a request not seen (yet) */
      if (req == id)
        req = 0;
    }
  m = msg_at (self, id);

  Readiness before;
  readiness_take (self, id, req, &before);

  m->send_seq = seq;
  m->from = ev->actor;
  if (m->to == 0)
    m->to = ev->peer;
  if (in->label.ptr != NULL)
    m->label = intern_label (self, in->label);
  m->size = in->size;
  if (in->until_ack)
    m->until_ack = TRUE;
  if (in->payload.ptr != NULL)
    {
      if (self->payloads == NULL)
        self->payloads = ingest_strings_new (INGEST_STORE_MAX_PAYLOAD);
      m->payload = ingest_strings_add (self->payloads, in->payload.ptr, in->payload.len);
    }
  if (in->reply_to.ptr != NULL)
    {
      IngestActorId r = actor_resolve (self, in->reply_to, INGEST_ACTOR_ACTOR, FALSE);
      m = msg_at (self, id);
      m->reply_to = r;
    }
  if (req != 0)
    {
      IngestMessage *r = msg_at (self, req);
      m->in_reply_to = req;
      if (r->response == 0)
        {
          r->response = id;
          if (r->reply_to != 0 && r->send_seq != INGEST_SEQ_NONE)
            {
              IngestActorRec *ra = actor_at (self, r->from);
              if (ra->unanswered > 0)
                ra->unanswered--;
            }
        }
    }
  if (was_unmatched && self->counters.unmatched > 0)
    self->counters.unmatched--;

  IngestActorRec *sender = actor_at (self, m->from);
  sender->sent++;
  if (m->reply_to != 0 && m->response == 0)
    sender->unanswered++;

  ev->message = id;
  if (ev->peer == 0)
    ev->peer = m->to;

  gboolean dropped = ingest_store_message_dropped (self, id);
  if (m->to != 0)
    {
      IngestEdgeRec *e = edge_get (self, m->from, m->to);
      gint64 t = ev->time_ns;
      e->count++;
      e->bytes += m->size;
      e->first_ns = MIN (e->first_ns, t);
      e->last_ns = MAX (e->last_ns, t);
      ingest_edge_top_labels_add (e->top_label, e->top_count, m->label);
      if (dropped)
        e->dropped++;
      if (m->until_ack)
        actor_at (self, m->to)->pub.removed_on_ack = TRUE;
      if (message_queued (m) && !dropped)
        depth_add (self, m->to, +1);
      depth_sample (self, ev, m->to);
    }

  readiness_apply (self, id, &before);
  if (req != 0)
    retire_if_complete (self, req);
}

/* The message a RECEIVE, DONE or ACK names (0 when the key is unusable);
 * a key not seen before, or an unusable one, counts as unmatched. Inline:
 * it is on the append path. */
static inline IngestMessageId
message_matched (IngestStore *self, IngestStr key, int slot)
{
  gboolean created;
  IngestMessageId id = message_for_key (self, key, slot, &created);
  if (id == 0 || created)
    self->counters.unmatched++;
  return id;
}

static void
append_receive (IngestStore *self, const IngestEventInput *in, IngestSeq seq, IngestEvent *ev)
{
  gboolean created;
  IngestMessageId id = message_for_key (self, in->message_key, SLOT_RECEIVE, &created);

  if (id != 0 && created && in->span)
    {
      /* a span begins: it has no sender by nature, so it is not unmatched,
       * and it is work on this lane, not a message received */
      msg_at (self, id)->span = TRUE;
      self->n_spans++;
    }
  else if (id == 0 || created)
    self->counters.unmatched++;
  if (id != 0 && msg_at (self, id)->span)
    actor_at (self, ev->actor)->spans++;
  else
    actor_at (self, ev->actor)->received++;
  if (id == 0)
    return;

  IngestMessage *m = msg_at (self, id);
  if (m->label == 0 && in->label.ptr != NULL)
    m->label = intern_label (self, in->label);
  Readiness before;
  readiness_take (self, id, m->in_reply_to, &before);

  gboolean to_known = m->to != 0;
  m->receive_seq = seq;
  if (m->to == 0)
    m->to = ev->actor;
  if (m->from == 0)
    m->from = ev->peer;
  ev->message = id;
  if (ev->peer == 0)
    ev->peer = m->from;

  if (m->send_seq != INGEST_SEQ_NONE && to_known && !ingest_store_message_dropped (self, id))
    {
      if (!m->until_ack)
        depth_add (self, m->to, -1);
      else if (m->ack_seq == INGEST_SEQ_NONE)
        actor_at (self, m->to)->delivered_unacked++;
    }
  depth_sample (self, ev, m->to);

  readiness_apply (self, id, &before);
}

static void
append_done (IngestStore *self, const IngestEventInput *in, IngestSeq seq, IngestEvent *ev)
{
  IngestMessageId id = message_matched (self, in->message_key, SLOT_DONE);

  /* Views read "this actor reports DONEs" (an open span is drawn only
   * then), so the first one is an edit. */
  if (id == 0 || !msg_at (self, id)->span)
    if (actor_at (self, ev->actor)->processed++ == 0)
      note_edit (self, ev->actor);
  if (id == 0)
    return;

  IngestMessage *m = msg_at (self, id);
  Readiness before;
  readiness_take (self, id, m->in_reply_to, &before);
  m->done_seq = seq;
  if (m->to == 0)
    m->to = ev->actor;
  ev->message = id;
  readiness_apply (self, id, &before);
}

static void
append_ack (IngestStore *self, const IngestEventInput *in, IngestSeq seq, IngestEvent *ev)
{
  IngestMessageId id = message_matched (self, in->message_key, SLOT_NONE);

  actor_at (self, ev->actor)->acked++;
  ev->message = id;
  if (id == 0)
    return;
  IngestMessage *m = msg_at (self, id);
  if (m->ack_seq != INGEST_SEQ_NONE)
    return; /* acked again: the first ack removed it */
  m->ack_seq = seq;
  if (!m->until_ack || m->send_seq == INGEST_SEQ_NONE || m->to == 0
      || ingest_store_message_dropped (self, id))
    return;
  /* the broker takes a held message out of its queue now */
  IngestActorRec *q = actor_at (self, m->to);
  if (m->send_seq >= first_seq (self))
    {
      gint64 v = ev->time_ns - seq_time (self, m->send_seq);
      hist_record (&q->mailbox, v);
      hist_record (&edge_get (self, m->from, m->to)->mailbox, v);
    }
  else
    self->retained_latencies++;
  if (m->receive_seq != INGEST_SEQ_NONE && q->delivered_unacked > 0)
    q->delivered_unacked--;
  depth_add (self, m->to, -1);
  depth_sample (self, ev, m->to);
}

static void
append_drop (IngestStore *self, const IngestEventInput *in, IngestEvent *ev)
{
  gboolean created;
  IngestMessageId id = message_for_key (self, in->message_key, SLOT_NONE, &created);
  IngestActorRec *a = actor_at (self, ev->actor);

  a->dropped++;
  a->errors++;
  ev->text = intern_str (self, in->text);
  if (id == 0)
    return;
  if (created)
    self->counters.unmatched++;
  ev->message = id;
  if (ingest_store_message_dropped (self, id))
    return;
  g_hash_table_add (self->dropped, GUINT_TO_POINTER (id));
  self->dropped_filter[(id >> 6) & 63] |= G_GUINT64_CONSTANT (1) << (id & 63);

  IngestMessage *m = msg_at (self, id);
  if (m->send_seq != INGEST_SEQ_NONE && m->to != 0)
    {
      edge_get (self, m->from, m->to)->dropped++;
      if (message_queued (m))
        {
          IngestActorRec *q = actor_at (self, m->to);
          depth_add (self, m->to, -1);
          if (m->until_ack && m->receive_seq != INGEST_SEQ_NONE && q->delivered_unacked > 0)
            q->delivered_unacked--;
        }
      depth_sample (self, ev, m->to);
    }
}

static gboolean
is_error_text (const char *t)
{
  return g_ascii_strncasecmp (t, "error", 5) == 0;
}

static void
time_order_note (IngestStore *self, IngestSeq seq, gint64 t)
{
  if (!self->have_time)
    {
      self->have_time = TRUE;
      self->tmin = self->tmax = t;
    }
  else
    {
      self->tmin = MIN (self->tmin, t);
      self->held_tmin = MIN (self->held_tmin, t);
      self->tmax = MAX (self->tmax, t);
    }
  if (self->in_order)
    {
      if (seq > 0 && t < self->last_time)
        {
          self->in_order = FALSE;
          self->sorted_prefix = (gsize) seq;
        }
      else
        self->last_time = t;
    }
}

IngestSeq
ingest_store_append (IngestStore *self, const IngestEventInput *in)
{
  g_return_val_if_fail (self != NULL && in != NULL, INGEST_SEQ_NONE);
  g_return_val_if_fail ((guint) in->kind < INGEST_EVENT_N_KINDS, INGEST_SEQ_NONE);

  self->actors_before = (IngestActorId) self->actors.len;
  IngestActorId actor = actor_resolve (self, in->actor, in->actor_kind, in->actor_kind_set);
  IngestActorId peer = actor_resolve (self, in->peer, in->peer_kind, in->peer_kind_set);
  if (actor == 0 && in->kind != INGEST_EVENT_MARK)
    actor = unknown_actor (self);

  IngestSeq seq = self->events.len;
  if ((seq & EVENT_CHUNK_MASK) == 0 && self->budget != 0)
    chunk_begins (self);
  IngestEvent *ev = ingest_chunked_push (&self->events);
  /* Clamped so that the difference of any two times fits 64 bits: every
   * latency, span and layout scale subtracts times, and a hostile trace may
   * hold both G_MININT64 and G_MAXINT64. */
  ev->time_ns = CLAMP (in->time_ns, -INGEST_STORE_MAX_TIME, INGEST_STORE_MAX_TIME);
  ev->kind = (guint8) in->kind;
  ev->actor = actor;
  ev->peer = peer;

  switch (in->kind)
    {
    case INGEST_EVENT_SPAWN:
      {
        IngestActorRec *a = actor_at (self, actor);
        a->spawns++;
        if (!a->pub.alive)
          note_edit (self, actor);
        a->pub.alive = TRUE;
        if (peer != 0 && a->pub.parent == 0)
          set_parent (self, actor, peer);
      }
      break;
    case INGEST_EVENT_EXIT:
      {
        IngestActorRec *a = actor_at (self, actor);
        a->exits++;
        if (a->pub.alive)
          note_edit (self, actor);
        a->pub.alive = FALSE;
        ev->exit_status = in->exit_status == INGEST_EXIT_CRASH ? INGEST_EXIT_CRASH : INGEST_EXIT_NORMAL;
        if (ev->exit_status == INGEST_EXIT_CRASH)
          {
            a->crashes++;
            a->errors++;
          }
        ev->text = intern_str (self, in->text);
      }
      break;
    case INGEST_EVENT_SEND:
      append_send (self, in, seq, ev);
      break;
    case INGEST_EVENT_RECEIVE:
      append_receive (self, in, seq, ev);
      break;
    case INGEST_EVENT_DONE:
      append_done (self, in, seq, ev);
      break;
    case INGEST_EVENT_ACK:
      append_ack (self, in, seq, ev);
      break;
    case INGEST_EVENT_DROP:
      append_drop (self, in, ev);
      break;
    case INGEST_EVENT_MARK:
      ev->text = intern_str (self, in->text);
      if (actor != 0 && is_error_text (ingest_strings_get (self->strings, ev->text)))
        actor_at (self, actor)->errors++;
      break;
    default:
      g_assert_not_reached ();
    }

  if (self->retire_chunks != 0)
    retire_if_complete (self, ev->message);
  touch_actor (self, ev->actor, ev->time_ns);
  touch_actor (self, ev->peer, ev->time_ns);
  time_order_note (self, seq, ev->time_ns);
  return seq;
}

/* --- reading --------------------------------------------------------------- */

guint64
ingest_store_n_events (const IngestStore *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->events.len;
}

guint32
ingest_store_n_actors (const IngestStore *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return (guint32) self->actors.len;
}

IngestActorId
ingest_store_other_actors (const IngestStore *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->overflow_actor;
}

guint32
ingest_store_n_messages (const IngestStore *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return (guint32) self->messages.len;
}

guint32
ingest_store_n_spans (const IngestStore *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_spans;
}

const IngestEvent *
ingest_store_event (const IngestStore *self, IngestSeq seq)
{
  g_return_val_if_fail (self != NULL, NULL);
  if (seq >= self->events.len || seq < first_seq (self))
    return NULL;
  return event_at (self, seq);
}

const IngestActor *
ingest_store_actor (const IngestStore *self, IngestActorId id)
{
  g_return_val_if_fail (self != NULL, NULL);
  if (id == 0 || id > self->actors.len)
    return NULL;
  return &actor_at (self, id)->pub;
}

const IngestActorRec *
ingest_store_actor_rec (const IngestStore *self, IngestActorId id)
{
  if (id == 0 || id > self->actors.len)
    return NULL;
  return actor_at (self, id);
}

const IngestMessage *
ingest_store_message (const IngestStore *self, IngestMessageId id)
{
  g_return_val_if_fail (self != NULL, NULL);
  if (id == 0 || id > self->messages.len)
    return NULL;
  return message_in_chunk (self, id, FALSE);
}

void
ingest_store_actor_stats (const IngestStore *self, IngestActorId id, IngestActorStats *out)
{
  g_return_if_fail (self != NULL && out != NULL);
  memset (out, 0, sizeof *out);
  const IngestActorRec *a = ingest_store_actor_rec (self, id);
  if (a == NULL)
    return;
  out->sent = a->sent;
  out->received = a->received;
  out->processed = a->processed;
  out->spans = a->spans;
  out->dropped = a->dropped;
  out->acked = a->acked;
  out->errors = a->errors;
  out->crashes = a->crashes;
  out->spawns = a->spawns;
  out->exits = a->exits;
  out->mailbox_depth = a->depth;
  out->mailbox_depth_max = a->depth_max;
  out->first_ns = a->first_ns <= a->last_ns ? a->first_ns : 0;
  out->last_ns = a->first_ns <= a->last_ns ? a->last_ns : 0;
  ingest_latency_hist_summary (a->mailbox, &out->mailbox);
  ingest_latency_hist_summary (a->processing, &out->processing);
  ingest_latency_hist_summary (a->round_trip, &out->round_trip);
  /* Sent to it, not taken out nor dropped: exactly the mailbox content. */
  out->pending = (guint64) a->depth;
  out->delivered_unacked = a->delivered_unacked;
  out->unanswered = a->unanswered;
}

void
ingest_store_actors_stats_merged (const IngestStore *self, const IngestActorId *ids, gsize n,
                                  IngestActorStats *out)
{
  IngestLatencyHist mailbox, processing, round_trip;
  gboolean any = FALSE;

  g_return_if_fail (self != NULL && out != NULL && (ids != NULL || n == 0));
  memset (out, 0, sizeof *out);
  ingest_latency_hist_init (&mailbox);
  ingest_latency_hist_init (&processing);
  ingest_latency_hist_init (&round_trip);
  for (gsize i = 0; i < n; i++)
    {
      const IngestActorRec *a = ingest_store_actor_rec (self, ids[i]);
      if (a == NULL)
        continue;
      out->sent += a->sent;
      out->received += a->received;
      out->processed += a->processed;
      out->spans += a->spans;
      out->dropped += a->dropped;
      out->acked += a->acked;
      out->errors += a->errors;
      out->crashes += a->crashes;
      out->spawns += a->spawns;
      out->exits += a->exits;
      out->mailbox_depth += a->depth;
      /* the members' maxima may fall at different times: their sum bounds
       * the group's maximum from above, the largest one from below; the
       * largest is what was seen at once */
      out->mailbox_depth_max = MAX (out->mailbox_depth_max, a->depth_max);
      out->pending += (guint64) a->depth;
      out->delivered_unacked += a->delivered_unacked;
      out->unanswered += a->unanswered;
      if (a->first_ns <= a->last_ns)
        {
          out->first_ns = any ? MIN (out->first_ns, a->first_ns) : a->first_ns;
          out->last_ns = any ? MAX (out->last_ns, a->last_ns) : a->last_ns;
          any = TRUE;
        }
      if (a->mailbox)
        ingest_latency_hist_merge (&mailbox, a->mailbox);
      if (a->processing)
        ingest_latency_hist_merge (&processing, a->processing);
      if (a->round_trip)
        ingest_latency_hist_merge (&round_trip, a->round_trip);
    }
  ingest_latency_hist_summary (&mailbox, &out->mailbox);
  ingest_latency_hist_summary (&processing, &out->processing);
  ingest_latency_hist_summary (&round_trip, &out->round_trip);
  ingest_latency_hist_clear (&mailbox);
  ingest_latency_hist_clear (&processing);
  ingest_latency_hist_clear (&round_trip);
}

gboolean
ingest_store_time_range (const IngestStore *self, gint64 *min_ns, gint64 *max_ns)
{
  g_return_val_if_fail (self != NULL, FALSE);
  if (!self->have_time)
    return FALSE;
  if (min_ns)
    *min_ns = self->events_discarded > 0 ? self->held_tmin : self->tmin;
  if (max_ns)
    *max_ns = self->tmax;
  return TRUE;
}

IngestEdgeStats *
ingest_store_dup_edges (const IngestStore *self, gsize *n_out)
{
  g_return_val_if_fail (self != NULL, NULL);
  gsize n = self->edge_list->len;
  IngestEdgeStats *out = g_new0 (IngestEdgeStats, MAX (n, 1));

  for (gsize i = 0; i < n; i++)
    {
      const IngestEdgeRec *e = self->edge_list->pdata[i];
      IngestEdgeStats *o = &out[i];
      o->from = e->from;
      o->to = e->to;
      o->count = e->count;
      o->received = e->received;
      o->dropped = e->dropped;
      o->bytes = e->bytes;
      o->first_ns = e->first_ns <= e->last_ns ? e->first_ns : 0;
      o->last_ns = e->first_ns <= e->last_ns ? e->last_ns : 0;
      ingest_latency_hist_summary (e->mailbox, &o->mailbox);
      ingest_latency_hist_summary (e->processing, &o->processing);
      ingest_latency_hist_summary (e->round_trip, &o->round_trip);
      o->top_label = edge_top_label (e);
    }
  if (n_out)
    *n_out = n;
  return out;
}

IngestStoreCounters *
ingest_store_counters (IngestStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return &self->counters;
}

/* --- time order ------------------------------------------------------------ */

static gint64
index_time_of (gconstpointer data, IngestSeq seq)
{
  return seq_time (data, seq);
}

/* Brings the time index up to date: made at the first query after the
 * first late event, then extended by what came since. */
static void
time_order_ensure (IngestStore *self)
{
  if (self->in_order)
    return;
  if (self->index == NULL)
    {
      self->index = ingest_time_index_new (self->sorted_prefix, index_time_of, self);
      ingest_time_index_set_pager (self->index, self->index_pager);
      self->order_gen++;
    }
  if (ingest_time_index_extend (self->index, self->events.len))
    self->order_gen++;
}

IngestSeq
ingest_store_time_seq (IngestStore *self, gsize pos)
{
  g_return_val_if_fail (self != NULL, INGEST_SEQ_NONE);
  if (pos >= self->events.len)
    return INGEST_SEQ_NONE;
  time_order_ensure (self);
  return self->in_order ? (IngestSeq) pos : ingest_time_index_seq (self->index, pos);
}

gsize
ingest_store_time_lower_bound (IngestStore *self, gint64 t_ns)
{
  g_return_val_if_fail (self != NULL, 0);
  time_order_ensure (self);
  gsize lo = 0, hi = self->events.len;
  if (!self->in_order)
    lo = ingest_time_index_lower_bound (self->index, 0, t_ns);
  else
    while (lo < hi)
      {
        gsize mid = lo + (hi - lo) / 2;
        if (seq_time (self, mid) < t_ns)
          lo = mid + 1;
        else
          hi = mid;
      }
  /* never a position of an event retained away (they come first) */
  return MAX (lo, (gsize) MIN (first_seq (self), (IngestSeq) self->events.len));
}

const IngestSeq *
ingest_store_time_order (IngestStore *self, gsize *n_out)
{
  g_return_val_if_fail (self != NULL, NULL);
  time_order_ensure (self);
  gsize n = self->events.len;

  if (self->order64_gen != self->order_gen)
    self->order64_len = 0;
  if (n > self->order64_cap)
    {
      gsize cap = MAX (n, self->order64_cap + self->order64_cap / 2);
      self->order64 = g_renew (IngestSeq, self->order64, cap);
      self->order64_cap = cap;
    }
  for (gsize i = self->order64_len; i < n; i++)
    self->order64[i] = self->in_order ? (IngestSeq) i : ingest_time_index_seq (self->index, i);
  self->order64_len = n;
  self->order64_gen = self->order_gen;
  if (n_out)
    *n_out = n;
  return self->order64;
}

/* --- memory ---------------------------------------------------------------- */

/* GHashTable keeps three arrays (hashes, keys, values) sized to a power of
 * two >= the entry count; count them as such. */
static gsize
hash_table_bytes (GHashTable *t, gsize key_size, gsize value_size)
{
  gsize n = g_hash_table_size (t);
  gsize cap = 8;
  while (cap < n * 2)
    cap *= 2;
  return 96 + cap * (sizeof (guint) + key_size + value_size);
}

/* What grows with events and messages: cheap to count. */
static gsize
arrays_bytes (const IngestStore *self)
{
  gsize b = sizeof *self;

  b += ingest_strings_memory_bytes (self->strings);
  b += ingest_strings_memory_bytes (self->payloads);
  b += ingest_message_keys_memory_bytes (self->keys);
  b += ingest_offset_array_memory_bytes (&self->message_key_mark);
  b += ingest_chunked_memory_bytes (&self->events);
  b += ingest_chunked_memory_bytes (&self->messages);
  b += ingest_chunked_memory_bytes (&self->actors);
  for (guint k = 0; k < MSHARDS; k++)
    b += self->mshard[k].n * sizeof (guint64);
  if (self->index != NULL)
    b += ingest_time_index_memory_bytes (self->index);
  b += self->order64_cap * sizeof (IngestSeq);
  b += ingest_store_pager_memory_bytes (self->event_pager);
  b += ingest_store_pager_memory_bytes (self->message_pager);
  b += ingest_offset_array_memory_bytes (&self->chunk_message_mark);
  return b;
}

/* What grows with actors and edges (hash tables, histograms): a walk over
 * them. */
static gsize
tables_bytes (const IngestStore *self)
{
  gsize b = 0;

  b += hash_table_bytes (self->actor_by_atom, sizeof (gpointer), 0);
  b += hash_table_bytes (self->edges, sizeof (gpointer), sizeof (gpointer));
  b += hash_table_bytes (self->dropped, sizeof (gpointer), 0);
  b += self->edge_list->len * (sizeof (IngestEdgeRec) + sizeof (gpointer));
  for (gsize i = 0; i < self->edge_list->len; i++)
    {
      const IngestEdgeRec *e = self->edge_list->pdata[i];
      b += ingest_latency_hist_memory_bytes (e->mailbox)
           + ingest_latency_hist_memory_bytes (e->processing)
           + ingest_latency_hist_memory_bytes (e->round_trip);
      b += (e->mailbox != NULL) * sizeof (IngestLatencyHist)
           + (e->processing != NULL) * sizeof (IngestLatencyHist)
           + (e->round_trip != NULL) * sizeof (IngestLatencyHist);
    }
  for (gsize i = 0; i < self->actors.len; i++)
    {
      const IngestActorRec *a = ingest_chunked_at (&self->actors, i);
      b += ingest_latency_hist_memory_bytes (a->mailbox)
           + ingest_latency_hist_memory_bytes (a->processing)
           + ingest_latency_hist_memory_bytes (a->round_trip);
      b += (a->mailbox != NULL) * sizeof (IngestLatencyHist)
           + (a->processing != NULL) * sizeof (IngestLatencyHist)
           + (a->round_trip != NULL) * sizeof (IngestLatencyHist);
    }
  return b;
}

gsize
ingest_store_memory_bytes (const IngestStore *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return arrays_bytes (self) + tables_bytes (self);
}

/* --- memory budget and eviction -------------------------------------------- */

gboolean
ingest_store_set_memory_budget (IngestStore *self, gsize budget_bytes, const char *page_dir,
                                GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (budget_bytes == 0 || page_dir != NULL, FALSE);

  if (budget_bytes != 0 && self->event_pager == NULL)
    {
      g_autoptr(IngestStorePager) events = NULL, messages = NULL, index = NULL;
      events = ingest_store_pager_new (page_dir, sizeof (IngestEvent) << EVENT_CHUNK_SHIFT, error);
      if (events == NULL)
        return FALSE;
      messages = ingest_store_pager_new (page_dir, sizeof (IngestMessage) << MESSAGE_CHUNK_SHIFT,
                                         error);
      if (messages == NULL)
        return FALSE;
      index = ingest_store_pager_new (page_dir, INGEST_TIME_INDEX_PAGE_BYTES, error);
      if (index == NULL)
        return FALSE;
      if (!ingest_message_keys_set_page_dir (self->keys, page_dir, error))
        return FALSE;
      self->index_pager = g_steal_pointer (&index);
      if (self->index != NULL)
        ingest_time_index_set_pager (self->index, self->index_pager);
      self->event_pager = g_steal_pointer (&events);
      self->message_pager = g_steal_pointer (&messages);
    }
  self->budget = budget_bytes;
  self->tables_countdown = 0;
  ingest_store_evict (self);
  return TRUE;
}

void
ingest_store_set_evictable (IngestStore *self, IngestSeq n)
{
  g_return_if_fail (self != NULL);
  /* Lowering it evicts nothing more (what left RAM stays in the page
   * file): a restore allows everything while it reads, then the end of
   * what is durable. */
  self->evictable = n;
}

guint64
ingest_store_n_evicted_events (const IngestStore *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return (guint64) self->events.n_evicted << EVENT_CHUNK_SHIFT;
}

const GError *
ingest_store_get_evict_error (const IngestStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->evict_error;
}

guint64
ingest_store_n_page_reads (const IngestStore *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return ingest_store_pager_reads (self->event_pager) + ingest_store_pager_reads (self->message_pager)
         + ingest_store_pager_reads (self->index_pager)
         + ingest_message_keys_page_reads (self->keys);
}

gsize
ingest_store_chunk_tables_bytes (const IngestStore *self)
{
  g_return_val_if_fail (self != NULL, 0);
  gsize b = ingest_chunked_table_bytes (&self->events) + ingest_chunked_table_bytes (&self->messages);
  b += ingest_offset_array_memory_bytes (&self->message_key_mark);
  b += ingest_offset_array_memory_bytes (&self->chunk_message_mark);
  b += ingest_store_pager_table_bytes (self->event_pager);
  b += ingest_store_pager_table_bytes (self->message_pager);
  b += ingest_message_keys_table_bytes (self->keys);
  return b;
}

guint64
ingest_store_n_retired_messages (const IngestStore *self, guint64 *n_open)
{
  g_return_val_if_fail (self != NULL, 0);
  if (n_open != NULL)
    *n_open = self->n_retired_open;
  return self->n_retired;
}

/* Moves chunk c of an array to its pager. FALSE (and no more eviction)
 * when the page file cannot take it: the chunk stays in RAM, nothing is
 * lost, the budget is exceeded. */
static gboolean
evict_chunk (IngestStore *self, IngestChunked *array, IngestStorePager *pager, gsize c)
{
  if (!ingest_store_pager_put (pager, c, ingest_chunked_chunk (array, c), &self->evict_error))
    return FALSE;
  ingest_chunked_release_oldest (array);
  return TRUE;
}

void
ingest_store_evict (IngestStore *self)
{
  g_return_if_fail (self != NULL);
  if (self->budget == 0 || self->evict_error != NULL)
    return;
  if (self->tables_countdown == 0)
    {
      /* Actors and edges change slowly: count them every 64 chunks. */
      self->tables_bytes = tables_bytes (self);
      self->tables_countdown = 64;
    }
  self->tables_countdown--;

  gsize used = arrays_bytes (self) + self->tables_bytes;
  gsize event_chunk = sizeof (IngestEvent) << EVENT_CHUNK_SHIFT;
  gsize message_chunk = sizeof (IngestMessage) << MESSAGE_CHUNK_SHIFT;
  gsize evicted_before = self->events.n_evicted;
  while (used > self->budget)
    {
      /* The oldest chunk in RAM, if the log holds all of it; never the
       * chunk being filled. */
      gsize c = self->events.n_evicted;
      if (c + 1 >= ingest_chunked_n_chunks (&self->events)
          || ((IngestSeq) (c + 1) << EVENT_CHUNK_SHIFT) > self->evictable
          || !evict_chunk (self, &self->events, self->event_pager, c))
        break;
      used -= event_chunk;
      /* Messages created before the oldest event still in RAM: the events
       * that follow rarely name them (a late reply or receive pages them
       * in). Never the chunk being filled. */
      gsize mark = chunk_message_mark (self, c + 1);
      ingest_offset_array_drop_before (&self->chunk_message_mark, c + 1);
      while (((self->messages.n_evicted + 1) << MESSAGE_CHUNK_SHIFT) <= mark
             && self->messages.n_evicted + 1 < ingest_chunked_n_chunks (&self->messages))
        {
          if (!evict_chunk (self, &self->messages, self->message_pager, self->messages.n_evicted))
            break;
          used -= message_chunk;
          retire_keys (self);
          /* keys of messages no longer in RAM can follow them */
          guint64 key_mark = message_key_mark (self, self->messages.n_evicted);
          ingest_offset_array_drop_before (&self->message_key_mark, self->messages.n_evicted);
          gsize freed = ingest_message_keys_evict_below (self->keys, key_mark, &self->evict_error);
          used -= MIN (used, freed);
          if (self->evict_error != NULL)
            break;
        }
      if (self->evict_error != NULL)
        break;
    }
  if (self->events.n_evicted != evicted_before && self->evicted_func != NULL)
    self->evicted_func (self, self->evicted_data);
}

void
ingest_store_set_evicted_func (IngestStore *self, IngestStoreEvictedFunc func, gpointer user_data)
{
  g_return_if_fail (self != NULL);
  self->evicted_func = func;
  self->evicted_data = user_data;
}

/* A new chunk of events begins: note where messages stand, and bring the
 * store back within its budget. */
static void
chunk_begins (IngestStore *self)
{
  /* Chunks begun without a budget have no mark: 0 (which evicts their
   * messages with the next chunk that has one) is as good as any. */
  gsize c = ingest_chunked_n_chunks (&self->events);
  ingest_offset_array_grow_to (&self->chunk_message_mark, c + 1);
  *(guint32 *) ingest_offset_array_at (&self->chunk_message_mark, c) = (guint32) self->messages.len;
  ingest_store_evict (self);
}

/* --- corrections after the fact (renames, late labels) -------------------- */

gboolean
ingest_store_rename_actor (IngestStore *self, IngestActorId id, IngestStr name)
{
  gsize n, ss, sl;

  g_return_val_if_fail (self != NULL, FALSE);
  if (id == 0 || id > self->actors.len || id == self->overflow_actor || name.ptr == NULL)
    return FALSE;
  const char *s = ingest_strings_normalize (self->strings, name.ptr, name.len, &n);
  if (n == 0)
    return FALSE;
  IngestAtom atom = ingest_strings_intern_normalized (self->strings, s, n,
                                                      ingest_strings_hash (s, n));
  IngestActorId other = actor_lookup (self, atom);
  IngestActorRec *a = actor_at (self, id);
  if (other == id)
    return TRUE;
  if (other != 0)
    return FALSE;
  g_hash_table_remove (self->actor_by_atom, GUINT_TO_POINTER (a->pub.name));
  memset (self->actor_cache_atom, 0, sizeof self->actor_cache_atom); /* the old name may be cached */
  memset (self->name_cache, 0, sizeof self->name_cache);
  g_hash_table_insert (self->actor_by_atom, GUINT_TO_POINTER (atom), GUINT_TO_POINTER (id));
  a->pub.name = atom;
  self->edits++;
  /* read back from the arena: s may be a scratch buffer */
  const char *stored = ingest_strings_get (self->strings, atom);
  gsize len = strlen (stored);
  path_split (stored, len, &ss, &sl);
  a->pub.short_name = sl == len ? atom
                                : ingest_strings_intern_normalized (self->strings, stored + ss, sl,
                                                                    ingest_strings_hash (stored + ss, sl));
  return TRUE;
}

void
ingest_store_set_message_label (IngestStore *self, IngestMessageId id, IngestStr label)
{
  g_return_if_fail (self != NULL);
  if (id == 0 || id > self->messages.len || label.ptr == NULL)
    return;
  IngestMessage *m = msg_at (self, id);
  if (m->label == 0)
    {
      m->label = intern_str (self, label);
      self->edits += m->label != 0;
    }
}

/* --- retention ------------------------------------------------------------- */

/* No event that stays names message m: each of its events is retained
 * away (or never came). */
static gboolean
message_behind (const IngestMessage *m, IngestSeq first)
{
  IngestSeq seqs[] = { m->send_seq, m->receive_seq, m->done_seq, m->ack_seq };
  for (guint i = 0; i < G_N_ELEMENTS (seqs); i++)
    if (seqs[i] != INGEST_SEQ_NONE && seqs[i] >= first)
      return FALSE;
  return TRUE;
}

/* Forgets the oldest message chunk when none of its messages is named by
 * an event that stays. Their keys leave the table first (a late event
 * naming one is unmatched, as for a key never seen). FALSE: it stays. */
static gboolean
retain_message_chunk (IngestStore *self, IngestSeq first)
{
  gsize c = self->messages_discarded;
  if (c >= self->messages.n_evicted || c + 1 >= ingest_chunked_n_chunks (&self->messages))
    return FALSE;
  const IngestMessage *chunk = ingest_store_pager_peek (self->message_pager, c);
  for (guint i = 0; i < (1u << MESSAGE_CHUNK_SHIFT); i++)
    if (!message_behind (&chunk[i], first))
      return FALSE;
  IngestMessageId id0 = (IngestMessageId) (c << MESSAGE_CHUNK_SHIFT) + 1;
  gboolean removed_any = FALSE;
  for (guint i = 0; i < (1u << MESSAGE_CHUNK_SHIFT); i++)
    {
      /* retire_message() peeks key chunks, which may evict the peeked
       * message chunk's spare page: copy what it needs first */
      IngestMessage m = chunk[i];
      if (retire_message (self, id0 + i, &m))
        {
          removed_any = TRUE;
          if (!message_complete (&m))
            self->n_retired_open++;
        }
      chunk = ingest_store_pager_peek (self->message_pager, c);
    }
  if (removed_any)
    memset (self->mcache, 0, sizeof self->mcache);
  self->retained_page_bytes += ingest_store_pager_discard (self->message_pager, c);
  self->messages_discarded++;
  self->retained_messages += 1u << MESSAGE_CHUNK_SHIFT;
  return TRUE;
}

/* The lowest key a kept message may name: the key of the first message
 * with one (in the key arena) in the oldest message chunk kept, 0 when it
 * has none (its keys then wait for the next retention).
 *
 * Why no kept message names a lower one: keys are stored in the order
 * messages are made, and a message made while chunk L is being filled
 * shares a key only when it is at least chunk L's mark (the keys' end
 * when L began), else stores it again (message_for_key()). The messages
 * of the first chunk kept made before that first key have none; those
 * made after it store keys above it, or share keys at least that chunk's
 * mark, above which the only keys are the ones its own messages stored
 * from that first key on; later chunks' marks are higher still. So no
 * per-chunk mark has to be kept for retention, however long the history
 * without it. */
static guint64
kept_keys_mark (IngestStore *self)
{
  gsize c = self->messages_discarded;
  const IngestMessage *chunk = c < self->messages.n_evicted
                                 ? ingest_store_pager_peek (self->message_pager, c)
                                 : ingest_chunked_chunk (&self->messages, c);
  gsize n = MIN ((gsize) 1 << MESSAGE_CHUNK_SHIFT, self->messages.len - (c << MESSAGE_CHUNK_SHIFT));
  for (gsize i = 0; i < n; i++)
    if (chunk[i].key & INGEST_MESSAGE_KEYS_BIT)
      return ingest_message_keys_offset (self->keys, chunk[i].key);
  return 0;
}

static gboolean
dropped_id_retained (gpointer key, gpointer value, gpointer user_data)
{
  (void) value;
  return GPOINTER_TO_UINT (key) <= GPOINTER_TO_UINT (user_data);
}

IngestSeq
ingest_store_retain_before (IngestStore *self, IngestSeq seq, IngestStoreRetained *out)
{
  IngestStoreRetained local = { 0 };
  g_return_val_if_fail (self != NULL, 0);
  if (out == NULL)
    out = &local;
  memset (out, 0, sizeof *out);
  guint64 bytes0 = self->retained_page_bytes, messages0 = self->retained_messages;
  gsize events0 = self->events_discarded;
  /* whole chunks that left RAM (so the durable log held them), never
   * the chunk being filled */
  while (self->events_discarded < self->events.n_evicted
         && self->events_discarded + 1 < ingest_chunked_n_chunks (&self->events)
         && ((IngestSeq) (self->events_discarded + 1) << EVENT_CHUNK_SHIFT) <= seq)
    self->retained_page_bytes += ingest_store_pager_discard (self->event_pager,
                                                             self->events_discarded++);
  if (self->events_discarded == events0)
    return first_seq (self);
  IngestSeq first = first_seq (self);
  time_order_ensure (self);
  if (self->index != NULL)
    {
      self->retained_page_bytes += ingest_time_index_retain (self->index, first);
      self->order_gen++;
    }
  self->held_tmin = event_at (self, self->in_order ? first : ingest_time_index_seq (self->index, first))->time_ns;
  gsize messages_before = self->messages_discarded;
  while (retain_message_chunk (self, first))
    ;
  /* the ids of dropped messages retained away: nobody asks any more */
  if (self->messages_discarded != messages_before && g_hash_table_size (self->dropped) > 0)
    g_hash_table_foreach_remove (self->dropped, dropped_id_retained,
                                 GSIZE_TO_POINTER (self->messages_discarded << MESSAGE_CHUNK_SHIFT));
  guint64 keys_below = self->messages_discarded > 0 ? kept_keys_mark (self) : 0;
  if (keys_below != 0)
    self->retained_page_bytes += ingest_message_keys_discard_below (self->keys, keys_below);
  out->events = (guint64) (self->events_discarded - events0) << EVENT_CHUNK_SHIFT;
  out->messages = self->retained_messages - messages0;
  out->page_bytes = self->retained_page_bytes - bytes0;
  return first;
}

guint64
ingest_store_edits (const IngestStore *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->edits;
}

IngestSeq
ingest_store_first_seq (const IngestStore *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return first_seq (self);
}

void
ingest_store_get_retained (const IngestStore *self, IngestStoreRetained *out)
{
  g_return_if_fail (self != NULL && out != NULL);
  out->events = first_seq (self);
  out->messages = self->retained_messages;
  out->page_bytes = self->retained_page_bytes;
  out->latencies = self->retained_latencies;
}

gint64
ingest_store_page_disk_bytes (const IngestStore *self)
{
  g_return_val_if_fail (self != NULL, 0);
  if (self->event_pager == NULL)
    return 0;
  return ingest_store_pager_disk_bytes (self->event_pager)
         + ingest_store_pager_disk_bytes (self->message_pager)
         + ingest_store_pager_disk_bytes (self->index_pager)
         + ingest_message_keys_disk_bytes (self->keys);
}
