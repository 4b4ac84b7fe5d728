"""Checks that `dsc [CMD] --help` lists dsc's options only.

usage: check_help.py CMD HELP_FILE LIST_FILE

CMD is the subcommand, or - for dsc itself. HELP_FILE is the output of
--help, LIST_FILE that of --help-list. The help may have the sections
OPTIONS:, Generic Options: (--help, --help-list, --version) and
"dsc CMD options:" and nothing else (LLVM's options come in
categories of their own); --help-list must name the same options.
"""
import re
import sys

GENERIC = {"--help", "--help-list", "--version"}
OPTION = re.compile(r"^  (-{1,2}[A-Za-z0-9][\w-]*)")


def sections(path):
    """{heading: [option names]} of a --help output."""
    out, heading = {}, None
    for line in open(path):
        if re.match(r"^[A-Za-z].*:\s*$", line):
            heading = line.strip()
            out.setdefault(heading, [])
        elif heading:
            m = OPTION.match(line)
            if m:
                out[heading].append(m.group(1))
    return out


def main():
    cmd, help_file, list_file = sys.argv[1:]
    name = "dsc" if cmd == "-" else "dsc " + cmd
    own = "%s options:" % name
    allowed = {"SUBCOMMANDS:", "OPTIONS:", "Generic Options:", own}
    help_sections = sections(help_file)
    bad = sorted(set(help_sections) - allowed)
    if bad:
        sys.exit("%s --help has sections other than dsc's: %s"
                 % (name, ", ".join(bad)))
    extra = set(help_sections.get("Generic Options:", [])) - GENERIC
    if extra:
        sys.exit("%s --help: generic options %s" % (name, sorted(extra)))
    shown = set(help_sections.get(own, [])) | set(
        help_sections.get("Generic Options:", []))
    listed = set(sections(list_file).get("OPTIONS:", []))
    if listed - shown:
        sys.exit("%s --help-list lists options --help does not: %s"
                 % (name, " ".join(sorted(listed - shown))))
    print("%s: %d options of its own, no others"
          % (name, len(help_sections.get(own, []))))


main()
