"""Ranking experiments on the four IR collections, in-process (no HTTP)."""
import itertools, json, math, pathlib, subprocess, sys, importlib.util
sys.path.insert(0, "/work/main")
spec = importlib.util.spec_from_file_location("ev", "/work/shared/tools/eval_ranking.py")
ev = importlib.util.module_from_spec(spec); spec.loader.exec_module(ev)
from webapp.search import IndexHandle, SearchRequest, run_search, ARTICLES
from webapp.search import handle as handle_mod
from webapp.engine import postings as post_mod
import indexer.schema as schema
import webapp.limits as limits
import webapp.search.syntax as syn
syn.MAX_QUERY_WORDS = 1000; syn.MAX_QUERY_CHARS = 10000; limits.MAX_QUERY_CHARS = 10000

IR = pathlib.Path("/work/shared/corpora/ir")
ROOT = pathlib.Path("/tmp/rank/idx")

def build(name):
    docs, queries, qrels = ev.load(IR, name)
    queries = {q: t for q, t in queries.items() if q in qrels}
    ix = ROOT / name
    if not (ix / "index").exists():
        (ix / "corpus").mkdir(parents=True, exist_ok=True)
        with open(ix / "corpus" / f"{name}.jsonl", "w") as f:
            for k, s in docs.items():
                rec = {"id": f"{name}-{k}", "title": s.get("T", ""), "body": s.get("W", "") or s.get("T", "")}
                if s.get("A"): rec["author"] = s["A"]
                f.write(json.dumps(rec) + "\n")
        subprocess.run(["/work/main/.venv/bin/newsdesk", "reindex", str(ix / "corpus"), "--index", str(ix / "index")], capture_output=True)
    fts = ev.run_fts5(docs, queries)
    return docs, queries, qrels, ix / "index", ev.scores(fts, qrels)

DATA = {n: build(n) for n in ["cisi", "cran", "med", "adi"]}

def run(name, q_transform=lambda q: q):
    docs, queries, qrels, index, _ = DATA[name]
    h = IndexHandle(str(index))
    out = {}
    for qid, q in queries.items():
        text = q_transform(" ".join(ev.words(q)))
        r = run_search(h, SearchRequest.from_args({"q": [text], "mode": ["any"], "per_page": ["100"], "dedupe": ["0"]}))
        out[qid] = [x.id.removeprefix(f"{name}-") for x in r.hits]
    h.close()
    return ev.scores(out, qrels)

def evaluate(label):
    res = {n: run(n) for n in DATA}
    mean = sum(v[1] for v in res.values()) / len(res)
    fts = sum(DATA[n][4][1] for n in DATA) / len(DATA)
    print(f"{label:40s} " + " ".join(f"{n} {res[n][1]:.3f}" for n in res) + f"  mean {mean:.3f} (fts5 {fts:.3f}, {mean-fts:+.3f})", flush=True)
    return res

IDFS = {
    "whoosh": lambda N, n: math.log(N / (n + 1)) + 1,
    "lucene": lambda N, n: math.log(1 + (N - n + 0.5) / (n + 0.5)),
    "robertson": lambda N, n: max(1e-6, math.log((N - n + 0.5) / (n + 0.5))),
}

def set_idf(fn):
    def idf(self, searcher, fieldname, text):
        key = (fieldname, text)
        got = self._idf.get(key)
        if got is None:
            self._postings_of(searcher, fieldname, text)
            n = self._doc_frequency.get(key)
            if n is None:
                n = searcher.doc_frequency(fieldname, text)
            got = self._idf[key] = fn(self.size, n)
        return got
    post_mod.Engine.idf = idf

if __name__ == "__main__" and "bm25f" not in sys.argv:
    for n in DATA: print(n, "fts5", DATA[n][4])
    grid = [(idf, b, k1, tw) for idf in ["whoosh", "lucene", "robertson"] for b in [0.3, 0.75] for k1 in [1.2] for tw in [1.5, 1.0]]
    for idf, b, k1, tw in grid:
        set_idf(IDFS[idf]); handle_mod.BM25_B = b; handle_mod.BM25_K1 = k1
        schema.DEFAULT_FIELDS["title"] = tw
        evaluate(f"idf={idf} b={b} k1={k1} title={tw}")

# ---- BM25F prototype: one saturation over the field-weighted, length-normalised frequencies
import numpy as np
from webapp.engine import evaluate as evmod
from webapp.engine.sets import Found, EMPTY, boosted
from whoosh.query import Or, Term
ORIG_EVAL = evmod.Evaluation.eval
FIELD_B = {}

def bm25f_eval(self, q):
    if isinstance(q, Or) and not q.minmatch and not q.scale and any(isinstance(s, Term) for s in q.subqueries):
        groups, rest = {}, []
        for sub in q.subqueries:
            if isinstance(sub, Term):
                groups.setdefault(sub.text, []).append(sub)
            else:
                rest.append(sub)
        from webapp.engine.sets import union
        found = [bm25f(self, Or(g)) for g in groups.values()] + [self.eval(r) for r in rest]
        return boosted(union(found), q.boost)
    return ORIG_EVAL(self, q)

def bm25f(self, q):
    eng, s = self.engine, self.searcher
    parts = []
    for t in q.subqueries:
        b = evmod._btext(s, t.fieldname, t.text)
        if b is None: continue
        docs, tf = eng.postings(s, t.fieldname, b)
        if not len(docs): continue
        bf = FIELD_B.get(t.fieldname, handle_mod.BM25_B)
        fl = eng.lengths(s, t.fieldname)[docs]
        avg = s.avg_field_length(t.fieldname) or 1
        parts.append((docs, t.boost * tf / ((1 - bf) + bf * fl / avg), b, t.fieldname))
    if not parts:
        return EMPTY
    alldocs = np.concatenate([p[0] for p in parts]); allw = np.concatenate([p[1] for p in parts])
    order = np.argsort(alldocs, kind="stable"); alldocs, allw = alldocs[order], allw[order]
    starts = np.flatnonzero(np.concatenate(([True], alldocs[1:] != alldocs[:-1])))
    docs = alldocs[starts]; w = np.add.reduceat(allw, starts)
    n = len(docs)  # documents with the word in any field
    idf = CUR_IDF(eng.size, n)
    k1 = handle_mod.BM25_K1
    return boosted(Found(docs, idf * w * (k1 + 1) / (w + k1)), q.boost)

def use_bm25f(on):
    evmod.Evaluation.eval = bm25f_eval if on else ORIG_EVAL

if __name__ == "__main__" and "bm25f" in sys.argv:
    use_bm25f(True)
    for idfn in ["robertson", "lucene"]:
        CUR_IDF = IDFS[idfn]; set_idf(IDFS[idfn])
        for b in [0.5, 0.75]:
            for k1 in [1.2, 1.5]:
                for tw in [1.0, 2.0]:
                    handle_mod.BM25_B = b; handle_mod.BM25_K1 = k1; schema.DEFAULT_FIELDS["title"] = tw
                    evaluate(f"BM25F idf={idfn} b={b} k1={k1} title={tw}")
