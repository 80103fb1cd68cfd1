/* gen-sim.c: the workload simulation; see gen-sim.h for what it models. */
#include "gen-sim.h"
#include "gen-rng.h"

#include <math.h>
#include <stdio.h>

G_DEFINE_QUARK (gen-sim-error-quark, gen_sim_error)

#define NONE G_MAXUINT32
/* Trace time starts at 2026-01-01T00:00:00Z so timestamps look wall-clock. */
#define T0_NS G_GINT64_CONSTANT (1767225600000000000)
/* Bounded mailboxes: past this many unreceived messages an actor drops. */
#define MAILBOX_CAPACITY 256
/* Mean trace events one services-workload conversation produces (measured
 * over long runs), used to turn --rate into a conversation arrival rate. */
#define EVENTS_PER_CONVERSATION 12.0
#define EVENTS_PER_GRAPH_MESSAGE 3.0

enum { ROLE_GUARDIAN, ROLE_SUPERVISOR, ROLE_CLIENT, ROLE_ROUTER, ROLE_WORKER, ROLE_DB, ROLE_NODE };
enum { STATE_UNBORN, STATE_ALIVE, STATE_RESTARTING, STATE_STOPPED };

typedef struct {
  char *name;
  guint32 parent;          /* actor index or NONE */
  guint32 service;         /* service index or NONE */
  guint8 role, state, stuck;
  double proc_mean_ns;
  gint64 busy_until;       /* when it finishes what is already queued */
  gint64 depth;            /* sends to it not yet received */
} Actor;

typedef struct {
  guint32 supervisor, router, db;
  GArray *workers;         /* guint32 actor indices */
} Service;

/* What the receiver does after processing a message. */
enum {
  CONT_NONE,
  CONT_FORWARD,            /* router: hand the request to one of its workers */
  CONT_WORK,               /* worker: answer the client, maybe via db first */
  CONT_DB_REPLY,           /* db: answer the worker's query */
  CONT_ANSWER,             /* worker got db rows: answer the client */
  CONT_NOTIFY_FWD,         /* router got a notification: pass it on, no answer */
};

enum { FLAVOR_TELL, FLAVOR_REQUEST, FLAVOR_REPLY };
enum { DROP_NONE, DROP_FULL, DROP_STOPPED };

typedef struct {
  guint64 id;
  guint64 in_reply_to;     /* 0 = none (ids start at 1) */
  guint64 orig_id;         /* the client request this message serves */
  gint64 crash_ns, restart_ns;
  guint32 from, to, reply_to, orig_client;
  guint32 size;
  guint16 label, orig_label;
  guint8 flavor, cont, crash, drop, refs;
} Msg;

enum {
  EV_SPAWN, EV_SEND, EV_RECV, EV_DONE, EV_ACK, EV_DROP, EV_CRASH,
  EV_RESTART, EV_STOP, EV_CONV, EV_MARK,
};

typedef struct {
  gint64 t;
  guint64 seq;             /* insertion order: makes ties deterministic */
  guint32 kind, arg;
} Item;

typedef struct {
  guint32 from, to;
  guint64 count;
} Edge;

typedef struct {
  const GenSimOptions *opt;
  GenRng rng;
  GenOutput *out, *msc, *dot;
  GenSimSummary sum;

  GArray *actors;          /* Actor */
  GArray *services;        /* Service */
  GArray *clients;         /* guint32 */
  GPtrArray *labels;       /* owned strings; see build_labels */
  guint n_req_labels, db_label0, n_db_labels, note_label0, n_note_labels;

  Item *heap;
  gsize heap_len, heap_cap;
  guint64 seq;

  Msg *msgs;
  guint32 n_msgs, msgs_cap;
  GArray *free_msgs;       /* guint32 slots */
  guint64 next_msg_id;

  /* distinct edges: open addressing over (from << 32 | to) + 1 */
  guint64 *edge_keys;
  guint32 *edge_vals;      /* index into edges */
  gsize edge_mask;
  GArray *edges;           /* Edge, first-seen order */

  /* graph workload */
  GArray *planned;         /* Edge (count unused): the edges to use */
  guint64 next_planned;

  double conv_interval_ns;
  guint64 stall_at;        /* event count at which the stalling db stops */
  guint32 stall_db;        /* actor index or NONE */
  char payload[512];
} Sim;

/* ---- small helpers ---------------------------------------------------- */

static inline Actor *
actor_at (Sim *sim, guint32 i)
{
  return &g_array_index (sim->actors, Actor, i);
}

static guint32
add_actor (Sim *sim, char *name, guint32 parent, guint8 role, guint32 service,
           double proc_mean_ns)
{
  Actor a = { 0 };

  a.name = name;
  a.parent = parent;
  a.service = service;
  a.role = role;
  a.state = STATE_UNBORN;
  a.proc_mean_ns = proc_mean_ns;
  g_array_append_val (sim->actors, a);
  return sim->actors->len - 1;
}

static const char *
label_at (Sim *sim, guint i)
{
  return g_ptr_array_index (sim->labels, i);
}

/* Request labels are stored as pairs (request, its reply). */
static guint16
reply_label (guint16 request_label)
{
  return (guint16) (request_label + 1);
}

/* ---- the event heap ----------------------------------------------------- */

static inline gboolean
item_before (const Item *a, const Item *b)
{
  return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void
schedule (Sim *sim, gint64 t, guint32 kind, guint32 arg)
{
  gsize i;

  if (sim->heap_len == sim->heap_cap)
    {
      sim->heap_cap = MAX (1024, sim->heap_cap * 2);
      sim->heap = g_renew (Item, sim->heap, sim->heap_cap);
    }
  i = sim->heap_len++;
  sim->heap[i] = (Item) { t, sim->seq++, kind, arg };
  while (i > 0)
    {
      gsize p = (i - 1) / 2;
      Item tmp;

      if (!item_before (&sim->heap[i], &sim->heap[p]))
        break;
      tmp = sim->heap[i];
      sim->heap[i] = sim->heap[p];
      sim->heap[p] = tmp;
      i = p;
    }
  if (kind >= EV_SEND && kind <= EV_CRASH)
    sim->msgs[arg].refs++;
}

static Item
pop (Sim *sim)
{
  Item top = sim->heap[0];
  gsize i = 0;

  sim->heap[0] = sim->heap[--sim->heap_len];
  for (;;)
    {
      gsize l = 2 * i + 1, r = l + 1, m = i;
      Item tmp;

      if (l < sim->heap_len && item_before (&sim->heap[l], &sim->heap[m]))
        m = l;
      if (r < sim->heap_len && item_before (&sim->heap[r], &sim->heap[m]))
        m = r;
      if (m == i)
        break;
      tmp = sim->heap[i];
      sim->heap[i] = sim->heap[m];
      sim->heap[m] = tmp;
      i = m;
    }
  return top;
}

/* ---- message slots ------------------------------------------------------ */

static guint32
msg_new (Sim *sim, guint32 from, guint32 to, guint8 flavor, guint16 label, guint8 cont)
{
  guint32 k;
  Msg *m;

  if (sim->free_msgs->len > 0)
    {
      k = g_array_index (sim->free_msgs, guint32, sim->free_msgs->len - 1);
      g_array_set_size (sim->free_msgs, sim->free_msgs->len - 1);
    }
  else
    {
      if (sim->n_msgs == sim->msgs_cap)
        {
          sim->msgs_cap = MAX (1024, sim->msgs_cap * 2);
          sim->msgs = g_renew (Msg, sim->msgs, sim->msgs_cap);
        }
      k = sim->n_msgs++;
    }
  m = &sim->msgs[k];
  memset (m, 0, sizeof *m);
  m->id = ++sim->next_msg_id;
  m->from = from;
  m->to = to;
  m->reply_to = NONE;
  m->orig_client = NONE;
  m->flavor = flavor;
  m->label = label;
  m->cont = cont;
  return k;
}

static void
msg_unref (Sim *sim, guint32 k)
{
  if (--sim->msgs[k].refs == 0)
    g_array_append_val (sim->free_msgs, k);
}

/* ---- distinct edges ----------------------------------------------------- */

static gsize
edge_hash (guint64 key)
{
  key ^= key >> 33;
  key *= G_GUINT64_CONSTANT (0xff51afd7ed558ccd);
  key ^= key >> 33;
  return (gsize) key;
}

static void edge_insert_slot (Sim *sim, guint64 key, guint32 val);

static void
edges_grow (Sim *sim)
{
  guint64 *old_keys = sim->edge_keys;
  guint32 *old_vals = sim->edge_vals;
  gsize old_size = sim->edge_mask + 1;

  sim->edge_mask = old_size * 2 - 1;
  sim->edge_keys = g_new0 (guint64, sim->edge_mask + 1);
  sim->edge_vals = g_new0 (guint32, sim->edge_mask + 1);
  for (gsize i = 0; i < old_size; i++)
    if (old_keys[i] != 0)
      edge_insert_slot (sim, old_keys[i], old_vals[i]);
  g_free (old_keys);
  g_free (old_vals);
}

static void
edge_insert_slot (Sim *sim, guint64 key, guint32 val)
{
  gsize i = edge_hash (key) & sim->edge_mask;

  while (sim->edge_keys[i] != 0)
    i = (i + 1) & sim->edge_mask;
  sim->edge_keys[i] = key;
  sim->edge_vals[i] = val;
}

/* Returns the index of edge from->to in sim->edges, adding it if new. */
static guint32
edge_find_or_add (Sim *sim, guint32 from, guint32 to, gboolean *added)
{
  guint64 key = (((guint64) from << 32) | to) + 1;
  gsize i = edge_hash (key) & sim->edge_mask;
  Edge e = { from, to, 0 };

  while (sim->edge_keys[i] != 0)
    {
      if (sim->edge_keys[i] == key)
        {
          if (added)
            *added = FALSE;
          return sim->edge_vals[i];
        }
      i = (i + 1) & sim->edge_mask;
    }
  g_array_append_val (sim->edges, e);
  sim->edge_keys[i] = key;
  sim->edge_vals[i] = sim->edges->len - 1;
  if (added)
    *added = TRUE;
  /* Keep the load factor under one half. */
  if ((gsize) sim->edges->len * 2 > sim->edge_mask)
    edges_grow (sim);
  return sim->edges->len - 1;
}

/* ---- writing ------------------------------------------------------------ */

static void
put_head (Sim *sim, gint64 t, const char *ev)
{
  GenOutput *o = sim->out;

  gen_output_lit (o, "{\"ts\":");
  gen_output_i64 (o, t);
  gen_output_lit (o, ",\"ev\":\"");
  gen_output_str (o, ev);
  gen_output_lit (o, "\"");
  sim->sum.events++;
}

static void
put_field_str (Sim *sim, const char *field, const char *value)
{
  gen_output_lit (sim->out, ",\"");
  gen_output_str (sim->out, field);
  gen_output_lit (sim->out, "\":");
  gen_output_json_str (sim->out, value);
}

/* Message ids are JSON integers: unique per trace, counted from 1. */
static void
put_field_id (Sim *sim, const char *field, guint64 id)
{
  gen_output_lit (sim->out, ",\"");
  gen_output_str (sim->out, field);
  gen_output_lit (sim->out, "\":");
  gen_output_u64 (sim->out, id);
}

static void
put_end (Sim *sim)
{
  gen_output_lit (sim->out, "}\n");
}

static void
write_spawn (Sim *sim, gint64 t, guint32 a)
{
  Actor *actor = actor_at (sim, a);

  put_head (sim, t, "spawn");
  put_field_str (sim, "actor", actor->name);
  put_field_str (sim, "kind", actor->role == ROLE_CLIENT ? "client" : "actor");
  if (actor->parent != NONE)
    put_field_str (sim, "parent", actor_at (sim, actor->parent)->name);
  put_end (sim);
  actor->state = STATE_ALIVE;
}

static void
write_msg_event (Sim *sim, gint64 t, const char *ev, const Msg *m, const char *reason)
{
  put_head (sim, t, ev);
  put_field_str (sim, "actor", actor_at (sim, m->to)->name);
  put_field_id (sim, "id", m->id);
  if (reason != NULL)
    put_field_str (sim, "reason", reason);
  put_end (sim);
}

static void
write_mark (Sim *sim, gint64 t, guint32 a, const char *text)
{
  put_head (sim, t, "mark");
  if (a != NONE)
    put_field_str (sim, "actor", actor_at (sim, a)->name);
  put_field_str (sim, "text", text);
  put_end (sim);
}

static const char *
make_payload (Sim *sim, const Msg *m)
{
  const char *label = label_at (sim, m->label);
  guint64 r = gen_rng_next (&sim->rng);
  /* A router forwards the client's request itself (Akka's forward), so the
   * forwarded tell carries a request payload. */
  int shape = m->flavor == FLAVOR_TELL && m->orig_id != 0 ? FLAVOR_REQUEST : m->flavor;

  switch (shape)
    {
    case FLAVOR_REQUEST:
      g_snprintf (sim->payload, sizeof sim->payload,
                  "{\"method\":\"%s\",\"params\":{\"key\":\"k-%05u\",\"user\":\"u-%04u\",\"limit\":%u},\"id\":%"
                  G_GUINT64_FORMAT "}",
                  label, (guint) (r % 100000), (guint) ((r >> 20) % 10000),
                  (guint) (1 + (r >> 40) % 100), m->orig_id != 0 ? m->orig_id : m->id);
      break;
    case FLAVOR_REPLY:
      g_snprintf (sim->payload, sizeof sim->payload,
                  "{\"result\":{\"status\":\"ok\",\"rows\":%u,\"etag\":\"%08x\"},\"error\":null,\"id\":%"
                  G_GUINT64_FORMAT "}",
                  (guint) (r % 50), (guint) (r >> 32), m->in_reply_to);
      break;
    default:
      g_snprintf (sim->payload, sizeof sim->payload,
                  "{\"event\":\"%s\",\"key\":\"k-%05u\",\"at\":%u}",
                  label, (guint) (r % 100000), (guint) ((r >> 24) % 86400));
      break;
    }
  return sim->payload;
}

static void
write_send (Sim *sim, gint64 t, Msg *m)
{
  const char *payload = NULL;

  if (sim->opt->payload)
    {
      payload = make_payload (sim, m);
      m->size = (guint32) strlen (payload);
    }
  else
    /* Log-uniform sizes between 32 B and 32 KiB, like real message mixes. */
    m->size = (guint32) (32.0 * exp (gen_rng_unit (&sim->rng) * 6.9));

  put_head (sim, t, "send");
  put_field_str (sim, "from", actor_at (sim, m->from)->name);
  put_field_str (sim, "to", actor_at (sim, m->to)->name);
  put_field_id (sim, "id", m->id);
  put_field_str (sim, "label", label_at (sim, m->label));
  gen_output_lit (sim->out, ",\"size\":");
  gen_output_u64 (sim->out, m->size);
  if (m->reply_to != NONE)
    put_field_str (sim, "reply_to", actor_at (sim, m->reply_to)->name);
  if (m->in_reply_to != 0)
    put_field_id (sim, "in_reply_to", m->in_reply_to);
  if (payload != NULL)
    put_field_str (sim, "payload", payload);
  put_end (sim);
  sim->sum.messages++;

  if (sim->msc != NULL)
    {
      GenOutput *o = sim->msc;

      gen_output_lit (o, "  a");
      gen_output_u64 (o, m->from);
      if (m->drop != DROP_NONE)
        gen_output_lit (o, "-x");
      else if (m->flavor == FLAVOR_REQUEST)
        gen_output_lit (o, "=>");
      else if (m->flavor == FLAVOR_REPLY)
        gen_output_lit (o, ">>");
      else
        gen_output_lit (o, "->");
      gen_output_lit (o, "a");
      gen_output_u64 (o, m->to);
      gen_output_lit (o, " [label=");
      gen_output_quoted (o, label_at (sim, m->label));
      gen_output_lit (o, "];\n");
    }
  {
    /* Look up first: adding an edge may move the array's data. */
    guint32 e = edge_find_or_add (sim, m->from, m->to, NULL);
    g_array_index (sim->edges, Edge, e).count++;
  }
}

/* ---- the services workload ---------------------------------------------- */

static const char *const service_names[] = {
  "orders", "payments", "inventory", "shipping", "accounts", "search",
  "pricing", "notifications", "auth", "catalog", "ledger", "fraud",
};

static const char *const request_names[] = {
  "GetOrder", "PlaceOrder", "CancelOrder", "ReserveStock", "ChargeCard",
  "RefundPayment", "Authenticate", "GetQuote", "SearchCatalog", "GetProduct",
  "UpdateCart", "Checkout", "ShipOrder", "TrackParcel", "GetProfile",
  "UpdateProfile", "ListInvoices", "ApplyCoupon", "ReleaseStock", "SendReceipt",
};

static const char *const db_names[] = { "Query", "Insert", "Update", "Commit" };
static const char *const note_names[] = { "OrderPlaced", "StockLow", "AuditEvent", "CacheInvalidate" };

static const char *const crash_reasons[] = {
  "java.lang.IllegalStateException: order already shipped",
  "akka.pattern.AskTimeoutException: Ask timed out on [db] after [2000 ms]",
  "java.lang.NullPointerException: customer was null",
  "scala.MatchError: Unknown(17) (of class Unknown)",
  "java.sql.SQLTransientConnectionException: pool timeout",
};

static void
build_labels (Sim *sim)
{
  sim->labels = g_ptr_array_new_with_free_func (g_free);
  sim->n_req_labels = sim->opt->n_labels;
  for (guint i = 0; i < sim->opt->n_labels; i++)
    {
      const char *base = request_names[i % G_N_ELEMENTS (request_names)];
      guint round = i / G_N_ELEMENTS (request_names);
      char *req = round == 0 ? g_strdup (base) : g_strdup_printf ("%s%u", base, round + 1);

      g_ptr_array_add (sim->labels, req);
      g_ptr_array_add (sim->labels, g_strconcat (req, "Reply", NULL));
    }
  sim->db_label0 = sim->labels->len;
  sim->n_db_labels = G_N_ELEMENTS (db_names);
  for (guint i = 0; i < G_N_ELEMENTS (db_names); i++)
    {
      g_ptr_array_add (sim->labels, g_strdup (db_names[i]));
      g_ptr_array_add (sim->labels, g_strconcat (db_names[i], "Reply", NULL));
    }
  sim->note_label0 = sim->labels->len;
  sim->n_note_labels = G_N_ELEMENTS (note_names);
  for (guint i = 0; i < G_N_ELEMENTS (note_names); i++)
    g_ptr_array_add (sim->labels, g_strdup (note_names[i]));
}

/* The actor tree for --actors N: /user, /user/http, per service a
 * supervisor with router and db, workers under the routers, and client
 * connections under /user/http. */
static void
build_services (Sim *sim)
{
  guint n = sim->opt->n_actors;
  guint n_services = CLAMP ((guint) lround (sqrt ((double) n) / 2.0), 1u, 64u);
  guint rest, n_clients, n_workers;
  guint32 guardian, http;

  while (2 + 3 * n_services + 2 * n_services > n && n_services > 1)
    n_services--;
  rest = n - 2 - 3 * n_services;
  n_clients = MAX (1u, rest / 4);
  n_workers = rest - n_clients;

  guardian = add_actor (sim, g_strdup ("/user"), NONE, ROLE_GUARDIAN, NONE, 0);
  http = add_actor (sim, g_strdup ("/user/http"), guardian, ROLE_SUPERVISOR, NONE, 0);

  for (guint s = 0; s < n_services; s++)
    {
      Service svc;
      const char *base = service_names[s % G_N_ELEMENTS (service_names)];
      guint round = s / G_N_ELEMENTS (service_names);
      char *name = round == 0 ? g_strdup (base) : g_strdup_printf ("%s%u", base, round + 1);
      /* One db in three is slow: a realistic hot spot that queues up. */
      double db_mean = (s % 3 == 1) ? 900e3 : 300e3;

      svc.workers = g_array_new (FALSE, FALSE, sizeof (guint32));
      svc.supervisor = add_actor (sim, g_strdup_printf ("/user/%s", name), guardian,
                                  ROLE_SUPERVISOR, s, 0);
      svc.router = add_actor (sim, g_strdup_printf ("/user/%s/router", name), svc.supervisor,
                              ROLE_ROUTER, s, 8e3);
      svc.db = add_actor (sim, g_strdup_printf ("/user/%s/db", name), svc.supervisor,
                          ROLE_DB, s, db_mean);
      g_array_append_val (sim->services, svc);
      g_free (name);
    }

  for (guint w = 0; w < n_workers; w++)
    {
      guint s = w % n_services;
      Service *svc = &g_array_index (sim->services, Service, s);
      /* About one worker in twelve is slow (a cold cache, a big customer). */
      double mean = gen_rng_chance (&sim->rng, 1.0 / 12) ? 2.5e6 : 120e3;
      guint32 a = add_actor (sim,
                             g_strdup_printf ("%s/w%u", actor_at (sim, svc->router)->name,
                                              svc->workers->len + 1),
                             svc->router, ROLE_WORKER, s, mean);

      g_array_append_val (svc->workers, a);
    }

  for (guint c = 0; c < n_clients; c++)
    {
      guint32 a = add_actor (sim, g_strdup_printf ("/user/http/conn-%u", c + 1), http,
                             ROLE_CLIENT, NONE, 20e3);

      g_array_append_val (sim->clients, a);
    }

  /* The last service's db stalls late in the run (a lost connection pool):
   * its mailbox fills, requests through it stay unanswered, then drops. */
  if (n_services >= 2)
    {
      sim->stall_db = g_array_index (sim->services, Service, n_services - 1).db;
      /* With --messages, events run about three per message. */
      guint64 expected = sim->opt->n_messages > 0
        ? MIN (sim->opt->n_events, sim->opt->n_messages * 3) : sim->opt->n_events;
      sim->stall_at = expected / 10 * 7;
      /* Only once traffic flows: not in a trace made mostly of spawns. */
      if (sim->stall_at < 4 * (guint64) n)
        sim->stall_db = NONE;
    }
}

static guint16
pick_request_label (Sim *sim)
{
  /* Skewed: a few request types dominate, as in real traffic. */
  double u = gen_rng_unit (&sim->rng);
  guint i = (guint) (u * u * sim->n_req_labels);

  return (guint16) (2 * MIN (i, sim->n_req_labels - 1));
}

static guint32
pick_worker (Sim *sim, guint32 service)
{
  Service *svc = &g_array_index (sim->services, Service, service);

  return g_array_index (svc->workers, guint32, gen_rng_below (&sim->rng, svc->workers->len));
}

static void
start_conversation (Sim *sim, gint64 now)
{
  guint32 client = NONE, service;
  guint32 k;
  Msg *m;

  for (int tries = 0; tries < 8 && client == NONE; tries++)
    {
      guint32 c = g_array_index (sim->clients, guint32, gen_rng_below (&sim->rng, sim->clients->len));

      if (actor_at (sim, c)->state == STATE_ALIVE)
        client = c;
    }
  if (client == NONE)
    return;
  service = (guint32) gen_rng_below (&sim->rng, sim->services->len);
  k = msg_new (sim, client, g_array_index (sim->services, Service, service).router,
               FLAVOR_REQUEST, pick_request_label (sim), CONT_FORWARD);
  m = &sim->msgs[k];
  m->reply_to = client;
  schedule (sim, now, EV_SEND, k);

  /* Occasional side events, tied to traffic so they scale with the run. */
  if (gen_rng_chance (&sim->rng, 0.004))
    schedule (sim, now + 50000, EV_MARK, 0);
  if (gen_rng_chance (&sim->rng, 0.0015))
    {
      guint32 c = g_array_index (sim->clients, guint32, gen_rng_below (&sim->rng, sim->clients->len));

      if (actor_at (sim, c)->state == STATE_ALIVE && c != client)
        schedule (sim, now + 100000, EV_STOP, c);
    }
}

static void
start_graph_message (Sim *sim, gint64 now)
{
  const Edge *e;
  guint64 n = sim->planned->len;
  guint32 k;

  if (sim->next_planned < n)
    e = &g_array_index (sim->planned, Edge, sim->next_planned++);
  else
    {
      double u = gen_rng_unit (&sim->rng);

      e = &g_array_index (sim->planned, Edge, MIN ((guint64) (u * u * n), n - 1));
    }
  k = msg_new (sim, e->from, e->to, FLAVOR_TELL,
               (guint16) (2 * gen_rng_below (&sim->rng, sim->n_req_labels)), CONT_NONE);
  schedule (sim, now, EV_SEND, k);
}

/* Schedules what the receiver sends while processing m (from recv to done). */
static void
schedule_continuation (Sim *sim, const Msg *m, gint64 recv, gint64 proc)
{
  guint32 k;
  Msg *n;
  guint32 to_actor = m->to;
  const Actor *to = actor_at (sim, to_actor);

  switch (m->cont)
    {
    case CONT_FORWARD:
    case CONT_NOTIFY_FWD:
      k = msg_new (sim, to_actor, pick_worker (sim, to->service), FLAVOR_TELL, m->label,
                   m->cont == CONT_FORWARD ? CONT_WORK : CONT_NONE);
      n = &sim->msgs[k];
      n->orig_id = m->id;
      n->orig_client = m->reply_to;
      n->orig_label = m->label;
      schedule (sim, recv + proc * 7 / 10, EV_SEND, k);
      break;

    case CONT_WORK:
      if (gen_rng_chance (&sim->rng, 0.35))
        {
          guint16 label = (guint16) (sim->db_label0 + 2 * gen_rng_below (&sim->rng, sim->n_db_labels));

          k = msg_new (sim, to_actor, g_array_index (sim->services, Service, to->service).db,
                       FLAVOR_REQUEST, label, CONT_DB_REPLY);
          n = &sim->msgs[k];
          n->reply_to = to_actor;
          n->orig_id = m->orig_id;
          n->orig_client = m->orig_client;
          n->orig_label = m->orig_label;
          schedule (sim, recv + proc * 3 / 10, EV_SEND, k);
          break;
        }
      if (sim->services->len > 1 && gen_rng_chance (&sim->rng, 0.12))
        {
          guint32 other = (guint32) gen_rng_below (&sim->rng, sim->services->len - 1);
          guint16 label = (guint16) (sim->note_label0 + gen_rng_below (&sim->rng, sim->n_note_labels));

          if (other >= to->service)
            other++;
          k = msg_new (sim, to_actor, g_array_index (sim->services, Service, other).router,
                       FLAVOR_TELL, label, CONT_NOTIFY_FWD);
          schedule (sim, recv + proc / 2, EV_SEND, k);
        }
      G_GNUC_FALLTHROUGH;
    case CONT_ANSWER:
      k = msg_new (sim, to_actor, m->orig_client, FLAVOR_REPLY, reply_label (m->orig_label), CONT_NONE);
      n = &sim->msgs[k];
      n->in_reply_to = m->orig_id;
      schedule (sim, recv + proc * 9 / 10, EV_SEND, k);
      break;

    case CONT_DB_REPLY:
      k = msg_new (sim, to_actor, m->from, FLAVOR_REPLY, reply_label (m->label), CONT_ANSWER);
      n = &sim->msgs[k];
      n->in_reply_to = m->id;
      n->orig_id = m->orig_id;
      n->orig_client = m->orig_client;
      n->orig_label = m->orig_label;
      schedule (sim, recv + proc * 9 / 10, EV_SEND, k);
      break;

    default:
      break;
    }
}

static void
handle_send (Sim *sim, gint64 now, guint32 k)
{
  Msg *m = &sim->msgs[k];
  Actor *to = actor_at (sim, m->to);
  gint64 transit = 2000 + (gint64) gen_rng_exp (&sim->rng, 15e3);

  if (to->state == STATE_STOPPED)
    m->drop = DROP_STOPPED;
  else if (to->depth >= MAILBOX_CAPACITY)
    m->drop = DROP_FULL;
  write_send (sim, now, m);

  if (m->drop != DROP_NONE)
    {
      schedule (sim, now + transit, EV_DROP, k);
      return;
    }
  to->depth++;
  if (to->stuck)
    return;                             /* stays pending: never received */

  {
    gint64 recv = MAX (now + transit, to->busy_until);
    gint64 proc = 1000 + (gint64) gen_rng_exp (&sim->rng, to->proc_mean_ns);
    gint64 done = recv + proc;

    schedule (sim, recv, EV_RECV, k);
    if (to->role == ROLE_WORKER && gen_rng_chance (&sim->rng, 0.0006))
      {
        m->crash = 1;
        m->crash_ns = done;
        m->restart_ns = done + 1000000 + (gint64) gen_rng_below (&sim->rng, 3000000);
        to->busy_until = m->restart_ns;
        schedule (sim, done, EV_CRASH, k);
        return;                         /* the message dies with the actor */
      }
    to->busy_until = done;
    schedule (sim, done, EV_DONE, k);
    if (to->role == ROLE_DB)
      schedule (sim, done + 500, EV_ACK, k);
    {
      /* By value: scheduling the continuation may move the slot array. */
      Msg copy = *m;
      schedule_continuation (sim, &copy, recv, proc);
    }
  }
}

static void
handle_mark (Sim *sim, gint64 now)
{
  char text[128];
  double u = gen_rng_unit (&sim->rng);
  guint32 a = NONE;

  if (sim->opt->graph_nodes > 0 || u < 0.5)
    {
      a = (guint32) gen_rng_below (&sim->rng, sim->actors->len);
      g_snprintf (text, sizeof text, "GC pause %u ms", (guint) (2 + gen_rng_below (&sim->rng, 40)));
    }
  else if (u < 0.75)
    {
      guint s = (guint) gen_rng_below (&sim->rng, sim->services->len);

      g_snprintf (text, sizeof text, "deploy %s v2.%u.%u",
                  actor_at (sim, g_array_index (sim->services, Service, s).supervisor)->name + 6,
                  (guint) gen_rng_below (&sim->rng, 20), (guint) gen_rng_below (&sim->rng, 10));
    }
  else
    {
      guint s = (guint) gen_rng_below (&sim->rng, sim->services->len);
      Service *svc = &g_array_index (sim->services, Service, s);

      a = svc->router;
      g_snprintf (text, sizeof text, "pool resized to %u routees", svc->workers->len);
    }
  write_mark (sim, now, a, text);
}

/* ---- the graph workload ------------------------------------------------- */

static void
build_graph (Sim *sim)
{
  guint n = sim->opt->graph_nodes;
  guint64 m = sim->opt->graph_edges;
  int width = n < 10 ? 1 : (int) floor (log10 ((double) (n - 1))) + 1;

  for (guint i = 0; i < n; i++)
    add_actor (sim, g_strdup_printf ("n%0*u", width, i), NONE, ROLE_NODE, NONE, 50e3);

  /* A random spanning tree first, so every node has an edge; then distinct
   * random pairs. sim->edges doubles as the "already planned" set here and
   * is reset afterwards for counting what is actually sent. */
  for (guint i = 1; i < n; i++)
    {
      guint32 j = (guint32) gen_rng_below (&sim->rng, i);

      if (gen_rng_chance (&sim->rng, 0.5))
        edge_find_or_add (sim, j, i, NULL);
      else
        edge_find_or_add (sim, i, j, NULL);
    }
  if (m > (guint64) n * (n - 1) / 2)
    {
      /* Dense: enumerate every pair and take them in random order. */
      GArray *all = g_array_new (FALSE, FALSE, sizeof (guint64));

      for (guint64 a = 0; a < n; a++)
        for (guint64 b = 0; b < n; b++)
          if (a != b)
            {
              guint64 key = (a << 32) | b;
              g_array_append_val (all, key);
            }
      for (guint64 i = all->len; i > 1; i--)
        {
          guint64 j = gen_rng_below (&sim->rng, i);
          guint64 tmp = g_array_index (all, guint64, i - 1);

          g_array_index (all, guint64, i - 1) = g_array_index (all, guint64, j);
          g_array_index (all, guint64, j) = tmp;
        }
      for (guint i = 0; i < all->len && sim->edges->len < m; i++)
        {
          guint64 key = g_array_index (all, guint64, i);
          edge_find_or_add (sim, (guint32) (key >> 32), (guint32) key, NULL);
        }
      g_array_unref (all);
    }
  else
    while (sim->edges->len < m)
      {
        guint32 a = (guint32) gen_rng_below (&sim->rng, n);
        guint32 b = (guint32) gen_rng_below (&sim->rng, n);

        if (a != b)
          edge_find_or_add (sim, a, b, NULL);
      }

  /* Planned edges in random order; the first M messages use each once. */
  g_array_append_vals (sim->planned, sim->edges->data, sim->edges->len);
  for (guint i = sim->planned->len; i > 1; i--)
    {
      guint j = (guint) gen_rng_below (&sim->rng, i);
      Edge tmp = g_array_index (sim->planned, Edge, i - 1);

      g_array_index (sim->planned, Edge, i - 1) = g_array_index (sim->planned, Edge, j);
      g_array_index (sim->planned, Edge, j) = tmp;
    }
  g_array_set_size (sim->edges, 0);
  memset (sim->edge_keys, 0, (sim->edge_mask + 1) * sizeof (guint64));
}

/* ---- driver ------------------------------------------------------------- */

gboolean
gen_sim_check_options (const GenSimOptions *o, GError **error)
{
  if (o->rate <= 0 || !isfinite (o->rate))
    {
      g_set_error (error, GEN_SIM_ERROR, 0, "--rate must be a positive number of events per second");
      return FALSE;
    }
  if (o->n_labels < 1 || o->n_labels > 10000)
    {
      g_set_error (error, GEN_SIM_ERROR, 0, "--labels must be between 1 and 10000");
      return FALSE;
    }
  if (o->graph_nodes > 0)
    {
      guint64 n = o->graph_nodes;

      if (n < 2 || n > 1000000)
        {
          g_set_error (error, GEN_SIM_ERROR, 0, "--graph-nodes must be between 2 and 1000000");
          return FALSE;
        }
      if (o->graph_edges < n - 1 || o->graph_edges > n * (n - 1) || o->graph_edges > 100000000)
        {
          g_set_error (error, GEN_SIM_ERROR, 0,
                       "--graph-edges must be between %" G_GUINT64_FORMAT " (nodes - 1, so every node "
                       "has an edge) and %" G_GUINT64_FORMAT " (every ordered pair)",
                       n - 1, MIN (n * (n - 1), (guint64) 100000000));
          return FALSE;
        }
    }
  else if (o->n_actors < 8 || o->n_actors > 10000000)
    {
      g_set_error (error, GEN_SIM_ERROR, 0, "--actors must be between 8 and 10000000");
      return FALSE;
    }
  return TRUE;
}

static void
write_msc_header (Sim *sim)
{
  GenOutput *o = sim->msc;
  gboolean first = TRUE;

  gen_output_lit (o, "# mscgen chart written by actorscope-gen: one arc per message\n"
                     "msc {\n  hscale=\"auto\";\n\n  ");
  for (guint32 i = 0; i < sim->actors->len; i++)
    {
      const Actor *a = actor_at (sim, i);

      if (a->role == ROLE_GUARDIAN || a->role == ROLE_SUPERVISOR)
        continue;
      if (!first)
        gen_output_lit (o, ",\n  ");
      first = FALSE;
      gen_output_lit (o, "a");
      gen_output_u64 (o, i);
      gen_output_lit (o, " [label=");
      gen_output_quoted (o, a->name);
      gen_output_lit (o, "]");
    }
  gen_output_lit (o, ";\n\n");
}

static void
write_dot (Sim *sim)
{
  GenOutput *o = sim->dot;

  gen_output_lit (o, "/* interaction graph written by actorscope-gen: one edge per distinct sender and receiver pair */\n"
                     "digraph actorscope {\n");
  for (guint i = 0; i < sim->edges->len; i++)
    {
      const Edge *e = &g_array_index (sim->edges, Edge, i);

      gen_output_lit (o, "  ");
      gen_output_quoted (o, actor_at (sim, e->from)->name);
      gen_output_lit (o, " -> ");
      gen_output_quoted (o, actor_at (sim, e->to)->name);
      gen_output_lit (o, ";\n");
    }
  gen_output_lit (o, "}\n");
}

static void
sim_clear (Sim *sim)
{
  for (guint i = 0; i < sim->actors->len; i++)
    g_free (actor_at (sim, i)->name);
  g_array_unref (sim->actors);
  for (guint i = 0; i < sim->services->len; i++)
    g_array_unref (g_array_index (sim->services, Service, i).workers);
  g_array_unref (sim->services);
  g_array_unref (sim->clients);
  g_ptr_array_unref (sim->labels);
  g_free (sim->heap);
  g_free (sim->msgs);
  g_array_unref (sim->free_msgs);
  g_free (sim->edge_keys);
  g_free (sim->edge_vals);
  g_array_unref (sim->edges);
  g_array_unref (sim->planned);
}

gboolean
gen_sim_run (const GenSimOptions *opt, GenOutput *ndjson, GenOutput *msc,
             GenOutput *dot, GenSimSummary *summary, GError **error)
{
  Sim sim = { 0 };
  gboolean ok = TRUE;
  gint64 t;

  if (!gen_sim_check_options (opt, error))
    return FALSE;

  sim.opt = opt;
  sim.out = ndjson;
  sim.msc = msc;
  sim.dot = dot;
  sim.stall_db = NONE;
  gen_rng_init (&sim.rng, opt->seed);
  sim.actors = g_array_new (FALSE, FALSE, sizeof (Actor));
  sim.services = g_array_new (FALSE, FALSE, sizeof (Service));
  sim.clients = g_array_new (FALSE, FALSE, sizeof (guint32));
  sim.free_msgs = g_array_new (FALSE, FALSE, sizeof (guint32));
  sim.edges = g_array_new (FALSE, FALSE, sizeof (Edge));
  sim.planned = g_array_new (FALSE, FALSE, sizeof (Edge));
  sim.edge_mask = 1023;
  sim.edge_keys = g_new0 (guint64, sim.edge_mask + 1);
  sim.edge_vals = g_new0 (guint32, sim.edge_mask + 1);
  build_labels (&sim);

  if (opt->graph_nodes > 0)
    {
      build_graph (&sim);
      sim.conv_interval_ns = EVENTS_PER_GRAPH_MESSAGE * 1e9 / opt->rate;
    }
  else
    {
      build_services (&sim);
      sim.conv_interval_ns = EVENTS_PER_CONVERSATION * 1e9 / opt->rate;
    }

  gen_output_lit (ndjson, "{\"actorscope\":1}\n");
  if (msc != NULL)
    write_msc_header (&sim);

  /* Parents first, 1 us apart, then traffic from 1 ms later. */
  t = T0_NS;
  for (guint32 i = 0; i < sim.actors->len; i++, t += 1000)
    schedule (&sim, t, EV_SPAWN, i);
  schedule (&sim, t + 1000000, EV_CONV, 0);

  while (sim.sum.events < opt->n_events && sim.heap_len > 0
         && (opt->n_messages == 0 || sim.sum.messages < opt->n_messages))
    {
      Item it = pop (&sim);
      Msg *m = it.kind >= EV_SEND && it.kind <= EV_CRASH ? &sim.msgs[it.arg] : NULL;

      if (sim.stall_db != NONE && sim.sum.events >= sim.stall_at && !actor_at (&sim, sim.stall_db)->stuck)
        {
          actor_at (&sim, sim.stall_db)->stuck = TRUE;
          write_mark (&sim, it.t, sim.stall_db, "connection pool exhausted: 0 of 16 connections free");
          if (sim.sum.events >= opt->n_events)
            break;
        }

      switch (it.kind)
        {
        case EV_SPAWN:
          write_spawn (&sim, it.t, it.arg);
          sim.sum.actors++;
          break;
        case EV_RESTART:
          write_spawn (&sim, it.t, it.arg);
          break;
        case EV_CONV:
          schedule (&sim, it.t + 1 + (gint64) gen_rng_exp (&sim.rng, sim.conv_interval_ns), EV_CONV, 0);
          if (opt->graph_nodes > 0)
            start_graph_message (&sim, it.t);
          else
            start_conversation (&sim, it.t);
          break;
        case EV_SEND:
          handle_send (&sim, it.t, it.arg);
          break;
        case EV_RECV:
          actor_at (&sim, m->to)->depth--;
          write_msg_event (&sim, it.t, "recv", m, NULL);
          break;
        case EV_DONE:
          write_msg_event (&sim, it.t, "done", m, NULL);
          break;
        case EV_ACK:
          write_msg_event (&sim, it.t, "ack", m, NULL);
          break;
        case EV_DROP:
          write_msg_event (&sim, it.t, "drop", m,
                           m->drop == DROP_STOPPED ? "dead letters: recipient stopped"
                                                   : "mailbox full (capacity 256)");
          sim.sum.drops++;
          break;
        case EV_CRASH:
          {
            Actor *a = actor_at (&sim, m->to);

            put_head (&sim, it.t, "exit");
            put_field_str (&sim, "actor", a->name);
            put_field_str (&sim, "status", "crash");
            put_field_str (&sim, "reason", crash_reasons[m->id % G_N_ELEMENTS (crash_reasons)]);
            put_end (&sim);
            a->state = STATE_RESTARTING;
            schedule (&sim, m->restart_ns, EV_RESTART, m->to);
            sim.sum.crashes++;
          }
          break;
        case EV_STOP:
          {
            Actor *a = actor_at (&sim, it.arg);

            if (a->state != STATE_ALIVE)
              break;
            put_head (&sim, it.t, "exit");
            put_field_str (&sim, "actor", a->name);
            put_field_str (&sim, "status", "normal");
            put_field_str (&sim, "reason", "connection closed by peer");
            put_end (&sim);
            a->state = STATE_STOPPED;
            schedule (&sim, it.t + 5000000 + (gint64) gen_rng_exp (&sim.rng, 40e6), EV_RESTART, it.arg);
          }
          break;
        case EV_MARK:
          handle_mark (&sim, it.t);
          break;
        default:
          g_assert_not_reached ();
        }
      if (m != NULL)
        msg_unref (&sim, it.arg);
    }

  sim.sum.edges = sim.edges->len;
  if (msc != NULL)
    gen_output_lit (msc, "}\n");
  if (dot != NULL)
    write_dot (&sim);

  if (opt->graph_nodes > 0 && sim.edges->len < opt->graph_edges)
    {
      g_set_error (error, GEN_SIM_ERROR, 0,
                   "only %u of %" G_GUINT64_FORMAT " edges were used within %" G_GUINT64_FORMAT
                   " events; raise --events (about %" G_GUINT64_FORMAT " are needed)",
                   sim.edges->len, opt->graph_edges, opt->n_events,
                   (guint64) opt->graph_nodes + 4 * opt->graph_edges);
      ok = FALSE;
    }
  if (summary != NULL)
    *summary = sim.sum;
  sim_clear (&sim);
  return ok;
}
