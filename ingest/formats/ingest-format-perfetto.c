/* ingest-format-perfetto.c: Perfetto protobuf traces (Chromium's default
 * trace output, `.pftrace`), as a push parser: memory holds one packet, the
 * tracks, the interned names of each sequence and the flow points, never
 * the trace.
 *
 * Wire: a Trace is a stream of `packet` fields (number 1, length-delimited
 * TracePacket); each packet is decoded on its own (ingest-protobuf.c). Field
 * numbers are from the public protos (google/perfetto,
 * protos/perfetto/trace/): TracePacket timestamp 8, timestamp_clock_id 58,
 * trusted_packet_sequence_id 10, clock_snapshot 6, interned_data 12,
 * sequence_flags 13, incremental_state_cleared 41, track_event 11,
 * trace_packet_defaults 59, track_descriptor 60, process_descriptor 43,
 * thread_descriptor 44.
 *
 * Mapping (data/formats/perfetto.md), the same as the Chrome JSON path
 * (ingest-slice-flow.c does the store side):
 *  - thread tracks -> THREAD actors "NAME (tid T)", children of PROCESS
 *    actors "NAME (pid P)"; other tracks -> actors named after the track;
 *  - TYPE_SLICE_BEGIN/END -> processing slices; TYPE_INSTANT -> marks;
 *  - flow_ids / terminating_flow_ids -> messages between the slices;
 *  - counters and typed arguments are valid and ignored.
 * Times: the packet's clock (its own, the sequence default, else BOOTTIME),
 * sequence-scoped incremental clocks resolved through the sequence's
 * ClockSnapshot, then every builtin clock moved onto REALTIME through the
 * first trace-wide ClockSnapshot (wall-clock ns since the epoch), or kept
 * as they are when there is none.
 */
#include "config.h"

#include <string.h>

#include "ingest-parser-private.h"
#include "ingest-protobuf.h"
#include "ingest-slice-flow.h"
#include "ingest-hash.h"

#define MAX_PACKET (64u << 20)        /* one TracePacket */
#define MAX_INTERNED_BYTES (64u << 20) /* interned names kept, all sequences */
#define MAX_TRACKS 1000000u
#define MAX_SEQUENCES 100000u
#define MAX_SLICE_DEPTH 1024u
#define PF_CLOCK_BOOTTIME 6
#define PF_CLOCK_REALTIME 1
#define N_BUILTIN 64

typedef struct {
  guint64 uuid, parent;
  gboolean has_parent;
  gint64 pid, tid;
  gboolean is_thread, is_process, is_counter;
  char *name;               /* descriptor name (thread / process / track) */
  char *actor;              /* actor name in use, NULL until first used */
  guint64 names_gen;        /* PerfettoParser.names_gen when actor was last checked */
  GArray *stack;            /* guint64 slice handles */
} Track;

#define MAX_SEQ_CLOCKS 8

typedef struct {
  guint32 id;
  gboolean incremental;
  guint64 base, last, mult;
} SeqClock;

typedef struct {
  GHashTable *names;        /* iid (guint64*) -> char* */
  gboolean cleared;         /* incremental state valid */
  guint64 default_track;
  gboolean has_default_track;
  guint32 default_clock;
  /* The sequence's own clocks (ids >= 64), from its ClockSnapshot. */
  SeqClock clocks[MAX_SEQ_CLOCKS];
  guint n_clocks;
  guint32 ref_clock;
  guint64 ref_value;
  /* A legacy ThreadDescriptor packet: the sequence's thread. */
  gint64 pid, tid;
  gboolean has_thread;
  guint64 thread_track;     /* synthetic track uuid for it */
  gint64 last_t;
} Sequence;

typedef struct {
  IngestParserCtx *ctx;
  GByteArray *buf;
  guint64 offset;            /* input offset of buf->data[0] */
  gboolean failed;
  GHashTable *sequences;     /* guint32 id -> Sequence* */
  GHashTable *tracks;        /* guint64 uuid -> Track* */
  GHashTable *process_names; /* gint64 pid -> char* */
  IngestSliceFlow *sf;
  gsize interned_bytes;
  gboolean have_global;
  guint64 snap[N_BUILTIN];
  gboolean snap_has[N_BUILTIN];
  guint32 out_clock;
  guint64 packet_offset;     /* of the packet being decoded, for errors */
  guint64 needs_state_skipped;
  /* Bumped by every descriptor or process name: a track's actor name is
   * recomputed only when it may have changed. */
  guint64 names_gen;
  GArray *flows, *terms;     /* scratch: the flow ids of one TrackEvent */
  guint64 unmatched_ends;
  GString *tmp;
} PerfettoParser;

/* ---- tables ---- */

static void
sequence_free (gpointer p)
{
  Sequence *s = p;
  g_hash_table_unref (s->names);
  g_free (s);
}

static void
track_free (gpointer p)
{
  Track *t = p;
  g_free (t->name);
  g_free (t->actor);
  g_array_unref (t->stack);
  g_free (t);
}

static Sequence *
get_sequence (PerfettoParser *pp, guint32 id)
{
  Sequence *s = g_hash_table_lookup (pp->sequences, GUINT_TO_POINTER (id));
  if (s != NULL)
    return s;
  if (g_hash_table_size (pp->sequences) >= MAX_SEQUENCES)
    return NULL;
  s = g_new0 (Sequence, 1);
  s->names = g_hash_table_new_full (ingest_hash_int64, g_int64_equal, g_free, g_free);
  s->default_clock = PF_CLOCK_BOOTTIME;
  g_hash_table_insert (pp->sequences, GUINT_TO_POINTER (id), s);
  return s;
}

static Track *
get_track (PerfettoParser *pp, guint64 uuid)
{
  Track *t = g_hash_table_lookup (pp->tracks, &uuid);
  if (t != NULL)
    return t;
  if (g_hash_table_size (pp->tracks) >= MAX_TRACKS)
    return NULL;
  t = g_new0 (Track, 1);
  t->uuid = uuid;
  t->stack = g_array_new (FALSE, FALSE, sizeof (guint64));
  {
    guint64 *k = g_new (guint64, 1);
    *k = uuid;
    g_hash_table_insert (pp->tracks, k, t);
  }
  return t;
}

static const char *
process_name (PerfettoParser *pp, gint64 pid)
{
  return g_hash_table_lookup (pp->process_names, &pid);
}

static char *
process_actor_name (PerfettoParser *pp, gint64 pid)
{
  const char *n = process_name (pp, pid);
  return n ? g_strdup_printf ("%s (pid %" G_GINT64_FORMAT ")", n, pid)
           : g_strdup_printf ("pid %" G_GINT64_FORMAT, pid);
}

static char *
track_actor_name (PerfettoParser *pp, Track *t)
{
  if (t->is_thread)
    return t->name && *t->name
      ? g_strdup_printf ("%s (tid %" G_GINT64_FORMAT ")", t->name, t->tid)
      : g_strdup_printf ("tid %" G_GINT64_FORMAT, t->tid);
  if (t->is_process)
    return process_actor_name (pp, t->pid);
  if (t->name && *t->name)
    return g_strdup (t->name);
  return g_strdup_printf ("track %" G_GUINT64_FORMAT, t->uuid);
}

/* The actor of a track, created at first use; renamed when a later
 * descriptor names it. */
static const char *
track_actor (PerfettoParser *pp, Track *t)
{
  IngestStore *store = pp->ctx->store;
  g_autofree char *want = NULL;

  if (t->actor != NULL && t->names_gen == pp->names_gen)
    return t->actor;
  t->names_gen = pp->names_gen;
  want = track_actor_name (pp, t);
  if (t->actor != NULL)
    {
      if (strcmp (t->actor, want) != 0)
        {
          IngestActorId id = ingest_store_find_actor (store, t->actor);
          if (id != 0 && ingest_store_rename_actor (store, id, INGEST_STR (want)))
            {
              g_free (t->actor);
              t->actor = g_steal_pointer (&want);
              /* Used before its descriptor came (another sequence wrote
               * it later): now its kind and parent are known too. */
              if (t->is_thread)
                {
                  g_autofree char *parent = process_actor_name (pp, t->pid);
                  ingest_store_ensure_actor (store, INGEST_STR (parent), INGEST_ACTOR_PROCESS,
                                             INGEST_STR_NONE);
                  ingest_store_ensure_actor (store, INGEST_STR (t->actor), INGEST_ACTOR_THREAD,
                                             INGEST_STR (parent));
                }
              else if (t->is_process)
                ingest_store_ensure_actor (store, INGEST_STR (t->actor), INGEST_ACTOR_PROCESS,
                                           INGEST_STR_NONE);
            }
        }
      return t->actor;
    }
  if (t->is_thread)
    {
      g_autofree char *parent = process_actor_name (pp, t->pid);
      ingest_store_ensure_actor (store, INGEST_STR (parent), INGEST_ACTOR_PROCESS, INGEST_STR_NONE);
      ingest_store_ensure_actor (store, INGEST_STR (want), INGEST_ACTOR_THREAD, INGEST_STR (parent));
    }
  else if (t->is_process)
    ingest_store_ensure_actor (store, INGEST_STR (want), INGEST_ACTOR_PROCESS, INGEST_STR_NONE);
  else
    {
      Track *parent = t->has_parent ? g_hash_table_lookup (pp->tracks, &t->parent) : NULL;
      const char *pa = parent != NULL ? track_actor (pp, parent) : NULL;
      ingest_store_ensure_actor (store, INGEST_STR (want), INGEST_ACTOR_ACTOR,
                                 pa ? INGEST_STR (pa) : INGEST_STR_NONE);
    }
  t->actor = g_steal_pointer (&want);
  return t->actor;
}

/* A process named after its actor was made: rename it and its threads'
 * parent stays the same actor (renaming keeps the id). */
static void
set_process_name (PerfettoParser *pp, gint64 pid, const char *name)
{
  g_autofree char *old = NULL, *want = NULL;
  const char *cur = process_name (pp, pid);
  IngestActorId id;

  if (name == NULL || *name == '\0' || (cur != NULL && strcmp (cur, name) == 0))
    return;
  pp->names_gen++;
  old = process_actor_name (pp, pid);
  {
    gint64 *k = g_new (gint64, 1);
    *k = pid;
    g_hash_table_replace (pp->process_names, k, g_strndup (name, INGEST_STORE_MAX_STRING));
  }
  want = process_actor_name (pp, pid);
  id = ingest_store_find_actor (pp->ctx->store, old);
  if (id != 0)
    ingest_store_rename_actor (pp->ctx->store, id, INGEST_STR (want));
}

/* ---- clocks ---- */

static gint64
to_output (PerfettoParser *pp, guint32 clock, guint64 v)
{
  if (pp->have_global && clock < N_BUILTIN && pp->snap_has[clock] && pp->snap_has[pp->out_clock])
    return (gint64) (v - pp->snap[clock] + pp->snap[pp->out_clock]);
  return (gint64) v;
}

static void
clock_snapshot (PerfettoParser *pp, Sequence *s, const guint8 *data, gsize len)
{
  IngestPbReader r, c;
  IngestPbField f, g;
  guint64 seen_builtin[N_BUILTIN];
  gboolean has_builtin[N_BUILTIN] = { FALSE };
  SeqClock seq[MAX_SEQ_CLOCKS];
  guint n_seq = 0;
  guint32 primary = 0;
  gboolean any_builtin = FALSE;
  guint32 first_builtin = 0;

  ingest_pb_reader_init (&r, data, len);
  while (ingest_pb_next (&r, &f))
    {
      if (f.number == 2 && f.wire == INGEST_PB_VARINT)
        primary = (guint32) f.value;
      if (f.number != 1 || f.wire != INGEST_PB_BYTES)
        continue;
      guint32 id = 0;
      guint64 ts = 0, mult = 1;
      gboolean inc = FALSE;
      ingest_pb_reader_init (&c, f.bytes, f.len);
      while (ingest_pb_next (&c, &g))
        {
          if (g.wire != INGEST_PB_VARINT)
            continue;
          if (g.number == 1) id = (guint32) g.value;
          else if (g.number == 2) ts = g.value;
          else if (g.number == 3) inc = g.value != 0;
          else if (g.number == 4) mult = g.value ? g.value : 1;
        }
      if (id < N_BUILTIN)
        {
          if (!any_builtin)
            first_builtin = id;
          any_builtin = TRUE;
          seen_builtin[id] = ts;
          has_builtin[id] = TRUE;
        }
      else if (n_seq < MAX_SEQ_CLOCKS)
        {
          seq[n_seq].id = id;
          seq[n_seq].incremental = inc;
          seq[n_seq].base = seq[n_seq].last = ts;
          seq[n_seq].mult = mult;
          n_seq++;
        }
    }
  if (!pp->have_global && any_builtin && n_seq == 0)
    {
      pp->have_global = TRUE;
      memcpy (pp->snap, seen_builtin, sizeof pp->snap);
      memcpy (pp->snap_has, has_builtin, sizeof pp->snap_has);
      pp->out_clock = has_builtin[PF_CLOCK_REALTIME] ? PF_CLOCK_REALTIME
        : (primary && primary < N_BUILTIN && has_builtin[primary]) ? primary : first_builtin;
    }
  if (s != NULL && n_seq > 0 && any_builtin)
    {
      memcpy (s->clocks, seq, n_seq * sizeof seq[0]);
      s->n_clocks = n_seq;
      s->ref_clock = has_builtin[PF_CLOCK_BOOTTIME] ? PF_CLOCK_BOOTTIME : first_builtin;
      s->ref_value = seen_builtin[s->ref_clock];
    }
}

static gint64
packet_time (PerfettoParser *pp, Sequence *s, gboolean has_ts, guint64 ts, gboolean has_clock,
             guint32 clock)
{
  if (!has_ts)
    return s != NULL ? s->last_t : 0;
  if (!has_clock)
    clock = s != NULL ? s->default_clock : PF_CLOCK_BOOTTIME;
  if (clock >= N_BUILTIN)
    {
      SeqClock *c = NULL;
      guint64 v;
      for (guint i = 0; s != NULL && i < s->n_clocks; i++)
        if (s->clocks[i].id == clock)
          c = &s->clocks[i];
      if (c == NULL)
        return s != NULL ? s->last_t : 0;  /* an unknown clock: keep order */
      if (c->incremental)
        v = c->last += ts;
      else
        v = ts;
      /* ref + (v - base) * mult, in wrapping unsigned arithmetic: a value
       * below the base gives a time before the snapshot. */
      s->last_t = to_output (pp, s->ref_clock, s->ref_value + (v - c->base) * c->mult);
      return s->last_t;
    }
  if (s != NULL)
    s->last_t = to_output (pp, clock, ts);
  return to_output (pp, clock, ts);
}

/* ---- descriptors, interning ---- */

static void
thread_fields (const guint8 *data, gsize len, gint64 *pid, gint64 *tid, const guint8 **name,
               gsize *name_len)
{
  IngestPbReader r;
  IngestPbField f;
  ingest_pb_reader_init (&r, data, len);
  while (ingest_pb_next (&r, &f))
    {
      if (f.number == 1 && f.wire == INGEST_PB_VARINT) *pid = (gint32) f.value;
      else if (f.number == 2 && f.wire == INGEST_PB_VARINT) *tid = (gint64) f.value;
      else if (f.number == 5 && f.wire == INGEST_PB_BYTES) { *name = f.bytes; *name_len = f.len; }
    }
}

static void
process_fields (PerfettoParser *pp, const guint8 *data, gsize len, gint64 *pid_out)
{
  IngestPbReader r;
  IngestPbField f;
  gint64 pid = -1;
  g_autofree char *name = NULL;
  ingest_pb_reader_init (&r, data, len);
  while (ingest_pb_next (&r, &f))
    {
      if (f.number == 1 && f.wire == INGEST_PB_VARINT) pid = (gint32) f.value;
      else if (f.number == 6 && f.wire == INGEST_PB_BYTES && f.len > 0)
        {
          g_free (name);
          name = g_strndup ((const char *) f.bytes, MIN (f.len, INGEST_STORE_MAX_STRING));
        }
    }
  if (pid >= 0 && name != NULL)
    set_process_name (pp, pid, name);
  if (pid_out)
    *pid_out = pid;
}

static void
track_descriptor (PerfettoParser *pp, const guint8 *data, gsize len)
{
  IngestPbReader r;
  IngestPbField f;
  guint64 uuid = 0;
  gboolean has_uuid = FALSE;
  Track *t;

  ingest_pb_reader_init (&r, data, len);
  while (ingest_pb_next (&r, &f))
    if (f.number == 1 && f.wire == INGEST_PB_VARINT)
      {
        uuid = f.value;
        has_uuid = TRUE;
      }
  if (!has_uuid || (t = get_track (pp, uuid)) == NULL)
    return;
  pp->names_gen++;
  ingest_pb_reader_init (&r, data, len);
  while (ingest_pb_next (&r, &f))
    {
      if (f.number == 5 && f.wire == INGEST_PB_VARINT)
        {
          t->parent = f.value;
          t->has_parent = TRUE;
        }
      else if ((f.number == 2 || f.number == 10) && f.wire == INGEST_PB_BYTES && f.len > 0
               && !t->is_thread)
        {
          g_free (t->name);
          t->name = g_strndup ((const char *) f.bytes, MIN (f.len, INGEST_STORE_MAX_STRING));
        }
      else if (f.number == 3 && f.wire == INGEST_PB_BYTES)
        {
          t->is_process = TRUE;
          process_fields (pp, f.bytes, f.len, &t->pid);
        }
      else if (f.number == 4 && f.wire == INGEST_PB_BYTES)
        {
          const guint8 *name = NULL;
          gsize name_len = 0;
          t->is_thread = TRUE;
          thread_fields (f.bytes, f.len, &t->pid, &t->tid, &name, &name_len);
          /* A re-sent descriptor with an empty name keeps the known one. */
          if (name != NULL && name_len > 0)
            {
              g_free (t->name);
              t->name = g_strndup ((const char *) name, MIN (name_len, INGEST_STORE_MAX_STRING));
            }
        }
      else if (f.number == 8 && f.wire == INGEST_PB_BYTES)
        t->is_counter = TRUE;
    }
  if (t->actor != NULL)
    track_actor (pp, t);   /* renames it if the name changed */
}

static gboolean
interned_data (PerfettoParser *pp, Sequence *s, const guint8 *data, gsize len)
{
  IngestPbReader r, e;
  IngestPbField f, g;
  ingest_pb_reader_init (&r, data, len);
  while (ingest_pb_next (&r, &f))
    {
      guint64 iid = 0;
      const guint8 *name = NULL;
      gsize name_len = 0;
      if (f.number != 2 || f.wire != INGEST_PB_BYTES)   /* event_names */
        continue;
      ingest_pb_reader_init (&e, f.bytes, f.len);
      while (ingest_pb_next (&e, &g))
        {
          if (g.number == 1 && g.wire == INGEST_PB_VARINT) iid = g.value;
          else if (g.number == 2 && g.wire == INGEST_PB_BYTES) { name = g.bytes; name_len = g.len; }
        }
      if (name == NULL)
        continue;
      name_len = MIN (name_len, INGEST_STORE_MAX_STRING);
      if (pp->interned_bytes + name_len > MAX_INTERNED_BYTES)
        return FALSE;
      pp->interned_bytes += name_len + 32;
      {
        guint64 *k = g_new (guint64, 1);
        *k = iid;
        g_hash_table_replace (s->names, k, g_strndup ((const char *) name, name_len));
      }
    }
  return TRUE;
}

/* ---- track events ---- */

typedef struct {
  guint64 type;
  guint64 track;
  gboolean has_track;
  guint64 name_iid;
  gboolean has_name_iid;
  const guint8 *name;
  gsize name_len;
  /* legacy_event */
  gint64 legacy_phase;
  gint64 legacy_dur_us;
  gboolean has_legacy_dur;
} TrackEventFields;

static void
add_ids (GArray *out, const IngestPbField *f, gboolean fixed)
{
  if (f->wire == INGEST_PB_FIXED64 || f->wire == INGEST_PB_VARINT)
    g_array_append_val (out, f->value);
  else if (f->wire == INGEST_PB_BYTES)
    {
      /* packed */
      if (fixed)
        for (gsize i = 0; i + 8 <= f->len; i += 8)
          {
            guint64 v = 0;
            for (int b = 7; b >= 0; b--)
              v = (v << 8) | f->bytes[i + b];
            g_array_append_val (out, v);
          }
      else
        {
          gsize pos = 0;
          guint64 v;
          while (pos < f->len && ingest_pb_read_varint (f->bytes, f->len, &pos, &v))
            g_array_append_val (out, v);
        }
    }
}

static gboolean
track_event (PerfettoParser *pp, Sequence *s, const guint8 *data, gsize len, gint64 t,
             GError **error)
{
  IngestPbReader r;
  IngestPbField f;
  TrackEventFields ev = { 0 };
  GArray *flows = pp->flows, *terms = pp->terms;
  g_autofree char *own_name = NULL;
  const char *name = NULL;
  Track *track;
  const char *actor;

  g_array_set_size (flows, 0);
  g_array_set_size (terms, 0);
  ingest_pb_reader_init (&r, data, len);
  while (ingest_pb_next (&r, &f))
    switch (f.number)
      {
      case 9: if (f.wire == INGEST_PB_VARINT) ev.type = f.value; break;
      case 11: if (f.wire == INGEST_PB_VARINT) { ev.track = f.value; ev.has_track = TRUE; } break;
      case 10: if (f.wire == INGEST_PB_VARINT) { ev.name_iid = f.value; ev.has_name_iid = TRUE; } break;
      case 23: if (f.wire == INGEST_PB_BYTES) { ev.name = f.bytes; ev.name_len = f.len; } break;
      case 47: add_ids (flows, &f, TRUE); break;
      case 36: add_ids (flows, &f, FALSE); break;
      case 48: add_ids (terms, &f, TRUE); break;
      case 42: add_ids (terms, &f, FALSE); break;
      case 6:
        if (f.wire == INGEST_PB_BYTES)
          {
            IngestPbReader l;
            IngestPbField g;
            ingest_pb_reader_init (&l, f.bytes, f.len);
            while (ingest_pb_next (&l, &g))
              {
                if (g.number == 1 && g.wire == INGEST_PB_VARINT && !ev.has_name_iid)
                  { ev.name_iid = g.value; ev.has_name_iid = TRUE; }
                else if (g.number == 2 && g.wire == INGEST_PB_VARINT) ev.legacy_phase = (gint32) g.value;
                else if (g.number == 3 && g.wire == INGEST_PB_VARINT)
                  { ev.legacy_dur_us = (gint64) g.value; ev.has_legacy_dur = TRUE; }
              }
          }
        break;
      default: break;
      }
  if (r.bad)
    return ingest_parser_ctx_reject (pp->ctx, error, INGEST_ERROR_SYNTAX, 0, 0,
                                     "byte %" G_GUINT64_FORMAT ": malformed TrackEvent in this packet (%s)",
                                     pp->packet_offset, r.why);

  /* Which track: its own, the sequence's default, a legacy thread. */
  if (!ev.has_track && s != NULL && s->has_default_track)
    {
      ev.track = s->default_track;
      ev.has_track = TRUE;
    }
  if (!ev.has_track && s != NULL && s->has_thread)
    {
      ev.track = s->thread_track;
      ev.has_track = TRUE;
    }
  track = get_track (pp, ev.has_track ? ev.track : 0);
  if (track == NULL)
    return ingest_parser_ctx_reject (pp->ctx, error, INGEST_ERROR_LIMIT, 0, 0,
                                     "byte %" G_GUINT64_FORMAT ": more than %u tracks",
                                     pp->packet_offset, MAX_TRACKS);
  if (track->is_counter || ev.type == 4)
    {
      ingest_parser_ctx_accept (pp->ctx);
      return TRUE;   /* counters: valid, not part of the model */
    }
  if (ev.name != NULL)
    name = own_name = g_strndup ((const char *) ev.name, MIN (ev.name_len, INGEST_STORE_MAX_STRING));
  else if (ev.has_name_iid && s != NULL)
    {
      /* Borrowed from the sequence's table, which this event cannot change. */
      name = g_hash_table_lookup (s->names, &ev.name_iid);
      if (name == NULL)
        name = own_name = g_strdup_printf ("(name %" G_GUINT64_FORMAT ")", ev.name_iid);
    }
  actor = track_actor (pp, track);

  /* Legacy events (TYPE_UNSPECIFIED + LegacyEvent.phase): B, E, X, I/i. */
  if (ev.type == 0)
    switch (ev.legacy_phase)
      {
      case 'B': ev.type = 1; break;
      case 'E': ev.type = 2; break;
      case 'X': ev.type = 1; break;
      case 'I': case 'i': case 'R': ev.type = 3; break;
      default: break;
      }

  switch (ev.type)
    {
    case 1: /* TYPE_SLICE_BEGIN */
      {
        guint64 h = ingest_slice_flow_begin (pp->sf, actor, t, name);
        for (guint i = 0; i < flows->len; i++)
          ingest_slice_flow_point (pp->sf, g_array_index (flows, guint64, i), actor, t, name, h, FALSE);
        for (guint i = 0; i < terms->len; i++)
          ingest_slice_flow_point (pp->sf, g_array_index (terms, guint64, i), actor, t, name, h, TRUE);
        if (ev.legacy_phase == 'X')
          ingest_slice_flow_end (pp->sf, h, actor, t + MAX (ev.legacy_dur_us, 0) * 1000);
        else if (track->stack->len < MAX_SLICE_DEPTH)
          g_array_append_val (track->stack, h);
        else
          ingest_slice_flow_end (pp->sf, h, actor, t);   /* too deep: closed at once */
        break;
      }
    case 2: /* TYPE_SLICE_END */
      if (track->stack->len == 0)
        {
          /* Its begin came before the trace started (or was in a chunk the
           * tracing service lost): valid, nothing to close. */
          pp->unmatched_ends++;
          break;
        }
      {
        guint64 h = g_array_index (track->stack, guint64, track->stack->len - 1);
        g_array_set_size (track->stack, track->stack->len - 1);
        ingest_slice_flow_end (pp->sf, h, actor, t);
        for (guint i = 0; i < terms->len; i++)
          ingest_slice_flow_point (pp->sf, g_array_index (terms, guint64, i), actor, t, name, h, TRUE);
        for (guint i = 0; i < flows->len; i++)
          ingest_slice_flow_point (pp->sf, g_array_index (flows, guint64, i), actor, t, name, h, FALSE);
        break;
      }
    case 3: /* TYPE_INSTANT */
      ingest_slice_flow_mark (pp->sf, actor, t, name ? name : "(instant)");
      for (guint i = 0; i < flows->len; i++)
        ingest_slice_flow_point (pp->sf, g_array_index (flows, guint64, i), actor, t, name, 0, FALSE);
      for (guint i = 0; i < terms->len; i++)
        ingest_slice_flow_point (pp->sf, g_array_index (terms, guint64, i), actor, t, name, 0, TRUE);
      break;
    default:
      break;   /* valid but nothing to show */
    }
  ingest_parser_ctx_accept (pp->ctx);
  return TRUE;
}

/* ---- packets ---- */

static gboolean
packet (PerfettoParser *pp, const guint8 *data, gsize len, GError **error)
{
  IngestPbReader r;
  IngestPbField f;
  guint32 seq_id = 0, clock = 0, flags = 0;
  gboolean has_ts = FALSE, has_clock = FALSE, cleared = FALSE;
  guint64 ts = 0;
  const guint8 *te = NULL, *interned = NULL, *defaults = NULL, *snapshot = NULL;
  gsize te_len = 0, interned_len = 0, defaults_len = 0, snapshot_len = 0;
  Sequence *s = NULL;

  ingest_pb_reader_init (&r, data, len);
  while (ingest_pb_next (&r, &f))
    switch (f.number)
      {
      case 8: if (f.wire == INGEST_PB_VARINT) { ts = f.value; has_ts = TRUE; } break;
      case 58: if (f.wire == INGEST_PB_VARINT) { clock = (guint32) f.value; has_clock = TRUE; } break;
      case 10: if (f.wire == INGEST_PB_VARINT) seq_id = (guint32) f.value; break;
      case 13: if (f.wire == INGEST_PB_VARINT) flags = (guint32) f.value; break;
      case 41: if (f.wire == INGEST_PB_VARINT && f.value) cleared = TRUE; break;
      case 11: if (f.wire == INGEST_PB_BYTES) { te = f.bytes; te_len = f.len; } break;
      case 12: if (f.wire == INGEST_PB_BYTES) { interned = f.bytes; interned_len = f.len; } break;
      case 59: if (f.wire == INGEST_PB_BYTES) { defaults = f.bytes; defaults_len = f.len; } break;
      case 6: if (f.wire == INGEST_PB_BYTES) { snapshot = f.bytes; snapshot_len = f.len; } break;
      default: break;
      }
  if (r.bad)
    return ingest_parser_ctx_reject (pp->ctx, error, INGEST_ERROR_SYNTAX, 0, 0,
                                     "byte %" G_GUINT64_FORMAT ": malformed TracePacket (%s)",
                                     pp->packet_offset, r.why);
  s = get_sequence (pp, seq_id);
  if (s == NULL)
    return ingest_parser_ctx_reject (pp->ctx, error, INGEST_ERROR_LIMIT, 0, 0,
                                     "byte %" G_GUINT64_FORMAT ": more than %u packet sequences",
                                     pp->packet_offset, MAX_SEQUENCES);
  if (cleared || (flags & 1))
    {
      g_hash_table_remove_all (s->names);
      s->cleared = TRUE;
      s->has_default_track = FALSE;
      s->default_clock = PF_CLOCK_BOOTTIME;
    }
  if (defaults != NULL)
    {
      IngestPbReader d;
      IngestPbField g;
      ingest_pb_reader_init (&d, defaults, defaults_len);
      while (ingest_pb_next (&d, &g))
        {
          if (g.number == 58 && g.wire == INGEST_PB_VARINT)
            s->default_clock = (guint32) g.value;
          else if (g.number == 11 && g.wire == INGEST_PB_BYTES)
            {
              IngestPbReader e;
              IngestPbField h;
              ingest_pb_reader_init (&e, g.bytes, g.len);
              while (ingest_pb_next (&e, &h))
                if (h.number == 11 && h.wire == INGEST_PB_VARINT)
                  {
                    s->default_track = h.value;
                    s->has_default_track = TRUE;
                  }
            }
        }
    }
  if (snapshot != NULL)
    clock_snapshot (pp, s, snapshot, snapshot_len);
  if ((flags & 2) && !s->cleared)
    {
      /* Needs incremental state this trace does not hold (the start of a
       * ring buffer): what it means cannot be known. */
      pp->needs_state_skipped++;
      ingest_store_counters (pp->ctx->store)->lost_events++;
      return TRUE;
    }
  if (interned != NULL && !interned_data (pp, s, interned, interned_len))
    return ingest_parser_ctx_fatal (pp->ctx, error, INGEST_ERROR_LIMIT, 0, 0,
                                    "byte %" G_GUINT64_FORMAT ": interned names exceed %u MiB",
                                    pp->packet_offset, MAX_INTERNED_BYTES >> 20);

  /* Descriptors: on any packet. */
  ingest_pb_reader_init (&r, data, len);
  while (ingest_pb_next (&r, &f))
    {
      if (f.number == 60 && f.wire == INGEST_PB_BYTES)
        track_descriptor (pp, f.bytes, f.len);
      else if (f.number == 43 && f.wire == INGEST_PB_BYTES)
        process_fields (pp, f.bytes, f.len, NULL);
      else if (f.number == 44 && f.wire == INGEST_PB_BYTES)
        {
          const guint8 *name = NULL;
          gsize name_len = 0;
          Track *t;
          thread_fields (f.bytes, f.len, &s->pid, &s->tid, &name, &name_len);
          s->has_thread = TRUE;
          pp->names_gen++;
          /* A synthetic uuid for the legacy thread: high bit + pid/tid. */
          s->thread_track = (G_GUINT64_CONSTANT (1) << 63) ^ ((guint64) (guint32) s->pid << 32)
            ^ (guint64) (guint32) s->tid;
          t = get_track (pp, s->thread_track);
          if (t != NULL)
            {
              t->is_thread = TRUE;
              t->pid = s->pid;
              t->tid = s->tid;
              if (name != NULL && name_len > 0)
                {
                  g_free (t->name);
                  t->name = g_strndup ((const char *) name, MIN (name_len, INGEST_STORE_MAX_STRING));
                }
              if (t->actor != NULL)
                track_actor (pp, t);
            }
        }
    }

  if (te != NULL)
    {
      gint64 t = packet_time (pp, s, has_ts, ts, has_clock, clock);
      return track_event (pp, s, te, te_len, t, error);
    }
  if (has_ts)
    packet_time (pp, s, has_ts, ts, has_clock, clock);   /* incremental clocks advance */
  return TRUE;
}

/* ---- the push parser ---- */

static gpointer
perfetto_create (IngestParserCtx *ctx)
{
  PerfettoParser *pp = g_new0 (PerfettoParser, 1);
  pp->ctx = ctx;
  pp->buf = g_byte_array_new ();
  pp->sequences = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, sequence_free);
  pp->tracks = g_hash_table_new_full (ingest_hash_int64, g_int64_equal, g_free, track_free);
  pp->process_names = g_hash_table_new_full (ingest_hash_int64, g_int64_equal, g_free, g_free);
  pp->sf = ingest_slice_flow_new (ctx->store);
  pp->tmp = g_string_new (NULL);
  pp->flows = g_array_new (FALSE, FALSE, sizeof (guint64));
  pp->terms = g_array_new (FALSE, FALSE, sizeof (guint64));
  return pp;
}

static void
perfetto_destroy (gpointer self)
{
  PerfettoParser *pp = self;
  g_byte_array_unref (pp->buf);
  g_hash_table_unref (pp->sequences);
  g_hash_table_unref (pp->tracks);
  g_hash_table_unref (pp->process_names);
  ingest_slice_flow_free (pp->sf);
  g_string_free (pp->tmp, TRUE);
  g_array_unref (pp->flows);
  g_array_unref (pp->terms);
  g_free (pp);
}

/* Decodes every complete `packet` field in buf; keeps the incomplete tail. */
static gboolean
drain (PerfettoParser *pp, gboolean at_end, GError **error)
{
  gsize pos = 0;
  const guint8 *d = pp->buf->data;
  gsize n = pp->buf->len;
  gboolean ok = TRUE;

  while (pos < n)
    {
      gsize p = pos;
      guint64 key, plen = 0;
      if (!ingest_pb_read_varint (d, n, &p, &key))
        {
          if (n - pos >= 10)
            goto bad_key;
          break;   /* need more bytes */
        }
      if ((key >> 3) == 0 || ((key & 7) != 0 && (key & 7) != 1 && (key & 7) != 2 && (key & 7) != 5))
        goto bad_key;
      if ((key & 7) == 2)
        {
          if (!ingest_pb_read_varint (d, n, &p, &plen))
            {
              if (n - p >= 10)
                goto bad_key;
              break;
            }
          if (plen > MAX_PACKET)
            {
              pp->failed = TRUE;
              return ingest_parser_ctx_fatal (pp->ctx, error, INGEST_ERROR_LIMIT, 0, 0,
                                              "byte %" G_GUINT64_FORMAT ": a trace packet of %"
                                              G_GUINT64_FORMAT " bytes (at most %u MiB)",
                                              pp->offset + pos, plen, MAX_PACKET >> 20);
            }
          if (n - p < plen)
            break;   /* the rest of the packet is still to come */
          pp->packet_offset = pp->offset + pos;
          if ((key >> 3) == 1)
            {
              if (!packet (pp, d + p, (gsize) plen, error))
                {
                  ok = FALSE;
                  pos = p + (gsize) plen;
                  break;
                }
            }
          pos = p + (gsize) plen;
        }
      else
        {
          /* Other top-level fields (none are defined but `packet`): skip. */
          IngestPbReader r;
          IngestPbField f;
          ingest_pb_reader_init (&r, d + pos, n - pos);
          if (!ingest_pb_next (&r, &f))
            {
              if (r.truncated)
                break;
              goto bad_key;
            }
          pos += r.pos;
        }
    }
  g_byte_array_remove_range (pp->buf, 0, pos);
  pp->offset += pos;
  if (!ok)
    pp->failed = TRUE;
  if (ok && at_end && pp->buf->len > 0)
    {
      pp->failed = TRUE;
      return ingest_parser_ctx_fatal (pp->ctx, error, INGEST_ERROR_SYNTAX, 0, 0,
                                      "byte %" G_GUINT64_FORMAT ": the trace ends inside a packet "
                                      "(%u bytes cut short)", pp->offset, pp->buf->len);
    }
  return ok;

bad_key:
  g_byte_array_remove_range (pp->buf, 0, pos);
  pp->offset += pos;
  pp->failed = TRUE;
  return ingest_parser_ctx_fatal (pp->ctx, error, INGEST_ERROR_SYNTAX, 0, 0,
                                  "byte %" G_GUINT64_FORMAT ": not a Perfetto trace packet (bad "
                                  "field key): corrupt or not a protobuf trace", pp->offset);
}

static gboolean
perfetto_feed (gpointer self, const guint8 *data, gsize len, GError **error)
{
  PerfettoParser *pp = self;
  if (pp->failed)
    return FALSE;
  g_byte_array_append (pp->buf, data, len);
  return drain (pp, FALSE, error);
}

static gboolean
perfetto_finish (gpointer self, GError **error)
{
  PerfettoParser *pp = self;
  gboolean ok;
  if (pp->failed)
    return FALSE;
  ok = drain (pp, TRUE, error);
  /* Slices still open at the end of the trace: closed at the last time
   * seen on their sequence would be a guess; they stay open (in progress). */
  ingest_slice_flow_finish (pp->sf);
  return ok;
}

gboolean
ingest_perfetto_looks_like (const guint8 *data, gsize len)
{
  gsize pos = 1;
  guint64 plen;
  gboolean control = FALSE;

  /* A Trace starts with field 1 (packet), length-delimited: 0x0a, length,
   * then a TracePacket. 0x0a is also '\n', so the packet must parse and
   * hold bytes no JSON text has. */
  if (len < 4 || data[0] != 0x0a)
    return FALSE;
  if (!ingest_pb_read_varint (data, len, &pos, &plen) || plen == 0 || plen > MAX_PACKET)
    return FALSE;
  for (gsize i = pos; i < MIN (len, 512); i++)
    if (data[i] < 0x20 && data[i] != '\t' && data[i] != '\n' && data[i] != '\r')
      control = TRUE;
  return control && ingest_pb_well_formed (data + pos, MIN ((gsize) plen, len - pos), plen > len - pos);
}

const IngestFormatImpl ingest_format_perfetto_impl = {
  perfetto_create, perfetto_feed, perfetto_finish, perfetto_destroy,
};
