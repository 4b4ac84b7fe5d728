"""Makes one copy of a Hugging Face model directory per chat template in
this directory: links to its files, and the template as the copy's
tokenizer_config.json (or chat_template.jinja). Also links its tokenizer as
OUT/tok.model."""
import os
import sys

src, out = sys.argv[1:3]
here = os.path.dirname(os.path.abspath(__file__))
os.symlink(os.path.join(src, "tokenizer.model"), os.path.join(out, "tok.model"))
for name in sorted(os.listdir(here)):
    stem, ext = os.path.splitext(name)
    if ext not in (".json", ".jinja"):
        continue
    d = os.path.join(out, stem)
    os.mkdir(d)
    for f in ("config.json", "model.safetensors", "tokenizer.model"):
        os.symlink(os.path.join(src, f), os.path.join(d, f))
    target = "tokenizer_config.json" if ext == ".json" else "chat_template.jinja"
    os.symlink(os.path.join(here, name), os.path.join(d, target))
