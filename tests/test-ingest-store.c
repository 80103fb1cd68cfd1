/* test-ingest-store.c: the store's pairing, derived facts, interning,
 * hierarchy, time order and memory bound. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <malloc.h>
#include <cmocka.h>
/* Under AddressSanitizer malloc is the sanitizer's: glibc's mallinfo2 sees
 * none of it (gcc says __SANITIZE_ADDRESS__, clang __has_feature). */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_MALLOC_IS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_MALLOC_IS_ASAN 1
#endif
#endif
#ifndef TEST_MALLOC_IS_ASAN
#define TEST_MALLOC_IS_ASAN 0
#endif
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

#include "ingest-store.h"
#include "test-ingest-common.h"

#define MS (G_GINT64_CONSTANT (1000000))

static IngestSeq
ev_full (IngestStore *s, IngestEventKind kind, gint64 t, const char *actor,
         const char *peer, const char *key, const char *label,
         const char *reply_to, const char *in_reply_to, const char *text)
{
  return test_ingest_event (s, kind, t, actor, peer, key, label, text, reply_to, in_reply_to,
                            INGEST_EXIT_NORMAL, 0);
}

static IngestSeq
send (IngestStore *s, gint64 t, const char *from, const char *to, const char *key)
{
  return ev_full (s, INGEST_EVENT_SEND, t, from, to, key, "work", NULL, NULL, NULL);
}

static IngestSeq
recv (IngestStore *s, gint64 t, const char *to, const char *key)
{
  return ev_full (s, INGEST_EVENT_RECEIVE, t, to, NULL, key, NULL, NULL, NULL, NULL);
}

static IngestSeq
done (IngestStore *s, gint64 t, const char *actor, const char *key)
{
  return ev_full (s, INGEST_EVENT_DONE, t, actor, NULL, key, NULL, NULL, NULL, NULL);
}

static IngestMessageId
msg_of (IngestStore *s, IngestSeq seq)
{
  return ingest_store_event (s, seq)->message;
}

static void
test_model_names (void **state)
{
  IngestEventKind ek;
  IngestActorKind ak;

  for (int k = 0; k < INGEST_EVENT_N_KINDS; k++)
    {
      const char *n = ingest_event_kind_to_string (k);
      assert_true (ingest_event_kind_from_string (n, strlen (n), &ek));
      assert_int_equal (ek, k);
    }
  for (int k = 0; k < INGEST_ACTOR_N_KINDS; k++)
    {
      const char *n = ingest_actor_kind_to_string (k);
      assert_true (ingest_actor_kind_from_string (n, strlen (n), &ak));
      assert_int_equal (ak, k);
    }
  assert_true (ingest_event_kind_from_string ("deliver", 7, &ek));
  assert_int_equal (ek, INGEST_EVENT_RECEIVE);
  /* Length is honoured: "sendx" cut to 4 bytes is "send". */
  assert_true (ingest_event_kind_from_string ("sendx", 4, &ek));
  assert_false (ingest_event_kind_from_string ("sendx", 5, &ek));
  assert_false (ingest_actor_kind_from_string ("", 0, &ak));
  assert_string_equal (ingest_event_kind_to_string (99), "unknown");
  assert_true (INGEST_ERROR != 0);
}

static void
test_pairing_in_order (void **state)
{
  g_autoptr (IngestStore) s = ingest_store_new ();

  IngestSeq s0 = send (s, 100 * MS, "/user/a", "/user/b", "m1");
  IngestSeq s1 = recv (s, 130 * MS, "/user/b", "m1");
  IngestSeq s2 = done (s, 150 * MS, "/user/b", "m1");

  assert_int_equal (ingest_store_n_events (s), 3);
  assert_int_equal (ingest_store_n_messages (s), 1);
  IngestMessageId id = msg_of (s, s0);
  assert_int_equal (id, msg_of (s, s1));
  assert_int_equal (id, msg_of (s, s2));
  const IngestMessage *m = ingest_store_message (s, id);
  assert_int_equal (m->send_seq, s0);
  assert_int_equal (m->receive_seq, s1);
  assert_int_equal (m->done_seq, s2);
  assert_string_equal (ingest_store_atom (s, m->key), "m1");
  assert_string_equal (ingest_store_atom (s, m->label), "work");
  IngestActorId a = ingest_store_find_actor (s, "/user/a");
  IngestActorId b = ingest_store_find_actor (s, "/user/b");
  assert_int_equal (m->from, a);
  assert_int_equal (m->to, b);
  /* The receive event learns its peer from the message. */
  assert_int_equal (ingest_store_event (s, s1)->peer, a);

  IngestActorStats st;
  ingest_store_actor_stats (s, b, &st);
  assert_int_equal (st.received, 1);
  assert_int_equal (st.processed, 1);
  assert_int_equal (st.mailbox.count, 1);
  assert_int_equal (st.mailbox.min_ns, 30 * MS);
  assert_int_equal (st.processing.max_ns, 20 * MS);
  assert_int_equal (st.pending, 0);
  assert_int_equal (st.first_ns, 100 * MS);
  assert_int_equal (st.last_ns, 150 * MS);
  ingest_store_actor_stats (s, a, &st);
  assert_int_equal (st.sent, 1);

  gsize n;
  g_autofree IngestEdgeStats *edges = ingest_store_dup_edges (s, &n);
  assert_int_equal (n, 1);
  assert_int_equal (edges[0].from, a);
  assert_int_equal (edges[0].to, b);
  assert_int_equal (edges[0].count, 1);
  assert_int_equal (edges[0].received, 1);
  assert_int_equal (edges[0].mailbox.p50_ns, 30 * MS);
  assert_int_equal (edges[0].processing.p50_ns, 20 * MS);
  assert_string_equal (ingest_store_atom (s, edges[0].top_label), "work");
  assert_int_equal (ingest_store_counters (s)->unmatched, 0);
}

static void
test_pairing_out_of_order (void **state)
{
  g_autoptr (IngestStore) s = ingest_store_new ();

  /* done, then receive, then send: as two merged sources might deliver. */
  IngestSeq d = done (s, 150 * MS, "b", "k");
  assert_int_equal (ingest_store_counters (s)->unmatched, 1);
  IngestSeq r = recv (s, 120 * MS, "b", "k");
  IngestSeq sn = send (s, 100 * MS, "a", "b", "k");
  assert_int_equal (ingest_store_n_messages (s), 1);
  assert_int_equal (msg_of (s, d), msg_of (s, sn));
  assert_int_equal (msg_of (s, r), msg_of (s, sn));
  assert_int_equal (ingest_store_counters (s)->unmatched, 0);

  IngestActorStats st;
  IngestActorId b = ingest_store_find_actor (s, "b");
  ingest_store_actor_stats (s, b, &st);
  assert_int_equal (st.mailbox.count, 1);
  assert_int_equal (st.mailbox.max_ns, 20 * MS);
  assert_int_equal (st.processing.count, 1);
  assert_int_equal (st.processing.max_ns, 30 * MS);
  /* A receive that came first never counted as queued. */
  assert_int_equal (st.mailbox_depth, 0);
  assert_int_equal (st.mailbox_depth_max, 0);

  gsize n;
  g_autofree IngestEdgeStats *edges = ingest_store_dup_edges (s, &n);
  assert_int_equal (n, 1);
  assert_int_equal (edges[0].received, 1);
  assert_int_equal (edges[0].mailbox.count, 1);
  assert_int_equal (edges[0].processing.count, 1);

  /* Reusing a key after its send starts a new message. */
  IngestSeq sn2 = send (s, 200 * MS, "a", "b", "k");
  assert_int_equal (ingest_store_n_messages (s), 2);
  assert_int_not_equal (msg_of (s, sn2), msg_of (s, sn));
  IngestSeq r2 = recv (s, 210 * MS, "b", "k");
  assert_int_equal (msg_of (s, r2), msg_of (s, sn2));

  /* A receive nobody sent stays unmatched. */
  recv (s, 220 * MS, "b", "ghost");
  assert_int_equal (ingest_store_counters (s)->unmatched, 1);
}

static void
test_round_trip (void **state)
{
  g_autoptr (IngestStore) s = ingest_store_new ();

  ev_full (s, INGEST_EVENT_SEND, 0, "client", "server", "req1", "get", "client", NULL, NULL);
  ev_full (s, INGEST_EVENT_SEND, 1 * MS, "client", "server", "req2", "get", "client", NULL, NULL);
  IngestActorId c = ingest_store_find_actor (s, "client");
  IngestActorStats st;
  ingest_store_actor_stats (s, c, &st);
  assert_int_equal (st.unanswered, 2);

  recv (s, 2 * MS, "server", "req1");
  ev_full (s, INGEST_EVENT_SEND, 5 * MS, "server", "client", "resp1", "ok", NULL, "req1", NULL);
  ingest_store_actor_stats (s, c, &st);
  assert_int_equal (st.unanswered, 1);
  assert_int_equal (st.round_trip.count, 0); /* response not received yet */
  recv (s, 7 * MS, "client", "resp1");
  ingest_store_actor_stats (s, c, &st);
  assert_int_equal (st.round_trip.count, 1);
  assert_int_equal (st.round_trip.min_ns, 7 * MS);

  gint64 id1 = ingest_store_event (s, 0)->message;
  const IngestMessage *req = ingest_store_message (s, (IngestMessageId) id1);
  assert_int_not_equal (req->response, 0);
  const IngestMessage *resp = ingest_store_message (s, req->response);
  assert_int_equal (resp->in_reply_to, id1);
  assert_int_equal (req->reply_to, c);

  /* The edge client -> server carries the round trip. */
  gsize n;
  g_autofree IngestEdgeStats *edges = ingest_store_dup_edges (s, &n);
  gboolean found = FALSE;
  for (gsize i = 0; i < n; i++)
    if (edges[i].from == c)
      {
        found = TRUE;
        assert_int_equal (edges[i].round_trip.count, 1);
        assert_int_equal (edges[i].count, 2);
      }
  assert_true (found);

  /* Out of order: the response (send + receive) arrives before the request. */
  ev_full (s, INGEST_EVENT_SEND, 20 * MS, "server", "client", "resp3", "ok", NULL, "req3", NULL);
  recv (s, 21 * MS, "client", "resp3");
  ev_full (s, INGEST_EVENT_SEND, 10 * MS, "client", "server", "req3", "get", "client", NULL, NULL);
  ingest_store_actor_stats (s, c, &st);
  assert_int_equal (st.round_trip.count, 2);
  assert_int_equal (st.round_trip.max_ns, 11 * MS);
  assert_int_equal (st.unanswered, 1); /* req2 only */
}

static void
test_pending_depth_drop (void **state)
{
  g_autoptr (IngestStore) s = ingest_store_new ();
  char key[16];

  for (int i = 0; i < 5; i++)
    {
      g_snprintf (key, sizeof key, "m%d", i);
      send (s, i * MS, "p", "q", key);
    }
  IngestActorId q = ingest_store_find_actor (s, "q");
  IngestActorStats st;
  ingest_store_actor_stats (s, q, &st);
  assert_int_equal (st.mailbox_depth, 5);
  assert_int_equal (st.pending, 5);

  recv (s, 10 * MS, "q", "m0");
  recv (s, 11 * MS, "q", "m1");
  IngestSeq ds = ev_full (s, INGEST_EVENT_DROP, 12 * MS, "q", NULL, "m2", NULL, NULL, NULL, "mailbox full");
  ingest_store_actor_stats (s, q, &st);
  assert_int_equal (st.mailbox_depth, 2);
  assert_int_equal (st.mailbox_depth_max, 5);
  assert_int_equal (st.pending, 2);
  assert_int_equal (st.dropped, 1);
  assert_int_equal (st.errors, 1);
  assert_true (ingest_store_message_dropped (s, msg_of (s, ds)));
  assert_string_equal (ingest_store_atom (s, ingest_store_event (s, ds)->text), "mailbox full");

  gsize n;
  g_autofree IngestEdgeStats *edges = ingest_store_dup_edges (s, &n);
  assert_int_equal (n, 1);
  assert_int_equal (edges[0].count, 5);
  assert_int_equal (edges[0].received, 2);
  assert_int_equal (edges[0].dropped, 1);

  /* Crash, mark and restart. */
  ev_full (s, INGEST_EVENT_EXIT, 20 * MS, "q", NULL, NULL, NULL, NULL, NULL, "boom");
  IngestEventInput in = { .kind = INGEST_EVENT_EXIT, .time_ns = 21 * MS, .actor = INGEST_STR ("q"),
                          .exit_status = INGEST_EXIT_CRASH, .text = INGEST_STR ("boom") };
  ingest_store_append (s, &in);
  assert_false (ingest_store_actor (s, q)->alive);
  ev_full (s, INGEST_EVENT_MARK, 22 * MS, "q", NULL, NULL, NULL, NULL, NULL, "Error: disk");
  ev_full (s, INGEST_EVENT_MARK, 22 * MS, "q", NULL, NULL, NULL, NULL, NULL, "fine");
  ev_full (s, INGEST_EVENT_MARK, 22 * MS, NULL, NULL, NULL, NULL, NULL, NULL, "error global");
  ev_full (s, INGEST_EVENT_SPAWN, 23 * MS, "q", NULL, NULL, NULL, NULL, NULL, NULL);
  assert_true (ingest_store_actor (s, q)->alive);
  ingest_store_actor_stats (s, q, &st);
  assert_int_equal (st.exits, 2);
  assert_int_equal (st.crashes, 1);
  assert_int_equal (st.spawns, 1);
  assert_int_equal (st.errors, 3); /* drop + crash + error mark */
}

static void
test_hierarchy (void **state)
{
  g_autoptr (IngestStore) s = ingest_store_new ();

  IngestActorId w = ingest_store_ensure_actor (s, INGEST_STR ("/user/workers/w1"),
                                               INGEST_ACTOR_ACTOR, INGEST_STR_NONE);
  const IngestActor *a = ingest_store_actor (s, w);
  assert_string_equal (ingest_store_atom (s, a->name), "/user/workers/w1");
  assert_string_equal (ingest_store_atom (s, a->short_name), "w1");
  IngestActorId workers = ingest_store_find_actor (s, "/user/workers");
  IngestActorId user = ingest_store_find_actor (s, "/user");
  assert_int_equal (a->parent, workers);
  assert_int_equal (ingest_store_actor (s, workers)->parent, user);
  assert_int_equal (ingest_store_actor (s, user)->parent, 0);
  assert_string_equal (ingest_store_atom (s, ingest_store_actor (s, user)->short_name), "user");
  assert_int_equal (ingest_store_n_actors (s), 3);

  IngestActorId ak = ingest_store_ensure_actor (s, INGEST_STR ("akka://sys/user/a"),
                                                INGEST_ACTOR_QUEUE, INGEST_STR_NONE);
  assert_int_equal (ingest_store_actor (s, ak)->kind, INGEST_ACTOR_QUEUE);
  IngestActorId akp = ingest_store_actor (s, ak)->parent;
  assert_string_equal (ingest_store_actor_name (s, akp), "akka://sys/user");
  IngestActorId akr = ingest_store_actor (s, akp)->parent;
  assert_string_equal (ingest_store_actor_name (s, akr), "akka://sys");
  assert_int_equal (ingest_store_actor (s, akr)->parent, 0);
  assert_string_equal (ingest_store_atom (s, ingest_store_actor (s, akr)->short_name), "sys");

  /* Flat names: no parent, short name is the name. */
  IngestActorId x = ingest_store_ensure_actor (s, INGEST_STR ("xapi:15859"),
                                               INGEST_ACTOR_PROCESS, INGEST_STR_NONE);
  IngestActorId t = ingest_store_ensure_actor (s, INGEST_STR ("pid 12/tid 3"),
                                               INGEST_ACTOR_THREAD, INGEST_STR ("xapi:15859"));
  assert_int_equal (ingest_store_actor (s, x)->parent, 0);
  assert_int_equal (ingest_store_actor (s, t)->parent, x);
  assert_string_equal (ingest_store_atom (s, ingest_store_actor (s, t)->short_name), "pid 12/tid 3");
  /* ensure_actor updates the kind; a cycle is refused. */
  assert_int_equal (ingest_store_ensure_actor (s, INGEST_STR ("xapi:15859"), INGEST_ACTOR_CLIENT,
                                               INGEST_STR ("pid 12/tid 3")), x);
  assert_int_equal (ingest_store_actor (s, x)->kind, INGEST_ACTOR_CLIENT);
  assert_int_equal (ingest_store_actor (s, x)->parent, 0);

  /* An event creates unknown actors with the given kind or ACTOR. */
  IngestEventInput in = { .kind = INGEST_EVENT_SPAWN, .actor = INGEST_STR ("/user/workers/w2"),
                          .actor_kind = INGEST_ACTOR_THREAD, .actor_kind_set = TRUE,
                          .peer = INGEST_STR ("/user/workers") };
  ingest_store_append (s, &in);
  IngestActorId w2 = ingest_store_find_actor (s, "/user/workers/w2");
  assert_int_equal (ingest_store_actor (s, w2)->kind, INGEST_ACTOR_THREAD);
  assert_int_equal (ingest_store_actor (s, w2)->parent, workers);
  send (s, 0, "flat-sender", "/user/workers/w2", "m");
  IngestActorId fs = ingest_store_find_actor (s, "flat-sender");
  assert_int_equal (ingest_store_actor (s, fs)->kind, INGEST_ACTOR_ACTOR);
  /* Spawn with a spawner gives a flat actor its parent. */
  ev_full (s, INGEST_EVENT_SPAWN, 1, "child-proc", "flat-sender", NULL, NULL, NULL, NULL, NULL);
  assert_int_equal (ingest_store_actor (s, ingest_store_find_actor (s, "child-proc"))->parent, fs);

  /* A very deep path is handled iteratively, and its implied ancestors are
   * the root-most levels within INGEST_STORE_MAX_IMPLIED_LEVELS and _BYTES (a name 1,500 levels deep
   * interned 1,500 prefixes, 2.25 MB, for 3 KB of name). */
  GString *deep = g_string_new (NULL);
  for (int i = 0; i < 1500; i++)
    g_string_append (deep, "/d");
  IngestActorId dd = ingest_store_ensure_actor (s, INGEST_STR (deep->str), INGEST_ACTOR_ACTOR,
                                                INGEST_STR_NONE);
  int depth = 0;
  gsize ancestor_bytes = 0;
  for (IngestActorId p = dd; p != 0; p = ingest_store_actor (s, p)->parent)
    {
      if (p != dd)
        ancestor_bytes += strlen (ingest_store_actor_name (s, p));
      depth++;
    }
  assert_true (ancestor_bytes <= INGEST_STORE_MAX_IMPLIED_BYTES);
  assert_int_equal (depth, INGEST_STORE_MAX_IMPLIED_LEVELS + 1);
  assert_string_equal (ingest_store_actor_name (s, dd), deep->str);
  /* the levels kept are the root-most: the top one is "/d" */
  {
    IngestActorId top = dd;
    while (ingest_store_actor (s, top)->parent != 0)
      top = ingest_store_actor (s, top)->parent;
    assert_string_equal (ingest_store_actor_name (s, top), "/d");
  }
  g_string_free (deep, TRUE);
}

/* Many distinct deep paths: memory stays a small multiple of the names
 * (2,000 names of 4 KiB, 2,040 levels each, took 2.3 GB and 21 s). */
static void
test_deep_paths_bounded (void **state)
{
  g_autoptr (IngestStore) s = ingest_store_new ();
  gsize before = ingest_store_memory_bytes (s);
  gsize input = 0;

  for (guint i = 0; i < 500; i++)
    {
      g_autoptr (GString) name = g_string_new (NULL);
      g_string_append_printf (name, "/r%u", i);
      while (name->len + 2 <= INGEST_STORE_MAX_STRING)
        g_string_append (name, "/a");
      input += name->len;
      assert_int_not_equal (ingest_store_ensure_actor (s, INGEST_STR (name->str), INGEST_ACTOR_ACTOR,
                                                       INGEST_STR_NONE), 0);
      if (ingest_store_memory_bytes (s) - before > 8 * input + (1u << 20))
        fail_msg ("%u names of %" G_GSIZE_FORMAT " bytes: %" G_GSIZE_FORMAT " bytes of store",
                  i + 1, name->len, ingest_store_memory_bytes (s) - before);
    }
}

static void
test_strings (void **state)
{
  g_autoptr (IngestStore) s = ingest_store_new ();

  IngestAtom a1 = ingest_store_intern (s, INGEST_STR ("hello"));
  IngestAtom a2 = ingest_store_intern (s, (IngestStr){ "hello world", 5 });
  assert_int_equal (a1, a2);
  assert_string_equal (ingest_store_atom (s, a1), "hello");
  assert_int_equal (ingest_store_intern (s, INGEST_STR_NONE), 0);
  assert_int_equal (ingest_store_intern (s, INGEST_STR ("")), 0);
  assert_string_equal (ingest_store_atom (s, 0), "");

  /* Invalid UTF-8 and NUL become U+FFFD. */
  const char bad[] = { 'a', (char) 0xC3, 'b', (char) 0xFF, '\0', 'c' };
  IngestAtom ab = ingest_store_intern (s, (IngestStr){ bad, sizeof bad });
  assert_string_equal (ingest_store_atom (s, ab), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD" "c");
  assert_true (g_utf8_validate (ingest_store_atom (s, ab), -1, NULL));
  /* Truncated multibyte at the end. */
  IngestAtom at = ingest_store_intern (s, (IngestStr){ "x\xE2\x82", 3 });
  assert_string_equal (ingest_store_atom (s, at), "x\xEF\xBF\xBD\xEF\xBF\xBD");

  /* Cap: 1 MB name cut to <= 4096 bytes ending in an ellipsis, on a
   * character boundary even with multibyte text. */
  gsize big = 1 << 20;
  char *huge = g_malloc (big + 1);
  for (gsize i = 0; i < big; i += 2)
    {
      huge[i] = (char) 0xC3; /* é */
      huge[i + 1] = (char) 0xA9;
    }
  huge[big] = '\0';
  IngestAtom ah = ingest_store_intern (s, INGEST_STR (huge));
  const char *t = ingest_store_atom (s, ah);
  assert_true (strlen (t) <= INGEST_STORE_MAX_STRING);
  assert_true (strlen (t) >= INGEST_STORE_MAX_STRING - 4);
  assert_true (g_utf8_validate (t, -1, NULL));
  assert_true (g_str_has_suffix (t, "\xE2\x80\xA6"));
  /* Same long input -> same atom. */
  assert_int_equal (ingest_store_intern (s, (IngestStr){ huge, (gssize) big }), ah);
  g_free (huge);

  /* An actor named by hostile bytes keeps a valid name and still pairs. */
  IngestEventInput sin = { .kind = INGEST_EVENT_SEND, .time_ns = 0, .actor = INGEST_STR ("<script>\xFF"),
                           .peer = INGEST_STR ("b"), .message_key = { bad, sizeof bad } };
  ingest_store_append (s, &sin);
  IngestSeq r = ev_full (s, INGEST_EVENT_RECEIVE, 1, "b", NULL, NULL, NULL, NULL, NULL, NULL);
  assert_int_equal (msg_of (s, r), 0);
  IngestEventInput in = { .kind = INGEST_EVENT_RECEIVE, .time_ns = 2, .actor = INGEST_STR ("b"),
                          .message_key = { bad, sizeof bad } };
  IngestSeq r2 = ingest_store_append (s, &in);
  assert_int_equal (msg_of (s, r2), msg_of (s, 0));
  assert_int_not_equal (ingest_store_find_actor (s, "<script>\xEF\xBF\xBD"), 0);
  /* The repaired spelling names the same message and actor as the raw one. */
  IngestEventInput d = { .kind = INGEST_EVENT_DONE, .time_ns = 3, .actor = INGEST_STR ("b"),
                         .message_key = INGEST_STR ("a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD" "c") };
  IngestSeq d2 = ingest_store_append (s, &d);
  assert_int_equal (msg_of (s, d2), msg_of (s, 0));
  assert_int_equal (ingest_store_event (s, 0)->actor, ingest_store_find_actor (s, "<script>\xEF\xBF\xBD"));
  guint32 n_actors = ingest_store_n_actors (s);
  ingest_store_ensure_actor (s, INGEST_STR ("<script>\xEF\xBF\xBD"), INGEST_ACTOR_ACTOR, INGEST_STR_NONE);
  ingest_store_ensure_actor (s, INGEST_STR ("<script>\xFF"), INGEST_ACTOR_ACTOR, INGEST_STR_NONE);
  assert_int_equal (ingest_store_n_actors (s), n_actors);

  /* Payloads are kept (not interned), with their own bound. */
  IngestEventInput p = { .kind = INGEST_EVENT_SEND, .time_ns = 3, .actor = INGEST_STR ("a"),
                         .peer = INGEST_STR ("b"), .message_key = INGEST_STR ("p1"),
                         .payload = INGEST_STR ("{\"x\": 1}"), .size = 8 };
  IngestSeq ps = ingest_store_append (s, &p);
  const IngestMessage *pm = ingest_store_message (s, msg_of (s, ps));
  assert_string_equal (ingest_store_payload (s, pm->payload), "{\"x\": 1}");
  assert_int_equal (pm->size, 8);
  assert_string_equal (ingest_store_payload (s, 0), "");
}

/* The time index is the permutation of the events sorted by (time, seq). */
static void
assert_time_order (IngestStore *s)
{
  gsize n = ingest_store_n_events (s);
  g_autofree guint8 *seen_seq = g_new0 (guint8, n);
  gint64 prev = G_MININT64;
  IngestSeq prev_q = 0;

  for (gsize i = 0; i < n; i++)
    {
      IngestSeq q = ingest_store_time_seq (s, i);
      assert_true (q < n);
      assert_false (seen_seq[q]);
      seen_seq[q] = 1;
      gint64 t = ingest_store_event (s, q)->time_ns;
      assert_true (t > prev || (t == prev && q > prev_q));
      prev = t;
      prev_q = q;
    }
}

/* Two producers a few ms apart, the index asked between batches (as a
 * live service's frame rounds do): only the index's tail moves. */
static void
test_time_order_skewed_producers (void **state)
{
  g_autoptr (IngestStore) s = ingest_store_new ();
  GRand *rand = g_rand_new_with_seed (11);

  for (int i = 0; i < 60000; i++)
    {
      gint64 t = (gint64) i * 10 - (i % 2 ? 3000 : 0) + g_rand_int_range (rand, 0, 3);
      ev_full (s, INGEST_EVENT_MARK, t, i % 2 ? "b" : "a", NULL, NULL, NULL, NULL, NULL, "x");
      if (i % (int) g_rand_int_range (rand, 1, 700) == 0)
        ingest_store_time_lower_bound (s, t - 5000);
      if (i % 20000 == 19999)
        assert_time_order (s);
    }
  /* A very late one lands near the start. */
  ev_full (s, INGEST_EVENT_MARK, -5000, "c", NULL, NULL, NULL, NULL, NULL, "x");
  assert_int_equal (ingest_store_time_seq (s, 0), 60000);
  assert_time_order (s);
  g_rand_free (rand);
}

static void
test_new_since_and_time_order (void **state)
{
  g_autoptr (IngestStore) s = ingest_store_new ();
  gint64 times[] = { 10, 20, 20, 30, 5, 25, 40, 1 };

  for (guint i = 0; i < 4; i++)
    ev_full (s, INGEST_EVENT_MARK, times[i], "a", NULL, NULL, NULL, NULL, NULL, "x");

  /* A reader remembers N and reads what came after. */
  IngestSeq seen = ingest_store_n_events (s);
  assert_int_equal (seen, 4);
  assert_int_equal (ingest_store_time_lower_bound (s, 20), 1);
  assert_int_equal (ingest_store_time_seq (s, 3), 3);

  for (guint i = 4; i < G_N_ELEMENTS (times); i++)
    {
      IngestSeq q = ev_full (s, INGEST_EVENT_MARK, times[i], "a", NULL, NULL, NULL, NULL, NULL, "x");
      assert_int_equal (q, i);
    }
  guint fresh = 0;
  for (IngestSeq q = seen; q < ingest_store_n_events (s); q++)
    {
      assert_int_equal (ingest_store_event (s, q)->time_ns, times[q]);
      fresh++;
    }
  assert_int_equal (fresh, 4);
  assert_null (ingest_store_event (s, 99));
  /* Earlier events keep their seqs and addresses. */
  assert_int_equal (ingest_store_event (s, 0)->time_ns, 10);

  gsize n;
  const IngestSeq *order = ingest_store_time_order (s, &n);
  assert_int_equal (n, G_N_ELEMENTS (times));
  IngestSeq want[] = { 7, 4, 0, 1, 2, 5, 3, 6 };
  for (gsize i = 0; i < n; i++)
    {
      assert_int_equal (order[i], want[i]);
      assert_int_equal (ingest_store_time_seq (s, i), want[i]);
    }
  assert_int_equal (ingest_store_time_lower_bound (s, 20), 3);
  assert_int_equal (ingest_store_time_lower_bound (s, 0), 0);
  assert_int_equal (ingest_store_time_lower_bound (s, 41), n);
  gint64 lo, hi;
  assert_true (ingest_store_time_range (s, &lo, &hi));
  assert_int_equal (lo, 1);
  assert_int_equal (hi, 40);

  /* In-order appends after the merge go to the end cheaply; an old one is
   * merged into place. */
  ev_full (s, INGEST_EVENT_MARK, 50, "a", NULL, NULL, NULL, NULL, NULL, "x");
  ev_full (s, INGEST_EVENT_MARK, 15, "a", NULL, NULL, NULL, NULL, NULL, "x");
  order = ingest_store_time_order (s, &n);
  assert_int_equal (n, 10);
  for (gsize i = 1; i < n; i++)
    assert_true (ingest_store_event (s, order[i - 1])->time_ns <= ingest_store_event (s, order[i])->time_ns);
  assert_int_equal (order[9], 8);
  assert_int_equal (order[3], 9);

  /* Random appends: the index is a sorted permutation. */
  g_autoptr (IngestStore) r = ingest_store_new ();
  GRand *rand = g_rand_new_with_seed (7);
  for (int i = 0; i < 5000; i++)
    {
      ev_full (r, INGEST_EVENT_MARK, g_rand_int_range (rand, 0, 100000), "a", NULL, NULL, NULL, NULL, NULL, "x");
      if (i % 777 == 0)
        ingest_store_time_lower_bound (r, 0);
    }
  g_rand_free (rand);
  assert_time_order (r);
  gsize lb = ingest_store_time_lower_bound (r, 50000);
  assert_true (ingest_store_event (r, ingest_store_time_seq (r, lb))->time_ns >= 50000);
  assert_true (lb == 0 || ingest_store_event (r, ingest_store_time_seq (r, lb - 1))->time_ns < 50000);
}

/* The typical trace shape of the memory target: ~100 actors in a few
 * supervisors' subtrees, each message send + receive + done, keys like
 * "m123456", labels from a small set, no payloads. */
static void
fill_typical (IngestStore *s, guint n_messages)
{
  static const char *labels[] = { "Get", "Put", "Tick", "Ack", "Query", "Reply", "Flush", "Ping" };
  char names[100][32];
  char key[24];
  GRand *rand = g_rand_new_with_seed (42);
  gint64 t = 1700000000 * G_GINT64_CONSTANT (1000000000);

  for (int i = 0; i < 100; i++)
    g_snprintf (names[i], sizeof names[i], "/user/svc%d/worker-%d", i / 10, i);
  for (guint i = 0; i < n_messages; i++)
    {
      int from = g_rand_int_range (rand, 0, 100);
      /* Each actor talks to a handful of neighbours. */
      int to = (from + 1 + g_rand_int_range (rand, 0, 6)) % 100;
      g_snprintf (key, sizeof key, "m%u", i);
      IngestEventInput in = { .kind = INGEST_EVENT_SEND, .time_ns = t,
                              .actor = INGEST_STR (names[from]), .peer = INGEST_STR (names[to]),
                              .message_key = INGEST_STR (key),
                              .label = INGEST_STR (labels[g_rand_int_range (rand, 0, 8)]),
                              .size = 100 };
      ingest_store_append (s, &in);
      t += g_rand_int_range (rand, 1000, 50000);
      IngestEventInput r = { .kind = INGEST_EVENT_RECEIVE, .time_ns = t,
                             .actor = INGEST_STR (names[to]), .message_key = INGEST_STR (key) };
      ingest_store_append (s, &r);
      t += g_rand_int_range (rand, 1000, 50000);
      IngestEventInput d = { .kind = INGEST_EVENT_DONE, .time_ns = t,
                             .actor = INGEST_STR (names[to]), .message_key = INGEST_STR (key) };
      ingest_store_append (s, &d);
    }
  g_rand_free (rand);
}

/* The name cache in front of interning: names that differ only in their
 * middle or collide in the cache, kind updates on a cached name, repaired
 * bytes never matching the raw text, and rename invalidating the cache. */
static void
test_name_cache (void **state)
{
  g_autoptr (IngestStore) s = ingest_store_new ();
  char name[64];
  IngestActorId ids[600];

  for (int round = 0; round < 3; round++)
    for (int i = 0; i < 600; i++)
      {
        /* same length, same first and last bytes: only the middle differs */
        g_snprintf (name, sizeof name, "/user/pool-%03d-x/worker", i);
        IngestActorId id = ingest_store_ensure_actor (s, INGEST_STR (name), INGEST_ACTOR_ACTOR, INGEST_STR_NONE);
        if (round == 0)
          ids[i] = id;
        else
          assert_int_equal (id, ids[i]);
        assert_string_equal (ingest_store_actor_name (s, id), name);
      }
  for (int i = 0; i < 600; i++)
    for (int j = i + 1; j < MIN (600, i + 3); j++)
      assert_int_not_equal (ids[i], ids[j]);

  /* a kind given with a cached name still applies */
  IngestActorId a = ingest_store_ensure_actor (s, INGEST_STR ("/user/pool-007-x/worker"), INGEST_ACTOR_QUEUE,
                                               INGEST_STR_NONE);
  assert_int_equal (a, ids[7]);
  assert_int_equal (ingest_store_actor (s, a)->kind, INGEST_ACTOR_QUEUE);

  /* short names and a NUL inside: the raw bytes differ from the stored text */
  IngestActorId x = ingest_store_ensure_actor (s, INGEST_STR ("x"), INGEST_ACTOR_ACTOR, INGEST_STR_NONE);
  assert_int_equal (ingest_store_ensure_actor (s, INGEST_STR ("x"), INGEST_ACTOR_ACTOR, INGEST_STR_NONE), x);
  IngestStr with_nul = { "ab\0c", 4 };
  IngestActorId n1 = ingest_store_ensure_actor (s, with_nul, INGEST_ACTOR_ACTOR, INGEST_STR_NONE);
  assert_int_equal (ingest_store_ensure_actor (s, with_nul, INGEST_ACTOR_ACTOR, INGEST_STR_NONE), n1);
  assert_string_equal (ingest_store_actor_name (s, n1), "ab\xEF\xBF\xBD" "c");
  assert_int_equal (ingest_store_ensure_actor (s, INGEST_STR ("ab\xEF\xBF\xBD" "c"), INGEST_ACTOR_ACTOR,
                                               INGEST_STR_NONE), n1);

  /* rename: the old name is free again, the new one resolves to the actor */
  assert_true (ingest_store_rename_actor (s, ids[3], INGEST_STR ("renamed")));
  assert_int_equal (ingest_store_ensure_actor (s, INGEST_STR ("renamed"), INGEST_ACTOR_ACTOR, INGEST_STR_NONE),
                    ids[3]);
  IngestActorId fresh = ingest_store_ensure_actor (s, INGEST_STR ("/user/pool-003-x/worker"), INGEST_ACTOR_ACTOR,
                                                   INGEST_STR_NONE);
  assert_int_not_equal (fresh, ids[3]);
  assert_string_equal (ingest_store_actor_name (s, fresh), "/user/pool-003-x/worker");
}

static void
test_memory_bound (void **state)
{
  g_autoptr (IngestStore) s = ingest_store_new ();
  /* 1e6 events (about 4 s under AddressSanitizer, fine for a unit test). */
  guint n_messages = 333334;
  struct timespec c0, c1;

#if defined(__GLIBC__) && !TEST_MALLOC_IS_ASAN
  struct mallinfo2 before = mallinfo2 ();
#endif
  /* CPU time, not wall time: the machine is shared. */
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &c0);
  fill_typical (s, n_messages);
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &c1);
#if defined(__GLIBC__) && !TEST_MALLOC_IS_ASAN
  /* The store's own account must match what the allocator handed out.
   * Under valgrind (CI's memcheck pass) malloc is valgrind's: glibc's
   * mallinfo2 sees none of it, so there is nothing to compare with. */
  struct mallinfo2 after = mallinfo2 ();
  double heap = (double) (after.uordblks + after.hblkhd) - (double) (before.uordblks + before.hblkhd);
  double claimed = (double) ingest_store_memory_bytes (s);
  if (!RUNNING_ON_VALGRIND)
    {
      print_message ("store: heap grew %.1f MB, store claims %.1f MB\n", heap / 1e6, claimed / 1e6);
      assert_true (claimed >= heap * 0.95 && claimed <= heap * 1.10);
    }
#endif
  double cpu_s = (double) (c1.tv_sec - c0.tv_sec) + (double) (c1.tv_nsec - c0.tv_nsec) / 1e9;
  guint64 n = ingest_store_n_events (s);
  assert_int_equal (n, 3 * (guint64) n_messages);
  assert_int_equal (ingest_store_n_messages (s), n_messages);
  assert_int_equal (ingest_store_counters (s)->unmatched, 0);

  gsize bytes = ingest_store_memory_bytes (s);
  double per_event = (double) bytes / (double) n;
  /* Not a timed assertion: the rate is printed for the record only. */
  print_message ("store: %" G_GUINT64_FORMAT " events, %.1f bytes/event, %.0f events/s appended "
                 "(CPU time, including the test's own key formatting)\n",
                 n, per_event, (double) n / cpu_s);
  assert_true (per_event <= 64.0);
  /* Honest accounting: at least the events and messages themselves. */
  assert_true (bytes >= n * sizeof (IngestEvent) + n_messages * sizeof (IngestMessage));

  /* The facts are all there. */
  IngestActorStats st;
  ingest_store_actor_stats (s, ingest_store_find_actor (s, "/user/svc0/worker-1"), &st);
  assert_true (st.received > 0);
  assert_int_equal (st.mailbox.count, st.received);
  assert_int_equal (st.pending, 0);
  assert_true (st.mailbox.p50_ns >= 1000 && st.mailbox.p99_ns <= 50000);
}

/* The actor cap: past max_actors, new names fold into "(other actors)"
 * without being interned, known names keep resolving, folds are counted. */
static void
test_actor_cap (void **state)
{
  IngestStoreOptions opts = { .max_actors = 100 };
  g_autoptr (IngestStore) s = ingest_store_new_with_options (&opts);
  char name[32];

  assert_int_equal (ingest_store_other_actors (s), 0);
  for (guint i = 0; i < 100; i++)
    {
      g_snprintf (name, sizeof name, "a%u", i);
      send (s, i, name, "a0", name);
    }
  assert_int_equal (ingest_store_n_actors (s), 100);
  assert_int_equal (ingest_store_other_actors (s), 0);
  assert_int_equal (ingest_store_counters (s)->folded_actor_refs, 0);

  /* 10,000 new 2 KB names: 20 MB if they were interned. */
  g_autofree char *pad = g_strnfill (2000, 'x');
  char key[32];
  for (guint i = 100; i < 10100; i++)
    {
      g_autofree char *big = g_strdup_printf ("b%u-%s", i, pad);
      g_snprintf (key, sizeof key, "k%u", i);
      send (s, i, big, "a7", key);
    }
  /* One more actor, the fold, whatever the flood. */
  assert_int_equal (ingest_store_n_actors (s), 101);
  IngestActorId other = ingest_store_other_actors (s);
  assert_int_not_equal (other, 0);
  assert_string_equal (ingest_store_actor_name (s, other), INGEST_STORE_OTHER_ACTORS);
  assert_int_equal (ingest_store_counters (s)->folded_actor_refs, 10000);
  /* Known names still resolve to themselves. */
  IngestSeq seq = send (s, 20000, "a5", "a6", "known");
  const IngestEvent *ev = ingest_store_event (s, seq);
  assert_int_equal (ev->actor, ingest_store_find_actor (s, "a5"));
  assert_int_equal (ev->peer, ingest_store_find_actor (s, "a6"));
  g_autofree char *b200 = g_strdup_printf ("b200-%s", pad);
  assert_int_equal (ingest_store_find_actor (s, b200), 0);
  /* The flood's sends are all on the (other actors) -> a7 edge. */
  IngestActorStats st;
  ingest_store_actor_stats (s, other, &st);
  assert_int_equal (st.sent, 10000);
  /* Names were not interned: the arena stays far below 20 MB. */
  assert_true (ingest_store_memory_bytes (s) < 4 * 1024 * 1024);

  /* The default cap. */
  g_autoptr (IngestStore) d = ingest_store_new ();
  (void) d;
  assert_int_equal (INGEST_STORE_DEFAULT_MAX_ACTORS, 1000000);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_model_names),
    cmocka_unit_test (test_deep_paths_bounded),
    cmocka_unit_test (test_pairing_in_order),
    cmocka_unit_test (test_pairing_out_of_order),
    cmocka_unit_test (test_round_trip),
    cmocka_unit_test (test_pending_depth_drop),
    cmocka_unit_test (test_hierarchy),
    cmocka_unit_test (test_strings),
    cmocka_unit_test (test_new_since_and_time_order),
    cmocka_unit_test (test_time_order_skewed_producers),
    cmocka_unit_test (test_name_cache),
    cmocka_unit_test (test_memory_bound),
    cmocka_unit_test (test_actor_cap),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
