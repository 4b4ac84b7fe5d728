"""The second reply of a chat (the KV cache holding the first turn) equals
what a fresh run generates from the second turn's prompt ids.

  check_reuse.py EXE REPLIES  (REPLIES: the chat's output for 'Lily', 'Tom')
"""
import re
import subprocess
import sys

exe, replies = sys.argv[1:3]
r1, r2 = open(replies).read().split("\n")[:2]
conv = "Lily\n/assistant %s\nTom\n" % r1
out = subprocess.run([exe, "--chat", "--print-prompt"], input=conv,
                     capture_output=True, text=True, check=True).stdout
ids = re.findall(r"--- ids\n([^\n]*)\n", out)[1].split()
gen = subprocess.run([exe, "--tokens", " ".join(ids), "--no-bos", "--temp", "0",
                      "-n", str(len(ids) + 5)],
                     capture_output=True, text=True, check=True).stdout
if not gen.rstrip("\n").endswith(r2):
    sys.exit("second reply %r; a fresh run gives %r" % (r2, gen))
print("OK: the second reply equals a fresh run's")
