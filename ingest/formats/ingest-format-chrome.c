/* ingest-format-chrome.c: Chrome Trace Event Format (JSON Array or JSON
 * Object with "traceEvents"), streamed token by token: memory holds one trace
 * event, the per-thread slice stacks and the flows waiting for their other
 * end, never the document.
 *
 * Mapping:
 *  - pid -> PROCESS actor "NAME (pid P)" ("pid P" until named); (pid, tid) ->
 *    THREAD actor "NAME (tid T)" ("tid T" until named; ", pid P" added when
 *    the name is taken), child of its process. M events (process_name,
 *    thread_name) may come before or after use: actors are renamed then.
 *  - X slices and B/E pairs: spans on the thread (IngestMessage.span), not
 *    messages: RECEIVE at the start, DONE at the end, labelled with the
 *    slice name.
 *  - Flows: s/t/f events (by cat + id, or id2) and bind_id + flow_in/flow_out
 *    on slices: a message per hop, SEND on the thread where the hop starts,
 *    RECEIVE where it ends (a flow_in slice is the processing of that
 *    message: its DONE is the slice end). The two ends may come in any order:
 *    the first waits (bounded) until the other arrives, so the SEND knows its
 *    receiver and the graph gets its edge. Ends still alone at finish are
 *    emitted alone (a pending send, or a receive from nowhere).
 *  - i/I/R instants: MARK on the thread (scope "p": the process, "g": global).
 *  - Timestamps in microseconds (decimal text) -> ns exactly.
 *  - Other phases (counters, async, samples, objects) are valid and ignored.
 * A truncated JSON Array (no closing ']', which Chrome itself allows) is
 * accepted. Lenient reading also reads what Perfetto's importer reads
 * (trailing commas, a file cut anywhere, {} events, a ph of several
 * characters); strict reading takes JSON only. data/formats/chrome-trace.md
 * says it all for users.
 */
#include "config.h"

#include <string.h>

#include "ingest-json-lexer.h"
#include "ingest-parser-private.h"
#include "ingest-hash.h"

#define MAX_STRING (INGEST_STORE_MAX_STRING * 2)
#define MAX_SLICE_STACK 1024
#define MAX_PENDING_FLOW_ENDS (1u << 20)

typedef enum {
  F_NONE, F_NAME, F_CAT, F_PH, F_TS, F_DUR, F_PID, F_TID, F_ID, F_ID2, F_BIND_ID, F_FLOW_IN,
  F_FLOW_OUT, F_BP, F_SCOPE, F_ARGS,
} Field;

typedef struct {
  GString *name, *cat, *ph, *bp, *scope, *id, *bind_id, *pid, *tid, *args_name, *src_func;
  char ts[INGEST_JSON_MAX_NUMBER];
  gsize ts_len;
  char dur[INGEST_JSON_MAX_NUMBER];
  gsize dur_len;
  gboolean has_id, id2_local, has_bind, flow_in, flow_out;
  gboolean bad;
  const char *bad_reason;
  guint n_members;      /* members seen: 0 for an empty object {} */
  guint64 line, col;
} ChromeEvent;

typedef struct {
  char *pid;
  char *name;            /* actor name in use */
  gboolean named;
  IngestActorId actor;
} ProcessState;

typedef struct {
  char *pid, *tid;
  char *name;            /* actor name in use */
  IngestActorId actor;
  ProcessState *process;
  GPtrArray *stack;      /* char* message keys of open B slices */
} ThreadState;

typedef struct {
  ThreadState *thread;
  gint64 t;
  gboolean has_done;
  gint64 done;
  char *label;
} FlowEnd;

typedef struct {
  GQueue sends;          /* FlowEnd* */
  GQueue receives;       /* FlowEnd* */
  guint64 order;         /* creation order: the table's order is keyed */
} FlowState;

typedef struct {
  IngestParserCtx *ctx;
  IngestJsonLexer *lexer;

  gboolean top_seen;
  gboolean object_format;
  gboolean key_is_events;
  gboolean in_events;
  guint ev_depth;
  gboolean in_event;
  Field field;           /* key at ev_depth+1 */
  gboolean sub_name;     /* key at ev_depth+2 is args.name / id2.local|global */
  gboolean sub_src_func;
  gboolean sub_local;
  ChromeEvent ev;

  GHashTable *processes; /* pid text -> ProcessState* */
  GHashTable *threads;   /* "pid\x1ftid" -> ThreadState* */
  GHashTable *flows;     /* flow id text -> FlowState* */
  guint64 n_flow_states; /* FlowStates made so far (their order) */
  /* Owned; not in the tables: the states of everything folded into
   * "(other actors)" once the store's actor cap is hit. */
  ProcessState *other_process;
  ThreadState *other_thread;
  guint n_pending;
  guint64 n_slices;
  guint64 n_hops;
  GString *key;
  GString *tmp;
  GError *deferred;
} ChromeParser;

/* ---- actors ---- */

static void
process_free (gpointer p)
{
  ProcessState *ps = p;
  g_free (ps->pid);
  g_free (ps->name);
  g_free (ps);
}

static void
thread_free (gpointer p)
{
  ThreadState *ts = p;
  g_free (ts->pid);
  g_free (ts->tid);
  g_free (ts->name);
  g_ptr_array_unref (ts->stack);
  g_free (ts);
}

static void
flow_end_free (gpointer p)
{
  FlowEnd *fe = p;
  g_free (fe->label);
  g_free (fe);
}

static void
flow_state_free (gpointer p)
{
  FlowState *fs = p;
  g_queue_clear_full (&fs->sends, flow_end_free);
  g_queue_clear_full (&fs->receives, flow_end_free);
  g_free (fs);
}

/* Gives actor `id` the name `want`, or `fallback` if want is taken. */
static char *
rename_actor (ChromeParser *cp, IngestActorId id, const char *want, const char *fallback)
{
  if (ingest_store_rename_actor (cp->ctx->store, id, INGEST_STR (want)))
    return g_strdup (want);
  if (fallback && ingest_store_rename_actor (cp->ctx->store, id, INGEST_STR (fallback)))
    return g_strdup (fallback);
  return NULL;
}

static ProcessState *
get_process (ChromeParser *cp, const char *pid)
{
  ProcessState *ps = g_hash_table_lookup (cp->processes, pid);
  if (ps)
    return ps;
  if (cp->other_process)
    return cp->other_process; /* the store is full: a new process would fold */
  ps = g_new0 (ProcessState, 1);
  ps->pid = g_strdup (pid);
  ps->name = g_strdup_printf ("pid %s", pid);
  ps->actor = ingest_store_ensure_actor (cp->ctx->store, INGEST_STR (ps->name), INGEST_ACTOR_PROCESS,
                                         INGEST_STR_NONE);
  if (ps->actor != 0 && ps->actor == ingest_store_other_actors (cp->ctx->store))
    {
      /* The store's actor cap was hit: every further process shares one
       * state, so the table stays bounded by the cap. */
      if (cp->other_process == NULL)
        {
          /* Events are appended by name: the shared state carries the
           * fold actor's own name, so they land on it whatever names
           * other threads take later. */
          cp->other_process = ps;
          g_free (ps->name);
          ps->name = g_strdup (INGEST_STORE_OTHER_ACTORS);
        }
      else
        process_free (ps);
      return cp->other_process;
    }
  g_hash_table_insert (cp->processes, ps->pid, ps);
  return ps;
}

static char *
thread_display_name (const ThreadState *ts, const char *name, gboolean with_pid)
{
  if (name)
    return with_pid ? g_strdup_printf ("%s (tid %s, pid %s)", name, ts->tid, ts->pid)
                    : g_strdup_printf ("%s (tid %s)", name, ts->tid);
  return with_pid ? g_strdup_printf ("tid %s (pid %s)", ts->tid, ts->pid)
                  : g_strdup_printf ("tid %s", ts->tid);
}

static ThreadState *
get_thread (ChromeParser *cp, const char *pid, const char *tid)
{
  ThreadState *ts;
  char *name;

  g_string_printf (cp->tmp, "%s\x1f%s", pid, tid);
  ts = g_hash_table_lookup (cp->threads, cp->tmp->str);
  if (ts)
    return ts;
  if (cp->other_thread)
    return cp->other_thread; /* the store is full: a new thread would fold */
  ts = g_new0 (ThreadState, 1);
  ts->pid = g_strdup (pid);
  ts->tid = g_strdup (tid);
  ts->process = get_process (cp, pid);
  ts->stack = g_ptr_array_new_with_free_func (g_free);
  name = thread_display_name (ts, NULL, FALSE);
  if (ingest_store_find_actor (cp->ctx->store, name) != 0)
    {
      g_free (name);
      name = thread_display_name (ts, NULL, TRUE);
    }
  ts->name = name;
  ts->actor = ingest_store_ensure_actor (cp->ctx->store, INGEST_STR (ts->name), INGEST_ACTOR_THREAD,
                                         INGEST_STR (ts->process->name));
  if (ts->actor != 0 && ts->actor == ingest_store_other_actors (cp->ctx->store))
    {
      /* Folded into "(other actors)": one shared state (see get_process). */
      if (cp->other_thread == NULL)
        {
          cp->other_thread = ts;   /* named like the fold actor (see get_process) */
          g_free (ts->name);
          ts->name = g_strdup (INGEST_STORE_OTHER_ACTORS);
        }
      else
        thread_free (ts);
      return cp->other_thread;
    }
  g_hash_table_insert (cp->threads, g_strdup (cp->tmp->str), ts);
  return ts;
}

static void
name_process (ChromeParser *cp, const char *pid, const char *name)
{
  ProcessState *ps = get_process (cp, pid);
  g_autofree char *want = g_strdup_printf ("%s (pid %s)", name, pid);
  char *got;

  if (ps == cp->other_process || strcmp (want, ps->name) == 0)
    return; /* the fold actor keeps its name */
  got = rename_actor (cp, ps->actor, want, NULL);
  if (got)
    {
      g_free (ps->name);
      ps->name = got;
    }
}

static void
name_thread (ChromeParser *cp, const char *pid, const char *tid, const char *name)
{
  ThreadState *ts = get_thread (cp, pid, tid);
  g_autofree char *want = thread_display_name (ts, name, FALSE);
  g_autofree char *fallback = thread_display_name (ts, name, TRUE);
  char *got;

  if (ts == cp->other_thread || strcmp (want, ts->name) == 0 || strcmp (fallback, ts->name) == 0)
    return; /* the fold actor keeps its name */
  got = rename_actor (cp, ts->actor, want, fallback);
  if (got)
    {
      g_free (ts->name);
      ts->name = got;
    }
}

/* ---- events to the store ---- */

static IngestSeq
append (ChromeParser *cp, IngestEventKind kind, gint64 t, const char *actor, const char *peer,
        const char *key, const char *label, const char *text)
{
  IngestEventInput in;
  memset (&in, 0, sizeof in);
  in.kind = kind;
  in.time_ns = t;
  in.actor = actor ? INGEST_STR (actor) : INGEST_STR_NONE;
  in.peer = peer ? INGEST_STR (peer) : INGEST_STR_NONE;
  in.message_key = key ? INGEST_STR (key) : INGEST_STR_NONE;
  in.label = label ? INGEST_STR (label) : INGEST_STR_NONE;
  in.text = text ? INGEST_STR (text) : INGEST_STR_NONE;
  return ingest_store_append (cp->ctx->store, &in);
}

/* A slice: a span of work on the thread (IngestMessage.span), under a key
 * of its own: counted apart from the messages (the flows). */
static void
slice_begin (ChromeParser *cp, ThreadState *ts, gint64 t, const char *label, GString *key_out)
{
  IngestEventInput in;

  g_string_printf (key_out, "slice:%" G_GUINT64_FORMAT, ++cp->n_slices);
  memset (&in, 0, sizeof in);
  in.kind = INGEST_EVENT_RECEIVE;
  in.time_ns = t;
  in.actor = INGEST_STR (ts->name);
  in.message_key = INGEST_STR (key_out->str);
  in.label = label && *label ? INGEST_STR (label) : INGEST_STR_NONE;
  in.span = TRUE;
  ingest_store_append (cp->ctx->store, &in);
}

static void
slice_end (ChromeParser *cp, ThreadState *ts, gint64 t, const char *key)
{
  append (cp, INGEST_EVENT_DONE, t, ts->name, NULL, key, NULL, NULL);
}

static void
emit_hop (ChromeParser *cp, FlowEnd *send, FlowEnd *recv)
{
  g_string_printf (cp->key, "flow:%" G_GUINT64_FORMAT, ++cp->n_hops);
  if (send)
    {
      const char *label = recv && recv->label && *recv->label ? recv->label : send->label;
      append (cp, INGEST_EVENT_SEND, send->t, send->thread->name, recv ? recv->thread->name : NULL,
              cp->key->str, label, NULL);
    }
  if (recv)
    {
      IngestStoreCounters *c = ingest_store_counters (cp->ctx->store);
      guint64 unmatched = c->unmatched;
      IngestSeq seq = append (cp, INGEST_EVENT_RECEIVE, recv->t, recv->thread->name,
                              send ? send->thread->name : NULL, cp->key->str, NULL, NULL);
      if (send == NULL)
        {
          /* a flow end whose start never came: keep its label */
          const IngestEvent *ev = ingest_store_event (cp->ctx->store, seq);
          if (ev && ev->message && recv->label)
            ingest_store_set_message_label (cp->ctx->store, ev->message, INGEST_STR (recv->label));
        }
      if (recv->has_done)
        append (cp, INGEST_EVENT_DONE, recv->done, recv->thread->name, NULL, cp->key->str, NULL, NULL);
      if (send != NULL)
        c->unmatched = unmatched;
    }
}

/* One end of a flow hop arrived: pair it with a waiting other end, or wait. */
static void
flow_end (ChromeParser *cp, const char *flow_id, gboolean is_send, ThreadState *ts, gint64 t,
          gboolean has_done, gint64 done, const char *label)
{
  FlowState *fs = g_hash_table_lookup (cp->flows, flow_id);
  FlowEnd here = { ts, t, has_done, done, (char *) label };
  GQueue *other_q;

  if (fs)
    {
      other_q = is_send ? &fs->receives : &fs->sends;
      if (!g_queue_is_empty (other_q))
        {
          FlowEnd *other = g_queue_pop_head (other_q);
          cp->n_pending--;
          if (is_send)
            emit_hop (cp, &here, other);
          else
            emit_hop (cp, other, &here);
          flow_end_free (other);
          if (g_queue_is_empty (&fs->sends) && g_queue_is_empty (&fs->receives))
            g_hash_table_remove (cp->flows, flow_id);
          return;
        }
    }
  if (cp->n_pending >= MAX_PENDING_FLOW_ENDS)
    {
      /* bound reached: give up pairing this one */
      emit_hop (cp, is_send ? &here : NULL, is_send ? NULL : &here);
      return;
    }
  if (fs == NULL)
    {
      fs = g_new0 (FlowState, 1);
      fs->order = cp->n_flow_states++;
      g_queue_init (&fs->sends);
      g_queue_init (&fs->receives);
      g_hash_table_insert (cp->flows, g_strdup (flow_id), fs);
    }
  {
    FlowEnd *fe = g_new (FlowEnd, 1);
    *fe = here;
    fe->label = g_strdup (label);
    g_queue_push_tail (is_send ? &fs->sends : &fs->receives, fe);
    cp->n_pending++;
  }
}

/* ---- one trace event ---- */

static void
event_reset (ChromeEvent *e)
{
  g_string_truncate (e->name, 0);
  g_string_truncate (e->cat, 0);
  g_string_truncate (e->ph, 0);
  g_string_truncate (e->bp, 0);
  g_string_truncate (e->scope, 0);
  g_string_truncate (e->id, 0);
  g_string_truncate (e->bind_id, 0);
  g_string_truncate (e->pid, 0);
  g_string_truncate (e->tid, 0);
  g_string_truncate (e->args_name, 0);
  g_string_truncate (e->src_func, 0);
  e->ts_len = e->dur_len = 0;
  e->has_id = e->id2_local = e->has_bind = e->flow_in = e->flow_out = FALSE;
  e->bad = FALSE;
  e->bad_reason = NULL;
  e->n_members = 0;
}

static gboolean
process_event (ChromeParser *cp, GError **error)
{
  ChromeEvent *e = &cp->ev;
  IngestParserCtx *ctx = cp->ctx;
  const char *pid, *tid;
  char ph;
  gint64 ts = 0, dur = 0;
  ThreadState *th;

  if (e->bad)
    return ingest_parser_ctx_reject (ctx, error, INGEST_ERROR_SCHEMA, e->line, e->col, "%s",
                                     e->bad_reason);
  if (e->n_members == 0 && !ctx->options.strict)
    {
      /* {}: tracers (the JAX/XLA profiler) end the array with one; Perfetto
       * reads it as nothing, so does lenient reading */
      ingest_parser_ctx_accept (ctx);
      return TRUE;
    }
  if (e->ph->len != 1 && !(e->ph->len > 1 && !ctx->options.strict))
    return ingest_parser_ctx_reject (ctx, error, INGEST_ERROR_SCHEMA, e->line, e->col,
                                     e->ph->len == 0 ? "trace event without \"ph\""
                                                     : "unknown \"ph\"");
  /* lenient: the phase is its first character, as Perfetto reads it
   * ("XXX" is X) */
  ph = e->ph->str[0];
  pid = e->pid->len ? e->pid->str : "0";
  tid = e->tid->len ? e->tid->str : pid;

  if (ph == 'M')
    {
      if (e->args_name->len > 0)
        {
          if (strcmp (e->name->str, "process_name") == 0)
            name_process (cp, pid, e->args_name->str);
          else if (strcmp (e->name->str, "thread_name") == 0)
            name_thread (cp, pid, tid, e->args_name->str);
        }
      ingest_parser_ctx_accept (ctx);
      return TRUE;
    }
  if (!strchr ("XBEistfIRPCbenNODSTpFvV", ph) || ph == '\0')
    return ingest_parser_ctx_reject (ctx, error, INGEST_ERROR_SCHEMA, e->line, e->col,
                                     "unknown \"ph\" '%c'", g_ascii_isprint (ph) ? ph : '?');
  if (!strchr ("XBEistfIR", ph))
    {
      ingest_parser_ctx_accept (ctx); /* valid, not part of the model */
      return TRUE;
    }
  if (e->ts_len == 0)
    return ingest_parser_ctx_reject (ctx, error, INGEST_ERROR_SCHEMA, e->line, e->col,
                                     "trace event without a numeric \"ts\"");
  if (!ingest_json_number_to_scaled (e->ts, e->ts_len, 3, &ts))
    return ingest_parser_ctx_reject (ctx, error, INGEST_ERROR_LIMIT, e->line, e->col,
                                     "\"ts\" out of range");
  if (e->dur_len > 0 && (!ingest_json_number_to_scaled (e->dur, e->dur_len, 3, &dur) || dur < 0
                         || ts > G_MAXINT64 - dur))
    return ingest_parser_ctx_reject (ctx, error, INGEST_ERROR_LIMIT, e->line, e->col,
                                     "\"dur\" out of range");
  th = get_thread (cp, pid, tid);

  switch (ph)
    {
    case 'X':
    case 'B':
      {
        const char *label = e->name->str;
        gboolean bound_in = e->has_bind && e->flow_in;
        g_autofree char *flow_id = e->has_bind ? g_strdup_printf ("bind:%s", e->bind_id->str) : NULL;

        if (ph == 'X' && bound_in)
          {
            /* the slice processes the message that flowed in */
            flow_end (cp, flow_id, FALSE, th, ts, TRUE, ts + dur,
                      e->src_func->len ? e->src_func->str : label);
          }
        else
          {
            if (bound_in)
              flow_end (cp, flow_id, FALSE, th, ts, FALSE, 0,
                        e->src_func->len ? e->src_func->str : label);
            slice_begin (cp, th, ts, label, cp->key);
            if (ph == 'X')
              slice_end (cp, th, ts + dur, cp->key->str);
            else if (th->stack->len < MAX_SLICE_STACK)
              g_ptr_array_add (th->stack, g_strdup (cp->key->str));
            else
              slice_end (cp, th, ts, cp->key->str); /* bound: close at once */
          }
        if (e->has_bind && e->flow_out)
          flow_end (cp, flow_id, TRUE, th, ts, FALSE, 0, label);
      }
      break;

    case 'E':
      if (th->stack->len > 0)
        {
          char *key = g_ptr_array_steal_index (th->stack, th->stack->len - 1);
          slice_end (cp, th, ts, key);
          g_free (key);
        }
      else
        return ingest_parser_ctx_reject (ctx, error, INGEST_ERROR_SCHEMA, e->line, e->col,
                                         "\"E\" without an open \"B\" on this thread");
      break;

    case 's':
    case 't':
    case 'f':
      {
        g_autofree char *flow_id = NULL;
        if (!e->has_id)
          return ingest_parser_ctx_reject (ctx, error, INGEST_ERROR_SCHEMA, e->line, e->col,
                                           "flow event without \"id\"");
        flow_id = e->id2_local ? g_strdup_printf ("flow:%s:%s:%s", e->cat->str, pid, e->id->str)
                               : g_strdup_printf ("flow:%s:%s", e->cat->str, e->id->str);
        if (ph != 's')
          flow_end (cp, flow_id, FALSE, th, ts, FALSE, 0, e->name->str);
        if (ph != 'f')
          flow_end (cp, flow_id, TRUE, th, ts, FALSE, 0, e->name->str);
      }
      break;

    case 'i':
    case 'I':
    case 'R':
      {
        const char *actor = th->name;
        if (e->scope->len == 1 && e->scope->str[0] == 'g')
          actor = NULL;
        else if (e->scope->len == 1 && e->scope->str[0] == 'p')
          actor = th->process->name;
        append (cp, INGEST_EVENT_MARK, ts, actor, NULL, NULL, NULL, e->name->str);
      }
      break;

    default:
      break;
    }
  ingest_parser_ctx_accept (ctx);
  return TRUE;
}

/* ---- tokens ---- */

static Field
match_field (const char *k, gsize n)
{
#define IS(lit) (n == sizeof (lit) - 1 && memcmp (k, lit, sizeof (lit) - 1) == 0)
  if (IS ("name")) return F_NAME;
  if (IS ("cat")) return F_CAT;
  if (IS ("ph")) return F_PH;
  if (IS ("ts")) return F_TS;
  if (IS ("dur")) return F_DUR;
  if (IS ("pid")) return F_PID;
  if (IS ("tid")) return F_TID;
  if (IS ("id")) return F_ID;
  if (IS ("id2")) return F_ID2;
  if (IS ("bind_id")) return F_BIND_ID;
  if (IS ("flow_in")) return F_FLOW_IN;
  if (IS ("flow_out")) return F_FLOW_OUT;
  if (IS ("bp")) return F_BP;
  if (IS ("s")) return F_SCOPE;
  if (IS ("args")) return F_ARGS;
  return F_NONE;
#undef IS
}

static void
set_bad (ChromeEvent *e, const char *why)
{
  if (!e->bad)
    {
      e->bad = TRUE;
      e->bad_reason = why;
    }
}

static gboolean
is_scalar (const IngestJsonToken *tok)
{
  return tok->type >= INGEST_JSON_STRING;
}

/* A string or an integer id, as text. */
static gboolean
id_text (const IngestJsonToken *tok, GString *out)
{
  if (tok->type == INGEST_JSON_STRING || tok->type == INGEST_JSON_INT)
    {
      g_string_truncate (out, 0);
      g_string_append_len (out, tok->str, tok->len);
      return TRUE;
    }
  return FALSE;
}

static void
event_field (ChromeParser *cp, const IngestJsonToken *tok)
{
  ChromeEvent *e = &cp->ev;
  gboolean num = tok->type == INGEST_JSON_INT || tok->type == INGEST_JSON_DOUBLE;

  switch (cp->field)
    {
    case F_NAME:
      if (tok->type == INGEST_JSON_STRING)
        g_string_append_len (g_string_truncate (e->name, 0), tok->str, tok->len);
      break;
    case F_CAT:
      if (tok->type == INGEST_JSON_STRING)
        g_string_append_len (g_string_truncate (e->cat, 0), tok->str, tok->len);
      break;
    case F_PH:
      if (tok->type == INGEST_JSON_STRING)
        g_string_append_len (g_string_truncate (e->ph, 0), tok->str, MIN (tok->len, 8));
      else
        set_bad (e, "\"ph\" must be a string");
      break;
    case F_BP:
      if (tok->type == INGEST_JSON_STRING)
        g_string_append_len (g_string_truncate (e->bp, 0), tok->str, MIN (tok->len, 8));
      break;
    case F_SCOPE:
      if (tok->type == INGEST_JSON_STRING)
        g_string_append_len (g_string_truncate (e->scope, 0), tok->str, MIN (tok->len, 8));
      break;
    case F_TS:
    case F_DUR:
      if (!num)
        set_bad (e, cp->field == F_TS ? "\"ts\" must be a number" : "\"dur\" must be a number");
      else if (cp->field == F_TS)
        {
          memcpy (e->ts, tok->str, tok->len);
          e->ts_len = tok->len;
        }
      else
        {
          memcpy (e->dur, tok->str, tok->len);
          e->dur_len = tok->len;
        }
      break;
    case F_PID:
    case F_TID:
      if (!id_text (tok, cp->field == F_PID ? e->pid : e->tid))
        set_bad (e, "\"pid\"/\"tid\" must be an integer or a string");
      break;
    case F_ID:
      if (id_text (tok, e->id))
        e->has_id = TRUE;
      break;
    case F_BIND_ID:
      if (id_text (tok, e->bind_id))
        e->has_bind = TRUE;
      break;
    case F_FLOW_IN:
      e->flow_in = tok->type == INGEST_JSON_TRUE;
      break;
    case F_FLOW_OUT:
      e->flow_out = tok->type == INGEST_JSON_TRUE;
      break;
    default:
      break;
    }
}

static gboolean
on_token (const IngestJsonToken *tok, gpointer user_data, GError **error)
{
  ChromeParser *cp = user_data;
  ChromeEvent *e = &cp->ev;

  if (tok->depth == 0)
    {
      if (tok->type == INGEST_JSON_BEGIN_ARRAY)
        {
          cp->top_seen = TRUE;
          cp->in_events = TRUE;
          cp->ev_depth = 1;
          return TRUE;
        }
      if (tok->type == INGEST_JSON_BEGIN_OBJECT)
        {
          cp->top_seen = TRUE;
          cp->object_format = TRUE;
          return TRUE;
        }
      if (tok->type == INGEST_JSON_END_ARRAY || tok->type == INGEST_JSON_END_OBJECT)
        {
          cp->in_events = FALSE;
          return TRUE;
        }
      g_set_error_literal (error, INGEST_ERROR, INGEST_ERROR_SCHEMA,
                           "expected a trace: a JSON array or an object with \"traceEvents\"");
      return FALSE;
    }
  if (cp->object_format && tok->depth == 1)
    {
      if (tok->type == INGEST_JSON_KEY)
        {
          cp->key_is_events = tok->len == 11 && memcmp (tok->str, "traceEvents", 11) == 0;
          return TRUE;
        }
      if (cp->key_is_events)
        {
          if (tok->type == INGEST_JSON_BEGIN_ARRAY)
            {
              cp->in_events = TRUE;
              cp->ev_depth = 2;
            }
          else if (tok->type == INGEST_JSON_END_ARRAY)
            cp->in_events = FALSE;
          else
            {
              g_set_error_literal (error, INGEST_ERROR, INGEST_ERROR_SCHEMA,
                                   "\"traceEvents\" must be an array");
              return FALSE;
            }
        }
      return TRUE;
    }
  if (!cp->in_events || tok->depth < cp->ev_depth)
    return TRUE;

  if (tok->depth == cp->ev_depth)
    {
      gboolean ok = TRUE;
      switch (tok->type)
        {
        case INGEST_JSON_BEGIN_OBJECT:
          event_reset (e);
          e->line = tok->line;
          e->col = tok->column;
          cp->in_event = TRUE;
          cp->field = F_NONE;
          return TRUE;
        case INGEST_JSON_END_OBJECT:
          cp->in_event = FALSE;
          ok = process_event (cp, error);
          break;
        case INGEST_JSON_BEGIN_ARRAY:
          event_reset (e);
          e->line = tok->line;
          e->col = tok->column;
          set_bad (e, "a trace event must be an object");
          cp->in_event = FALSE;
          return TRUE;
        case INGEST_JSON_END_ARRAY:
          ok = process_event (cp, error);
          break;
        default:
          event_reset (e);
          e->line = tok->line;
          e->col = tok->column;
          set_bad (e, "a trace event must be an object");
          ok = process_event (cp, error);
          break;
        }
      if (!ok)
        cp->deferred = error && *error ? g_error_copy (*error) : NULL;
      return ok;
    }
  if (!cp->in_event)
    return TRUE;

  if (tok->depth == cp->ev_depth + 1)
    {
      if (tok->type == INGEST_JSON_KEY)
        {
          cp->field = match_field (tok->str, tok->len);
          e->n_members++;
        }
      else if (is_scalar (tok))
        event_field (cp, tok);
      else if ((tok->type == INGEST_JSON_BEGIN_OBJECT || tok->type == INGEST_JSON_BEGIN_ARRAY)
               && (cp->field == F_TS || cp->field == F_PH || cp->field == F_PID || cp->field == F_TID))
        set_bad (e, "wrong type for a trace event field");
      cp->sub_name = cp->sub_src_func = cp->sub_local = FALSE;
      return TRUE;
    }
  if (tok->depth == cp->ev_depth + 2)
    {
      if (tok->type == INGEST_JSON_KEY)
        {
          cp->sub_name = cp->sub_src_func = cp->sub_local = FALSE;
          if (cp->field == F_ARGS)
            {
              cp->sub_name = tok->len == 4 && memcmp (tok->str, "name", 4) == 0;
              cp->sub_src_func = tok->len == 8 && memcmp (tok->str, "src_func", 8) == 0;
            }
          else if (cp->field == F_ID2)
            {
              cp->sub_local = tok->len == 5 && memcmp (tok->str, "local", 5) == 0;
              cp->sub_name = cp->sub_local || (tok->len == 6 && memcmp (tok->str, "global", 6) == 0);
            }
          return TRUE;
        }
      if (cp->field == F_ARGS && tok->type == INGEST_JSON_STRING)
        {
          if (cp->sub_name)
            g_string_append_len (g_string_truncate (e->args_name, 0), tok->str, tok->len);
          else if (cp->sub_src_func)
            g_string_append_len (g_string_truncate (e->src_func, 0), tok->str, tok->len);
        }
      else if (cp->field == F_ID2 && cp->sub_name && id_text (tok, e->id))
        {
          e->has_id = TRUE;
          e->id2_local = cp->sub_local;
        }
    }
  return TRUE;
}

/* ---- feed / finish ---- */

static gpointer
chrome_create (IngestParserCtx *ctx)
{
  ChromeParser *cp = g_new0 (ChromeParser, 1);
  ChromeEvent *e = &cp->ev;

  cp->ctx = ctx;
  /* lenient reading takes what Perfetto's JSON importer takes: trailing
   * commas (hand-rolled tracers write them) */
  cp->lexer = ingest_json_lexer_new (ctx->max_depth, MAX_STRING,
                                     ctx->options.strict ? INGEST_JSON_LEXER_NONE
                                                         : INGEST_JSON_LEXER_TRAILING_COMMAS,
                                     on_token, cp);
  e->name = g_string_new (NULL);
  e->cat = g_string_new (NULL);
  e->ph = g_string_new (NULL);
  e->bp = g_string_new (NULL);
  e->scope = g_string_new (NULL);
  e->id = g_string_new (NULL);
  e->bind_id = g_string_new (NULL);
  e->pid = g_string_new (NULL);
  e->tid = g_string_new (NULL);
  e->args_name = g_string_new (NULL);
  e->src_func = g_string_new (NULL);
  cp->processes = g_hash_table_new_full (ingest_hash_str, g_str_equal, NULL, process_free);
  cp->threads = g_hash_table_new_full (ingest_hash_str, g_str_equal, g_free, thread_free);
  cp->flows = g_hash_table_new_full (ingest_hash_str, g_str_equal, g_free, flow_state_free);
  cp->key = g_string_new (NULL);
  cp->tmp = g_string_new (NULL);
  return cp;
}

static void
chrome_destroy (gpointer self)
{
  ChromeParser *cp = self;
  ChromeEvent *e = &cp->ev;

  ingest_json_lexer_free (cp->lexer);
  g_string_free (e->name, TRUE);
  g_string_free (e->cat, TRUE);
  g_string_free (e->ph, TRUE);
  g_string_free (e->bp, TRUE);
  g_string_free (e->scope, TRUE);
  g_string_free (e->id, TRUE);
  g_string_free (e->bind_id, TRUE);
  g_string_free (e->pid, TRUE);
  g_string_free (e->tid, TRUE);
  g_string_free (e->args_name, TRUE);
  g_string_free (e->src_func, TRUE);
  g_hash_table_unref (cp->flows);
  g_hash_table_unref (cp->threads);
  g_hash_table_unref (cp->processes);
  if (cp->other_thread)
    thread_free (cp->other_thread);
  if (cp->other_process)
    process_free (cp->other_process);
  g_string_free (cp->key, TRUE);
  g_string_free (cp->tmp, TRUE);
  g_clear_error (&cp->deferred);
  g_free (cp);
}

static gboolean
lexer_failed (ChromeParser *cp, GError *lex_error, GError **error)
{
  guint64 line, col;

  if (cp->deferred)
    {
      g_error_free (lex_error);
      g_propagate_error (error, g_steal_pointer (&cp->deferred));
      return FALSE;
    }
  /* a broken document cannot be resynchronised: stop in either mode (what
   * was read so far stays in the store) */
  ingest_json_lexer_get_error_position (cp->lexer, &line, &col);
  ingest_parser_ctx_fatal (cp->ctx, error, (IngestErrorCode) lex_error->code, line, col, "%s",
                           lex_error->message);
  g_error_free (lex_error);
  return FALSE;
}

static gboolean
chrome_feed (gpointer self, const guint8 *data, gsize len, GError **error)
{
  ChromeParser *cp = self;
  GError *lex_error = NULL;

  if (ingest_json_lexer_feed (cp->lexer, data, len, NULL, &lex_error))
    return TRUE;
  return lexer_failed (cp, lex_error, error);
}

static int
flow_state_cmp (gconstpointer a, gconstpointer b)
{
  const FlowState *x = *(FlowState *const *) a, *y = *(FlowState *const *) b;
  return x->order < y->order ? -1 : x->order > y->order;
}

/* Emits flow ends that never met their other end. */
static void
flush_flows (ChromeParser *cp)
{
  GHashTableIter it;
  gpointer value;
  g_autoptr (GPtrArray) states = g_ptr_array_new ();

  /* in the order the flows began: the table's hash is keyed per process,
   * so its order is not a function of the input */
  g_hash_table_iter_init (&it, cp->flows);
  while (g_hash_table_iter_next (&it, NULL, &value))
    g_ptr_array_add (states, value);
  g_ptr_array_sort (states, flow_state_cmp);
  for (guint i = 0; i < states->len; i++)
    {
      FlowState *fs = g_ptr_array_index (states, i);
      FlowEnd *fe;
      while ((fe = g_queue_pop_head (&fs->sends)))
        {
          emit_hop (cp, fe, NULL);
          flow_end_free (fe);
        }
      while ((fe = g_queue_pop_head (&fs->receives)))
        {
          emit_hop (cp, NULL, fe);
          flow_end_free (fe);
        }
    }
  g_hash_table_remove_all (cp->flows);
  cp->n_pending = 0;
}

static void
close_open_slices (ChromeParser *cp)
{
  GHashTableIter it;
  gpointer value;

  /* B without E: the slice stays open (a RECEIVE without DONE: processing
   * that never finished, as in a trace cut short) */
  g_hash_table_iter_init (&it, cp->threads);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      ThreadState *ts = value;
      g_ptr_array_set_size (ts->stack, 0);
    }
}

static gboolean
chrome_finish (gpointer self, GError **error)
{
  ChromeParser *cp = self;
  GError *lex_error = NULL;
  gboolean ok = TRUE;

  if (ingest_json_lexer_at_array_boundary (cp->lexer) && !cp->object_format)
    {
      /* JSON Array Format may end without ']' (Chrome writes it that way
       * when a trace is cut short) */
    }
  else if (!cp->ctx->options.strict && cp->deferred == NULL && cp->top_seen
           && ingest_json_lexer_in_document (cp->lexer))
    {
      /* Lenient, as Perfetto: a file cut anywhere keeps the events before
       * the cut; the cut is reported (and counted as one skipped record) */
      guint64 line, col;
      ingest_json_lexer_get_position (cp->lexer, &line, &col);
      ingest_parser_ctx_reject (cp->ctx, NULL, INGEST_ERROR_SYNTAX, line, col,
                                "truncated input: the document ends here; the %" G_GUINT64_FORMAT
                                " trace events before the cut are kept",
                                cp->ctx->n_records);
    }
  else if (!ingest_json_lexer_finish (cp->lexer, &lex_error))
    ok = lexer_failed (cp, lex_error, error);
  else if (!cp->top_seen)
    ok = ingest_parser_ctx_fatal (cp->ctx, error, INGEST_ERROR_FORMAT, 1, 1, "empty trace");
  flush_flows (cp);
  close_open_slices (cp);
  return ok;
}

const IngestFormatImpl ingest_format_chrome_impl = {
  chrome_create, chrome_feed, chrome_finish, chrome_destroy,
};
