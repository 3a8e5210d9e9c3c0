"""The language registry: names, LSP languageIds, extensions, paths and the unknown-language error."""

import pytest

from jumpcoder_lsp import languages
from jumpcoder_lsp.languages import get_language, language_for_path, register_language, supported_languages
from jumpcoder_lsp.languages.python import PythonSpec


@pytest.mark.parametrize("name", ["python", "Python", "py", "python3", ".py", ".pyi", "PY"])
def test_get_language_accepts_names_language_ids_and_extensions(name):
    spec = get_language(name)
    assert isinstance(spec, PythonSpec) and spec.name == "python"


def test_get_language_returns_one_shared_spec():
    assert get_language("python") is get_language(".py")


@pytest.mark.parametrize(
    "path",
    ["/home/u/proj/main.py", "stubs/mod.pyi", "C:\\work\\x.PY", "file:///tmp/a%20b/script.py", "file:///x/y.py?v=1"],
)
def test_language_for_path(path):
    assert language_for_path(path).name == "python"


def test_unknown_language_names_the_supported_ones():
    with pytest.raises(ValueError) as e:
        get_language("cobol")
    assert "cobol" in str(e.value) and "python" in str(e.value) and ".py" in str(e.value)
    with pytest.raises(ValueError, match="supported languages: .*python"):
        language_for_path("/src/Main.unknown")
    with pytest.raises(ValueError):
        language_for_path("/src/Makefile")


def test_register_language_adds_a_spec_selected_by_alias_and_extension(monkeypatch):
    monkeypatch.setattr(languages, "_factories", dict(languages._factories))
    monkeypatch.setattr(languages, "_aliases", dict(languages._aliases))
    monkeypatch.setattr(languages, "_instances", dict(languages._instances))

    class Fake:
        name = "fake"

    register_language("fake", Fake, aliases=("fk",), extensions=(".fk", "fake2"))
    assert "fake" in supported_languages()
    assert get_language("fk") is get_language("FAKE") is language_for_path("a/b.fake2")
    assert get_language("python").name == "python"
