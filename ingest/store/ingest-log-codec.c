/* ingest-log-codec.c: blocks of events <-> bytes.
 *
 * The raw (uncompressed) block is five streams, each prefixed by its
 * length: definitions (actors, strings, message keys, counters), kinds,
 * time deltas, ids and payloads. Separate streams compress far better than
 * interleaved records: zstd sees runs of similar bytes.
 */
#include "config.h"

#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "ingest-hash.h"
#include "ingest-log-codec.h"

static const guint8 block_magic[4] = { 'A', 'S', 'L', 'B' };

/* DEF_LOST_BEFORE_ATTACH is written only when that counter is not 0, so
 * logs of sources that never lose events before attaching stay readable by
 * readers that predate it. */
enum { DEF_ACTOR = 1, DEF_ATOM = 2, DEF_MESSAGE = 3, DEF_COUNTERS = 4, DEF_LOST_BEFORE_ATTACH = 5 };

enum { N_STREAMS = 5, S_DEFS = 0, S_KINDS, S_TIMES, S_IDS, S_PAYLOADS };

/* kind byte: bits 0-2 kind, 3 crash (EXIT) or held until acked (SEND),
 * 4 has text, 5 payload, 6 reply_to, 7 in_reply_to */
#define K_CRASH 0x08u
#define K_UNTIL_ACK 0x08u
#define K_TEXT 0x10u
#define K_PAYLOAD 0x20u
#define K_REPLY_TO 0x40u
#define K_IN_REPLY 0x80u

/* --- little-endian and varints ------------------------------------------- */

static inline void
put_u16 (guint8 *p, guint16 v)
{
  p[0] = v & 0xff;
  p[1] = v >> 8;
}

static inline void
put_u32 (guint8 *p, guint32 v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static inline void
put_u64 (guint8 *p, guint64 v)
{
  for (int i = 0; i < 8; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static inline guint16
get_u16 (const guint8 *p)
{
  return (guint16) (p[0] | (p[1] << 8));
}

static inline guint32
get_u32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

static inline guint64
get_u64 (const guint8 *p)
{
  return (guint64) get_u32 (p) | ((guint64) get_u32 (p + 4) << 32);
}

typedef struct {
  guint8 *data;
  gsize len, cap;
} Buf;

static inline void
buf_reserve (Buf *b, gsize extra)
{
  if (b->len + extra > b->cap)
    {
      gsize cap = MAX (b->cap * 2, b->len + extra + 4096);
      b->data = g_realloc (b->data, cap);
      b->cap = cap;
    }
}

static inline void
buf_varint (Buf *b, guint64 v)
{
  buf_reserve (b, 10);
  while (v >= 0x80)
    {
      b->data[b->len++] = (guint8) (v | 0x80);
      v >>= 7;
    }
  b->data[b->len++] = (guint8) v;
}

static inline void
buf_byte (Buf *b, guint8 v)
{
  buf_reserve (b, 1);
  b->data[b->len++] = v;
}

static inline void
buf_bytes (Buf *b, const void *p, gsize n)
{
  if (n == 0)
    return; /* p may be NULL: an empty stream was never allocated */
  buf_reserve (b, n);
  memcpy (b->data + b->len, p, n);
  b->len += n;
}

static inline void
buf_string (Buf *b, const char *s)
{
  gsize n = strlen (s);
  buf_varint (b, n);
  buf_bytes (b, s, n);
}

static inline guint64
zigzag (gint64 v)
{
  return ((guint64) v << 1) ^ (guint64) (v >> 63);
}

static inline gint64
unzigzag (guint64 v)
{
  return (gint64) (v >> 1) ^ -(gint64) (v & 1);
}

/* --- header ---------------------------------------------------------------- */

void
ingest_log_block_header_write (const IngestLogBlockHeader *h, guint8 out[INGEST_LOG_BLOCK_HEADER_SIZE])
{
  memcpy (out, block_magic, 4);
  put_u16 (out + 4, h->version);
  put_u16 (out + 6, INGEST_LOG_BLOCK_HEADER_SIZE);
  put_u64 (out + 8, h->first_seq);
  put_u32 (out + 16, h->count);
  put_u32 (out + 20, h->raw_len);
  put_u32 (out + 24, h->comp_len);
  put_u32 (out + 28, h->crc);
  put_u64 (out + 32, (guint64) h->min_ns);
  put_u64 (out + 40, (guint64) h->max_ns);
  put_u32 (out + 48, 0);
  put_u32 (out + 52, (guint32) crc32 (0, out, 52));
}

gboolean
ingest_log_block_header_parse (const guint8 *in, IngestLogBlockHeader *h, const char **why)
{
  if (memcmp (in, block_magic, 4) != 0)
    {
      *why = "not a block header (bad magic)";
      return FALSE;
    }
  if (get_u32 (in + 52) != (guint32) crc32 (0, in, 52))
    {
      *why = "block header checksum mismatch";
      return FALSE;
    }
  h->version = get_u16 (in + 4);
  h->first_seq = get_u64 (in + 8);
  h->count = get_u32 (in + 16);
  h->raw_len = get_u32 (in + 20);
  h->comp_len = get_u32 (in + 24);
  h->crc = get_u32 (in + 28);
  h->min_ns = (gint64) get_u64 (in + 32);
  h->max_ns = (gint64) get_u64 (in + 40);
  if (get_u16 (in + 6) != INGEST_LOG_BLOCK_HEADER_SIZE && h->version <= INGEST_LOG_FORMAT_VERSION)
    {
      *why = "unexpected block header size";
      return FALSE;
    }
  return TRUE;
}

/* --- encoder ---------------------------------------------------------------- */

typedef struct {
  IngestAtom name;
  IngestActorId parent;
  guint8 kind;
} ActorShadow;

struct _IngestLogEncoder {
  int level;
  ZSTD_CCtx *cctx;
  Buf s[N_STREAMS];
  Buf raw;
  /* Block number (from 1) in which an id was last declared, so each block
   * declares what it uses exactly once. */
  guint32 block;
  guint32 *actor_mark, *atom_mark, *msg_mark;
  gsize n_actor_mark, n_atom_mark, n_msg_mark;
  /* The actors as last declared, to redeclare renamed/re-kinded ones. */
  GArray *shadow; /* ActorShadow, index = actor id */
  gboolean segment_start;
};

IngestLogEncoder *
ingest_log_encoder_new (int level)
{
  IngestLogEncoder *enc = g_new0 (IngestLogEncoder, 1);
  enc->level = level != 0 ? level : 1;
  enc->cctx = ZSTD_createCCtx ();
  enc->shadow = g_array_new (FALSE, TRUE, sizeof (ActorShadow));
  enc->segment_start = TRUE;
  return enc;
}

void
ingest_log_encoder_free (IngestLogEncoder *enc)
{
  if (enc == NULL)
    return;
  ZSTD_freeCCtx (enc->cctx);
  for (int i = 0; i < N_STREAMS; i++)
    g_free (enc->s[i].data);
  g_free (enc->raw.data);
  g_free (enc->actor_mark);
  g_free (enc->atom_mark);
  g_free (enc->msg_mark);
  g_array_unref (enc->shadow);
  g_free (enc);
}

void
ingest_log_encoder_start_segment (IngestLogEncoder *enc)
{
  g_return_if_fail (enc != NULL);
  enc->segment_start = TRUE;
}

/* TRUE the first time id is seen in the current block. */
static inline gboolean
mark (guint32 **marks, gsize *n, guint32 id, guint32 block)
{
  if (id >= *n)
    {
      gsize nn = MAX ((gsize) id + 1, *n * 2);
      nn = MAX (nn, 1024);
      *marks = g_realloc (*marks, nn * sizeof (guint32));
      memset (*marks + *n, 0, (nn - *n) * sizeof (guint32));
      *n = nn;
    }
  if ((*marks)[id] == block)
    return FALSE;
  (*marks)[id] = block;
  return TRUE;
}

static void
declare_actor_now (IngestLogEncoder *enc, IngestStore *store, IngestActorId id, guint depth)
{
  const IngestActor *a = ingest_store_actor (store, id);
  Buf *d = &enc->s[S_DEFS];

  if (a == NULL)
    return;
  /* Parents first: the reader resolves the parent by name. The depth bound
   * ends a (corrupt) parent cycle. */
  if (a->parent != 0 && depth < 64
      && (a->parent >= enc->n_actor_mark || enc->actor_mark[a->parent] != enc->block))
    {
      mark (&enc->actor_mark, &enc->n_actor_mark, a->parent, enc->block);
      declare_actor_now (enc, store, a->parent, depth + 1);
    }
  buf_byte (d, DEF_ACTOR);
  buf_varint (d, id);
  buf_string (d, ingest_store_atom (store, a->name));
  buf_byte (d, a->kind);
  buf_varint (d, a->parent);
  if (id >= enc->shadow->len)
    g_array_set_size (enc->shadow, id + 1);
  ActorShadow *sh = &g_array_index (enc->shadow, ActorShadow, id);
  sh->name = a->name;
  sh->parent = a->parent;
  sh->kind = a->kind;
}

static inline void
ref_actor (IngestLogEncoder *enc, IngestStore *store, IngestActorId id)
{
  if (id != 0 && mark (&enc->actor_mark, &enc->n_actor_mark, id, enc->block))
    declare_actor_now (enc, store, id, 0);
  buf_varint (&enc->s[S_IDS], id);
}

static inline void
ref_atom (IngestLogEncoder *enc, IngestStore *store, IngestAtom atom)
{
  if (atom != 0 && mark (&enc->atom_mark, &enc->n_atom_mark, atom, enc->block))
    {
      Buf *d = &enc->s[S_DEFS];
      buf_byte (d, DEF_ATOM);
      buf_varint (d, atom);
      buf_string (d, ingest_store_atom (store, atom));
    }
  buf_varint (&enc->s[S_IDS], atom);
}

static inline void
declare_message (IngestLogEncoder *enc, IngestStore *store, IngestMessageId id)
{
  if (id != 0 && mark (&enc->msg_mark, &enc->n_msg_mark, id, enc->block))
    {
      const IngestMessage *m = ingest_store_message (store, id);
      Buf *d = &enc->s[S_DEFS];
      buf_byte (d, DEF_MESSAGE);
      buf_varint (d, id);
      buf_string (d, m != NULL ? ingest_store_atom (store, m->key) : "");
    }
}

/* Actors that are new or changed since they were last declared; at a
 * segment start, every actor. In id order, so a reader rebuilding a store
 * gets the same ids. */
static void
declare_changed_actors (IngestLogEncoder *enc, IngestStore *store)
{
  guint32 n = ingest_store_n_actors (store);

  for (IngestActorId id = 1; id <= n; id++)
    {
      const IngestActor *a = ingest_store_actor (store, id);
      if (!enc->segment_start && id < enc->shadow->len)
        {
          const ActorShadow *sh = &g_array_index (enc->shadow, ActorShadow, id);
          if (sh->name == a->name && sh->parent == a->parent && sh->kind == a->kind)
            continue;
        }
      if (mark (&enc->actor_mark, &enc->n_actor_mark, id, enc->block))
        declare_actor_now (enc, store, id, 0);
    }
  enc->segment_start = FALSE;
}

guint32
ingest_log_encoder_encode (IngestLogEncoder *enc, IngestStore *store, IngestSeq from,
                           IngestSeq to, IngestSeq log_seq, GByteArray *out)
{
  IngestLogBlockHeader h = { 0 };
  gint64 prev_t = 0;
  IngestMessageId prev_msg = 0;
  IngestSeq seq;
  guint32 n = 0;
  gsize raw_size = 0, bound, comp;
  guint8 hdr[INGEST_LOG_BLOCK_HEADER_SIZE];
  const IngestStoreCounters *c;

  g_return_val_if_fail (enc != NULL && store != NULL && out != NULL, 0);
  g_return_val_if_fail (from <= to && to <= ingest_store_n_events (store), 0);
  if (from == to)
    return 0;

  enc->block++;
  for (int i = 0; i < N_STREAMS; i++)
    enc->s[i].len = 0;
  declare_changed_actors (enc, store);

  h.min_ns = INGEST_TIME_MAX;
  h.max_ns = INGEST_TIME_MIN;
  for (seq = from; seq < to && n < INGEST_LOG_MAX_BLOCK_EVENTS; seq++, n++)
    {
      const IngestEvent *ev = ingest_store_event (store, seq);
      const IngestMessage *msg = ev->message ? ingest_store_message (store, ev->message) : NULL;
      guint8 k = ev->kind & 0x7;
      Buf *ids = &enc->s[S_IDS];

      if ((n & 255) == 0)
        {
          raw_size = 0;
          for (int i = 0; i < N_STREAMS; i++)
            raw_size += enc->s[i].len;
          if (raw_size >= INGEST_LOG_BLOCK_RAW_TARGET && n > 0)
            break;
        }
      if (ev->exit_status == INGEST_EXIT_CRASH)
        k |= K_CRASH;
      if (ev->text)
        k |= K_TEXT;
      if (ev->kind == INGEST_EVENT_SEND && msg != NULL)
        {
          if (msg->payload)
            k |= K_PAYLOAD;
          if (msg->reply_to)
            k |= K_REPLY_TO;
          if (msg->in_reply_to)
            k |= K_IN_REPLY;
          if (msg->until_ack)
            k |= K_UNTIL_ACK;
        }
      buf_byte (&enc->s[S_KINDS], k);
      buf_varint (&enc->s[S_TIMES], zigzag (ev->time_ns - prev_t));
      prev_t = ev->time_ns;
      h.min_ns = MIN (h.min_ns, ev->time_ns);
      h.max_ns = MAX (h.max_ns, ev->time_ns);

      ref_actor (enc, store, ev->actor);
      if (ev->kind == INGEST_EVENT_SEND || ev->kind == INGEST_EVENT_RECEIVE
          || ev->kind == INGEST_EVENT_SPAWN)
        ref_actor (enc, store, ev->peer);
      if (ev->kind >= INGEST_EVENT_SEND && ev->kind <= INGEST_EVENT_DROP)
        {
          /* 0 = none, else zigzag delta from the previous message + 1:
           * messages mostly arrive in id order, so this is one byte. */
          if (ev->message == 0)
            buf_varint (ids, 0);
          else
            {
              declare_message (enc, store, ev->message);
              buf_varint (ids, zigzag ((gint64) ev->message - (gint64) prev_msg) + 1);
              prev_msg = ev->message;
            }
        }
      if (ev->text)
        ref_atom (enc, store, ev->text);
      if (ev->kind == INGEST_EVENT_SEND && msg != NULL)
        {
          ref_atom (enc, store, msg->label);
          buf_varint (ids, msg->size);
          if (msg->reply_to)
            ref_actor (enc, store, msg->reply_to);
          if (msg->in_reply_to)
            {
              declare_message (enc, store, msg->in_reply_to);
              buf_varint (ids, msg->in_reply_to);
            }
          if (msg->payload)
            buf_string (&enc->s[S_PAYLOADS], ingest_store_payload (store, msg->payload));
        }
    }

  c = ingest_store_counters (store);
  buf_byte (&enc->s[S_DEFS], DEF_COUNTERS);
  buf_varint (&enc->s[S_DEFS], c->skipped_records);
  buf_varint (&enc->s[S_DEFS], c->lost_events);
  buf_varint (&enc->s[S_DEFS], c->duplicate_events);
  buf_varint (&enc->s[S_DEFS], c->unmatched);
  buf_varint (&enc->s[S_DEFS], c->folded_actor_refs);
  if (c->lost_before_attach != 0)
    {
      buf_byte (&enc->s[S_DEFS], DEF_LOST_BEFORE_ATTACH);
      buf_varint (&enc->s[S_DEFS], c->lost_before_attach);
    }

  enc->raw.len = 0;
  for (int i = 0; i < N_STREAMS; i++)
    buf_varint (&enc->raw, enc->s[i].len);
  for (int i = 0; i < N_STREAMS; i++)
    buf_bytes (&enc->raw, enc->s[i].data, enc->s[i].len);

  bound = ZSTD_compressBound (enc->raw.len);
  gsize base = out->len;
  g_byte_array_set_size (out, base + INGEST_LOG_BLOCK_HEADER_SIZE + bound);
  comp = ZSTD_compressCCtx (enc->cctx, out->data + base + INGEST_LOG_BLOCK_HEADER_SIZE, bound,
                            enc->raw.data, enc->raw.len, enc->level);
  /* Only a programmer error (bad level, short buffer) fails here. */
  g_assert (!ZSTD_isError (comp));
  g_byte_array_set_size (out, base + INGEST_LOG_BLOCK_HEADER_SIZE + comp);

  h.version = INGEST_LOG_FORMAT_VERSION;
  h.first_seq = log_seq;
  h.count = n;
  h.raw_len = (guint32) enc->raw.len;
  h.comp_len = (guint32) comp;
  h.crc = (guint32) crc32 (0, out->data + base + INGEST_LOG_BLOCK_HEADER_SIZE, (uInt) comp);
  ingest_log_block_header_write (&h, hdr);
  memcpy (out->data + base, hdr, INGEST_LOG_BLOCK_HEADER_SIZE);
  return n;
}

/* --- decoder ---------------------------------------------------------------- */

typedef struct {
  const guint8 *p, *end;
  gboolean bad;
} Rd;

static inline guint64
rd_varint (Rd *r)
{
  guint64 v = 0;
  for (guint shift = 0; shift < 64; shift += 7)
    {
      if (r->p >= r->end)
        break;
      guint8 b = *r->p++;
      v |= (guint64) (b & 0x7f) << shift;
      if ((b & 0x80) == 0)
        return v;
    }
  r->bad = TRUE;
  return 0;
}

static inline guint8
rd_byte (Rd *r)
{
  if (r->p >= r->end)
    {
      r->bad = TRUE;
      return 0;
    }
  return *r->p++;
}

/* A string of the raw buffer: returned pointer into *r, length in *len.
 * Strings are not NUL-terminated in the block; the decoder copies them. */
static inline const char *
rd_string (Rd *r, gsize *len)
{
  guint64 n = rd_varint (r);
  const char *s = (const char *) r->p;
  if (r->bad || n > (guint64) (r->end - r->p))
    {
      r->bad = TRUE;
      *len = 0;
      return "";
    }
  r->p += n;
  *len = (gsize) n;
  return s;
}

/* The strings a block declares: id -> offset into one arena. */
typedef struct {
  GString *arena;
  GHashTable *actors;   /* id -> ActorDef index + 1 */
  GArray *actor_defs;   /* ActorDef */
  GHashTable *atoms;    /* atom id -> offset + 1 */
  GHashTable *messages; /* message id -> offset + 1 */
} Dict;

typedef struct {
  gsize name;     /* offset */
  guint32 parent; /* log id */
  guint8 kind;
} ActorDef;

static gsize
arena_add (GString *arena, const char *s, gsize len)
{
  gsize off = arena->len;
  g_string_append_len (arena, s, (gssize) len);
  g_string_append_c (arena, '\0');
  return off;
}

static const char *
dict_get (const Dict *d, GHashTable *table, guint64 id)
{
  gpointer v = g_hash_table_lookup (table, GSIZE_TO_POINTER ((gsize) id));
  return v != NULL ? d->arena->str + (GPOINTER_TO_SIZE (v) - 1) : NULL;
}

static const char *
dict_actor (const Dict *d, guint64 id)
{
  gpointer v = g_hash_table_lookup (d->actors, GSIZE_TO_POINTER ((gsize) id));
  if (v == NULL)
    return NULL;
  const ActorDef *a = &g_array_index (d->actor_defs, ActorDef, GPOINTER_TO_SIZE (v) - 1);
  return d->arena->str + a->name;
}

static gboolean
corrupt (GError **error, const char *what)
{
  g_set_error (error, INGEST_ERROR, INGEST_ERROR_SYNTAX, "block does not decode: %s", what);
  return FALSE;
}

gboolean
ingest_log_block_decode (const IngestLogBlockHeader *h, const guint8 *comp, IngestSeq from,
                         IngestSeq to, gint64 min_ns, gint64 max_ns,
                         const IngestLogReadFuncs *funcs, gpointer user_data, gboolean *stopped,
                         GError **error)
{
  g_autofree guint8 *raw = NULL;
  gsize got;
  Rd hdr, s[N_STREAMS];
  guint64 lens[N_STREAMS];
  Dict d;
  gboolean ok = FALSE;
  IngestStoreCounters counters = { 0 };
  gboolean have_counters = FALSE;

  *stopped = FALSE;
  if (h->raw_len > INGEST_LOG_MAX_BLOCK_RAW || h->count > INGEST_LOG_MAX_BLOCK_EVENTS)
    return corrupt (error, "block larger than the format allows");
  raw = g_malloc (MAX (h->raw_len, 1));
  got = ZSTD_decompress (raw, h->raw_len, comp, h->comp_len);
  if (ZSTD_isError (got) || got != h->raw_len)
    return corrupt (error, ZSTD_isError (got) ? ZSTD_getErrorName (got) : "short block");

  hdr.p = raw;
  hdr.end = raw + h->raw_len;
  hdr.bad = FALSE;
  for (int i = 0; i < N_STREAMS; i++)
    lens[i] = rd_varint (&hdr);
  for (int i = 0; i < N_STREAMS; i++)
    {
      if (hdr.bad || lens[i] > (guint64) (hdr.end - hdr.p))
        return corrupt (error, "stream lengths");
      s[i].p = hdr.p;
      s[i].end = hdr.p + lens[i];
      s[i].bad = FALSE;
      hdr.p += lens[i];
    }

  /* Ids come from the file (a damaged or crafted data directory): keyed
   * hash, so chosen ids cannot pile into one bucket. */
  d.arena = g_string_sized_new (lens[S_DEFS] + 64);
  d.actors = g_hash_table_new (ingest_hash_direct, NULL);
  d.actor_defs = g_array_new (FALSE, FALSE, sizeof (ActorDef));
  d.atoms = g_hash_table_new (ingest_hash_direct, NULL);
  d.messages = g_hash_table_new (ingest_hash_direct, NULL);

  /* Definitions: stored first, pointers resolved after (the arena moves). */
  while (s[S_DEFS].p < s[S_DEFS].end && !s[S_DEFS].bad)
    {
      Rd *r = &s[S_DEFS];
      guint8 tag = rd_byte (r);
      guint64 id;
      gsize len;
      const char *str;

      switch (tag)
        {
        case DEF_ACTOR:
          {
            ActorDef a;
            id = rd_varint (r);
            str = rd_string (r, &len);
            a.name = arena_add (d.arena, str, len);
            a.kind = rd_byte (r);
            a.parent = (guint32) rd_varint (r);
            if (a.kind >= INGEST_ACTOR_N_KINDS || id == 0 || id > G_MAXUINT32)
              r->bad = TRUE;
            g_array_append_val (d.actor_defs, a);
            g_hash_table_insert (d.actors, GSIZE_TO_POINTER ((gsize) id),
                                 GSIZE_TO_POINTER ((gsize) d.actor_defs->len));
            break;
          }
        case DEF_ATOM:
        case DEF_MESSAGE:
          id = rd_varint (r);
          str = rd_string (r, &len);
          g_hash_table_insert (tag == DEF_ATOM ? d.atoms : d.messages, GSIZE_TO_POINTER ((gsize) id),
                               GSIZE_TO_POINTER (arena_add (d.arena, str, len) + 1));
          break;
        case DEF_COUNTERS:
          counters.skipped_records = rd_varint (r);
          counters.lost_events = rd_varint (r);
          counters.duplicate_events = rd_varint (r);
          counters.unmatched = rd_varint (r);
          counters.folded_actor_refs = rd_varint (r);
          have_counters = TRUE;
          break;
        case DEF_LOST_BEFORE_ATTACH:
          counters.lost_before_attach = rd_varint (r);
          break;
        default:
          r->bad = TRUE;
          break;
        }
    }
  if (s[S_DEFS].bad)
    {
      corrupt (error, "definitions");
      goto out;
    }

  /* Actors in declaration order: parents come before their children. */
  if (funcs->actor != NULL)
    {
      GHashTableIter it;
      gpointer key, value;
      /* declaration order = actor_defs order; find each def's id */
      g_autofree guint32 *ids = g_new0 (guint32, d.actor_defs->len + 1);
      g_hash_table_iter_init (&it, d.actors);
      while (g_hash_table_iter_next (&it, &key, &value))
        ids[GPOINTER_TO_SIZE (value) - 1] = (guint32) GPOINTER_TO_SIZE (key);
      for (guint i = 0; i < d.actor_defs->len; i++)
        {
          const ActorDef *a = &g_array_index (d.actor_defs, ActorDef, i);
          /* a redeclared id: only its last definition is in the table */
          if (ids[i] == 0)
            continue;
          funcs->actor (ids[i], d.arena->str + a->name, a->kind,
                        a->parent ? dict_actor (&d, a->parent) : NULL, user_data);
        }
    }

  {
    gint64 t = 0;
    guint64 msg = 0;
    for (guint32 i = 0; i < h->count; i++)
      {
        IngestEventInput in = { 0 };
        guint8 k = rd_byte (&s[S_KINDS]);
        guint64 v;
        Rd *ids = &s[S_IDS];
        const char *str;

        in.kind = k & 0x7;
        if (in.kind >= INGEST_EVENT_N_KINDS)
          {
            corrupt (error, "event kind");
            goto out;
          }
        t += unzigzag (rd_varint (&s[S_TIMES]));
        in.time_ns = t;
        in.exit_status = (k & K_CRASH) ? INGEST_EXIT_CRASH : INGEST_EXIT_NORMAL;
        v = rd_varint (ids);
        if (v != 0 && (str = dict_actor (&d, v)) != NULL)
          in.actor = INGEST_STR (str);
        else if (v != 0)
          ids->bad = TRUE;
        if (in.kind == INGEST_EVENT_SEND || in.kind == INGEST_EVENT_RECEIVE
            || in.kind == INGEST_EVENT_SPAWN)
          {
            v = rd_varint (ids);
            if (v != 0 && (str = dict_actor (&d, v)) != NULL)
              in.peer = INGEST_STR (str);
            else if (v != 0)
              ids->bad = TRUE;
          }
        if (in.kind >= INGEST_EVENT_SEND && in.kind <= INGEST_EVENT_DROP)
          {
            v = rd_varint (ids);
            if (v != 0)
              {
                msg = (guint64) ((gint64) msg + unzigzag (v - 1));
                if ((str = dict_get (&d, d.messages, msg)) != NULL)
                  in.message_key = INGEST_STR (str);
                else
                  ids->bad = TRUE;
              }
          }
        if (k & K_TEXT)
          {
            v = rd_varint (ids);
            if ((str = dict_get (&d, d.atoms, v)) != NULL)
              in.text = INGEST_STR (str);
            else
              ids->bad = TRUE;
          }
        if (in.kind == INGEST_EVENT_SEND)
          {
            v = rd_varint (ids);
            if (v != 0 && (str = dict_get (&d, d.atoms, v)) != NULL)
              in.label = INGEST_STR (str);
            else if (v != 0)
              ids->bad = TRUE;
            in.size = (guint32) rd_varint (ids);
            in.until_ack = (k & K_UNTIL_ACK) != 0;
            if (k & K_REPLY_TO)
              {
                v = rd_varint (ids);
                if ((str = dict_actor (&d, v)) != NULL)
                  in.reply_to = INGEST_STR (str);
                else
                  ids->bad = TRUE;
              }
            if (k & K_IN_REPLY)
              {
                v = rd_varint (ids);
                if ((str = dict_get (&d, d.messages, v)) != NULL)
                  in.in_reply_to = INGEST_STR (str);
                else
                  ids->bad = TRUE;
              }
            if (k & K_PAYLOAD)
              {
                gsize len;
                const char *p = rd_string (&s[S_PAYLOADS], &len);
                in.payload.ptr = p;
                in.payload.len = (gssize) len;
              }
          }
        if (s[S_KINDS].bad || s[S_TIMES].bad || ids->bad || s[S_PAYLOADS].bad)
          {
            corrupt (error, "event fields");
            goto out;
          }
        IngestSeq seq = h->first_seq + i;
        if (seq >= from && seq < to && t >= min_ns && t <= max_ns && funcs->event != NULL
            && !funcs->event (seq, &in, user_data))
          {
            *stopped = TRUE;
            ok = TRUE;
            goto out;
          }
      }
  }
  if (have_counters && funcs->counters != NULL)
    funcs->counters (&counters, user_data);
  ok = TRUE;

out:
  g_string_free (d.arena, TRUE);
  g_hash_table_unref (d.actors);
  g_array_unref (d.actor_defs);
  g_hash_table_unref (d.atoms);
  g_hash_table_unref (d.messages);
  return ok;
}
