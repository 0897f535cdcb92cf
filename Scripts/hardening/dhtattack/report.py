"""The one-line human summary of a run's JSON."""
import json


def mib(kb):
    return "?" if kb is None else "%.0f MiB" % (kb / 1024)


def summary(r):
    if "error" in r:
        return "%s/%s: ERROR %s" % (r["target"], r["attack"], r["error"])
    p, a = r["pings"], r.get("attack_figures", {})
    after = r.get("memory_after", {})
    s = "%s/%s: RSS %s -> peak %s (during the attack %s; VM peak %s) -> %s; CPU avg %s%%; pings p50 %s ms p99 %s ms max %s ms lost %d/%d" % (
        r["target"], r["attack"], mib((r["memory_before"] or {}).get("rss_kb")), mib(r["memory_peak"]["rss_kb"]),
        mib(r["memory_peak_during_attack"]["rss_kb"]), mib(r["memory_peak"]["vm_kb"]), ", ".join("%s %s" % (k, mib((v or {}).get("rss_kb"))) for k, v in after.items()),
        r["cpu_percent"]["avg"], p["p50_ms"], p["p99_ms"], p["max_ms"], p["lost"], p["sent"])
    if "send_rate_per_s" in a:
        s += "; sent %d/s, node asked %d forged senders" % (a["send_rate_per_s"], a["node_requests_to_forged_senders"])
    if "finds_after" in r:
        f = r["finds_after"]
        s += "; finds: %d of %d distinct ids are ours (%d at our addresses)" % (
            f["attacker_ids"], f["distinct_ids"], f["at_attacker_addresses"])
    if "listener_check" in r:
        c = r["listener_check"]
        s += "; squat answers %s; genuine listener got update: %s; raw listen %s, update %s" % (
            json.dumps(a.get("answers")), c["genuine_listener_got_update"], c["raw_listen_answer"],
            c["raw_listener_got_update"])
    if "phases" in a:
        s += "; " + ", ".join("%s %d acks/s cpu %s%%" % (k, v["acked_per_s"], v.get("cpu_percent"))
                              for k, v in a["phases"].items() if k != "filling")
        s += "; first 50 values still stored: %d" % a["first_50_values_still_stored"]
    if "honest" in r:
        h = r["honest"]
        s += "; honest %s: %d/%d puts ok, %d/%d gets found" % (h["client"], h["puts_ok"], h["of"], h["gets_found"], h["of"])
    return s
