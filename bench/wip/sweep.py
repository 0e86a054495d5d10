import sys, itertools
sys.argv = [sys.argv[0]]
exec(open('/tmp/rank/exp.py').read().split("IDFS = {")[0])
from webapp.engine.scoring import Bm25f
def run2(name, ranking):
    docs, queries, qrels, index, _ = DATA[name]
    h = IndexHandle(str(index), ranking=ranking)
    out = {}
    for qid, q in queries.items():
        r = run_search(h, SearchRequest.from_args({"q": [" ".join(ev.words(q))], "mode": ["any"], "per_page": ["100"], "dedupe": ["0"]}))
        out[qid] = [x.id.removeprefix(f"{name}-") for x in r.hits]
    h.close()
    return ev.scores(out, qrels)[1]
for k1, b, tw in itertools.product([1.2, 1.5], [0.75], [1.0, 1.5, 2.0]):
    schema.DEFAULT_FIELDS["title"] = tw
    res = {n: run2(n, Bm25f(k1, b)) for n in DATA}
    mean = sum(res.values()) / 4; fts = sum(DATA[n][4][1] for n in DATA) / 4
    print(f"k1={k1} b={b} title={tw} " + " ".join(f"{n} {v:.3f}" for n, v in res.items()) + f" mean {mean:.3f} ({mean-fts:+.3f})", flush=True)
