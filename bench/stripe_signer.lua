-- HMAC-SHA256 for wrk's LuaJIT, so that every request carries a new Stripe event signed like
-- Stripe signs it ("t=<timestamp>,v1=<hex>" over "<timestamp>.<body>"). The body is a constant
-- head and a per-request tail (the event id), so the hash state after the head is computed once
-- and each request only hashes its last block or two.
local bit = require("bit")
local band, bxor, bnot, rshift, lshift, ror, tobit, tohex =
  bit.band, bit.bxor, bit.bnot, bit.rshift, bit.lshift, bit.ror, bit.tobit, bit.tohex
local byte, char, rep, sub, floor = string.byte, string.char, string.rep, string.sub, math.floor

local K = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}
local IV = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}
local W = {}

local function compress(H, s, i)
  for j = 0, 15 do
    local a, b, c, d = byte(s, i + 4 * j, i + 4 * j + 3)
    W[j] = tobit(lshift(a, 24) + lshift(b, 16) + lshift(c, 8) + d)
  end
  for j = 16, 63 do
    local w15, w2 = W[j - 15], W[j - 2]
    local s0 = bxor(ror(w15, 7), ror(w15, 18), rshift(w15, 3))
    local s1 = bxor(ror(w2, 17), ror(w2, 19), rshift(w2, 10))
    W[j] = tobit(W[j - 16] + s0 + W[j - 7] + s1)
  end
  local a, b, c, d, e, f, g, h = H[1], H[2], H[3], H[4], H[5], H[6], H[7], H[8]
  for j = 0, 63 do
    local t1 = tobit(h + bxor(ror(e, 6), ror(e, 11), ror(e, 25)) + bxor(band(e, f), band(bnot(e), g))
                     + K[j + 1] + W[j])
    local t2 = tobit(bxor(ror(a, 2), ror(a, 13), ror(a, 22)) + bxor(band(a, b), band(a, c), band(b, c)))
    h, g, f, e, d, c, b, a = g, f, e, tobit(d + t1), c, b, a, tobit(t1 + t2)
  end
  H[1], H[2], H[3], H[4] = tobit(H[1] + a), tobit(H[2] + b), tobit(H[3] + c), tobit(H[4] + d)
  H[5], H[6], H[7], H[8] = tobit(H[5] + e), tobit(H[6] + f), tobit(H[7] + g), tobit(H[8] + h)
end

local function copy(H) return {H[1], H[2], H[3], H[4], H[5], H[6], H[7], H[8]} end

-- The state after absorbing the whole 64-byte blocks of ``s``; returns it and what is left over.
local function absorb(H, s)
  local whole = floor(#s / 64) * 64
  for i = 1, whole, 64 do compress(H, s, i) end
  return H, sub(s, whole + 1)
end

local function finish(H, rest, total)
  local bits = total * 8
  local pad = rest .. "\128" .. rep("\0", (55 - #rest) % 64)
  pad = pad .. char(0, 0, 0, 0, band(rshift(bits, 24), 255), band(rshift(bits, 16), 255),
                    band(rshift(bits, 8), 255), band(bits, 255))
  for i = 1, #pad, 64 do compress(H, pad, i) end
  local out = {}
  for i = 1, 8 do
    local w = H[i]
    out[i] = char(band(rshift(w, 24), 255), band(rshift(w, 16), 255), band(rshift(w, 8), 255), band(w, 255))
  end
  return table.concat(out)
end

local function hex(digest)
  local out = {}
  for i = 1, #digest do out[i] = string.format("%02x", byte(digest, i)) end
  return table.concat(out)
end

-- A signer for messages ``prefix .. tail``: HMAC-SHA256 keyed with ``key`` (shorter than 64 bytes).
local function signer(key, prefix)
  local padded = key .. rep("\0", 64 - #key)
  local ipad, opad = {}, {}
  for i = 1, 64 do
    local k = byte(padded, i)
    ipad[i], opad[i] = char(bxor(k, 0x36)), char(bxor(k, 0x5c))
  end
  local inner, rest = absorb(copy(IV), table.concat(ipad) .. prefix)
  local outer = absorb(copy(IV), table.concat(opad))
  return function(tail)
    local digest = finish(copy(inner), rest .. tail, 64 + #prefix + #tail)
    return hex(finish(copy(outer), digest, 96))
  end
end

return {signer = signer, sha256_hex = function(s) local H, r = absorb(copy(IV), s) return hex(finish(H, r, #s)) end}
