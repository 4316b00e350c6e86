/* Literal search over a text's words (tracker.patterns.ascii_words), in one pass in C.
 *
 * The extractor asks of each sentence, for some hundred sets of cue literals (" post", " said",
 * " day "), whether one occurs and where the next one starts. Python's regex engine answers
 * each question with a scan that enters its matcher at every space of the text; a Lexicon
 * answers for all the sets at once: one pass over the text, walking the trie of the literals
 * from each byte as far as the text follows it. A node's children are a row of a table with one
 * column per byte the literals hold (some forty: letters, digits, "_", space), not 256: the
 * tables stay in the core's cache (the union of all the sets has ~1,700 nodes: 1.7 MB at 256
 * columns, 0.27 MB at forty).
 *
 * Lexicon(entries): entries is a sequence of (literal: bytes, not empty, bit: int >= 0).
 *   has(words, bit)   -> bool: whether a literal of that bit occurs in words (one pass finds the
 *                        bits of all the literals there; those of the words asked about lately
 *                        are kept, by the words object, up to KEPT_WORDS of them).
 *   find(words, pos)  -> int: the least offset >= pos where a literal starts, or -1.
 *   forget()          -> None: drop the bits kept.
 * They answer exactly as the regular expressions they stand in for (tests/test_words.py).
 *
 * NameFinder (below) finds the registry's names in a text the same way, in one pass.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A character's byte in a text's words (patterns._WORD_BYTES: letters lower-cased, digits and
 * "_" kept, anything else a space) and in a name's spaced form (registry._NAME_WORD_BYTES: the
 * same, "_" a space too); set at import. */
static unsigned char word_byte[256];
static unsigned char name_byte[256];

static void init_word_bytes(void) {
    for (int c = 0; c < 256; c++) {
        unsigned char b = ' ';
        if (c >= 'A' && c <= 'Z') b = (unsigned char)(c + 32);
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') b = (unsigned char)c;
        word_byte[c] = b;
        name_byte[c] = c == '_' ? ' ' : b;
    }
}

typedef struct {
    PyObject_HEAD
    Py_ssize_t nodes;       /* of the trie of the literals; node 0 is the root */
    Py_ssize_t mask_words;  /* 64-bit words in a node's mask */
    Py_ssize_t width;       /* columns of a node's row: 1 + the distinct bytes of the literals */
    uint8_t column[256];    /* a byte's column; 0, a column of no child, for bytes no literal holds */
    int32_t *next;          /* nodes * width: the child for each column, 0 for none (the root is no child) */
    uint64_t *mask;         /* nodes * mask_words: the bits of the literals that end at the node */
    uint8_t *ends;          /* nodes: whether a literal ends at the node */
    PyObject *last_words;   /* the words has() was last asked of, and their bits (one text is */
    uint64_t *last_mask;    /* asked about by one set after another) */
    PyObject **kept;        /* KEPT_SLOTS: the words asked about lately (owned), by address, and */
    uint64_t *kept_masks;   /* KEPT_SLOTS * mask_words: their bits; a bytes object is found by */
    Py_ssize_t kept_count;  /* identity (ascii_words gives a text's words back as the same object), */
                            /* without hashing its bytes as a dict would */
    int32_t *pairs;         /* width * width: the node two bytes below the root, made at the first scan; */
    int pairs_made;         /* not made when a literal of one byte ends above them */
} Lexicon;

/* How many words' bits a Lexicon keeps before it starts over, in a table of twice as many slots. */
#define KEPT_WORDS 4096
#define KEPT_SLOTS 8192

static void kept_clear(Lexicon *self) {
    if (self->kept != NULL)
        for (Py_ssize_t i = 0; i < KEPT_SLOTS; i++) Py_CLEAR(self->kept[i]);
    self->kept_count = 0;
}

/* The slot of words in the table: where they are, or the empty slot where they would go. */
static Py_ssize_t kept_slot(Lexicon *self, PyObject *words) {
    uint64_t h = ((uint64_t)(uintptr_t)words >> 4) * 0x9E3779B97F4A7C15ULL;
    Py_ssize_t slot = (Py_ssize_t)(h >> 51);  /* 13 bits: KEPT_SLOTS */
    while (self->kept[slot] != NULL && self->kept[slot] != words) slot = (slot + 1) & (KEPT_SLOTS - 1);
    return slot;
}

static void lexicon_free_arrays(Lexicon *self) {
    PyMem_Free(self->next);
    PyMem_Free(self->mask);
    PyMem_Free(self->ends);
    PyMem_Free(self->last_mask);
    PyMem_Free(self->pairs);
    Py_CLEAR(self->last_words);
    kept_clear(self);
    PyMem_Free(self->kept);
    PyMem_Free(self->kept_masks);
    self->kept = NULL;
    self->kept_masks = NULL;
    self->pairs = NULL;
    self->pairs_made = 0;
    self->last_mask = NULL;
    self->next = NULL;
    self->mask = NULL;
    self->ends = NULL;
    self->nodes = 0;
}

static void lexicon_dealloc(Lexicon *self) {
    lexicon_free_arrays(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int lexicon_init(Lexicon *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"entries", NULL};
    PyObject *entries;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O", kwlist, &entries)) return -1;
    PyObject *seq = PySequence_Fast(entries, "entries must be a sequence of (bytes, int)");
    if (seq == NULL) return -1;
    lexicon_free_arrays(self);
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    Py_ssize_t total = 0, max_bit = 0;
    memset(self->column, 0, sizeof(self->column));
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *literal, *bit;
        if (!PyTuple_Check(items[i]) || !PyArg_ParseTuple(items[i], "SO", &literal, &bit)) {
            PyErr_SetString(PyExc_TypeError, "each entry must be (bytes, int)");
            goto fail;
        }
        Py_ssize_t value = PyLong_AsSsize_t(bit);
        if (value == -1 && PyErr_Occurred()) goto fail;
        if (PyBytes_GET_SIZE(literal) < 1 || value < 0) {
            PyErr_SetString(PyExc_ValueError, "a literal needs a byte at least, and a bit >= 0");
            goto fail;
        }
        total += PyBytes_GET_SIZE(literal);
        if (value > max_bit) max_bit = value;
        const unsigned char *bytes = (const unsigned char *)PyBytes_AS_STRING(literal);
        for (Py_ssize_t k = 0; k < PyBytes_GET_SIZE(literal); k++) self->column[bytes[k]] = 1;
    }
    /* the columns, in byte order; column 0 stays empty */
    Py_ssize_t width = 1;
    for (int b = 0; b < 256; b++)
        if (self->column[b]) self->column[b] = (uint8_t)width++;
    self->width = width;
    if (total > INT32_MAX / 2) {
        PyErr_SetString(PyExc_ValueError, "too many literals");
        goto fail;
    }
    self->mask_words = max_bit / 64 + 1;
    Py_ssize_t most = total + 1;
    self->next = PyMem_Calloc((size_t)most * (size_t)width, sizeof(int32_t));
    self->mask = PyMem_Calloc((size_t)most * (size_t)self->mask_words, sizeof(uint64_t));
    self->ends = PyMem_Calloc((size_t)most, 1);
    self->last_mask = PyMem_Calloc((size_t)self->mask_words, sizeof(uint64_t));
    self->kept = PyMem_Calloc(KEPT_SLOTS, sizeof(PyObject *));
    self->kept_masks = PyMem_Calloc((size_t)KEPT_SLOTS * (size_t)self->mask_words, sizeof(uint64_t));
    self->kept_count = 0;
    if (!self->next || !self->mask || !self->ends || !self->last_mask || !self->kept || !self->kept_masks) {
        PyErr_NoMemory();
        goto fail;
    }
    Py_ssize_t nodes = 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *literal = PyTuple_GET_ITEM(items[i], 0);
        const unsigned char *data = (const unsigned char *)PyBytes_AS_STRING(literal);
        Py_ssize_t bit = PyLong_AsSsize_t(PyTuple_GET_ITEM(items[i], 1));
        Py_ssize_t node = 0;
        for (Py_ssize_t k = 0; k < PyBytes_GET_SIZE(literal); k++) {
            int32_t *slot = &self->next[node * width + self->column[data[k]]];
            if (*slot == 0) *slot = (int32_t)nodes++;
            node = *slot;
        }
        self->ends[node] = 1;
        self->mask[node * self->mask_words + bit / 64] |= (uint64_t)1 << (bit % 64);
    }
    /* keep only the nodes made */
    int32_t *next = PyMem_Realloc(self->next, sizeof(int32_t) * (size_t)width * (size_t)nodes);
    if (next != NULL) self->next = next;
    self->nodes = nodes;
    Py_DECREF(seq);
    return 0;
fail:
    Py_DECREF(seq);
    lexicon_free_arrays(self);
    return -1;
}

static int read_bytes(PyObject *words, const unsigned char **data, Py_ssize_t *size) {
    if (!PyBytes_Check(words)) {
        PyErr_SetString(PyExc_TypeError, "words must be bytes");
        return -1;
    }
    *data = (const unsigned char *)PyBytes_AS_STRING(words);
    *size = PyBytes_GET_SIZE(words);
    return 0;
}

/* The nodes two bytes below the root, by the two bytes: a scan starts its walk there in one
 * look-up, and most pairs of letters open no literal. Only when no literal is one byte long
 * (WordSet's never are); a failed allocation leaves the plain walk. */
static void make_pairs(Lexicon *self) {
    self->pairs_made = 1;
    const int32_t *next = self->next;
    Py_ssize_t width = self->width;
    for (Py_ssize_t b = 0; b < width; b++)
        if (next[b] && self->ends[next[b]]) return;
    self->pairs = PyMem_Calloc((size_t)(width * width), sizeof(int32_t));
    if (self->pairs == NULL) return;
    for (Py_ssize_t b = 0; b < width; b++) {
        int32_t node = next[b];
        if (node)
            for (Py_ssize_t c = 0; c < width; c++) self->pairs[b * width + c] = next[(Py_ssize_t)node * width + c];
    }
}

/* The trie's arrays, read once per scan (extensions build with -fno-strict-aliasing: a store to
 * the found bits would make the compiler read the object's fields again at every step). */
typedef struct {
    const int32_t *next;
    const uint8_t *column;
    Py_ssize_t width;
    const uint8_t *ends;
    const uint64_t *masks;
    Py_ssize_t mask_words;
} Trie;

/* OR into found the masks of the literals that end along the walk from ``node``, whose next
 * byte is data[k]. */
static inline void walk_bits(Trie trie, int32_t node, const unsigned char *data, Py_ssize_t k, Py_ssize_t size,
                             uint64_t *found) {
    while (node) {
        if (trie.ends[node]) {
            const uint64_t *mask = trie.masks + (Py_ssize_t)node * trie.mask_words;
            for (Py_ssize_t w = 0; w < trie.mask_words; w++) found[w] |= mask[w];
        }
        if (k >= size) break;
        node = trie.next[(Py_ssize_t)node * trie.width + trie.column[data[k++]]];
    }
}

/* The OR of the masks of the literals found in data[0:size], into found (mask_words wide). */
static void scan_bits(Lexicon *self, const unsigned char *data, Py_ssize_t size, uint64_t *found) {
    memset(found, 0, sizeof(uint64_t) * (size_t)self->mask_words);
    if (!self->pairs_made) make_pairs(self);
    Trie trie = {self->next, self->column, self->width, self->ends, self->mask, self->mask_words};
    const int32_t *pairs = self->pairs;
    const uint8_t *column = self->column;
    if (pairs != NULL) {  /* each walk starts two bytes down */
        for (Py_ssize_t i = 0; i + 1 < size; i++)
            walk_bits(trie, pairs[column[data[i]] * trie.width + column[data[i + 1]]], data, i + 2, size, found);
        return;
    }
    for (Py_ssize_t i = 0; i < size; i++) walk_bits(trie, trie.next[column[data[i]]], data, i + 1, size, found);
}

/* has(words, bit) -> bool: whether a literal of that bit occurs in words. The bits of the last
 * words asked about are at hand (one text is asked about by one set after another), and those of
 * the words asked about lately are kept by the words (the same text comes back: a clause
 * stripped again, the same noun phrase), so a scan runs once per words. */
static PyObject *lexicon_has(Lexicon *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "has(words, bit)");
        return NULL;
    }
    const unsigned char *data;
    Py_ssize_t size;
    if (read_bytes(args[0], &data, &size) < 0) return NULL;
    Py_ssize_t bit = PyLong_AsSsize_t(args[1]);
    if (bit == -1 && PyErr_Occurred()) return NULL;
    if (self->next == NULL || bit < 0 || bit / 64 >= self->mask_words) Py_RETURN_FALSE;
    if (args[0] != self->last_words) {
        size_t width = sizeof(uint64_t) * (size_t)self->mask_words;
        Py_ssize_t slot = kept_slot(self, args[0]);
        if (self->kept[slot] == NULL) {
            if (self->kept_count >= KEPT_WORDS) {
                kept_clear(self);
                slot = kept_slot(self, args[0]);
            }
            scan_bits(self, data, size, self->kept_masks + slot * self->mask_words);
            Py_INCREF(args[0]);
            self->kept[slot] = args[0];
            self->kept_count++;
        }
        memcpy(self->last_mask, self->kept_masks + slot * self->mask_words, width);
        Py_INCREF(args[0]);
        Py_XSETREF(self->last_words, args[0]);
    }
    if (self->last_mask[bit / 64] & ((uint64_t)1 << (bit % 64))) Py_RETURN_TRUE;
    Py_RETURN_FALSE;
}

/* forget(): drop the bits kept (benchmarks clear every cache between articles). */
static PyObject *lexicon_forget(Lexicon *self, PyObject *Py_UNUSED(ignored)) {
    kept_clear(self);
    Py_CLEAR(self->last_words);
    Py_RETURN_NONE;
}

static PyObject *lexicon_find(Lexicon *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "find(words, pos)");
        return NULL;
    }
    const unsigned char *data;
    Py_ssize_t size;
    if (read_bytes(args[0], &data, &size) < 0) return NULL;
    Py_ssize_t pos = PyLong_AsSsize_t(args[1]);
    if (pos == -1 && PyErr_Occurred()) return NULL;
    if (pos < 0) pos = 0;
    if (self->next == NULL) return PyLong_FromLong(-1);
    const int32_t *next = self->next;
    const uint8_t *column = self->column, *ends = self->ends;
    Py_ssize_t width = self->width;
    for (Py_ssize_t i = pos; i < size; i++) {
        int32_t node = next[column[data[i]]];
        Py_ssize_t k = i + 1;
        while (node) {
            if (ends[node]) return PyLong_FromSsize_t(i);
            if (k >= size) break;
            node = next[(Py_ssize_t)node * width + column[data[k++]]];
        }
    }
    return PyLong_FromLong(-1);
}

static PyMethodDef lexicon_methods[] = {
    {"has", (PyCFunction)(void (*)(void))lexicon_has, METH_FASTCALL,
     "has(words, bit) -> bool: whether a literal of that bit occurs in words (the last words' bits are kept)"},
    {"find", (PyCFunction)(void (*)(void))lexicon_find, METH_FASTCALL,
     "find(words, pos) -> int: where the first literal at or after pos starts, or -1"},
    {"forget", (PyCFunction)lexicon_forget, METH_NOARGS, "forget() -> None: drop the bits kept for words"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject LexiconType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tracker._words.Lexicon",
    .tp_basicsize = sizeof(Lexicon),
    .tp_dealloc = (destructor)lexicon_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Literals over ascii_words, searched for all at once (see the module's documentation).",
    .tp_methods = lexicon_methods,
    .tp_init = (initproc)lexicon_init,
    .tp_new = PyType_GenericNew,
};

/* ------------------------------------------------------------------ registry names
 * NameFinder(trie): the registry's names as a trie of words, trie = {word: (handle or None,
 * {next word: (...)})}, words as lower-case ASCII bytes. find(text) reads a str (and its spaced
 * form: the same length, its letters and digits lower-cased, every other byte a space, as
 * registry._NAME_WORD_BYTES makes it for ASCII; see names_find for the rest) and returns
 * (start, end, handle) of every name in it, leftmost and longest first, as Registry's plain
 * find does: a name opens a word not right after an "@", and its words stand together (at most
 * three separators between two, none of them \n ( ) " “ ” ; :).
 * A bitmap of the hashes of the first words spares a look-up for most words.
 */

#define MOST_WORDS 64  /* the longest name walked, in words */
#define MOST_WORDS_DEPTH 64  /* a trie deeper than this is refused */

/* One edge of the trie: the word ``word`` (len bytes) among the children of ``children`` leads
 * to ``node``, (handle, dict). Pointers are borrowed from the trie, which the finder keeps. */
typedef struct {
    uint64_t hash;         /* of the children dict's address and the word; 0: an empty slot */
    PyObject *children;
    const char *word;
    Py_ssize_t len;
    PyObject *node;
} Edge;

typedef struct {
    PyObject_HEAD
    PyObject *trie;        /* dict */
    uint8_t first[8192];   /* bitmap of hash16 of the first words */
    Edge *edges;           /* every edge of the trie, open addressing: no bytes object per look-up */
    size_t mask;           /* the table's size - 1 (a power of two) */
} NameFinder;

static uint32_t hash16(const unsigned char *data, Py_ssize_t size) {
    uint32_t h = 2166136261u;
    for (Py_ssize_t i = 0; i < size; i++) h = (h ^ data[i]) * 16777619u;
    return (h ^ (h >> 16)) & 0xFFFF;
}

static uint64_t edge_hash(PyObject *children, const char *word, Py_ssize_t len) {
    uint64_t h = 14695981039346656037ull ^ (uint64_t)(uintptr_t)children;
    for (Py_ssize_t i = 0; i < len; i++) h = (h ^ (unsigned char)word[i]) * 1099511628211ull;
    h ^= h >> 29;
    return h ? h : 1;
}

/* Count the edges under ``children`` (checking the trie's shape); -1 on a malformed trie. */
static Py_ssize_t count_edges(PyObject *children, int depth) {
    if (depth > MOST_WORDS_DEPTH) {
        PyErr_SetString(PyExc_ValueError, "trie too deep");
        return -1;
    }
    PyObject *key, *value;
    Py_ssize_t pos = 0, total = 0;
    while (PyDict_Next(children, &pos, &key, &value)) {
        if (!PyBytes_Check(key) || !PyTuple_Check(value) || PyTuple_GET_SIZE(value) != 2 ||
            !PyDict_Check(PyTuple_GET_ITEM(value, 1))) {
            PyErr_SetString(PyExc_TypeError, "trie must map bytes to (handle, dict)");
            return -1;
        }
        Py_ssize_t below = count_edges(PyTuple_GET_ITEM(value, 1), depth + 1);
        if (below < 0) return -1;
        total += 1 + below;
    }
    return total;
}

static void add_edges(NameFinder *self, PyObject *children) {
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(children, &pos, &key, &value)) {
        const char *word = PyBytes_AS_STRING(key);
        Py_ssize_t len = PyBytes_GET_SIZE(key);
        uint64_t h = edge_hash(children, word, len);
        size_t at = (size_t)h & self->mask;
        while (self->edges[at].hash) at = (at + 1) & self->mask;
        self->edges[at] = (Edge){h, children, word, len, value};
        add_edges(self, PyTuple_GET_ITEM(value, 1));
    }
}

static void names_dealloc(NameFinder *self) {
    Py_XDECREF(self->trie);
    PyMem_Free(self->edges);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int names_init(NameFinder *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"trie", NULL};
    PyObject *trie;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!", kwlist, &PyDict_Type, &trie)) return -1;
    Py_ssize_t edges = count_edges(trie, 0);
    if (edges < 0) return -1;
    size_t size = 16;
    while (size < (size_t)edges * 2) size *= 2;  /* at most half full */
    Edge *table = PyMem_Calloc(size, sizeof(Edge));
    if (table == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    PyMem_Free(self->edges);
    self->edges = table;
    self->mask = size - 1;
    memset(self->first, 0, sizeof self->first);
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(trie, &pos, &key, &value)) {
        uint32_t h = hash16((const unsigned char *)PyBytes_AS_STRING(key), PyBytes_GET_SIZE(key));
        self->first[h >> 3] |= (uint8_t)(1u << (h & 7));
    }
    Py_INCREF(trie);
    Py_XSETREF(self->trie, trie);
    add_edges(self, trie);
    return 0;
}

/* The node for the word spaced[start:end] among ``children``, borrowed; NULL if none. */
static PyObject *child(const NameFinder *self, PyObject *children, const char *spaced, Py_ssize_t start,
                       Py_ssize_t end) {
    const char *word = spaced + start;
    Py_ssize_t len = end - start;
    uint64_t h = edge_hash(children, word, len);
    for (size_t at = (size_t)h & self->mask; self->edges[at].hash; at = (at + 1) & self->mask) {
        const Edge *edge = &self->edges[at];
        if (edge->hash == h && edge->children == children && edge->len == len && !memcmp(edge->word, word, len))
            return edge->node;
    }
    return NULL;
}

static int is_break(char c) {
    return c == '\n' || c == '(' || c == ')' || c == '"' || c == ';' || c == ':';
}



/* The names in text[0:size] (spaced: its letters and digits lower-cased, every other byte a space). */
static PyObject *names_in(NameFinder *self, const char *text, const char *spaced, Py_ssize_t size) {
    PyObject *found = PyList_New(0);
    if (found == NULL) return NULL;
    Py_ssize_t after = 0, i = 0;
    Py_ssize_t starts[MOST_WORDS], ends[MOST_WORDS];
    PyObject *handles[MOST_WORDS];  /* borrowed: the handle of the name ending at each word, or NULL */
    while (i < size) {
        while (i < size && spaced[i] == ' ') i++;
        if (i >= size) break;
        Py_ssize_t start = i;
        while (i < size && spaced[i] != ' ') i++;
        Py_ssize_t end = i;
        if (start < after || (start > 0 && text[start - 1] == '@')) continue;
        uint32_t h = hash16((const unsigned char *)spaced + start, end - start);
        if (!(self->first[h >> 3] & (1u << (h & 7)))) continue;
        PyObject *node = child(self, self->trie, spaced, start, end);
        if (node == NULL) continue;
        PyObject *handle = PyTuple_GET_ITEM(node, 0);
        starts[0] = start;
        ends[0] = end;
        handles[0] = handle == Py_None ? NULL : handle;
        Py_ssize_t words = 1;
        while (words < MOST_WORDS) {  /* the words that go on along the trie */
            Py_ssize_t next_start = ends[words - 1];
            while (next_start < size && spaced[next_start] == ' ') next_start++;
            if (next_start >= size) break;
            Py_ssize_t next_end = next_start;
            while (next_end < size && spaced[next_end] != ' ') next_end++;
            PyObject *following = child(self, PyTuple_GET_ITEM(node, 1), spaced, next_start, next_end);
            if (following == NULL) break;
            node = following;
            handle = PyTuple_GET_ITEM(node, 0);
            starts[words] = next_start;
            ends[words] = next_end;
            handles[words] = handle == Py_None ? NULL : handle;
            words++;
        }
        for (Py_ssize_t last = words - 1; last >= 0; last--) {  /* longest first */
            if (handles[last] == NULL) continue;
            int joined = 1;
            for (Py_ssize_t w = 1; w <= last && joined; w++) {
                Py_ssize_t gap = starts[w] - ends[w - 1];
                if (gap > 3) joined = 0;
                for (Py_ssize_t c = ends[w - 1]; joined && c < starts[w]; c++)
                    if (is_break(text[c])) joined = 0;
            }
            if (!joined) continue;
            PyObject *item = Py_BuildValue("(nnO)", start, ends[last], handles[last]);
            if (item == NULL || PyList_Append(found, item) < 0) {
                Py_XDECREF(item);
                goto fail;
            }
            Py_DECREF(item);
            after = ends[last];
            break;
        }
    }
    return found;
fail:
    Py_DECREF(found);
    return NULL;
}

/* find(text) for a str: its spaced form is made here, in one pass. A text outside ASCII is read
 * as Registry.find_names reads it (its words are runs of letters and digits, lower-cased): a
 * letter or digit outside ASCII is part of a word that no name (ASCII) can be, except the Kelvin
 * sign, whose lower case is "k"; any other character outside ASCII separates words, and the
 * curly double marks break a name as the straight one does. One byte per character in both. */
static PyObject *names_find(NameFinder *self, PyObject *text) {
    if (self->trie == NULL) {
        PyErr_SetString(PyExc_ValueError, "NameFinder not initialised");
        return NULL;
    }
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "find(text): text must be a str");
        return NULL;
    }
    Py_ssize_t size = PyUnicode_GET_LENGTH(text);
    char *spaced = PyMem_Malloc((size_t)size * 2 + 1);
    if (spaced == NULL) return PyErr_NoMemory();
    const char *plain;
    if (PyUnicode_IS_ASCII(text)) {
        plain = (const char *)PyUnicode_1BYTE_DATA(text);
        for (Py_ssize_t i = 0; i < size; i++) spaced[i] = (char)name_byte[(unsigned char)plain[i]];
    } else {
        char *bytes = spaced + size;  /* the text as its ASCII stand-ins, for the '@' and break tests */
        int kind = PyUnicode_KIND(text);
        const void *data = PyUnicode_DATA(text);
        for (Py_ssize_t i = 0; i < size; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (c < 128) {
                bytes[i] = (char)c;
                spaced[i] = (char)name_byte[c];
            } else {
                bytes[i] = (c == 0x201C || c == 0x201D) ? '"' : 'x';
                spaced[i] = c == 0x212A ? 'k' : Py_UNICODE_ISALNUM(c) ? '\x01' : ' ';
            }
        }
        plain = bytes;
    }
    PyObject *found = names_in(self, plain, spaced, size);
    PyMem_Free(spaced);
    return found;
}

static PyMethodDef names_methods[] = {
    {"find", (PyCFunction)names_find, METH_O,
     "find(text) -> list of (start, end, handle): the registry names in a text"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject NameFinderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tracker._words.NameFinder",
    .tp_basicsize = sizeof(NameFinder),
    .tp_dealloc = (destructor)names_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The registry's names found in a text in one pass (see the module's documentation).",
    .tp_methods = names_methods,
    .tp_init = (initproc)names_init,
    .tp_new = PyType_GenericNew,
};

/* ------------------------------------------------------------------ a text's words
 * text_words(text) -> bytes: patterns.ascii_words in one pass: b" " + the text with ASCII letters
 * lower-cased, digits and "_" kept and every other character a space + b" "; b"" when the text
 * holds a character that case-insensitive matching folds to an ASCII letter (U+0130, U+0131,
 * U+017F, U+212A), whose words these bytes would miss. */

static PyObject *text_words(PyObject *Py_UNUSED(module), PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "text_words(text): text must be str");
        return NULL;
    }
    Py_ssize_t size = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    if (kind != PyUnicode_1BYTE_KIND) {  /* the special characters lie outside Latin-1 */
        for (Py_ssize_t i = 0; i < size; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (c == 0x130 || c == 0x131 || c == 0x17F || c == 0x212A) return PyBytes_FromStringAndSize("", 0);
        }
    }
    PyObject *out = PyBytes_FromStringAndSize(NULL, size + 2);
    if (out == NULL) return NULL;
    unsigned char *bytes = (unsigned char *)PyBytes_AS_STRING(out);
    bytes[0] = ' ';
    if (kind == PyUnicode_1BYTE_KIND) {  /* the most texts: one table look-up per character */
        const Py_UCS1 *chars = (const Py_UCS1 *)data;
        for (Py_ssize_t i = 0; i < size; i++) bytes[i + 1] = word_byte[chars[i]];
    } else {
        for (Py_ssize_t i = 0; i < size; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            bytes[i + 1] = c < 256 ? word_byte[c] : ' ';
        }
    }
    bytes[size + 1] = ' ';
    return out;
}

static PyMethodDef module_methods[] = {
    {"text_words", (PyCFunction)text_words, METH_O,
     "text_words(text) -> bytes: the text's ASCII words between spaces (b'' if a character folds to one)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef words_module = {
    PyModuleDef_HEAD_INIT, "tracker._words", "Literal search over a text's words, in one pass.", -1,
    module_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__words(void) {
    if (PyType_Ready(&LexiconType) < 0 || PyType_Ready(&NameFinderType) < 0) return NULL;
    init_word_bytes();
    PyObject *module = PyModule_Create(&words_module);
    if (module == NULL) return NULL;
    Py_INCREF(&LexiconType);
    if (PyModule_AddObject(module, "Lexicon", (PyObject *)&LexiconType) < 0) {
        Py_DECREF(&LexiconType);
        Py_DECREF(module);
        return NULL;
    }
    Py_INCREF(&NameFinderType);
    if (PyModule_AddObject(module, "NameFinder", (PyObject *)&NameFinderType) < 0) {
        Py_DECREF(&NameFinderType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
