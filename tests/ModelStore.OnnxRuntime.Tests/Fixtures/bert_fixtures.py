#!/usr/bin/python3
"""A small BERT-like sentence encoder made by real PyTorch at test time (Debian's /usr/bin/python3 + python3-torch).

  make FOLDER   writes what a Hub sentence-embedding model folder holds, with the interface of a Hub BERT export
                (sentence-transformers/all-MiniLM-L6-v2's onnx/model.onnx), so the same .NET code runs either:
                  vocab.txt        a WordPiece vocabulary (BERT's special tokens, words, ##suffixes, characters)
                  tokenizer.json   the same tokenizer in the Hugging Face tokenizers format (BertNormalizer,
                                   BertPreTokenizer, WordPiece, [CLS] ... [SEP] template)
                  config.json      the architecture's sizes
                  model.onnx       nn.Embedding (token + position + token type) + 2 TransformerEncoderLayers, exported
                                   by torch.onnx.export (inputs input_ids, attention_mask, token_type_ids: int64
                                   [batch, sequence]; output last_hidden_state: float [batch, sequence, hidden])
                  manifest.json    sentences, the token ids BERT's WordPiece gives them (computed here by the
                                   reference algorithm below, not by the .NET tokenizer under test) and PyTorch's
                                   sentence embeddings (sentence-transformers' mean pooling over the attention mask,
                                   then L2 normalisation) of the padded batch and of each sentence alone.
"""
import json
import sys
import unicodedata

import torch
from torch import nn

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = ["the", "a", "model", "models", "weights", "build", "load", "run", "cache", "shared", "python", "dotnet",
         "is", "are", "and", "with", "from", "hub", "token", "fast", "small", "encoder", "sentence", "embed"]
SUFFIXES = ["##s", "##ing", "##ed", "##er", "##ly", "##ize", "##izer", "##able"]
CHARS = [c for c in "abcdefghijklmnopqrstuvwxyz0123456789"] + ["##" + c for c in "abcdefghijklmnopqrstuvwxyz0123456789"]
PUNCT = [".", ",", "!", "?", "'", "-", "(", ")"]
VOCAB = list(dict.fromkeys(SPECIAL + WORDS + SUFFIXES + CHARS + PUNCT))  # one id per token, as a vocab.txt needs
SENTENCES = ["The model loads fast.", "Shared cache, with Python!", "Tokenizers embed sentences from the Hub",
             "A small encoder runs in dotnet", "unknown ünïcödé words: zebra-crossing?"]
HIDDEN, LAYERS, HEADS, FFN, MAX_POSITIONS, TYPE_VOCAB = 32, 2, 4, 64, 64, 2


def is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def basic_tokenize(text):
    """BERT's BasicTokenizer (uncased): clean, lowercase, strip accents, split on whitespace and punctuation."""
    text = "".join(" " if ch.isspace() else ch for ch in text if ord(ch) not in (0, 0xFFFD) and unicodedata.category(ch) not in ("Cc", "Cf") or ch in "\t\n\r")
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    tokens = []
    for word in text.split():
        current = ""
        for ch in word:
            if is_punctuation(ch):
                if current:
                    tokens.append(current)
                tokens.append(ch)
                current = ""
            else:
                current += ch
        if current:
            tokens.append(current)
    return tokens


def wordpiece(word, vocab):
    """Greedy longest-match-first WordPiece, [UNK] for a word that cannot be covered."""
    pieces, start = [], 0
    while start < len(word):
        end, found = len(word), None
        while start < end:
            piece = ("##" if start > 0 else "") + word[start:end]
            if piece in vocab:
                found = piece
                break
            end -= 1
        if found is None:
            return ["[UNK]"]
        pieces.append(found)
        start = end
    return pieces


def encode(text, vocab):
    ids = [vocab["[CLS]"]]
    for word in basic_tokenize(text):
        ids.extend(vocab[p] for p in wordpiece(word, vocab))
    return ids + [vocab["[SEP]"]]


class SentenceEncoder(nn.Module):
    """BERT's interface: token ids, attention mask and token types in, the last hidden state (one vector per token) out."""

    def __init__(self):
        super().__init__()
        self.token_embeddings = nn.Embedding(len(VOCAB), HIDDEN, padding_idx=0)
        self.position_embeddings = nn.Embedding(MAX_POSITIONS, HIDDEN)
        self.token_type_embeddings = nn.Embedding(TYPE_VOCAB, HIDDEN)
        self.norm = nn.LayerNorm(HIDDEN)
        self.layers = nn.ModuleList([nn.TransformerEncoderLayer(HIDDEN, HEADS, FFN, dropout=0.0, batch_first=True) for _ in range(LAYERS)])

    def forward(self, input_ids, attention_mask, token_type_ids):
        positions = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0)
        x = self.norm(self.token_embeddings(input_ids) + self.position_embeddings(positions) + self.token_type_embeddings(token_type_ids))
        padding = attention_mask == 0
        for layer in self.layers:
            x = layer(x, src_key_padding_mask=padding)
        return x


def sentence_embeddings(last_hidden_state, attention_mask):
    """sentence-transformers' Pooling (mean over the tokens the mask keeps) then Normalize (L2), as all-MiniLM-L6-v2 runs."""
    mask = attention_mask.unsqueeze(-1).to(last_hidden_state.dtype)
    mean = (last_hidden_state * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
    return nn.functional.normalize(mean, p=2, dim=1)


def embed(model, input_ids, attention_mask):
    """The sentence embeddings of a batch whose token types are all 0 (single sentences)."""
    return sentence_embeddings(model(input_ids, attention_mask, torch.zeros_like(input_ids)), attention_mask)


def trained_encoder():
    """The encoder with fixed weights moved away from their init (so every parameter matters), in eval mode."""
    torch.manual_seed(19)
    model = SentenceEncoder()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    return model.eval()


def tokenizer_json(vocab):
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": vocab[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True} for t in SPECIAL],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True, "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
                           "special_tokens": {t: {"id": t, "ids": [vocab[t]], "tokens": [t]} for t in ("[CLS]", "[SEP]")}},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100, "vocab": vocab},
    }


def make(folder):
    vocab = {token: i for i, token in enumerate(VOCAB)}
    with open(f"{folder}/vocab.txt", "w", encoding="utf-8") as f:
        f.write("\n".join(VOCAB) + "\n")
    with open(f"{folder}/tokenizer.json", "w", encoding="utf-8") as f:
        json.dump(tokenizer_json(vocab), f, ensure_ascii=False, indent=2)
    config = {"architectures": ["SentenceEncoder"], "model_type": "bert", "vocab_size": len(VOCAB), "hidden_size": HIDDEN,
              "num_hidden_layers": LAYERS, "num_attention_heads": HEADS, "intermediate_size": FFN,
              "max_position_embeddings": MAX_POSITIONS, "type_vocab_size": TYPE_VOCAB, "pooling": "mean", "do_lower_case": True}
    with open(f"{folder}/config.json", "w") as f:
        json.dump(config, f, indent=2)

    model = trained_encoder()

    ids = [encode(s, vocab) for s in SENTENCES]
    length = max(len(i) for i in ids)
    input_ids = torch.tensor([i + [0] * (length - len(i)) for i in ids], dtype=torch.int64)
    attention_mask = torch.tensor([[1] * len(i) + [0] * (length - len(i)) for i in ids], dtype=torch.int64)
    token_type_ids = torch.zeros_like(input_ids)
    torch.onnx.export(model, (input_ids, attention_mask, token_type_ids), f"{folder}/model.onnx", opset_version=14,
                      input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["last_hidden_state"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
                                    "token_type_ids": {0: "batch", 1: "sequence"}, "last_hidden_state": {0: "batch", 1: "sequence"}})
    with torch.no_grad():
        embeddings = embed(model, input_ids, attention_mask)
        alone = [embed(model, torch.tensor([i]), torch.ones(1, len(i), dtype=torch.int64))[0].tolist() for i in ids]
    with open(f"{folder}/manifest.json", "w") as f:
        json.dump({"sentences": SENTENCES, "ids": ids, "embeddings": embeddings.tolist(), "alone": alone}, f)


if __name__ == "__main__":
    {"make": make}[sys.argv[1]](sys.argv[2])
