-- wrk script: GET the site's pages and assets from paths.txt in turn, each
-- thread from its own offset. Counts non-2xx responses per thread.
local paths = {}
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local f = assert(io.open(os.getenv("SOAK_PATHS") or "paths.txt"))
  for p in f:lines() do
    if #p > 0 then table.insert(paths, p) end
  end
  f:close()
  i = id * 7919
  non2xx = 0
end

function request()
  i = i + 1
  return wrk.format("GET", paths[i % #paths + 1])
end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("non2xx") end
  io.write(string.format("RESULT\t%d\t%.3f\t%.3f\t%.3f\t%d\t0\t%d\n",
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    bad, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
