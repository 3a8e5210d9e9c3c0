"""Pure token helpers: bad words, offset tiling, common prefixes, control-token spellings."""

from jumpcoder_lsp.runtime.tokens import (bad_word_ids, common_prefix_len, document_start, looks_like_control,
                                          tile_offsets)

TEXTS = ["pass", " pass", "\n        pass", "passed", " password", "pass\n", " #", "#", "##", "\n#", " x",
         "pass_", " pass(", "", "\ufffd", " ", "#!"]


def test_bad_word_bans_tokens_starting_with_it_after_whitespace():
    banned = {TEXTS[i] for i in bad_word_ids(TEXTS, "#")}
    assert banned == {" #", "#", "##", "\n#", "#!"}


def test_alphabetic_bad_word_needs_a_word_boundary():
    banned = {TEXTS[i] for i in bad_word_ids(TEXTS, "pass")}
    assert banned == {"pass", " pass", "\n        pass", "pass\n", " pass("}
    assert bad_word_ids(TEXTS, "  ") == []


def test_tile_offsets_handles_split_characters_and_trimmed_whitespace():
    # "a 😀b": the emoji (one char) split over 2 tokens that both report (2, 3); " " trimmed off token 2
    assert tile_offsets([(0, 1), (2, 3), (2, 3), (3, 4)], 4) == [(0, 1), (1, 3), (3, 3), (3, 4)]
    # trailing whitespace the tokenizer did not report goes to the last token
    assert tile_offsets([(0, 3)], 5) == [(0, 5)]
    assert tile_offsets([], 0) == []


def test_common_prefix_len():
    a = list(range(1000))
    assert common_prefix_len(a, a) == 1000
    assert common_prefix_len(a, a[:300]) == 300
    b = a[:700] + [-1] + a[701:]
    assert common_prefix_len(a, b) == 700
    assert common_prefix_len([], a) == 0
    assert common_prefix_len([1, 2], [2]) == 0


def test_control_token_spellings():
    for t in ("<|fim_prefix|>", "<fim_prefix>", "<PRE>", "▁<PRE>", "<｜fim▁begin｜>", "<s>", "<|endoftext|>"):
        assert looks_like_control(t), t
    for t in ("    ", "\t", "< 3", "a<b>", "<"):
        assert not looks_like_control(t), t


def test_document_start_is_the_bos_only_where_the_tokenizer_adds_it():
    assert document_start(1, True, (2,)) == 1  # Llama/DeepSeek: the tokenizer puts BOS before a text
    # Qwen: BOS <|endoftext|> (151643) exists but is never added; the first end token <|im_end|> starts it
    assert document_start(151643, False, (151645, 151643)) == 151645
    assert document_start(None, False, (7,)) == 7
    assert document_start(None, False, ()) == 0 and document_start(5, False, ()) == 5
