-- wrk script for bench_ingest.py: single-event POSTs to /api/v1/events.
-- wrk -s bench/ingest_single.lua URL -- TOKEN PREFIX INTERVAL_MS SERVICES
-- Every request carries a new event (unique id); each connection waits INTERVAL_MS after
-- an answer before its next event (0: back to back). Prints one JSON line at the end.

local threads = {}
local counter = 0
failures = 0

function setup(thread)
  thread:set("number", #threads)
  table.insert(threads, thread)
end

function init(args)
  token = args[1]
  prefix = args[2]
  interval = tonumber(args[3] or "0")
  services = tonumber(args[4] or "1000")
  wrk.method = "POST"
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"service":"bench/svc-%05d","at":"%s","state":"OK","id":"%s-%d-%d"}',
    counter % services, os.date("!%Y-%m-%dT%H:%M:%SZ"), prefix, number, counter)
  return wrk.format(nil, "/api/v1/events", nil, body)
end

function delay()
  return interval
end

function response(status, headers, body)
  if status ~= 200 then
    failures = failures + 1
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("failures")
  end
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50": %.3f, "p95": %.3f, "p99": %.3f, "max": %.3f, ' ..
    '"non_200": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, failed,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
