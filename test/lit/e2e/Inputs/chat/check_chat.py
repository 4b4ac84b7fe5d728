"""Checks an executable's chat prompts against the Jinja rendering of the
real template, as Hugging Face's apply_chat_template renders it.

  check_chat.py EXE DSC TOKENIZER TEMPLATE BOS EOS SPECIALS [--system S] < lines

TEMPLATE is a tokenizer_config.json or a .jinja file. SPECIALS lists
(comma-separated) the template strings that are one token in this
vocabulary. Standard input holds the conversation as the executable reads
it: user lines, /assistant TEXT, /system TEXT, /reset. The executable runs
with --chat --print-prompt; each prompt it prints must equal the reference
rendering, and its token ids the reference tokenization (special strings
to their ids, the text between encoded by `dsc tokenize` without BOS).
"""
import json
import re
import subprocess
import sys

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment


def load_template(path):
    text = open(path, encoding="utf-8").read()
    if path.endswith(".json"):
        return json.loads(text)["chat_template"]
    return text


def render(template, system, messages, bos, eos):
    def raise_exception(msg):
        raise jinja2.exceptions.TemplateError(msg)

    # Hugging Face's environment (transformers' chat template utilities).
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.globals["raise_exception"] = raise_exception
    msgs = ([{"role": "system", "content": system}] if system is not None else []) + messages
    return env.from_string(template).render(
        messages=msgs, add_generation_prompt=True, bos_token=bos, eos_token=eos)


def tokenize(dsc, tokenizer, text, specials):
    ids, start = [], 0
    pattern = "|".join(re.escape(s) for s in sorted(specials, key=len, reverse=True))
    for m in re.finditer(pattern, text) if specials else []:
        ids += encode(dsc, tokenizer, text[start:m.start()])
        ids.append(specials[m.group(0)])
        start = m.end()
    return ids + encode(dsc, tokenizer, text[start:])


def encode(dsc, tokenizer, text):
    if not text:
        return []
    out = subprocess.run([dsc, "tokenize", tokenizer, "--text=" + text],
                         check=True, capture_output=True, text=True).stdout
    return [int(t) for t in out.split()]


def main():
    exe, dsc, tokenizer, template_path, bos, eos, special_arg = sys.argv[1:8]
    system = None
    extra = sys.argv[8:]
    if extra[:1] == ["--system"]:
        system = extra[1]
    template = load_template(template_path)
    specials = {}
    for s in filter(None, special_arg.split(",")):
        name, _, id_ = s.partition("=")
        specials[name] = int(id_)
    lines = sys.stdin.read().splitlines()
    cmd = [exe, "--chat", "--print-prompt"] + (["--system", system] if system is not None else [])
    out = subprocess.run(cmd, input="\n".join(lines) + "\n", check=True,
                         capture_output=True, text=True).stdout
    blocks = re.findall(r"--- prompt \((\d+) tokens\)\n(.*?)\n--- ids\n([^\n]*)\n", out, re.S)
    messages, n = [], 0
    for line in lines:
        if not line:
            continue
        if line.startswith("/assistant "):
            messages.append({"role": "assistant", "content": line[len("/assistant "):]})
        elif line.startswith("/system "):
            system, messages = line[len("/system "):], []
        elif line == "/reset":
            messages = []
        else:
            messages.append({"role": "user", "content": line})
            want = render(template, system, messages, bos, eos)
            if n >= len(blocks):
                sys.exit("turn %d: the executable printed no prompt" % (n + 1))
            count, got, got_ids = blocks[n]
            if got != want:
                sys.exit("turn %d: the prompt differs from the template's rendering\n"
                         "want: %r\ngot:  %r" % (n + 1, want, got))
            want_ids = tokenize(dsc, tokenizer, want, specials)
            ids = [int(t) for t in got_ids.split()]
            if ids != want_ids or int(count) != len(ids):
                sys.exit("turn %d: token ids differ\nwant: %s\ngot:  %s" % (n + 1, want_ids, ids))
            n += 1
    if n != len(blocks):
        sys.exit("the executable printed %d prompts for %d user turns" % (len(blocks), n))
    print("OK: %d prompts match the template's rendering and tokenization" % n)


if __name__ == "__main__":
    main()
