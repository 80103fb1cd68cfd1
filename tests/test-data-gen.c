/* test-data-gen.c: actorscope-gen, run as a program.
 *
 * Checks what the benchmarks and samples rely on: the same seed gives the
 * same bytes, exactly --events lines after the header, every line a JSON
 * object of the native format with consistent message references, graph
 * mode producing exactly N actors and M distinct edges, and .msc/.dot side
 * files that agree with the trace (and that mscgen and graphviz accept,
 * when installed). Everything is written into a fresh temporary folder.
 */
#include <glib.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "test-util.h"

static const char *gen_path;
static char *tmp_dir;

/* Runs argv (NULL-terminated, argv[0] replaced by the generator); returns
 * the exit status; stdout/stderr returned when the pointers are non-NULL. */
static int
run_gen (char **out, char **err, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *o = NULL, *e = NULL;
  int status = -1;
  va_list ap;
  const char *a;

  g_ptr_array_add (argv, (gpointer) gen_path);
  va_start (ap, err);
  while ((a = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (tmp_dir, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                     &o, &e, &status, &error))
    fail_msg ("cannot run %s: %s", gen_path, error->message);
  if (out != NULL)
    *out = g_steal_pointer (&o);
  if (err != NULL)
    *err = g_steal_pointer (&e);
  return g_spawn_check_wait_status (status, NULL) ? 0 : (WIFEXITED (status) ? WEXITSTATUS (status) : 255);
}

static char *
tmp_file (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

static char *
read_all (const char *path, gsize *len)
{
  g_autoptr (GError) error = NULL;
  char *data = NULL;

  if (!g_file_get_contents (path, &data, len, &error))
    fail_msg ("cannot read %s: %s", path, error->message);
  return data;
}

static void
test_same_seed_same_bytes (void **state)
{
  g_autofree char *a = tmp_file ("a.ndjson"), *b = tmp_file ("b.ndjson"), *c = tmp_file ("c.ndjson");
  g_autofree char *da = NULL, *db = NULL, *dc = NULL;
  gsize la, lb, lc;

  assert_int_equal (run_gen (NULL, NULL, "-q", "--seed", "7", "-n", "20000", "-o", a, NULL), 0);
  assert_int_equal (run_gen (NULL, NULL, "-q", "--seed", "7", "-n", "20000", "-o", b, NULL), 0);
  assert_int_equal (run_gen (NULL, NULL, "-q", "--seed", "8", "-n", "20000", "-o", c, NULL), 0);
  da = read_all (a, &la);
  db = read_all (b, &lb);
  dc = read_all (c, &lc);
  assert_true (la > 100000);
  assert_int_equal (la, lb);
  assert_memory_equal (da, db, la);
  assert_false (la == lc && memcmp (da, dc, la) == 0);
}

static guint
count_lines (const char *data, gsize len)
{
  guint n = 0;

  for (gsize i = 0; i < len; i++)
    n += data[i] == '\n';
  return n;
}

static void
test_line_count_and_stdout (void **state)
{
  g_autofree char *path = tmp_file ("n.ndjson");
  g_autofree char *data = NULL, *out = NULL;
  gsize len;
  const char *counts[] = { "1", "37", "5000", "12345" };

  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    {
      g_free (data);
      assert_int_equal (run_gen (NULL, NULL, "-q", "-n", counts[i], "-o", path, NULL), 0);
      data = read_all (path, &len);
      assert_true (len > 0 && data[len - 1] == '\n');
      /* Header line plus exactly N events. */
      assert_int_equal (count_lines (data, len), 1 + atoi (counts[i]));
    }
  /* "-o -" and no -o both mean stdout, byte for byte the same as the file. */
  assert_int_equal (run_gen (&out, NULL, "-q", "-n", "12345", "-o", "-", NULL), 0);
  assert_string_equal (out, data);
  g_free (out);
  assert_int_equal (run_gen (&out, NULL, "-q", "-n", "12345", NULL), 0);
  assert_string_equal (out, data);
}

typedef struct {
  GHashTable *sent;          /* id -> GINT_TO_POINTER (1) */
  GHashTable *actors;        /* name -> kind */
  GHashTable *edges;         /* "from\nto" */
  guint n_send, n_recv, n_done, n_ack, n_drop, n_exit, n_crash, n_spawn, n_mark;
  guint n_payload, n_reply_to, n_in_reply_to;
} Census;

static const char *
get_str (json_t *obj, const char *key)
{
  json_t *v = json_object_get (obj, key);

  return json_is_string (v) ? json_string_value (v) : NULL;
}

/* Parses every line with jansson and checks the native format's rules. */
static void
census_trace (const char *data, gsize len, Census *c)
{
  const char *p = data, *end = data + len;
  gint64 last_ts = G_MININT64;
  guint line = 0;

  memset (c, 0, sizeof *c);
  c->sent = g_hash_table_new (g_int64_hash, g_int64_equal);
  c->actors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  c->edges = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  while (p < end)
    {
      const char *nl = memchr (p, '\n', (size_t) (end - p));
      json_error_t jerr;
      json_t *obj;
      const char *ev, *actor;
      json_t *id;

      assert_non_null (nl);
      line++;
      obj = json_loadb (p, (size_t) (nl - p), JSON_REJECT_DUPLICATES, &jerr);
      if (obj == NULL)
        fail_msg ("line %u: %s", line, jerr.text);
      assert_true (json_is_object (obj));
      if (line == 1)
        {
          /* The version header. */
          assert_int_equal (json_integer_value (json_object_get (obj, "actorscope")), 1);
          json_decref (obj);
          p = nl + 1;
          continue;
        }
      assert_true (json_is_integer (json_object_get (obj, "ts")));
      /* Events come out in time order. */
      assert_true (json_integer_value (json_object_get (obj, "ts")) >= last_ts);
      last_ts = json_integer_value (json_object_get (obj, "ts"));
      ev = get_str (obj, "ev");
      assert_non_null (ev);
      actor = get_str (obj, "actor");
      id = json_object_get (obj, "id");

      if (strcmp (ev, "spawn") == 0)
        {
          const char *parent = get_str (obj, "parent");

          assert_non_null (actor);
          assert_non_null (get_str (obj, "kind"));
          /* Parents are spawned before their children. */
          if (parent != NULL)
            assert_true (g_hash_table_contains (c->actors, parent));
          g_hash_table_add (c->actors, g_strdup (actor));
          c->n_spawn++;
        }
      else if (strcmp (ev, "send") == 0)
        {
          const char *from = get_str (obj, "from"), *to = get_str (obj, "to");
          gint64 key;
          json_t *irt = json_object_get (obj, "in_reply_to");

          assert_non_null (from);
          assert_non_null (to);
          assert_non_null (get_str (obj, "label"));
          assert_true (json_is_integer (id));
          assert_true (json_is_integer (json_object_get (obj, "size")));
          assert_true (g_hash_table_contains (c->actors, from));
          assert_true (g_hash_table_contains (c->actors, to));
          key = json_integer_value (id);
          /* Ids are unique. */
          assert_false (g_hash_table_contains (c->sent, &key));
          g_hash_table_add (c->sent, g_memdup2 (&key, sizeof key));
          if (irt != NULL)
            {
              gint64 k2 = json_integer_value (irt);
              assert_true (g_hash_table_contains (c->sent, &k2));
              c->n_in_reply_to++;
            }
          if (get_str (obj, "reply_to") != NULL)
            c->n_reply_to++;
          if (get_str (obj, "payload") != NULL)
            c->n_payload++;
          g_hash_table_add (c->edges, g_strconcat (from, "\n", to, NULL));
          c->n_send++;
        }
      else if (strcmp (ev, "recv") == 0 || strcmp (ev, "done") == 0 || strcmp (ev, "ack") == 0
               || strcmp (ev, "drop") == 0)
        {
          gint64 key;

          assert_non_null (actor);
          assert_true (json_is_integer (id));
          key = json_integer_value (id);
          /* Every receive, done, ack and drop names a message already sent. */
          assert_true (g_hash_table_contains (c->sent, &key));
          if (ev[0] == 'r')
            c->n_recv++;
          else if (ev[0] == 'd' && ev[1] == 'o')
            c->n_done++;
          else if (ev[0] == 'a')
            c->n_ack++;
          else
            {
              assert_non_null (get_str (obj, "reason"));
              c->n_drop++;
            }
        }
      else if (strcmp (ev, "exit") == 0)
        {
          const char *status = get_str (obj, "status");

          assert_non_null (actor);
          assert_non_null (status);
          assert_non_null (get_str (obj, "reason"));
          c->n_exit++;
          if (strcmp (status, "crash") == 0)
            c->n_crash++;
          else
            assert_string_equal (status, "normal");
        }
      else if (strcmp (ev, "mark") == 0)
        {
          assert_non_null (get_str (obj, "text"));
          c->n_mark++;
        }
      else
        fail_msg ("line %u: unexpected ev '%s'", line, ev);
      json_decref (obj);
      p = nl + 1;
    }
}

static void
census_clear (Census *c)
{
  GHashTableIter it;
  gpointer k;

  g_hash_table_iter_init (&it, c->sent);
  while (g_hash_table_iter_next (&it, &k, NULL))
    g_free (k);
  g_hash_table_unref (c->sent);
  g_hash_table_unref (c->actors);
  g_hash_table_unref (c->edges);
}

static void
test_every_line_valid (void **state)
{
  g_autofree char *path = tmp_file ("v.ndjson");
  g_autofree char *data = NULL;
  gsize len;
  Census c;

  assert_int_equal (run_gen (NULL, NULL, "-q", "-n", "30000", "--actors", "40", "-o", path, NULL), 0);
  data = read_all (path, &len);
  census_trace (data, len, &c);
  assert_int_equal (g_hash_table_size (c.actors), 40);
  /* Every spawn beyond the first per actor is a restart after an exit. */
  assert_true (c.n_spawn >= 40 && c.n_spawn - 40 <= c.n_exit);
  /* The structure the samples and benchmarks rely on is all there. */
  assert_true (c.n_send > 8000);
  assert_true (c.n_recv > c.n_send * 9 / 10 && c.n_recv < c.n_send);   /* some pending */
  assert_true (c.n_done > c.n_recv * 9 / 10);
  assert_true (c.n_reply_to > 500 && c.n_in_reply_to > 500);
  assert_true (c.n_payload == c.n_send);
  assert_true (c.n_crash > 0);
  assert_true (c.n_ack > 0);
  assert_true (c.n_mark > 0);
  census_clear (&c);
}

static void
test_no_payload_and_labels (void **state)
{
  g_autofree char *path = tmp_file ("np.ndjson");
  g_autofree char *data = NULL;
  gsize len;
  Census c;

  assert_int_equal (run_gen (NULL, NULL, "-q", "-n", "3000", "--no-payload", "--labels", "30",
                             "--rate", "1000", "-o", path, NULL), 0);
  data = read_all (path, &len);
  census_trace (data, len, &c);
  assert_int_equal (c.n_payload, 0);
  assert_true (c.n_send > 500);
  census_clear (&c);
  /* 30 request labels wrap the name list: "GetOrder2" exists. */
  assert_non_null (strstr (data, "\"label\":\"GetOrder2\""));
}

static void
test_messages_stop (void **state)
{
  g_autofree char *path = tmp_file ("m.ndjson"), *msc = tmp_file ("m.msc");
  g_autofree char *data = NULL, *msc_text = NULL;
  gsize len, mlen;
  Census c;

  /* --messages N: exactly N sends (one arc each in the chart). */
  assert_int_equal (run_gen (NULL, NULL, "-q", "--messages", "3000", "-o", path, "--msc", msc, NULL), 0);
  data = read_all (path, &len);
  census_trace (data, len, &c);
  assert_int_equal (c.n_send, 3000);
  census_clear (&c);
  msc_text = read_all (msc, &mlen);
  assert_non_null (strstr (msc_text, "msc {"));
  assert_non_null (strstr (msc_text, "=>"));
  assert_non_null (strstr (msc_text, ">>"));
  assert_int_equal (msc_text[mlen - 2], '}');
}

static guint
count_substr (const char *hay, const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (hay, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

static void
test_graph_mode_exact (void **state)
{
  g_autofree char *path = tmp_file ("g.ndjson"), *msc = tmp_file ("g.msc"), *dot = tmp_file ("g.dot");
  g_autofree char *data = NULL, *msc_text = NULL, *dot_text = NULL;
  gsize len, mlen, dlen;
  Census c;

  assert_int_equal (run_gen (NULL, NULL, "-q", "--graph-nodes", "200", "--graph-edges", "2000",
                             "-o", path, "--msc", msc, "--dot", dot, NULL), 0);
  data = read_all (path, &len);
  census_trace (data, len, &c);
  assert_int_equal (g_hash_table_size (c.actors), 200);
  assert_int_equal (g_hash_table_size (c.edges), 2000);
  /* Default event count is nodes + 6 x edges. */
  assert_int_equal (count_lines (data, len), 1 + 200 + 6 * 2000);

  /* The side files describe the same interaction. */
  msc_text = read_all (msc, &mlen);
  dot_text = read_all (dot, &dlen);
  assert_int_equal (count_substr (msc_text, "[label=") - 200, c.n_send);
  assert_int_equal (count_substr (dot_text, " -> "), 2000);
  census_clear (&c);
}

static void
test_graph_mode_too_few_events (void **state)
{
  g_autofree char *err = NULL;

  assert_int_equal (run_gen (NULL, &err, "--graph-nodes", "50", "--graph-edges", "400", "-n", "300",
                             "-o", "/dev/null", NULL), 1);
  assert_non_null (strstr (err, "raise --events"));
  g_free (g_steal_pointer (&err));
  /* Dense: every ordered pair of 12 nodes. */
  assert_int_equal (run_gen (NULL, NULL, "-q", "--graph-nodes", "12", "--graph-edges", "132",
                             "-o", "/dev/null", NULL), 0);
}

static void
test_bad_options (void **state)
{
  const char *cases[][4] = {
    { "--actors", "3", NULL, NULL },
    { "--rate", "0", NULL, NULL },
    { "--labels", "0", NULL, NULL },
    { "--graph-nodes", "10", NULL, NULL },
    { "--graph-nodes", "10", "--graph-edges", "5" },
    { "--graph-nodes", "10", "--graph-edges", "91" },
    { "--payload", "--no-payload", NULL, NULL },
    { "--events", "-5", NULL, NULL },
    { "stray-argument", NULL, NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *err = NULL;

      assert_int_equal (run_gen (NULL, &err, "-o", "/dev/null", cases[i][0], cases[i][1],
                                 cases[i][2], cases[i][3], NULL), 2);
      assert_non_null (strstr (err, "actorscope-gen: "));
    }
  /* An unwritable output is an I/O error, exit 1, naming the path. */
  {
    g_autofree char *err = NULL;

    assert_int_equal (run_gen (NULL, &err, "-o", "/nonexistent-dir/x.ndjson", NULL), 1);
    assert_non_null (strstr (err, "/nonexistent-dir/x.ndjson"));
  }
}

/* mscgen and graphviz accept the side files (skipped when not installed). */
static void
test_side_files_accepted_by_tools (void **state)
{
  g_autofree char *mscgen = g_find_program_in_path ("mscgen");
  g_autofree char *dot_prog = g_find_program_in_path ("dot");
  g_autofree char *msc = tmp_file ("t.msc"), *dot = tmp_file ("t.dot");
  g_autofree char *msc_svg = tmp_file ("t-msc.svg"), *dot_svg = tmp_file ("t-dot.svg");

  if (mscgen == NULL || dot_prog == NULL)
    {
      skip ();
      return;
    }
  assert_int_equal (run_gen (NULL, NULL, "-q", "-n", "2000", "--actors", "24", "-o", "/dev/null",
                             "--msc", msc, "--dot", dot, NULL), 0);
  {
    char *argv1[] = { mscgen, "-T", "svg", "-i", msc, "-o", msc_svg, NULL };
    char *argv2[] = { dot_prog, "-Tsvg", dot, "-o", dot_svg, NULL };
    int status = -1;

    assert_true (g_spawn_sync (tmp_dir, argv1, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, NULL, &status, NULL));
    assert_true (g_spawn_check_wait_status (status, NULL));
    assert_true (g_spawn_sync (tmp_dir, argv2, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, NULL, &status, NULL));
    assert_true (g_spawn_check_wait_status (status, NULL));
  }
  assert_true (g_file_test (msc_svg, G_FILE_TEST_IS_REGULAR));
  assert_true (g_file_test (dot_svg, G_FILE_TEST_IS_REGULAR));
}

int
main (int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_same_seed_same_bytes),
    cmocka_unit_test (test_line_count_and_stdout),
    cmocka_unit_test (test_every_line_valid),
    cmocka_unit_test (test_no_payload_and_labels),
    cmocka_unit_test (test_messages_stop),
    cmocka_unit_test (test_graph_mode_exact),
    cmocka_unit_test (test_graph_mode_too_few_events),
    cmocka_unit_test (test_bad_options),
    cmocka_unit_test (test_side_files_accepted_by_tools),
  };
  int failed;

  gen_path = argc > 1 ? argv[1] : g_getenv ("ACTORSCOPE_GEN");
  if (gen_path == NULL)
    {
      g_printerr ("usage: %s PATH-TO-actorscope-gen (or set ACTORSCOPE_GEN)\n", argv[0]);
      return 2;
    }
  tmp_dir = test_tmpdir_new ("actorscope-gen-XXXXXX");
  failed = cmocka_run_group_tests (tests, NULL, NULL);
  test_tmpdir_clear (&tmp_dir);
  return failed;
}
