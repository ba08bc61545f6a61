/* hy-bench-store.c — fills a store with realistic mail and times search and the list model
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "hy-bench"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "api/hy-message-list.h"
#include "store/hy-store.h"
#include "store/hy-store-transaction.h"

static const char * const english_words[] = {
  "meeting", "report", "quarterly", "budget", "project", "schedule", "review", "update", "team",
  "release", "design", "customer", "invoice", "payment", "contract", "deadline", "draft", "proposal",
  "server", "database", "migration", "performance", "security", "network", "deployment", "test",
  "feedback", "roadmap", "planning", "agenda", "minutes", "decision", "approval", "travel", "expense",
  "hotel", "flight", "conference", "workshop", "training", "holiday", "office", "building", "access",
  "account", "password", "reset", "support", "ticket", "issue", "bug", "feature", "request", "pull",
  "merge", "branch", "commit", "build", "failure", "success", "weekly", "monthly", "annual", "summary",
  "sales", "marketing", "campaign", "launch", "product", "pricing", "discount", "order", "shipment",
  "delivery", "warehouse", "inventory", "supplier", "vendor", "quote", "estimate", "forecast", "revenue",
  "profit", "loss", "growth", "strategy", "vision", "goal", "objective", "metric", "dashboard", "chart",
  "spreadsheet", "document", "presentation", "slides", "attachment", "photo", "picture", "family",
  "dinner", "lunch", "coffee", "weekend", "birthday", "party", "gift", "thanks", "congratulations",
  "welcome", "introduction", "question", "answer", "reminder", "urgent", "important", "follow", "call",
  "phone", "video", "room", "calendar", "invitation", "cancelled", "postponed", "confirmed", "tomorrow",
  "today", "yesterday", "morning", "afternoon", "evening", "please", "could", "would", "should", "the",
  "a", "and", "of", "to", "in", "for", "on", "with", "we", "you", "our", "this", "that", "is", "are",
  "will", "have", "be", "as", "at", "by", "from", "it", "not", "all", "can", "new", "more", "about",
  "Café", "naïve", "résumé", "Zürich", "München",
};

static const char * const chinese_words[] = {
  "会议", "报告", "项目", "进度", "预算", "计划", "审核", "更新", "团队", "发布", "设计", "客户",
  "发票", "付款", "合同", "截止", "草稿", "方案", "服务器", "数据库", "迁移", "性能", "安全", "网络",
  "部署", "测试", "反馈", "路线图", "规划", "议程", "纪要", "决定", "批准", "出差", "报销", "酒店",
  "航班", "大会", "培训", "假期", "办公室", "大楼", "账户", "密码", "重置", "支持", "问题", "功能",
  "请求", "合并", "分支", "构建", "失败", "成功", "每周", "每月", "年度", "总结", "销售", "市场",
  "活动", "产品", "价格", "折扣", "订单", "发货", "仓库", "库存", "供应商", "报价", "估算", "预测",
  "收入", "利润", "增长", "战略", "目标", "指标", "表格", "文档", "演示", "附件", "照片", "家人",
  "晚饭", "午饭", "咖啡", "周末", "生日", "聚会", "礼物", "谢谢", "祝贺", "欢迎", "介绍", "回答",
  "提醒", "紧急", "重要", "跟进", "电话", "视频", "房间", "日历", "邀请", "取消", "推迟", "确认",
  "明天", "今天", "昨天", "上午", "下午", "晚上", "请", "我们", "你们", "这个", "那个", "已经",
  "需要", "可以", "应该", "关于", "所有", "新的", "更多", "北京", "上海", "深圳", "杭州",
};

static const char * const first_names[] = {
  "Alice", "Bob", "Carol", "David", "Eve", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory",
  "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter", "Zoe",
};
static const char * const last_names[] = {
  "Smith", "Johnson", "Brown", "Taylor", "Miller", "Wilson", "Moore", "Anderson", "Thomas", "Martin",
};
static const char * const chinese_names[] = {
  "张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周杰", "吴婷", "徐明", "孙丽",
  "马超", "朱琳", "胡军", "郭晶", "何平", "高飞", "林峰", "罗欣",
};
static const char * const domains[] = {
  "example.com", "example.org", "example.net", "example.cn", "corp.example", "mail.example",
};

#define N_SENDERS 600
#define EN_VOCABULARY 30000
#define ZH_VOCABULARY 12000

/* Words of mail follow Zipf's law: a few are everywhere, most are rare.
 * The vocabularies mix the real words above (at spread-out ranks) with
 * made-up words and character pairs. */
typedef struct {
  GPtrArray *words;
  double *cdf;
} Vocabulary;

static Vocabulary en_vocabulary, zh_vocabulary;

static const char * const syllables[] = {
  "ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "de", "ga", "bu", "fi", "ho", "je", "ku",
  "la", "mo", "nu", "pe", "qi", "ro", "si", "tu", "va", "wo", "xe", "yu", "ze", "an", "el",
  "in", "on", "ur", "st", "tr", "pl", "gr", "ch", "sh", "th",
};

static const char han_pool[] =
  "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说"
  "产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点"
  "从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原"
  "又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革"
  "位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强"
  "放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交"
  "受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八"
  "离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布"
  "复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精"
  "值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照";

static void
vocabulary_init (Vocabulary          *vocabulary,
                 GRand               *rand,
                 guint                size,
                 const char * const  *real,
                 guint                n_real,
                 gboolean             chinese)
{
  double total = 0;
  guint next_real = 0;

  vocabulary->words = g_ptr_array_new_with_free_func (g_free);
  for (guint rank = 0; rank < size; rank++)
    {
      GString *word = g_string_new (NULL);

      if (next_real < n_real && rank == 20 + next_real * ((size - 20) / n_real))
        g_string_append (word, real[next_real++]);
      else if (chinese)
        {
          glong n_han = g_utf8_strlen (han_pool, -1);

          for (guint i = 0; i < 2; i++)
            {
              const char *c = g_utf8_offset_to_pointer (han_pool, g_rand_int_range (rand, 0, n_han));

              g_string_append_len (word, c, g_utf8_next_char (c) - c);
            }
        }
      else
        {
          guint n = g_rand_int_range (rand, 2, 5);

          for (guint i = 0; i < n; i++)
            g_string_append (word, syllables[g_rand_int_range (rand, 0, G_N_ELEMENTS (syllables))]);
        }
      g_ptr_array_add (vocabulary->words, g_string_free (word, FALSE));
    }
  vocabulary->cdf = g_new (double, size);
  for (guint rank = 0; rank < size; rank++)
    {
      total += 1.0 / (rank + 1);
      vocabulary->cdf[rank] = total;
    }
  for (guint rank = 0; rank < size; rank++)
    vocabulary->cdf[rank] /= total;
}

static const char *
vocabulary_pick (Vocabulary *vocabulary,
                 GRand      *rand)
{
  double x = g_rand_double (rand);
  guint lo = 0, hi = vocabulary->words->len - 1;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (vocabulary->cdf[mid] < x)
        lo = mid + 1;
      else
        hi = mid;
    }
  return g_ptr_array_index (vocabulary->words, lo);
}

typedef struct {
  char *name;
  char *address;
} Person;

static Person senders[N_SENDERS];

static void
make_people (GRand *rand)
{
  vocabulary_init (&en_vocabulary, rand, EN_VOCABULARY, english_words, G_N_ELEMENTS (english_words), FALSE);
  vocabulary_init (&zh_vocabulary, rand, ZH_VOCABULARY, chinese_words, G_N_ELEMENTS (chinese_words), TRUE);

  for (guint i = 0; i < N_SENDERS; i++)
    {
      const char *domain = domains[g_rand_int_range (rand, 0, G_N_ELEMENTS (domains))];

      if (i % 3 == 0)
        {
          const char *name = chinese_names[i % G_N_ELEMENTS (chinese_names)];

          senders[i].name = g_strdup (name);
          senders[i].address = g_strdup_printf ("user%u@%s", i, domain);
        }
      else
        {
          const char *first = first_names[i % G_N_ELEMENTS (first_names)];
          const char *last = last_names[(i / G_N_ELEMENTS (first_names)) % G_N_ELEMENTS (last_names)];
          g_autofree char *lower = g_ascii_strdown (first, -1);

          senders[i].name = g_strdup_printf ("%s %s", first, last);
          senders[i].address = g_strdup_printf ("%s.%u@%s", lower, i, domain);
        }
    }
}

static void
append_words (GString    *out,
              GRand      *rand,
              gboolean    chinese,
              guint       n)
{
  for (guint i = 0; i < n; i++)
    {
      if (chinese)
        {
          g_string_append (out, vocabulary_pick (&zh_vocabulary, rand));
          if (g_rand_int_range (rand, 0, 8) == 0)
            g_string_append (out, g_rand_boolean (rand) ? "，" : "。");
        }
      else
        {
          if (i > 0)
            g_string_append_c (out, ' ');
          g_string_append (out, vocabulary_pick (&en_vocabulary, rand));
          if (g_rand_int_range (rand, 0, 12) == 0)
            g_string_append (out, i % 2 ? "." : ",");
        }
    }
}

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

/* CPU time of this process, which a busy machine disturbs less. */
static double
cpu_ms (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000.0
         + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000.0;
}

/* With --maildir, each generated message is also written there (Maildir
 * flags S and F as in the store), so that other tools can index the same
 * mail: bench/store/notmuch-compare.sh times notmuch on it. */
static char *maildir_path;

static void
export_message (const HyStoreMessage *m,
                const char           *raw,
                gsize                 length)
{
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  name = g_strdup_printf ("%u.hybench:2,%s%s", m->uid,
                          (m->flags & HY_STORE_FLAG_FLAGGED) ? "F" : "",
                          (m->flags & HY_STORE_FLAG_SEEN) ? "S" : "");
  path = g_build_filename (maildir_path, "cur", name, NULL);
  if (!g_file_set_contents (path, raw, length, &error))
    {
      fprintf (stderr, "hy-bench-store: %s\n", error->message);
      exit (1);
    }
}

static void
generate (HyStore *store,
          guint    n_messages,
          guint    batch)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240601);
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GString) raw = g_string_new (NULL);
  gint64 inbox = 0;
  gint64 start = 1577836800;  /* 2020-01-01 */
  double t0 = now_ms (), headers_ms = 0;

  make_people (rand);
  for (guint done = 0; done < n_messages; )
    {
      g_autoptr(HyStoreTransaction) txn = hy_store_begin (store, &error);
      guint end = MIN (n_messages, done + batch);

      g_assert_no_error (error);
      if (inbox == 0)
        inbox = hy_store_transaction_add_folder (txn, "INBOX", HY_FOLDER_ROLE_INBOX, "/", &error);

      for (; done < end; done++)
        {
          g_autoptr(HyStoreMessage) m = hy_store_message_new ();
          Person *from = &senders[g_rand_int_range (rand, 0, N_SENDERS)];
          gboolean chinese = g_rand_int_range (rand, 0, 100) < 40;
          g_autoptr(GBytes) bytes = NULL;
          g_autoptr(GString) subject = g_string_new (NULL);
          guint body_words;
          double h0;

          m->folder_id = inbox;
          m->uid = done + 1;
          m->date = start + (gint64) done * 900 + g_rand_int_range (rand, 0, 900);
          m->received = m->date + 5;
          m->flags = (g_rand_int_range (rand, 0, 100) < 85 ? HY_STORE_FLAG_SEEN : 0)
                   | (g_rand_int_range (rand, 0, 100) < 3 ? HY_STORE_FLAG_FLAGGED : 0);
          m->message_id = g_strdup_printf ("<%u.%08x@%s>", done, g_rand_int (rand), strchr (from->address, '@') + 1);
          if (done > 0 && g_rand_int_range (rand, 0, 100) < 30)
            {
              guint parent = g_rand_int_range (rand, MAX (0, (int) done - 200), done);

              m->in_reply_to = g_strdup_printf ("<%u.parent@thread>", parent);
              m->references = g_strdup (m->in_reply_to);
              g_string_append (subject, chinese ? "回复：" : "Re: ");
            }
          append_words (subject, rand, chinese, chinese ? g_rand_int_range (rand, 2, 6) : g_rand_int_range (rand, 3, 9));
          m->subject = g_strdup (subject->str);
          m->from = g_strdup_printf ("\"%s\" <%s>", from->name, from->address);
          m->to = g_strdup ("\"Alice Liddell\" <alice@example.org>");
          if (g_rand_int_range (rand, 0, 100) < 20)
            {
              Person *cc = &senders[g_rand_int_range (rand, 0, N_SENDERS)];

              m->cc = g_strdup_printf ("\"%s\" <%s>", cc->name, cc->address);
            }
          m->has_attachment = g_rand_int_range (rand, 0, 100) < 12;

          /* Text of 1 to 10 KB: the readable part of typical mail. */
          g_string_truncate (text, 0);
          body_words = g_rand_int_range (rand, 150, 1500);
          append_words (text, rand, chinese, chinese ? body_words / 2 : body_words);
          m->preview = g_strdup (text->str);
          m->size = text->len + 600;

          g_string_truncate (raw, 0);
          {
            g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (m->date);
            g_autofree char *date = g_date_time_format (when, "%a, %d %b %Y %H:%M:%S +0000");

            g_string_append_printf (raw, "From: %s\r\nTo: %s\r\n%s%s%sSubject: %s\r\nDate: %s\r\n"
                                    "Message-ID: %s\r\n%s%s%s"
                                    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                    "Content-Transfer-Encoding: 8bit\r\n\r\n%s\r\n",
                                    m->from, m->to, m->cc ? "Cc: " : "", m->cc ? m->cc : "", m->cc ? "\r\n" : "",
                                    m->subject, date, m->message_id,
                                    m->in_reply_to ? "In-Reply-To: " : "", m->in_reply_to ? m->in_reply_to : "",
                                    m->in_reply_to ? "\r\n" : "", text->str);
          }
          bytes = g_bytes_new (raw->str, raw->len);
          if (maildir_path != NULL)
            export_message (m, raw->str, raw->len);

          h0 = now_ms ();
          hy_store_transaction_add_message (txn, m, &error);
          g_assert_no_error (error);
          headers_ms += now_ms () - h0;
          hy_store_transaction_set_body (txn, m->id, bytes, text->str, &error);
          g_assert_no_error (error);
        }
      hy_store_transaction_commit (txn, &error);
      g_assert_no_error (error);
      fprintf (stderr, "\r%u messages", done);
    }
  fprintf (stderr, "\n");
  printf ("generate: %u messages (headers, bodies, index) in %.1f s; header inserts alone %.0f ms\n",
          n_messages, (now_ms () - t0) / 1000.0, headers_ms);
}

/* Header-only inserts into an empty folder of a new store, as a first
 * sync does, in one transaction. */
static void
time_header_sync (guint n)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(GError) error = NULL;
  g_autoptr(HyStoreTransaction) txn = NULL;
  g_autoptr(HyStore) store = NULL;
  g_autofree char *dir = g_dir_make_tmp ("hy-bench-sync-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "store.db", NULL);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);
  gint64 folder;
  double t0, c0, c1, store_cpu = 0;

  store = hy_store_open (path, &error);
  g_assert_no_error (error);
  t0 = now_ms ();
  c0 = cpu_ms ();

  txn = hy_store_begin (store, &error);
  folder = hy_store_transaction_add_folder (txn, "Header sync", HY_FOLDER_ROLE_NONE, "/", &error);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HyStoreMessage) m = hy_store_message_new ();
      Person *from = &senders[g_rand_int_range (rand, 0, N_SENDERS)];
      g_autoptr(GString) subject = g_string_new (NULL);

      m->folder_id = folder;
      m->uid = i + 1;
      m->date = 1600000000 + i * 60;
      m->size = 4000;
      m->flags = HY_STORE_FLAG_SEEN;
      m->message_id = g_strdup_printf ("<h%u@bench>", i);
      append_words (subject, rand, i % 3 == 0, 6);
      m->subject = g_strdup (subject->str);
      m->from = g_strdup_printf ("\"%s\" <%s>", from->name, from->address);
      m->to = g_strdup ("alice@example.org");
      c1 = cpu_ms ();
      hy_store_transaction_add_message (txn, m, &error);
      store_cpu += cpu_ms () - c1;
      g_assert_no_error (error);
    }
  c1 = cpu_ms ();
  hy_store_transaction_commit (txn, &error);
  store_cpu += cpu_ms () - c1;
  g_assert_no_error (error);
  printf ("header sync: %u messages' headers in one transaction: %.0f ms (CPU: %.0f ms in the store, "
          "%.0f ms in all)\n", n, now_ms () - t0, store_cpu, cpu_ms () - c0);
  g_clear_object (&store);
  g_remove (path);
  g_remove (wal);
  g_remove (shm);
  g_rmdir (dir);
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
time_searches (HyStore *store,
               guint    runs)
{
  static const char * const queries[] = {
    "budget", "quarterly report", "\"project schedule\"", "zurich",
    "会议", "项目进度", "报销 酒店", "会",
    "from:alice", "from:张伟 subject:会议", "subject:meeting is:unread",
    "has:attachment after:2021-06-01 before:2022-01-01", "in:inbox is:flagged", "to:alice -budget",
  };
  double medians_all = 0;

  printf ("%-52s %8s %10s\n", "search", "results", "median ms");
  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      g_autofree double *times = g_new (double, runs);
      guint results = 0;

      for (guint r = 0; r < runs; r++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GArray) ids = NULL;
          double t0 = now_ms ();

          ids = hy_store_search (store, queries[q], &error);
          g_assert_no_error (error);
          times[r] = now_ms () - t0;
          results = ids->len;
        }
      qsort (times, runs, sizeof (double), compare_doubles);
      printf ("%-52s %8u %10.2f\n", queries[q], results, times[runs / 2]);
      medians_all += times[runs / 2];
    }
  printf ("mean of the medians: %.2f ms\n", medians_all / G_N_ELEMENTS (queries));
}

static void
time_list_model (HyStore *store,
                 guint    runs)
{
  g_autoptr(HyStoreFolder) inbox = hy_store_find_folder (store, "INBOX", NULL);
  g_autofree double *times = g_new (double, runs);
  guint n = 0;

  for (guint r = 0; r < runs; r++)
    {
      double t0 = now_ms ();
      g_autoptr(HyMessageList) list = hy_message_list_new_for_folder (store, inbox->id);

      while (!hy_message_list_get_loaded (list) && g_list_model_get_n_items (G_LIST_MODEL (list)) < 50)
        g_main_context_iteration (NULL, TRUE);
      for (guint i = 0; i < MIN (50u, g_list_model_get_n_items (G_LIST_MODEL (list))); i++)
        {
          g_autoptr(HyMessageSummary) item = g_list_model_get_item (G_LIST_MODEL (list), i);

          g_assert_nonnull (hy_message_summary_get_subject (item));
        }
      times[r] = now_ms () - t0;
      while (!hy_message_list_get_loaded (list))
        g_main_context_iteration (NULL, TRUE);
      n = g_list_model_get_n_items (G_LIST_MODEL (list));
    }
  qsort (times, runs, sizeof (double), compare_doubles);
  printf ("list model: folder of %u messages, first 50 rows: median %.2f ms (max %.2f)\n",
          n, times[runs / 2], times[runs - 1]);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *path = NULL;
  int messages = 100000;
  int runs = 21;
  gboolean keep = FALSE;
  gboolean skip_header_sync = FALSE;
  const GOptionEntry entries[] = {
    { "store", 's', 0, G_OPTION_ARG_FILENAME, &path, "Use (and fill if empty) this store", "FILE" },
    { "messages", 'n', 0, G_OPTION_ARG_INT, &messages, "Messages to generate (default 100000)", "N" },
    { "runs", 'r', 0, G_OPTION_ARG_INT, &runs, "Runs per measurement (default 21)", "N" },
    { "keep", 'k', 0, G_OPTION_ARG_NONE, &keep, "Keep a generated temporary store", NULL },
    { "maildir", 0, 0, G_OPTION_ARG_FILENAME, &maildir_path, "Also write the generated mail to this Maildir", "DIR" },
    { "skip-header-sync", 0, 0, G_OPTION_ARG_NONE, &skip_header_sync, "Do not time header inserts", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— time the offline store");
  g_autoptr(GError) error = NULL;
  g_autoptr(HyStore) store = NULL;
  g_autoptr(HyStoreFolder) inbox = NULL;
  g_autofree char *dir = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || messages <= 0 || runs <= 0)
    {
      fprintf (stderr, "%s\n", error ? error->message : "--messages and --runs must be positive");
      return 2;
    }
  g_mime_init ();

  if (maildir_path != NULL)
    {
      g_autofree char *cur = g_build_filename (maildir_path, "cur", NULL);
      g_autofree char *new_dir = g_build_filename (maildir_path, "new", NULL);
      g_autofree char *tmp = g_build_filename (maildir_path, "tmp", NULL);

      if (g_mkdir_with_parents (cur, 0700) != 0 || g_mkdir_with_parents (new_dir, 0700) != 0 ||
          g_mkdir_with_parents (tmp, 0700) != 0)
        {
          fprintf (stderr, "hy-bench-store: cannot create the Maildir %s\n", maildir_path);
          return 1;
        }
    }
  if (path == NULL)
    {
      dir = g_dir_make_tmp ("hy-bench-store-XXXXXX", &error);
      g_assert_no_error (error);
      path = g_build_filename (dir, "store.db", NULL);
    }
  store = hy_store_open (path, &error);
  if (store == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  inbox = hy_store_find_folder (store, "INBOX", NULL);
  if (inbox == NULL || inbox->total == 0)
    generate (store, messages, 5000);
  else
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (20240601);

      make_people (rand);
      printf ("store %s holds %u messages in INBOX\n", path, inbox->total);
    }

  time_searches (store, runs);
  time_list_model (store, runs);
  if (!skip_header_sync)
    time_header_sync (20000);

  if (dir != NULL && !keep)
    {
      g_autofree char *wal = g_strconcat (path, "-wal", NULL);
      g_autofree char *shm = g_strconcat (path, "-shm", NULL);

      g_clear_object (&store);
      g_remove (path);
      g_remove (wal);
      g_remove (shm);
      g_rmdir (dir);
    }
  else if (dir != NULL)
    printf ("store kept in %s\n", path);
  return 0;
}
