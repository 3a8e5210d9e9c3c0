import sys, time, math
sys.path.insert(0, '/work/wt-pie-llamacpp/tests/runtime')
from test_llamacpp_runtime import default_gguf, STOP_TOKENS
from jumpcoder_lsp.runtime.llamacpp_runtime import LlamaCppRuntime
from jumpcoder_lsp.runtime.base import GenRequest, stop_at_newline
import inspect, jumpcoder_lsp.runtime.kvreuse as m
src = inspect.getsource(m)[:3000]
rt = LlamaCppRuntime(default_gguf(), stop_tokens=STOP_TOKENS, kv_reuse="pie", threads=1)
full = LlamaCppRuntime(default_gguf(), stop_tokens=STOP_TOKENS, threads=1)
def nxt(r, text):
    ids = r.prompt_ids([text]); s = r._prefill(ids, len(ids), True, None); r._unpin(s); r._dedup(s)
    row = s.last; return int(row.argmax()), row
t=time.time(); a,_ = nxt(rt, src); print('first', time.time()-t, rt.misses)
edited = "import os\nimport sys\n" + src
m0=rt.misses; t=time.time(); a, ra = nxt(rt, edited); print('pie', time.time()-t, rt.misses-m0, rt.last_plan.kept, len(rt.prompt_ids([edited])))
sid = rt._seqs[next(reversed(rt._seqs))].sid
print('posmax', rt._L.llama_memory_seq_pos_max(rt._mem, sid), rt._L.llama_memory_seq_pos_min(rt._mem, sid))
t=time.time(); b, rb = nxt(full, edited); print('full', time.time()-t, a, b)
import numpy as np
lp = lambda r: r - (r.max() + np.log(np.exp(r - r.max()).sum()))
print('lp diff at greedy', abs(lp(ra)[b]-lp(rb)[b]), np.abs(lp(ra)-lp(rb)).max())
