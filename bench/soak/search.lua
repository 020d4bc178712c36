-- wrk script: distinct /mcp `search` tool calls, so no call is answered
-- from the server's result cache. Each thread walks its own range of a
-- counter and turns it into a combination of three words of words.txt.
-- Counts non-2xx responses and tool errors (isError) per thread.
local words = {}
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local f = assert(io.open(os.getenv("SOAK_WORDS") or "words.txt"))
  for w in f:lines() do
    if #w > 0 then table.insert(words, w) end
  end
  f:close()
  counter = id * 100000000
  non2xx = 0
  tool_errors = 0
  max_words = tonumber(os.getenv("SOAK_MAX_WORDS") or "0")
  max_chars = tonumber(os.getenv("SOAK_MAX_CHARS") or "0")
end

local function query(c)
  local n = #words
  if max_words > 0 then
    -- A maximum-size query: max_words words from a moving window, padded
    -- with spaces to max_chars.
    local parts = {}
    local len = 0
    for i = 0, max_words - 1 do
      local w = words[(c + i * 7) % n + 1]
      if len + #w + 1 > max_chars then w = "a" end
      table.insert(parts, w)
      len = len + #w + 1
    end
    local q = table.concat(parts, " ")
    return q .. string.rep(" ", math.max(0, max_chars - #q))
  end
  return words[c % n + 1] .. " " .. words[math.floor(c / n) % n + 1] .. " "
    .. words[math.floor(c / (n * n)) % n + 1]
end

function request()
  counter = counter + 1
  local body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"query":"'
    .. query(counter) .. '"}}}'
  return wrk.format("POST", "/mcp", {
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json, text/event-stream",
    ["MCP-Protocol-Version"] = "2025-11-25",
  }, body)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  elseif string.find(body, '"isError":true', 1, true) then
    tool_errors = tool_errors + 1
  end
end

function done(summary, latency, requests)
  local bad, errs = 0, 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("non2xx")
    errs = errs + t:get("tool_errors")
  end
  io.write(string.format("RESULT\t%d\t%.3f\t%.3f\t%.3f\t%d\t%d\t%d\n",
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    bad, errs, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
