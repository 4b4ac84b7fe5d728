# Checks dsc advise --json output and its --plot chart (json-plot.test).
import json
import sys
import xml.etree.ElementTree as ET

out = json.load(open(sys.argv[1]))
assert out["split"] and out["eval_tokens"] > 100, out
devs = out["devices"]
assert [d["device"]["name"] for d in devs] == ["rpi5", "x86-laptop"], devs
keys = {"id", "scheme", "kld_mean", "kld_p99", "ppl", "top1", "weights_bytes",
        "kv_cache_bytes", "runtime_bytes", "memory_bytes", "bytes_per_token",
        "decode_tok_s", "prefill_tok_s", "pareto", "fits", "compilable"}
for d in devs:
    assert d["constraints"]["mem_bytes"] == 1800 * 1024, d["constraints"]
    assert d["ctx"] == 256
    ids = [c["id"] for c in d["candidates"]]
    assert ids[:3] == ["full", "int8", "int4-g32"], ids
    for c in d["candidates"]:
        assert keys <= c.keys(), (keys - c.keys())
        assert c["memory_bytes"] == (c["weights_bytes"] + c["kv_cache_bytes"]
                                     + c["runtime_bytes"]), c
        assert c["decode_tok_s"] > 0 and c["kld_mean"] >= 0, c
    full = d["candidates"][0]
    assert full["kld_mean"] == 0 and full["top1"] == 1, full
    # The KV cache at 256 positions: 5 layers x 2 x 4 heads x 8 x f32.
    assert full["kv_cache_bytes"] == 5 * 2 * 4 * 8 * 4 * 256, full
    # Only what fits may be recommended, and it is on the front.
    rec = d["recommendation"]
    if rec is not None:
        chosen = [c for c in d["candidates"] if c["id"] == rec["id"]][0]
        assert chosen["fits"] and chosen["pareto"], chosen
        assert chosen["memory_bytes"] <= d["constraints"]["mem_bytes"]
    assert d["reason"], d
auto = [c for c in devs[0]["candidates"] if c["id"] == "auto"]
assert auto, [c["id"] for c in devs[0]["candidates"]]
budget = int(auto[0]["scheme"].split("--mem-budget ")[1].split()[0])
assert auto[0]["weights_bytes"] <= budget, auto
# What auto chooses fits the memory it was measured for, its own kernels'
# code included (measured again at a smaller budget where it overshot).
assert auto[0]["fits"], auto
print("json ok: %d devices" % len(devs))
print("auto measured at a budget of %d bytes" % budget)

svg = ET.parse(sys.argv[2]).getroot()
ns = "{http://www.w3.org/2000/svg}"
assert svg.tag == ns + "svg", svg.tag
circles = svg.findall(ns + "circle")
cands = [c for c in circles if c.get("class", "").startswith("candidate")]
front = [c for c in cands if "front" in c.get("class").split()]
rec = [c for c in circles if c.get("class") == "recommended"]
paths = [p for p in svg.findall(ns + "path") if p.get("class") == "front"]
lines = [l for l in svg.findall(ns + "line") if l.get("class") == "memory"]
assert len(cands) == len(devs[0]["candidates"]), len(cands)
assert len(front) == sum(c["pareto"] for c in devs[0]["candidates"])
assert paths and paths[0].get("d").startswith("M"), paths
print("svg ok: %d candidates, %d on the front, %d memory lines, %d recommended"
      % (len(cands), len(front), len(lines), len(rec)))
