-- wrk script: cycles through the five heaviest API endpoints (one per
-- request, in order) and prints one machine-readable summary line.
local paths = {
  "/api/v1/ixps?per_page=1000",
  "/api/v1/ixps/171/members",
  "/api/v1/countries",
  "/api/v1/ixps/171/history",
  "/api/v1/networks/15169",
}
local single = os.getenv("WRK_PATH")
local i = 0
request = function()
  local p
  if single and single ~= "" then
    p = single
  else
    i = i % #paths + 1
    p = paths[i]
  end
  return wrk.format("GET", p)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d bytes=%d p50_us=%d p99_us=%d max_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
