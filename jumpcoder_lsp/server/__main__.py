"""``python -m jumpcoder_lsp.server [--tcp HOST:PORT] [--model SPEC]``"""

from .main import serve

raise SystemExit(serve())
