-- wrk script for the prefill of `npm run bench:single`: kv.lua in seq order; after stop_after
-- responses (every key written once) it prints "prefill <responses> <non-2xx>" and exits wrk
-- (wrk.thread:stop() would still leave wrk sleeping for the whole -d). Exit status 0 when every
-- answer was 2xx, 3 otherwise. Run with the working directory bench/single (dofile is relative).
dofile("kv.lua")

local responses = 0
local failed = 0

function response(status, headers, body)
  responses = responses + 1
  if status < 200 or status > 299 then failed = failed + 1 end
  if stopAfter > 0 and responses >= stopAfter then
    io.write(string.format("prefill %d %d\n", responses, failed))
    io.flush()
    os.exit(failed == 0 and 0 or 3)
  end
end
