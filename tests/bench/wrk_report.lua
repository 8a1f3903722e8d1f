-- wrk script for bench_story.py: optional If-None-Match header, and a machine-readable
-- summary on the last line of output (latencies in microseconds).
--   BENCH_IF_NONE_MATCH='"etag"' wrk -t1 -c8 -d3s --latency -s tests/bench/wrk_report.lua URL
-- bench_writes.py writes this file at the top of its generated script, so that both report
-- in the same format; a script that does so may define report_extra() returning more JSON
-- members for the summary (', "name": value').

local inm = os.getenv("BENCH_IF_NONE_MATCH")
if inm and inm ~= "" then
  wrk.headers["If-None-Match"] = inm
end

function done(summary, latency, requests)
  local e = summary.errors
  local extra = report_extra and report_extra() or ""
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}%s}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50.0), latency:percentile(90.0), latency:percentile(99.0),
    latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout, extra))
end
