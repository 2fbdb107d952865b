-- wrk script for `npm run bench:single`: KV puts or gets of 256-byte values over N keys.
-- Usage: wrk -t1 -cC -dD --latency -s kv.lua URL -- <api> <op> <keys> <order> [token] [stop_after]
--   api:   vault (Arca and bare fastify: POST/GET /v1/secret/data/bench/k<i>)
--          etcd  (etcd 3.4 v3 JSON gateway: POST /v3/kv/put, POST /v3/kv/range, base64 fields)
--   op:    put | get
--   keys:  how many distinct keys (k0 .. k<keys-1>)
--   order: random (uniform, fixed seed) | seq (k0, k1, ... wrapping; prefill)
--   token: X-Vault-Token (vault api only; "-" for none)
--   stop_after: prefill.lua only: stop the thread after this many responses
-- Requests are built once per key and reused (keeps wrk's own CPU per request low and equal for
-- every server). Non-2xx answers are counted by wrk itself ("Non-2xx or 3xx responses").
-- No response() callback here: defining one makes wrk hand every body to Lua (prefill.lua does).

local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

local function base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local c1 = math.floor(n / 262144) % 64
    local c2 = math.floor(n / 4096) % 64
    local c3 = math.floor(n / 64) % 64
    local c4 = n % 64
    out[#out + 1] = b64chars:sub(c1 + 1, c1 + 1) .. b64chars:sub(c2 + 1, c2 + 1)
      .. (b and b64chars:sub(c3 + 1, c3 + 1) or "=") .. (c and b64chars:sub(c4 + 1, c4 + 1) or "=")
  end
  return table.concat(out)
end

-- globals: prefill.lua reads stopAfter
api, op, keys, order, token, stopAfter = nil, nil, nil, nil, nil, 0
local cache = {}
local cacheLimit = 20000
local value = string.rep("v", 256)
local valueB64 = base64(value)
local counter = 0

function init(args)
  api = args[1] or "vault"
  op = args[2] or "get"
  keys = tonumber(args[3] or "10000")
  order = args[4] or "random"
  token = args[5] or "-"
  stopAfter = tonumber(args[6] or "0")
  math.randomseed(12345)
end

local function build(i)
  local key = "bench/k" .. i
  if api == "etcd" then
    local headers = { ["Content-Type"] = "application/json" }
    if op == "put" then
      return wrk.format("POST", "/v3/kv/put", headers,
        '{"key":"' .. base64(key) .. '","value":"' .. valueB64 .. '"}')
    end
    return wrk.format("POST", "/v3/kv/range", headers, '{"key":"' .. base64(key) .. '"}')
  end
  local headers = {}
  if token ~= "-" then headers["X-Vault-Token"] = token end
  if op == "put" then
    headers["Content-Type"] = "application/json"
    return wrk.format("POST", "/v1/secret/data/" .. key, headers, '{"data":{"value":"' .. value .. '"}}')
  end
  return wrk.format("GET", "/v1/secret/data/" .. key, headers, nil)
end

function request()
  local i
  if order == "seq" then
    i = counter % keys
    counter = counter + 1
  else
    i = math.random(0, keys - 1)
  end
  if keys > cacheLimit then return build(i) end
  local r = cache[i]
  if r == nil then
    r = build(i)
    cache[i] = r
  end
  return r
end
