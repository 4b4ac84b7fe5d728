"""payload-thread.test's check: the payload embedded in EXE (from its
trailer) is EXT's .dscw byte for byte, zeros lie between the code and it,
and its offset is printed."""
import struct
import sys

emb = open(sys.argv[1], "rb").read()
ext = open(sys.argv[2], "rb").read()
side = open(sys.argv[2] + ".dscw", "rb").read()
off, size = struct.unpack("<QQ", emb[-24:-8])
assert emb[-8:] == ext[-8:], "no trailer"
assert size == len(side), (size, len(side))
assert emb[off:off + size] == side, "payload differs"
assert len(emb) == off + size + 256, (len(emb), off, size)
code = len(ext) - 256
assert emb[:code] == ext[:code], "code differs"
assert off % 4096 == 0 and off >= code, (off, code)
assert emb[code:off] == bytes(off - code), "gap not zero"
print("payload at %d ok" % off)
