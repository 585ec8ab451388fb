/**
 * Seeded pseudo-random numbers: xoshiro128** (Blackman and Vigna,
 * https://prng.di.unimi.it/). The whole state is one Uint32Array of 4 words so
 * the native backend can advance the same stream in C++ and produce
 * bit-identical draws (used by rrelu and dropout in training).
 *
 * Every random draw in trainlab (initializers, shuffling, rrelu slopes) comes
 * from an Rng passed in explicitly, never from Math.random.
 */
export class Rng {
  readonly state = new Uint32Array(4);
  private spareNormal: number | null = null;

  constructor(seed: number) {
    // splitmix32 expands the seed into the 4 state words, because xoshiro
    // must not start from an all-zero state and nearby seeds should diverge.
    let s = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.state[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  /** Returns the next 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.state;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Returns a float in [0, 1) with 24 random bits, exact in float32. */
  uniform(): number {
    return (this.nextU32() >>> 8) * 5.9604644775390625e-8;
  }

  /** Returns a draw from the standard normal distribution (Box-Muller). */
  normal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return z;
    }
    let u1 = 0;
    while (u1 === 0) u1 = this.uniform();
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** Returns an integer in [0, n) without modulo bias. */
  int(n: number): number {
    const limit = Math.floor(0x100000000 / n) * n;
    let x = this.nextU32();
    while (x >= limit) x = this.nextU32();
    return x % n;
  }

  /** Shuffles `a` in place (Fisher-Yates). */
  shuffle(a: Int32Array | Uint32Array | number[]): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }

  /** Returns a new generator seeded from this one, for an independent stream. */
  fork(): Rng {
    return new Rng(this.nextU32());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
