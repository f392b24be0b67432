#include "analysis/jsonout.h"

#include <stdio.h>
#include <string.h>

#include "src/util.h"

json_t *jsonout_name(const char *s)
{
    json_t *j = json_string(s ? s : "");
    if (j)
        return j;
    char buf[8192];
    return json_string(util_escape(s, buf, sizeof buf));
}

/* jansson writes valid UTF-8 as is; the code points util_cp_unsafe names become \uNNNN, the
 * same string to a JSON reader. Outside strings JSON is ASCII, so every such code point met
 * here is inside a string. A sequence cut between two calls waits in carry. */
struct dump_state {
    FILE *f;
    unsigned char carry[4];
    size_t n_carry;
    int err;
};

static void put(struct dump_state *st, const char *p, size_t n)
{
    if (n && fwrite(p, 1, n, st->f) != n)
        st->err = 1;
}

static size_t seq_len(unsigned char c)
{
    return c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;
}

/* Writes buf[0..n) and returns how many bytes at its end form an incomplete sequence. */
static size_t filter(struct dump_state *st, const char *buf, size_t n)
{
    size_t i = 0, from = 0;
    while (i < n) {
        unsigned char c = (unsigned char)buf[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t l = seq_len(c);
        if (i + l > n) {
            put(st, buf + from, i - from);
            return n - i;
        }
        char tmp[5] = {0};
        memcpy(tmp, buf + i, l);
        unsigned cp;
        if (util_utf8_decode(tmp, &cp) == (int)l && util_cp_unsafe(cp)) {
            char esc[8];
            put(st, buf + from, i - from);
            snprintf(esc, sizeof esc, "\\u%04x", cp);
            put(st, esc, 6);
            from = i + l;
        }
        i += l;
    }
    put(st, buf + from, n - from);
    return 0;
}

static int dump_cb(const char *buf, size_t n, void *data)
{
    struct dump_state *st = data;
    while (st->n_carry && n) {             /* complete the carried sequence first */
        size_t need = seq_len(st->carry[0]) - st->n_carry;
        size_t take = need < n ? need : n;
        memcpy(st->carry + st->n_carry, buf, take);
        st->n_carry += take, buf += take, n -= take;
        if (st->n_carry == seq_len(st->carry[0])) {
            size_t left = filter(st, (const char *)st->carry, st->n_carry);
            st->n_carry = 0;
            (void)left;
        }
    }
    if (!n)                                /* all of it went into the carry */
        return st->err ? -1 : 0;
    size_t left = filter(st, buf, n);
    memcpy(st->carry, buf + n - left, left);
    st->n_carry = left;
    return st->err ? -1 : 0;
}

int jsonout_dumpf(const json_t *root, FILE *f, size_t flags)
{
    struct dump_state st = {.f = f};
    int rc = json_dump_callback(root, dump_cb, &st, flags);
    if (st.n_carry)
        put(&st, (const char *)st.carry, st.n_carry);
    return rc == 0 && !st.err ? 0 : -1;
}
