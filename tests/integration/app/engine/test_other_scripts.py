"""A document in another script (a cited source in Russian): its names are whole words, a name it never uses
is refused, an inflected form of its words is not; a question none of whose words it uses is refused."""
from __future__ import annotations

import pytest

from tests.conftest import ingested_engine

TEXT = """Гендерная подготовка полицейских

Гендерная подготовка полицейских проводится перед каждым развертыванием миротворческой миссии. Курс длится три дня \
и включает ролевые игры.

Командиры, которые лично поддерживают подготовку, повышают её эффективность. Исследование Петровой показало, что \
знания сохраняются шесть месяцев.
"""


@pytest.fixture(scope="module")
def ru_engine(tmp_path_factory):
    root = tmp_path_factory.mktemp("cyrillic")
    (root / "corpus").mkdir()
    (root / "corpus" / "podgotovka.txt").write_text(TEXT, encoding="utf-8")
    return ingested_engine(root / "corpus", root / "db")


def test_a_name_the_document_never_uses_is_refused_in_any_script(ru_engine):
    """Letters outside A-Z were cut out of names ("Ивановой" had no letter left), so no such name was unknown."""
    a = ru_engine.answer("Что показало исследование Ивановой?")
    assert a.refused and a.unknown_terms == ["Ивановой"] and "'Ивановой'" in a.text
    a = ru_engine.answer("Что показало исследование Петровой?")
    assert not a.refused and "Исследование Петровой показало, что знания сохраняются шесть месяцев." in [
        c.quote for c in a.citations]  # a sentence of its own (only A-Z started one: the paragraph was one)


def test_an_inflected_form_is_not_an_unknown_term(ru_engine):
    a = ru_engine.answer("Сколько дней длится курс подготовки?")  # the text writes "подготовка", "подготовку"
    assert not a.refused and "Курс длится три дня и включает ролевые игры." in [c.quote for c in a.citations]


def test_a_question_in_a_language_the_document_does_not_use_is_refused(ru_engine):
    a = ru_engine.answer("Welche Ausbildung bekommen Soldatinnen?")
    assert a.refused and "'Ausbildung'" in a.text and "Ausbildung" in a.unknown_terms  # its names, as any unknown name
    a = ru_engine.answer("quel est le rôle des formateurs?")
    assert a.refused and "none of the question's words" in a.text
