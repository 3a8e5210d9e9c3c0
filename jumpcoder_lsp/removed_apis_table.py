"""The curated table of removed APIs whose library gives no notes in its source (the standard
library; a few of pandas'; NumPy's removals that its installed source no longer mentions):
``{removed dotted name: (replacement or None, note, source)}``.

A replacement is offered as a code action only where it is a drop-in for the common use (same
arguments, same result) and exists in the environment (:func:`~.removed_apis.exists`); None:
the note only. Each entry names its source: the Python "What's New" page (the section that
lists the removal) or the pandas release notes. Libraries whose source keeps its own notes
(NumPy's ``__expired_attributes__``) are read from the installed package instead
(:func:`~.removed_apis.library_notes`), never copied here.
"""

from __future__ import annotations

from typing import Optional

_PY = "https://docs.python.org/3/whatsnew/{}.html"
_W310 = _PY.format("3.10") + "#removed (bpo-37324)"
_W38 = _PY.format("3.8") + "#api-and-feature-removals"
_W39 = _PY.format("3.9") + "#removed"
_W311 = _PY.format("3.11") + "#removed"
_W312 = _PY.format("3.12") + "#removed"
_W30 = _PY.format("3.0") + " and the 2to3 fixers (lib2to3/fixes: fix_itertools, fix_renames, fix_urllib)"
_PD10 = "https://pandas.pydata.org/docs/whatsnew/v1.0.0.html#removal-of-prior-version-deprecations-changes"
_PD20 = "https://pandas.pydata.org/docs/whatsnew/v2.0.0.html#removal-of-prior-version-deprecations-changes"
_PD30 = "https://pandas.pydata.org/docs/whatsnew/v3.0.0.html#removal-of-prior-version-deprecations-changes"

_NP = "https://numpy.org/doc/stable/release/{}-notes.html"
_NP20 = "https://numpy.org/doc/stable/numpy_2_0_migration_guide.html#main-namespace"

_ABCS = ("Awaitable", "Coroutine", "AsyncIterable", "AsyncIterator", "AsyncGenerator", "Hashable", "Iterable",
         "Iterator", "Generator", "Reversible", "Sized", "Container", "Callable", "Collection", "Set", "MutableSet",
         "Mapping", "MutableMapping", "MappingView", "KeysView", "ItemsView", "ValuesView", "Sequence",
         "MutableSequence", "ByteString")

TABLE: dict[str, tuple[Optional[str], str, str]] = {
    **{f"collections.{n}": (f"collections.abc.{n}", f"removed in Python 3.10: use collections.abc.{n}", _W310)
       for n in _ABCS},
    "inspect.getargspec": ("inspect.getfullargspec", "removed in Python 3.11: use inspect.getfullargspec "
                           "or inspect.signature", _W311),
    "inspect.formatargspec": (None, "removed in Python 3.11: use inspect.signature", _W311),
    "asyncio.coroutine": (None, "removed in Python 3.11: use async def", _W311),
    "binascii.a2b_hqx": (None, "removed in Python 3.11", _W311),
    "time.clock": ("time.perf_counter", "removed in Python 3.8: use time.perf_counter or time.process_time", _W38),
    "platform.linux_distribution": (None, "removed in Python 3.8: use the distro package", _W38),
    "platform.dist": (None, "removed in Python 3.8: use the distro package", _W38),
    "cgi.escape": ("html.escape", "removed in Python 3.8: use html.escape (its quote defaults to True)", _W38),
    "os.errno": (None, "removed in Python 3.7: import errno", _PY.format("3.7") + "#api-and-feature-removals"),
    "base64.encodestring": ("base64.encodebytes", "removed in Python 3.9: use base64.encodebytes", _W39),
    "base64.decodestring": ("base64.decodebytes", "removed in Python 3.9: use base64.decodebytes", _W39),
    "fractions.gcd": ("math.gcd", "removed in Python 3.9: use math.gcd", _W39),
    "sys.setcheckinterval": (None, "removed in Python 3.9: use sys.setswitchinterval", _W39),
    "plistlib.readPlist": (None, "removed in Python 3.9: use plistlib.load", _W39),
    "plistlib.writePlist": (None, "removed in Python 3.9: use plistlib.dump", _W39),
    "configparser.SafeConfigParser": ("configparser.ConfigParser",
                                      "removed in Python 3.12: use configparser.ConfigParser", _W312),
    "locale.format": ("locale.format_string", "removed in Python 3.12: use locale.format_string", _W312),
    "ssl.wrap_socket": (None, "removed in Python 3.12: use SSLContext.wrap_socket", _W312),
    "unittest.findTestCases": (None, "removed in Python 3.13: use unittest.TestLoader", _PY.format("3.13")),
    # Python 2 names (the 2to3 fixers' renames)
    "itertools.izip": ("zip", "Python 2 only: use the builtin zip", _W30),
    "itertools.imap": ("map", "Python 2 only: use the builtin map", _W30),
    "itertools.ifilter": ("filter", "Python 2 only: use the builtin filter", _W30),
    "itertools.ifilterfalse": ("itertools.filterfalse", "Python 2 only: use itertools.filterfalse", _W30),
    "itertools.izip_longest": ("itertools.zip_longest", "Python 2 only: use itertools.zip_longest", _W30),
    "sys.maxint": ("sys.maxsize", "Python 2 only: use sys.maxsize", _W30),
    "os.getcwdu": ("os.getcwd", "Python 2 only: use os.getcwd", _W30),
    "string.letters": ("string.ascii_letters", "Python 2 only: use string.ascii_letters", _W30),
    "string.lowercase": ("string.ascii_lowercase", "Python 2 only: use string.ascii_lowercase", _W30),
    "string.uppercase": ("string.ascii_uppercase", "Python 2 only: use string.ascii_uppercase", _W30),
    "string.maketrans": ("str.maketrans", "Python 2 only: use str.maketrans (bytes.maketrans for bytes)", _W30),
    "urllib.urlencode": ("urllib.parse.urlencode", "Python 2 only: use urllib.parse.urlencode", _W30),
    "urllib.quote": ("urllib.parse.quote", "Python 2 only: use urllib.parse.quote", _W30),
    "urllib.unquote": ("urllib.parse.unquote", "Python 2 only: use urllib.parse.unquote", _W30),
    "urllib.quote_plus": ("urllib.parse.quote_plus", "Python 2 only: use urllib.parse.quote_plus", _W30),
    "urllib.urlopen": ("urllib.request.urlopen", "Python 2 only: use urllib.request.urlopen", _W30),
    "urllib.urlretrieve": ("urllib.request.urlretrieve", "Python 2 only: use urllib.request.urlretrieve", _W30),
    # NumPy: what numpy/_expired_attrs_2_0.py and __former_attrs__ do not list (read from the
    # installed package first: its notes win over these)
    # (None: the replacement is NumPy's own note; the table only says when)
    **{f"numpy.{n}": (None, "removed in NumPy 1.24", _NP.format("1.24.0") + "#expired-deprecations")
       for n in ("float", "int", "object", "complex", "str")},
    "numpy.product": ("numpy.prod", "removed in NumPy 2.0: use numpy.prod", _NP20),
    "numpy.cumproduct": ("numpy.cumprod", "removed in NumPy 2.0: use numpy.cumprod", _NP20),
    "numpy.trapz": ("numpy.trapezoid", "deprecated in NumPy 2.0, then removed: use numpy.trapezoid", _NP.format("2.0.0")),
    "numpy.in1d": ("numpy.isin", "deprecated in NumPy 2.0, then removed: use numpy.isin", _NP.format("2.0.0")),
    "numpy.bool8": ("numpy.bool_", "deprecated in NumPy 1.24, removed in 2.0: use numpy.bool_", _NP.format("1.24.0")),
    "numpy.int0": ("numpy.intp", "deprecated in NumPy 1.24, removed in 2.0: use numpy.intp", _NP.format("1.24.0")),
    "numpy.uint0": ("numpy.uintp", "deprecated in NumPy 1.24, removed in 2.0: use numpy.uintp", _NP.format("1.24.0")),
    "numpy.rank": ("numpy.ndim", "removed in NumPy 1.18: use numpy.ndim", _NP.format("1.18.0")),
    "numpy.unicode": ("str", "an alias of the builtin str, deprecated in NumPy 1.20, removed in 1.24: use str",
                      _NP.format("1.24.0")),
    "numpy.asscalar": (None, "removed in NumPy 1.23: use a.item()", _NP.format("1.23.0")),
    "numpy.msort": (None, "removed in NumPy 2.0: use numpy.sort(a, axis=0)", _NP20),
    # pandas (its source keeps no notes dict)
    "pandas.Int64Index": ("pandas.Index", "removed in pandas 2.0: use pandas.Index", _PD20),
    "pandas.UInt64Index": ("pandas.Index", "removed in pandas 2.0: use pandas.Index", _PD20),
    "pandas.Float64Index": ("pandas.Index", "removed in pandas 2.0: use pandas.Index", _PD20),
    "pandas.NumericIndex": ("pandas.Index", "removed in pandas 2.0: use pandas.Index", _PD20),
    "pandas.datetime": ("datetime.datetime", "removed in pandas 2.0: use datetime.datetime", _PD20),
    "pandas.np": ("numpy", "removed in pandas 2.0: import numpy", _PD20),
    "pandas.SparseArray": ("pandas.arrays.SparseArray", "removed in pandas 1.0: use pandas.arrays.SparseArray",
                           _PD10),
    "pandas.scatter_matrix": ("pandas.plotting.scatter_matrix",
                              "removed in pandas 1.0: use pandas.plotting.scatter_matrix", _PD10),
    "pandas.Panel": (None, "removed in pandas 1.0: use a MultiIndex DataFrame or xarray", _PD10),
    "pandas.read_msgpack": (None, "removed in pandas 1.0: use pandas.read_pickle or pyarrow", _PD10),
    "pandas.TimeGrouper": (None, "removed in pandas 1.0: use pandas.Grouper(freq=...)", _PD10),
    "pandas.value_counts": (None, "removed in pandas 3.0: use pandas.Series(values).value_counts()", _PD30),
    "pandas.read_gbq": (None, "removed in pandas 3.0: use pandas_gbq.read_gbq", _PD30),
    "pandas.lib": (None, "removed in pandas 1.0", _PD10),
    "pandas.tslib": (None, "removed in pandas 1.0", _PD10),
}

#: documented attributes that exist only once something has run (the interpreter sets them after
#: an uncaught exception, in interactive mode, or when a program assigns them): never reported
RUNTIME_ATTRIBUTES = frozenset({
    "sys.last_type", "sys.last_value", "sys.last_traceback", "sys.last_exc",  # after an uncaught exception
    "sys.ps1", "sys.ps2",  # interactive mode
    "sys.tracebacklimit",  # read when a program sets it
    "curses.LINES", "curses.COLS",  # curses.initscr() copies these and the ACS_* constants in
})
#: the same, by prefix
RUNTIME_PREFIXES = ("curses.ACS_",)
