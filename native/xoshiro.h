// xoshiro128** (Blackman and Vigna), the same generator as src/engine/rng.ts,
// so native draws continue the TypeScript stream bit for bit.
#pragma once
#include <cstdint>

namespace trainlab {

inline uint32_t Rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

inline uint32_t XoshiroNext(uint32_t* s) {
  const uint32_t result = Rotl(s[1] * 5, 7) * 9;
  const uint32_t t = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = Rotl(s[3], 11);
  return result;
}

// A double in [0, 1) from the top 24 bits, matching Rng.uniform().
inline double XoshiroUniform(uint32_t* s) {
  return static_cast<double>(XoshiroNext(s) >> 8) * (1.0 / 16777216.0);
}

}  // namespace trainlab
