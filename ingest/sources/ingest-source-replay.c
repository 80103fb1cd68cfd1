/* ingest-source-replay.c: playing a recorded trace into a live store. */
#include "config.h"

#include <string.h>
#include <gio/gunixinputstream.h>

#include "ingest-source-replay.h"

struct _IngestReplaySource {
  IngestStore *store;          /* live, borrowed */
  IngestStore *recorded;       /* private, owned */
  IngestReplayOptions options;
  IngestSourceHooks hooks;
  char *name;
  IngestSeq *order;            /* time order of recorded, owned copy */
  gsize n;
  gsize next;                  /* index into order */
  gint64 t0_ns, span_ns;       /* recorded time range */
  gint64 pass_start_us;        /* monotonic time the current pass started */
  guint pass;
  guint64 n_played;
  guint source_id;
  gboolean done;
};

static IngestStr
atom_str (IngestStore *store, IngestAtom atom)
{
  if (atom == 0)
    return INGEST_STR_NONE;
  return INGEST_STR (ingest_store_atom (store, atom));
}

static IngestStr
actor_str (IngestStore *store, IngestActorId id)
{
  if (id == 0)
    return INGEST_STR_NONE;
  return INGEST_STR (ingest_store_actor_name (store, id));
}

/* Recorded times are untrusted trace numbers: saturate rather than wrap
 * (signed overflow is undefined behaviour). */
static gint64
sat_add (gint64 a, gint64 b)
{
  gint64 r;
  if (__builtin_add_overflow (a, b, &r))
    return b > 0 ? G_MAXINT64 : G_MININT64;
  return r;
}

static gint64
sat_mul (gint64 a, gint64 b)
{
  gint64 r;
  if (__builtin_mul_overflow (a, b, &r))
    return (a < 0) != (b < 0) ? G_MININT64 : G_MAXINT64;
  return r;
}

IngestSeq
ingest_replay_copy_event (IngestStore *src, IngestSeq seq, IngestStore *dst,
                          gint64 shift_ns, const char *key_suffix)
{
  const IngestEvent *ev = ingest_store_event (src, seq);
  IngestEventInput in = { 0 };
  g_autofree char *key = NULL;
  g_autofree char *reply_key = NULL;
  const IngestActor *actor, *peer;

  g_return_val_if_fail (ev != NULL, INGEST_SEQ_NONE);

  in.kind = ev->kind;
  in.time_ns = sat_add (ev->time_ns, shift_ns);
  in.actor = actor_str (src, ev->actor);
  actor = ingest_store_actor (src, ev->actor);
  if (actor != NULL)
    {
      in.actor_kind = actor->kind;
      in.actor_kind_set = TRUE;
    }
  in.peer = actor_str (src, ev->peer);
  peer = ingest_store_actor (src, ev->peer);
  if (peer != NULL)
    {
      in.peer_kind = peer->kind;
      in.peer_kind_set = TRUE;
    }
  in.text = atom_str (src, ev->text);
  in.exit_status = ev->exit_status;

  if (ev->message != 0)
    {
      const IngestMessage *msg = ingest_store_message (src, ev->message);
      const char *k = ingest_store_atom (src, msg->key);

      key = key_suffix != NULL ? g_strconcat (k, key_suffix, NULL) : g_strdup (k);
      in.message_key = INGEST_STR (key);
      if (ev->kind == INGEST_EVENT_SEND)
        {
          const char *payload = ingest_store_payload (src, msg->payload);
          in.label = atom_str (src, msg->label);
          if (msg->payload != 0)
            in.payload = INGEST_STR (payload);
          in.size = msg->size;
          in.reply_to = actor_str (src, msg->reply_to);
          if (msg->in_reply_to != 0)
            {
              const IngestMessage *req = ingest_store_message (src, msg->in_reply_to);
              const char *rk = ingest_store_atom (src, req->key);
              reply_key = key_suffix != NULL ? g_strconcat (rk, key_suffix, NULL) : g_strdup (rk);
              in.in_reply_to = INGEST_STR (reply_key);
            }
        }
    }
  return ingest_store_append (dst, &in);
}

static void
declare_actors (IngestReplaySource *self)
{
  guint32 n = ingest_store_n_actors (self->recorded);

  /* Parents that do not come from a path (e.g. a spawner recorded by the
   * source) would be lost if actors were only created by their events. */
  for (guint32 id = 1; id <= n; id++)
    {
      const IngestActor *a = ingest_store_actor (self->recorded, id);
      ingest_store_ensure_actor (self->store, INGEST_STR (ingest_store_actor_name (self->recorded, id)),
                                 a->kind, actor_str (self->recorded, a->parent));
    }
}

static gboolean
on_tick (gpointer user_data)
{
  IngestReplaySource *self = user_data;
  gint64 now_us = g_get_monotonic_time ();
  gint64 shift = sat_mul ((gint64) self->pass, sat_add (self->span_ns, 1000000));
  g_autofree char *suffix = self->pass > 0 ? g_strdup_printf ("#%u", self->pass) : NULL;
  guint batch = self->options.batch != 0 ? self->options.batch : 5000;
  guint appended = 0;

  while (self->next < self->n)
    {
      IngestSeq seq = self->order[self->next];
      if (self->options.speed > 0)
        {
          const IngestEvent *ev = ingest_store_event (self->recorded, seq);
          double due_us = ((double) ev->time_ns - (double) self->t0_ns) / 1000.0 / self->options.speed;
          if ((double) (now_us - self->pass_start_us) < due_us)
            break;
          /* Even when late, yield now and then so websockets stay served. */
          if (appended >= batch * 4)
            break;
        }
      else if (appended >= batch)
        break;
      ingest_replay_copy_event (self->recorded, seq, self->store, shift, suffix);
      self->next++;
      appended++;
    }
  self->n_played += appended;
  if (appended > 0)
    ingest_source_hooks_appended (&self->hooks);

  if (self->next >= self->n)
    {
      self->pass++;
      if (!self->options.loop || self->n == 0)
        {
          self->done = TRUE;
          self->source_id = 0;
          ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_INFO, self->name,
                                    "replay finished: %" G_GUINT64_FORMAT " events", self->n_played);
          return G_SOURCE_REMOVE;
        }
      self->next = 0;
      self->pass_start_us = now_us;
      ingest_source_hooks_note (&self->hooks, INGEST_SOURCE_NOTE_INFO, self->name,
                                "replay pass %u starting", self->pass + 1);
    }
  return G_SOURCE_CONTINUE;
}

/* ingest_load_file() with the parser at hand, so that records skipped in
 * lenient mode are reported (source:line:col) like a live source's. */
static gboolean
load_recorded (IngestStore *recorded, const char *path, const IngestParserOptions *popts,
               const IngestSourceHooks *hooks, const char *name, GError **error)
{
  g_autoptr (GInputStream) in = NULL;
  if (strcmp (path, "-") == 0)
    in = g_unix_input_stream_new (0, FALSE);
  else
    {
      g_autoptr (GFile) file = g_file_new_for_path (path);
      in = G_INPUT_STREAM (g_file_read (file, NULL, error));
      if (in == NULL)
        return FALSE;
    }
  g_autoptr (IngestParser) parser = ingest_parser_new (recorded, popts);
  g_autofree guint8 *buf = g_malloc (256 * 1024);
  for (;;)
    {
      gssize n = g_input_stream_read (in, buf, 256 * 1024, NULL, error);
      if (n < 0)
        return FALSE;
      if (n == 0)
        break;
      if (!ingest_parser_feed (parser, buf, (gsize) n, error))
        return FALSE;
    }
  if (!ingest_parser_finish (parser, error))
    return FALSE;
  if (hooks != NULL)
    {
      guint64 seen = 0;
      ingest_source_report_parser (hooks, name, parser, &seen);
    }
  return TRUE;
}

IngestReplaySource *
ingest_replay_source_new (IngestStore *store, const char *path,
                          const IngestReplayOptions *options, const IngestSourceHooks *hooks,
                          GError **error)
{
  g_autoptr(IngestStore) recorded = ingest_store_new ();
  IngestParserOptions popts = { 0 };
  IngestReplaySource *self;
  const IngestSeq *order;
  gint64 t1 = 0;

  if (options != NULL && options->speed < 0)
    {
      g_set_error (error, INGEST_ERROR, INGEST_ERROR_SCHEMA,
                   "replay speed must be >= 0 (got %g)", options->speed);
      return NULL;
    }
  popts.format = options != NULL ? options->format : INGEST_FORMAT_AUTO;
  popts.strict = options != NULL && options->strict;
  popts.source_name = path;
  g_autofree char *name = g_strdup_printf ("replay:%s", path);
  if (!load_recorded (recorded, path, &popts, hooks, name, error))
    return NULL;
  /* What lenient loading skipped counts in the live store too (shown with
   * the frames' counters). */
  ingest_store_counters (store)->skipped_records += ingest_store_counters (recorded)->skipped_records;

  self = g_new0 (IngestReplaySource, 1);
  self->store = store;
  self->recorded = g_steal_pointer (&recorded);
  if (options != NULL)
    self->options = *options;
  if (hooks != NULL)
    self->hooks = *hooks;
  self->name = g_steal_pointer (&name);
  order = ingest_store_time_order (self->recorded, &self->n);
  self->order = g_memdup2 (order, self->n * sizeof (IngestSeq));
  ingest_store_time_range (self->recorded, &self->t0_ns, &t1);
  if (__builtin_sub_overflow (t1, self->t0_ns, &self->span_ns))
    self->span_ns = G_MAXINT64;
  self->pass_start_us = g_get_monotonic_time ();
  declare_actors (self);
  /* At speed 0 an idle source drains as fast as the loop turns; with timing
   * a 5 ms tick keeps the jitter well under a frame. */
  if (self->options.speed > 0)
    self->source_id = g_timeout_add (5, on_tick, self);
  else
    self->source_id = g_idle_add (on_tick, self);
  return self;
}

void
ingest_replay_source_free (IngestReplaySource *self)
{
  if (self == NULL)
    return;
  if (self->source_id != 0)
    g_source_remove (self->source_id);
  ingest_store_free (self->recorded);
  g_free (self->order);
  g_free (self->name);
  g_free (self);
}

guint64
ingest_replay_source_n_events (IngestReplaySource *self)
{
  return self != NULL ? self->n : 0;
}

guint64
ingest_replay_source_n_played (IngestReplaySource *self)
{
  return self != NULL ? self->n_played : 0;
}

guint
ingest_replay_source_n_passes (IngestReplaySource *self)
{
  return self != NULL ? self->pass : 0;
}

gboolean
ingest_replay_source_is_done (IngestReplaySource *self)
{
  return self != NULL && self->done;
}
