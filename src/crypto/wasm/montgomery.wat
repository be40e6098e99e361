;; Montgomery multiplication for the MODP exponentiations (src/crypto/montgomery.ts drives it), in
;; WebAssembly SIMD (v128): i64x2.extmul_{low,high}_i32x4_u give two 32×32→64-bit products each.
;;
;; Numbers are n limbs of k = 29 bits, little-endian, one limb per 32-bit word, every limb < 2^k,
;; stored in S = np + 4 words where np = n rounded up to a multiple of 4; the words from n on are zero
;; (the caller zeroes them once; mul and sqr write zeros there). R = 2^(k·n). The caller picks n so that
;;   - 4·p < R: with inputs below 2p the output is below 2p (Walter's bound), so no conditional
;;     subtraction is needed between multiplications and the instruction sequence never depends on the
;;     values (only the final conversion in JS compares with p);
;; and G (setup's g), the rows between two normalisations of the double-length accumulator t: a row adds
;; at most two products below (2^k − 1)^2 to a position (a_j·b_i and m_i·p_j, or 2·a_i·a_j in a square),
;; a normalisation ($norm) leaves each position below 2^k + 2^(64−k), and between two of them a position
;; gets at most 2(G + 1) products and a few carries below 2^(64−k), which fit in an unsigned i64
;; (G = 30 at k = 29). So the inner loops are multiply-and-add without carry handling; g = 0 (G = 2^30)
;; when all 2n products fit anyway (n <= 31). The normalisations come at rows fixed by n and G, never by
;; the values. (Before, k = 28 / 27 without normalisations: 2n products had to fit, so 74 limbs for
;; MODP-2048 instead of 71, 152 for 4096 instead of 142; the products scale with n^2.)
;;
;; Algorithm: operand scanning with lazy carries ("coarsely integrated operand scanning", Koç, Acar,
;; Kaliski, "Analyzing and comparing Montgomery multiplication algorithms", IEEE Micro 1996), rows
;; vectorized: for i = 0 .. n−1, m_i = ((t_i + a_0·b_i) · pinv) mod 2^k (pinv = −p^−1 mod 2^k), then
;; t[i .. i+np) += a·b_i + p·m_i four positions per step (two v128 of i64 lanes), then t_i (now ≡ 0 mod
;; 2^k) carries t_i >> k into t_i+1. The result limbs are t[n .. 2n) with their carries propagated.
;; Squaring: the triangle t[i+j] += 2·a_i·a_j (j > i) and the diagonal a_i^2 first (half the products),
;; then the n reduction rows t[i ..] += p·m_i.
;;
;; Every loop bound depends only on n; memory is addressed only through the caller's offsets plus
;; multiples of 4 below 4·S (numbers) or 8·(2np + 8) (t). Constant-time table lookup: `select` reads every
;; entry.
(module
  (memory (export "memory") 2)

  (global $n (mut i32) (i32.const 0))       ;; limbs
  (global $np (mut i32) (i32.const 0))      ;; n rounded up to a multiple of 4
  (global $k (mut i64) (i64.const 0))       ;; bits per limb
  (global $mask (mut i64) (i64.const 0))    ;; 2^k − 1
  (global $pinv (mut i64) (i64.const 0))    ;; −p^−1 mod 2^k
  (global $P (mut i32) (i32.const 0))       ;; byte offset of p's limbs
  (global $T (mut i32) (i32.const 0))       ;; byte offset of t: 2np + 8 i64 words of scratch, 16-byte aligned
  (global $G (mut i32) (i32.const 0))       ;; rows between normalisations of t (even), 2^30 for none

  (func (export "setup") (param $p i32) (param $t i32) (param $n i32) (param $k i32) (param $pinv i32) (param $g i32)
    (global.set $G (select (local.get $g) (i32.const 0x40000000) (local.get $g)))
    (global.set $P (local.get $p))
    (global.set $T (local.get $t))
    (global.set $n (local.get $n))
    (global.set $np (i32.and (i32.add (local.get $n) (i32.const 3)) (i32.const -4)))
    (global.set $k (i64.extend_i32_u (local.get $k)))
    (global.set $mask (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $k))) (i64.const 1)))
    (global.set $pinv (i64.extend_i32_u (local.get $pinv))))

  ;; t[0 .. 2np + 8) = 0
  (func $clear
    (local $pt i32) (local $end i32)
    (local.set $pt (global.get $T))
    (local.set $end (i32.add (global.get $T) (i32.shl (i32.add (global.get $np) (i32.const 4)) (i32.const 4))))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $pt) (local.get $end)))
      (v128.store (local.get $pt) (v128.const i64x2 0 0))
      (local.set $pt (i32.add (local.get $pt) (i32.const 16)))
      (br $l))))

  ;; t_i+1 += t_i >> k, at the end of row i (t_i is then ≡ 0 mod 2^k and no longer read).
  (func $carry (param $i i32)
    (local $pt i32)
    (local.set $pt (i32.add (global.get $T) (i32.shl (local.get $i) (i32.const 3))))
    (i64.store offset=8 (local.get $pt) (i64.add (i64.load offset=8 (local.get $pt))
      (i64.shr_u (i64.load (local.get $pt)) (global.get $k)))))

  ;; Normalise t[from .. to) (from and to even): t_s becomes (t_s mod 2^k) + (t_s−1 >> k), t_from keeps only
  ;; its low k bits and t_to gets t_to−1 >> k, so the value sum t_s·2^(k·s) is unchanged and every position
  ;; in the range is below 2^k + 2^(64−k) afterwards. Two positions per v128; the shuffle moves the high
  ;; parts one position up. The callers start at an odd position, where the rows' v128 stores start
  ;; (t + 8i + 8), so each load of the next pass finds its value in one store (starting at even positions
  ;; cost ~3% more per multiplication). Costs: 3–6% of a sqr at 2048 bits, against ~14% fewer products.
  ;; The limb size is fixed at k = 29 here (montgomery.ts's limbLayout): constant shifts and masks.
  (func $norm (param $from i32) (param $to i32)
    (local $pt i32) (local $end i32) (local $V v128) (local $H v128) (local $V2 v128) (local $H2 v128)
    (local $prev v128)
    (local.set $pt (i32.add (global.get $T) (i32.shl (local.get $from) (i32.const 3))))
    (local.set $end (i32.add (global.get $T) (i32.shl (local.get $to) (i32.const 3))))
    ;; four positions per iteration (to − from is a multiple of 4 at every call)
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $pt) (local.get $end)))
      (local.set $V (v128.load (local.get $pt)))
      (local.set $V2 (v128.load offset=16 (local.get $pt)))
      (local.set $H (i64x2.shr_u (local.get $V) (i32.const 29)))
      (local.set $H2 (i64x2.shr_u (local.get $V2) (i32.const 29)))
      (v128.store (local.get $pt) (i64x2.add (v128.and (local.get $V) (v128.const i64x2 0x1fffffff 0x1fffffff))
        (i8x16.shuffle 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 (local.get $prev) (local.get $H))))
      (v128.store offset=16 (local.get $pt) (i64x2.add (v128.and (local.get $V2) (v128.const i64x2 0x1fffffff 0x1fffffff))
        (i8x16.shuffle 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 (local.get $H) (local.get $H2))))
      (local.set $prev (local.get $H2))
      (local.set $pt (i32.add (local.get $pt) (i32.const 32)))
      (br $l)))
    (i64.store (local.get $end) (i64.add (i64.load (local.get $end)) (i64x2.extract_lane 1 (local.get $prev)))))

  ;; out = the limbs of t[n .. 2n) after carrying, then zeros up to np.
  (func $result (param $out i32)
    (local $pt i32) (local $po i32) (local $end i32) (local $acc i64)
    (local.set $pt (i32.add (global.get $T) (i32.shl (global.get $n) (i32.const 3))))
    (local.set $end (i32.add (local.get $pt) (i32.shl (i32.sub (global.get $n) (i32.const 1)) (i32.const 3))))
    (local.set $po (local.get $out))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $pt) (local.get $end)))
      (local.set $acc (i64.add (local.get $acc) (i64.load (local.get $pt))))
      (i64.store32 (local.get $po) (i64.and (local.get $acc) (global.get $mask)))
      (local.set $acc (i64.shr_u (local.get $acc) (global.get $k)))
      (local.set $pt (i32.add (local.get $pt) (i32.const 8)))
      (local.set $po (i32.add (local.get $po) (i32.const 4)))
      (br $l)))
    ;; the top limb: below 2^k since the value is below 2p < R
    (i64.store32 (local.get $po) (i64.add (local.get $acc) (i64.load (local.get $pt))))
    (local.set $po (i32.add (local.get $po) (i32.const 4)))
    (local.set $end (i32.add (local.get $out) (i32.shl (global.get $np) (i32.const 2))))
    (block $z (loop $zl
      (br_if $z (i32.ge_u (local.get $po) (local.get $end)))
      (i32.store (local.get $po) (i32.const 0))
      (local.set $po (i32.add (local.get $po) (i32.const 4)))
      (br $zl))))

  ;; mul's rows i and i+1 in one pass over t (half the loads and stores of t): with $pt = t + 8i,
  ;; position i + j, j = 1 .. np, gets a_j·b_i + p_j·m_i + a_j−1·b_i+1 + p_j−1·m_i+1 (a_np = p_np = 0).
  ;; Two groups of four positions per iteration while two remain, then one at a time (fewer loop
  ;; branches and pointer updates: mul 14–15% faster than one group). The comparison with end − 16 is
  ;; signed: it may be below 0 when p sits at offset 0; offsets stay far below 2^31.
  (func $pair (param $a i32) (param $pt i32) (param $bi i32) (param $mi i32) (param $bj i32) (param $mj i32)
    (local $pa i32) (local $pp i32) (local $end i32) (local $endU i32)
    (local $B v128) (local $M v128) (local $B2 v128) (local $M2 v128) (local $A v128) (local $A2 v128)
    (local $Q v128) (local $Q2 v128)
    (local.set $B (i32x4.splat (local.get $bi)))
    (local.set $M (i32x4.splat (local.get $mi)))
    (local.set $B2 (i32x4.splat (local.get $bj)))
    (local.set $M2 (i32x4.splat (local.get $mj)))
    (local.set $pa (local.get $a))
    (local.set $pp (global.get $P))
    (local.set $end (i32.add (global.get $P) (i32.shl (global.get $np) (i32.const 2))))
    (local.set $endU (i32.sub (local.get $end) (i32.const 16)))
    (block $dU (loop $lU
      (br_if $dU (i32.ge_s (local.get $pp) (local.get $endU)))
      (local.set $A (v128.load offset=4 (local.get $pa)))
      (local.set $A2 (v128.load (local.get $pa)))
      (local.set $Q (v128.load offset=4 (local.get $pp)))
      (local.set $Q2 (v128.load (local.get $pp)))
      (v128.store offset=8 (local.get $pt) (i64x2.add (v128.load offset=8 (local.get $pt))
        (i64x2.add
          (i64x2.add (i64x2.extmul_low_i32x4_u (local.get $A) (local.get $B))
                     (i64x2.extmul_low_i32x4_u (local.get $Q) (local.get $M)))
          (i64x2.add (i64x2.extmul_low_i32x4_u (local.get $A2) (local.get $B2))
                     (i64x2.extmul_low_i32x4_u (local.get $Q2) (local.get $M2))))))
      (v128.store offset=24 (local.get $pt) (i64x2.add (v128.load offset=24 (local.get $pt))
        (i64x2.add
          (i64x2.add (i64x2.extmul_high_i32x4_u (local.get $A) (local.get $B))
                     (i64x2.extmul_high_i32x4_u (local.get $Q) (local.get $M)))
          (i64x2.add (i64x2.extmul_high_i32x4_u (local.get $A2) (local.get $B2))
                     (i64x2.extmul_high_i32x4_u (local.get $Q2) (local.get $M2))))))
      (local.set $A (v128.load offset=20 (local.get $pa)))
      (local.set $A2 (v128.load offset=16 (local.get $pa)))
      (local.set $Q (v128.load offset=20 (local.get $pp)))
      (local.set $Q2 (v128.load offset=16 (local.get $pp)))
      (v128.store offset=40 (local.get $pt) (i64x2.add (v128.load offset=40 (local.get $pt))
        (i64x2.add
          (i64x2.add (i64x2.extmul_low_i32x4_u (local.get $A) (local.get $B))
                     (i64x2.extmul_low_i32x4_u (local.get $Q) (local.get $M)))
          (i64x2.add (i64x2.extmul_low_i32x4_u (local.get $A2) (local.get $B2))
                     (i64x2.extmul_low_i32x4_u (local.get $Q2) (local.get $M2))))))
      (v128.store offset=56 (local.get $pt) (i64x2.add (v128.load offset=56 (local.get $pt))
        (i64x2.add
          (i64x2.add (i64x2.extmul_high_i32x4_u (local.get $A) (local.get $B))
                     (i64x2.extmul_high_i32x4_u (local.get $Q) (local.get $M)))
          (i64x2.add (i64x2.extmul_high_i32x4_u (local.get $A2) (local.get $B2))
                     (i64x2.extmul_high_i32x4_u (local.get $Q2) (local.get $M2))))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 32)))
      (local.set $pp (i32.add (local.get $pp) (i32.const 32)))
      (local.set $pt (i32.add (local.get $pt) (i32.const 64)))
      (br $lU)))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $pp) (local.get $end)))
      (local.set $A (v128.load offset=4 (local.get $pa)))
      (local.set $A2 (v128.load (local.get $pa)))
      (local.set $Q (v128.load offset=4 (local.get $pp)))
      (local.set $Q2 (v128.load (local.get $pp)))
      (v128.store offset=8 (local.get $pt) (i64x2.add (v128.load offset=8 (local.get $pt))
        (i64x2.add
          (i64x2.add (i64x2.extmul_low_i32x4_u (local.get $A) (local.get $B))
                     (i64x2.extmul_low_i32x4_u (local.get $Q) (local.get $M)))
          (i64x2.add (i64x2.extmul_low_i32x4_u (local.get $A2) (local.get $B2))
                     (i64x2.extmul_low_i32x4_u (local.get $Q2) (local.get $M2))))))
      (v128.store offset=24 (local.get $pt) (i64x2.add (v128.load offset=24 (local.get $pt))
        (i64x2.add
          (i64x2.add (i64x2.extmul_high_i32x4_u (local.get $A) (local.get $B))
                     (i64x2.extmul_high_i32x4_u (local.get $Q) (local.get $M)))
          (i64x2.add (i64x2.extmul_high_i32x4_u (local.get $A2) (local.get $B2))
                     (i64x2.extmul_high_i32x4_u (local.get $Q2) (local.get $M2))))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
      (local.set $pp (i32.add (local.get $pp) (i32.const 16)))
      (local.set $pt (i32.add (local.get $pt) (i32.const 32)))
      (br $l))))

  ;; sqr's two rows per pass: with $pt = t + 8s, positions s + 1 + c (c = 0 .. 4·$count − 1) get
  ;; x_c+1·u + x_c·v, where x is the limbs at $x (the triangle: x = a from i + 2, u = 2a_i, v = 2a_i+1;
  ;; the reduction: x = p, u = m_i, v = m_i+1). Four groups of four positions per iteration while four
  ;; remain, then one at a time (sqr 7–11% faster than one group); the comparison with end − 48 is signed,
  ;; as in $pair.
  (func $fma2 (param $x i32) (param $pt i32) (param $count i32) (param $u i32) (param $v i32)
    (local $end i32) (local $endU i32) (local $U v128) (local $V v128) (local $X v128) (local $X2 v128)
    (local.set $U (i32x4.splat (local.get $u)))
    (local.set $V (i32x4.splat (local.get $v)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $count) (i32.const 4))))
    (local.set $endU (i32.sub (local.get $end) (i32.const 48)))
    (block $dU (loop $lU
      (br_if $dU (i32.ge_s (local.get $x) (local.get $endU)))
      (local.set $X (v128.load offset=4 (local.get $x)))
      (local.set $X2 (v128.load (local.get $x)))
      (v128.store offset=8 (local.get $pt) (i64x2.add (v128.load offset=8 (local.get $pt))
        (i64x2.add (i64x2.extmul_low_i32x4_u (local.get $X) (local.get $U))
                   (i64x2.extmul_low_i32x4_u (local.get $X2) (local.get $V)))))
      (v128.store offset=24 (local.get $pt) (i64x2.add (v128.load offset=24 (local.get $pt))
        (i64x2.add (i64x2.extmul_high_i32x4_u (local.get $X) (local.get $U))
                   (i64x2.extmul_high_i32x4_u (local.get $X2) (local.get $V)))))
      (local.set $X (v128.load offset=20 (local.get $x)))
      (local.set $X2 (v128.load offset=16 (local.get $x)))
      (v128.store offset=40 (local.get $pt) (i64x2.add (v128.load offset=40 (local.get $pt))
        (i64x2.add (i64x2.extmul_low_i32x4_u (local.get $X) (local.get $U))
                   (i64x2.extmul_low_i32x4_u (local.get $X2) (local.get $V)))))
      (v128.store offset=56 (local.get $pt) (i64x2.add (v128.load offset=56 (local.get $pt))
        (i64x2.add (i64x2.extmul_high_i32x4_u (local.get $X) (local.get $U))
                   (i64x2.extmul_high_i32x4_u (local.get $X2) (local.get $V)))))
      (local.set $X (v128.load offset=36 (local.get $x)))
      (local.set $X2 (v128.load offset=32 (local.get $x)))
      (v128.store offset=72 (local.get $pt) (i64x2.add (v128.load offset=72 (local.get $pt))
        (i64x2.add (i64x2.extmul_low_i32x4_u (local.get $X) (local.get $U))
                   (i64x2.extmul_low_i32x4_u (local.get $X2) (local.get $V)))))
      (v128.store offset=88 (local.get $pt) (i64x2.add (v128.load offset=88 (local.get $pt))
        (i64x2.add (i64x2.extmul_high_i32x4_u (local.get $X) (local.get $U))
                   (i64x2.extmul_high_i32x4_u (local.get $X2) (local.get $V)))))
      (local.set $X (v128.load offset=52 (local.get $x)))
      (local.set $X2 (v128.load offset=48 (local.get $x)))
      (v128.store offset=104 (local.get $pt) (i64x2.add (v128.load offset=104 (local.get $pt))
        (i64x2.add (i64x2.extmul_low_i32x4_u (local.get $X) (local.get $U))
                   (i64x2.extmul_low_i32x4_u (local.get $X2) (local.get $V)))))
      (v128.store offset=120 (local.get $pt) (i64x2.add (v128.load offset=120 (local.get $pt))
        (i64x2.add (i64x2.extmul_high_i32x4_u (local.get $X) (local.get $U))
                   (i64x2.extmul_high_i32x4_u (local.get $X2) (local.get $V)))))
      (local.set $x (i32.add (local.get $x) (i32.const 64)))
      (local.set $pt (i32.add (local.get $pt) (i32.const 128)))
      (br $lU)))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $X (v128.load offset=4 (local.get $x)))
      (local.set $X2 (v128.load (local.get $x)))
      (v128.store offset=8 (local.get $pt) (i64x2.add (v128.load offset=8 (local.get $pt))
        (i64x2.add (i64x2.extmul_low_i32x4_u (local.get $X) (local.get $U))
                   (i64x2.extmul_low_i32x4_u (local.get $X2) (local.get $V)))))
      (v128.store offset=24 (local.get $pt) (i64x2.add (v128.load offset=24 (local.get $pt))
        (i64x2.add (i64x2.extmul_high_i32x4_u (local.get $X) (local.get $U))
                   (i64x2.extmul_high_i32x4_u (local.get $X2) (local.get $V)))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $pt (i32.add (local.get $pt) (i32.const 32)))
      (br $l))))

  ;; In mul and sqr, m_i = (c · pinv) mod 2^k for the column value c (the multiple of p that zeroes its low
  ;; k bits; the i64 product wraps mod 2^64, which keeps its low k bits right), and the carry t_i+1 +=
  ;; t_i >> k at the end of a row pair, are written out in place: V8 does not inline them, and the calls
  ;; cost 6–10% of a multiplication.

  ;; out = a·b·R^−1 mod p, as a value below 2p, for a, b below 2p. out may be a or b (it is written only
  ;; after the last read of a and b); not P or t.
  (func (export "mul") (param $out i32) (param $a i32) (param $b i32)
    (local $i i32) (local $pt i32) (local $pa i32) (local $pp i32) (local $end i32)
    (local $bi i64) (local $bj i64) (local $mi i64) (local $mj i64) (local $c i64) (local $next i32)
    (local $B v128) (local $M v128) (local $A v128) (local $Q v128)
    (call $clear)
    (local.set $next (global.get $G))
    ;; rows two at a time while two remain
    (block $rd (loop $rl
      (br_if $rd (i32.ge_u (i32.add (local.get $i) (i32.const 1)) (global.get $n)))
      ;; every G rows, the positions from i on that rows so far reached (below i + np + 4)
      (if (i32.eq (local.get $i) (local.get $next))
        (then
          (call $norm (i32.add (local.get $i) (i32.const 1)) (i32.add (local.get $i) (i32.add (global.get $np) (i32.const 5))))
          (local.set $next (i32.add (local.get $next) (global.get $G)))))
      (local.set $pt (i32.add (global.get $T) (i32.shl (local.get $i) (i32.const 3))))
      (local.set $bi (i64.load32_u (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 2)))))
      (local.set $bj (i64.load32_u offset=4 (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 2)))))
      ;; position i: t_i + a_0·b_i + p_0·m_i ≡ 0 mod 2^k; it only carries into i + 1
      (local.set $c (i64.add (i64.load (local.get $pt)) (i64.mul (i64.load32_u (local.get $a)) (local.get $bi))))
      (local.set $mi (i64.and (i64.mul (local.get $c) (global.get $pinv)) (global.get $mask)))
      (local.set $c (i64.shr_u (i64.add (local.get $c) (i64.mul (local.get $mi) (i64.load32_u (global.get $P))))
        (global.get $k)))
      ;; position i + 1 with row i's terms, the carry and a_0·b_i+1 gives m_i+1
      (i64.store offset=8 (local.get $pt) (i64.add (i64.load offset=8 (local.get $pt)) (local.get $c)))
      (local.set $mj (i64.and (i64.mul (i64.add (i64.add (i64.load offset=8 (local.get $pt))
        (i64.add (i64.mul (i64.load32_u offset=4 (local.get $a)) (local.get $bi))
                 (i64.mul (i64.load32_u offset=4 (global.get $P)) (local.get $mi))))
        (i64.mul (i64.load32_u (local.get $a)) (local.get $bj))) (global.get $pinv)) (global.get $mask)))
      (call $pair (local.get $a) (local.get $pt) (i32.wrap_i64 (local.get $bi)) (i32.wrap_i64 (local.get $mi))
        (i32.wrap_i64 (local.get $bj)) (i32.wrap_i64 (local.get $mj)))
      (i64.store offset=16 (local.get $pt) (i64.add (i64.load offset=16 (local.get $pt))
        (i64.shr_u (i64.load offset=8 (local.get $pt)) (global.get $k))))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $rl)))
    ;; the last row when n is odd: positions i .. i + np − 1 get a_j·b_i + p_j·m_i
    (if (i32.lt_u (local.get $i) (global.get $n))
      (then
        (if (i32.eq (local.get $i) (local.get $next))
          (then (call $norm (i32.add (local.get $i) (i32.const 1)) (i32.add (local.get $i) (i32.add (global.get $np) (i32.const 5))))))
        (local.set $bi (i64.load32_u (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $pt (i32.add (global.get $T) (i32.shl (local.get $i) (i32.const 3))))
        (local.set $mi (i64.and (i64.mul
          (i64.add (i64.load (local.get $pt)) (i64.mul (i64.load32_u (local.get $a)) (local.get $bi)))
          (global.get $pinv)) (global.get $mask)))
        (local.set $B (i32x4.splat (i32.wrap_i64 (local.get $bi))))
        (local.set $M (i32x4.splat (i32.wrap_i64 (local.get $mi))))
        (local.set $pa (local.get $a))
        (local.set $pp (global.get $P))
        (local.set $end (i32.add (local.get $a) (i32.shl (global.get $np) (i32.const 2))))
        (block $jd (loop $jl
          (br_if $jd (i32.ge_u (local.get $pa) (local.get $end)))
          (local.set $A (v128.load (local.get $pa)))
          (local.set $Q (v128.load (local.get $pp)))
          (v128.store (local.get $pt) (i64x2.add (v128.load (local.get $pt))
            (i64x2.add (i64x2.extmul_low_i32x4_u (local.get $A) (local.get $B))
                       (i64x2.extmul_low_i32x4_u (local.get $Q) (local.get $M)))))
          (v128.store offset=16 (local.get $pt) (i64x2.add (v128.load offset=16 (local.get $pt))
            (i64x2.add (i64x2.extmul_high_i32x4_u (local.get $A) (local.get $B))
                       (i64x2.extmul_high_i32x4_u (local.get $Q) (local.get $M)))))
          (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
          (local.set $pp (i32.add (local.get $pp) (i32.const 16)))
          (local.set $pt (i32.add (local.get $pt) (i32.const 32)))
          (br $jl)))
        (call $carry (local.get $i))))
    (call $result (local.get $out)))

  ;; out = a·a·R^−1 mod p, below 2p, for a below 2p. out may be a.
  (func (export "sqr") (param $out i32) (param $a i32)
    (local $i i32) (local $pt i32) (local $pa i32) (local $ai i64) (local $aj i64) (local $ak i64)
    (local $mi i64) (local $mj i64) (local $c i64) (local $next i32)
    (local $fx i32) (local $fpt i32) (local $fcount i32) (local $fu i32) (local $fv i32) (local $fend i32)
    (local $fendU i32) (local $fU v128) (local $fV v128) (local $fX v128) (local $fX2 v128)
    (call $clear)
    (local.set $next (global.get $G))
    ;; the triangle and the diagonal, rows i and i + 1 per pass: t_2i += a_i^2, t_2i+1 += 2·a_i·a_i+1,
    ;; t_2i+2 += a_i+1^2 + 2·a_i·a_i+2, then positions s >= 2i + 3 get 2·a_i·a_s−i + 2·a_i+1·a_s−i−1
    ;; (2·a < 2^30, an unsigned i32). The pass reads a up to index np + 3: zero words below S = np + 4.
    (block $rd (loop $rl
      (br_if $rd (i32.ge_u (local.get $i) (global.get $n)))
      ;; every G rows, the positions that rows from i on still reach and rows so far reached
      (if (i32.eq (local.get $i) (local.get $next))
        (then
          (call $norm (i32.sub (i32.add (i32.shl (local.get $i) (i32.const 1)) (i32.const 1))
                                (i32.and (local.get $i) (i32.const 2)))
            (i32.add (local.get $i) (i32.add (global.get $np) (i32.const 5))))
          (local.set $next (i32.add (local.get $next) (global.get $G)))))
      (local.set $pa (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2))))
      (local.set $pt (i32.add (global.get $T) (i32.shl (local.get $i) (i32.const 4))))
      (local.set $ai (i64.load32_u (local.get $pa)))
      (local.set $aj (i64.load32_u offset=4 (local.get $pa)))   ;; zero when i = n − 1
      (local.set $ak (i64.load32_u offset=8 (local.get $pa)))
      (i64.store (local.get $pt) (i64.add (i64.load (local.get $pt)) (i64.mul (local.get $ai) (local.get $ai))))
      (i64.store offset=8 (local.get $pt) (i64.add (i64.load offset=8 (local.get $pt))
        (i64.shl (i64.mul (local.get $ai) (local.get $aj)) (i64.const 1))))
      (i64.store offset=16 (local.get $pt) (i64.add (i64.load offset=16 (local.get $pt))
        (i64.add (i64.mul (local.get $aj) (local.get $aj)) (i64.shl (i64.mul (local.get $ai) (local.get $ak)) (i64.const 1)))))
      ;; s from 2i + 3: x = a from index i + 2, count = ceil((np − i − 2) / 4) (at least 0)
      ;; $fma2 written out, here and in the reduction: V8 does not inline it, and each sqr runs it n times
      (local.set $fx (i32.add (local.get $pa) (i32.const 8)))
      (local.set $fpt (i32.add (local.get $pt) (i32.const 16)))
      (local.set $fcount
        (i32.shr_s (i32.add (i32.sub (global.get $np) (i32.add (local.get $i) (i32.const 2))) (i32.const 3)) (i32.const 2)))
      (local.set $fu (i32.shl (i32.wrap_i64 (local.get $ai)) (i32.const 1)))
      (local.set $fv (i32.shl (i32.wrap_i64 (local.get $aj)) (i32.const 1)))
      (local.set $fU (i32x4.splat (local.get $fu)))
      (local.set $fV (i32x4.splat (local.get $fv)))
      (local.set $fend (i32.add (local.get $fx) (i32.shl (local.get $fcount) (i32.const 4))))
      (local.set $fendU (i32.sub (local.get $fend) (i32.const 48)))
      (block $dU0 (loop $lU0
        (br_if $dU0 (i32.ge_s (local.get $fx) (local.get $fendU)))
        (local.set $fX (v128.load offset=4 (local.get $fx)))
        (local.set $fX2 (v128.load (local.get $fx)))
        (v128.store offset=8 (local.get $fpt) (i64x2.add (v128.load offset=8 (local.get $fpt))
          (i64x2.add (i64x2.extmul_low_i32x4_u (local.get $fX) (local.get $fU))
                     (i64x2.extmul_low_i32x4_u (local.get $fX2) (local.get $fV)))))
        (v128.store offset=24 (local.get $fpt) (i64x2.add (v128.load offset=24 (local.get $fpt))
          (i64x2.add (i64x2.extmul_high_i32x4_u (local.get $fX) (local.get $fU))
                     (i64x2.extmul_high_i32x4_u (local.get $fX2) (local.get $fV)))))
        (local.set $fX (v128.load offset=20 (local.get $fx)))
        (local.set $fX2 (v128.load offset=16 (local.get $fx)))
        (v128.store offset=40 (local.get $fpt) (i64x2.add (v128.load offset=40 (local.get $fpt))
          (i64x2.add (i64x2.extmul_low_i32x4_u (local.get $fX) (local.get $fU))
                     (i64x2.extmul_low_i32x4_u (local.get $fX2) (local.get $fV)))))
        (v128.store offset=56 (local.get $fpt) (i64x2.add (v128.load offset=56 (local.get $fpt))
          (i64x2.add (i64x2.extmul_high_i32x4_u (local.get $fX) (local.get $fU))
                     (i64x2.extmul_high_i32x4_u (local.get $fX2) (local.get $fV)))))
        (local.set $fX (v128.load offset=36 (local.get $fx)))
        (local.set $fX2 (v128.load offset=32 (local.get $fx)))
        (v128.store offset=72 (local.get $fpt) (i64x2.add (v128.load offset=72 (local.get $fpt))
          (i64x2.add (i64x2.extmul_low_i32x4_u (local.get $fX) (local.get $fU))
                     (i64x2.extmul_low_i32x4_u (local.get $fX2) (local.get $fV)))))
        (v128.store offset=88 (local.get $fpt) (i64x2.add (v128.load offset=88 (local.get $fpt))
          (i64x2.add (i64x2.extmul_high_i32x4_u (local.get $fX) (local.get $fU))
                     (i64x2.extmul_high_i32x4_u (local.get $fX2) (local.get $fV)))))
        (local.set $fX (v128.load offset=52 (local.get $fx)))
        (local.set $fX2 (v128.load offset=48 (local.get $fx)))
        (v128.store offset=104 (local.get $fpt) (i64x2.add (v128.load offset=104 (local.get $fpt))
          (i64x2.add (i64x2.extmul_low_i32x4_u (local.get $fX) (local.get $fU))
                     (i64x2.extmul_low_i32x4_u (local.get $fX2) (local.get $fV)))))
        (v128.store offset=120 (local.get $fpt) (i64x2.add (v128.load offset=120 (local.get $fpt))
          (i64x2.add (i64x2.extmul_high_i32x4_u (local.get $fX) (local.get $fU))
                     (i64x2.extmul_high_i32x4_u (local.get $fX2) (local.get $fV)))))
        (local.set $fx (i32.add (local.get $fx) (i32.const 64)))
        (local.set $fpt (i32.add (local.get $fpt) (i32.const 128)))
        (br $lU0)))
      (block $d0 (loop $l0
        (br_if $d0 (i32.ge_u (local.get $fx) (local.get $fend)))
        (local.set $fX (v128.load offset=4 (local.get $fx)))
        (local.set $fX2 (v128.load (local.get $fx)))
        (v128.store offset=8 (local.get $fpt) (i64x2.add (v128.load offset=8 (local.get $fpt))
          (i64x2.add (i64x2.extmul_low_i32x4_u (local.get $fX) (local.get $fU))
                     (i64x2.extmul_low_i32x4_u (local.get $fX2) (local.get $fV)))))
        (v128.store offset=24 (local.get $fpt) (i64x2.add (v128.load offset=24 (local.get $fpt))
          (i64x2.add (i64x2.extmul_high_i32x4_u (local.get $fX) (local.get $fU))
                     (i64x2.extmul_high_i32x4_u (local.get $fX2) (local.get $fV)))))
        (local.set $fx (i32.add (local.get $fx) (i32.const 16)))
        (local.set $fpt (i32.add (local.get $fpt) (i32.const 32)))
        (br $l0)))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $rl)))
    ;; the reduction, rows i and i + 1 per pass as in mul without the a·b terms (one product per position
    ;; and row: a normalisation every 2G rows). If normalisations are needed at all, all of t first.
    (if (i32.lt_u (global.get $G) (global.get $n))
      (then (call $norm (i32.const 1) (i32.add (i32.shl (global.get $np) (i32.const 1)) (i32.const 5)))))
    (local.set $next (i32.shl (global.get $G) (i32.const 1)))
    (local.set $i (i32.const 0))
    (block $sd (loop $sl
      (br_if $sd (i32.ge_u (i32.add (local.get $i) (i32.const 1)) (global.get $n)))
      (if (i32.eq (local.get $i) (local.get $next))
        (then
          (call $norm (i32.add (local.get $i) (i32.const 1)) (i32.add (local.get $i) (i32.add (global.get $np) (i32.const 5))))
          (local.set $next (i32.add (local.get $next) (i32.shl (global.get $G) (i32.const 1))))))
      (local.set $pt (i32.add (global.get $T) (i32.shl (local.get $i) (i32.const 3))))
      (local.set $c (i64.load (local.get $pt)))
      (local.set $mi (i64.and (i64.mul (local.get $c) (global.get $pinv)) (global.get $mask)))
      (local.set $c (i64.shr_u (i64.add (local.get $c) (i64.mul (local.get $mi) (i64.load32_u (global.get $P))))
        (global.get $k)))
      (i64.store offset=8 (local.get $pt) (i64.add (i64.load offset=8 (local.get $pt)) (local.get $c)))
      (local.set $mj (i64.and (i64.mul (i64.add (i64.load offset=8 (local.get $pt))
        (i64.mul (i64.load32_u offset=4 (global.get $P)) (local.get $mi))) (global.get $pinv)) (global.get $mask)))
      ;; $fma2 written out
      (local.set $fx (global.get $P))
      (local.set $fpt (local.get $pt))
      (local.set $fcount (i32.shr_u (global.get $np) (i32.const 2)))
      (local.set $fu (i32.wrap_i64 (local.get $mi)))
      (local.set $fv (i32.wrap_i64 (local.get $mj)))
      (local.set $fU (i32x4.splat (local.get $fu)))
      (local.set $fV (i32x4.splat (local.get $fv)))
      (local.set $fend (i32.add (local.get $fx) (i32.shl (local.get $fcount) (i32.const 4))))
      (local.set $fendU (i32.sub (local.get $fend) (i32.const 48)))
      (block $dU1 (loop $lU1
        (br_if $dU1 (i32.ge_s (local.get $fx) (local.get $fendU)))
        (local.set $fX (v128.load offset=4 (local.get $fx)))
        (local.set $fX2 (v128.load (local.get $fx)))
        (v128.store offset=8 (local.get $fpt) (i64x2.add (v128.load offset=8 (local.get $fpt))
          (i64x2.add (i64x2.extmul_low_i32x4_u (local.get $fX) (local.get $fU))
                     (i64x2.extmul_low_i32x4_u (local.get $fX2) (local.get $fV)))))
        (v128.store offset=24 (local.get $fpt) (i64x2.add (v128.load offset=24 (local.get $fpt))
          (i64x2.add (i64x2.extmul_high_i32x4_u (local.get $fX) (local.get $fU))
                     (i64x2.extmul_high_i32x4_u (local.get $fX2) (local.get $fV)))))
        (local.set $fX (v128.load offset=20 (local.get $fx)))
        (local.set $fX2 (v128.load offset=16 (local.get $fx)))
        (v128.store offset=40 (local.get $fpt) (i64x2.add (v128.load offset=40 (local.get $fpt))
          (i64x2.add (i64x2.extmul_low_i32x4_u (local.get $fX) (local.get $fU))
                     (i64x2.extmul_low_i32x4_u (local.get $fX2) (local.get $fV)))))
        (v128.store offset=56 (local.get $fpt) (i64x2.add (v128.load offset=56 (local.get $fpt))
          (i64x2.add (i64x2.extmul_high_i32x4_u (local.get $fX) (local.get $fU))
                     (i64x2.extmul_high_i32x4_u (local.get $fX2) (local.get $fV)))))
        (local.set $fX (v128.load offset=36 (local.get $fx)))
        (local.set $fX2 (v128.load offset=32 (local.get $fx)))
        (v128.store offset=72 (local.get $fpt) (i64x2.add (v128.load offset=72 (local.get $fpt))
          (i64x2.add (i64x2.extmul_low_i32x4_u (local.get $fX) (local.get $fU))
                     (i64x2.extmul_low_i32x4_u (local.get $fX2) (local.get $fV)))))
        (v128.store offset=88 (local.get $fpt) (i64x2.add (v128.load offset=88 (local.get $fpt))
          (i64x2.add (i64x2.extmul_high_i32x4_u (local.get $fX) (local.get $fU))
                     (i64x2.extmul_high_i32x4_u (local.get $fX2) (local.get $fV)))))
        (local.set $fX (v128.load offset=52 (local.get $fx)))
        (local.set $fX2 (v128.load offset=48 (local.get $fx)))
        (v128.store offset=104 (local.get $fpt) (i64x2.add (v128.load offset=104 (local.get $fpt))
          (i64x2.add (i64x2.extmul_low_i32x4_u (local.get $fX) (local.get $fU))
                     (i64x2.extmul_low_i32x4_u (local.get $fX2) (local.get $fV)))))
        (v128.store offset=120 (local.get $fpt) (i64x2.add (v128.load offset=120 (local.get $fpt))
          (i64x2.add (i64x2.extmul_high_i32x4_u (local.get $fX) (local.get $fU))
                     (i64x2.extmul_high_i32x4_u (local.get $fX2) (local.get $fV)))))
        (local.set $fx (i32.add (local.get $fx) (i32.const 64)))
        (local.set $fpt (i32.add (local.get $fpt) (i32.const 128)))
        (br $lU1)))
      (block $d1 (loop $l1
        (br_if $d1 (i32.ge_u (local.get $fx) (local.get $fend)))
        (local.set $fX (v128.load offset=4 (local.get $fx)))
        (local.set $fX2 (v128.load (local.get $fx)))
        (v128.store offset=8 (local.get $fpt) (i64x2.add (v128.load offset=8 (local.get $fpt))
          (i64x2.add (i64x2.extmul_low_i32x4_u (local.get $fX) (local.get $fU))
                     (i64x2.extmul_low_i32x4_u (local.get $fX2) (local.get $fV)))))
        (v128.store offset=24 (local.get $fpt) (i64x2.add (v128.load offset=24 (local.get $fpt))
          (i64x2.add (i64x2.extmul_high_i32x4_u (local.get $fX) (local.get $fU))
                     (i64x2.extmul_high_i32x4_u (local.get $fX2) (local.get $fV)))))
        (local.set $fx (i32.add (local.get $fx) (i32.const 16)))
        (local.set $fpt (i32.add (local.get $fpt) (i32.const 32)))
        (br $l1)))
      (i64.store offset=16 (local.get $pt) (i64.add (i64.load offset=16 (local.get $pt))
        (i64.shr_u (i64.load offset=8 (local.get $pt)) (global.get $k))))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $sl)))
    (if (i32.lt_u (local.get $i) (global.get $n))
      (then
        ;; the last row when n is odd: positions i + c get p_c·m_i ($fma2 from position i − 1 with u = 0)
        (if (i32.eq (local.get $i) (local.get $next))
          (then (call $norm (i32.add (local.get $i) (i32.const 1)) (i32.add (local.get $i) (i32.add (global.get $np) (i32.const 5))))))
        (local.set $pt (i32.add (global.get $T) (i32.shl (local.get $i) (i32.const 3))))
        (local.set $mi (i64.and (i64.mul (i64.load (local.get $pt)) (global.get $pinv)) (global.get $mask)))
        (call $fma2 (global.get $P) (i32.sub (local.get $pt) (i32.const 8))
          (i32.shr_u (global.get $np) (i32.const 2)) (i32.const 0) (i32.wrap_i64 (local.get $mi)))
        (call $carry (local.get $i))))
    (call $result (local.get $out)))

  ;; out = table[idx] (count entries of S = np + 4 words each), reading every entry whatever idx is.
  (func (export "select") (param $out i32) (param $table i32) (param $count i32) (param $idx i32)
    (local $e i32) (local $l i32) (local $mask v128) (local $src i32) (local $bytes i32)
    (local.set $bytes (i32.shl (i32.add (global.get $np) (i32.const 4)) (i32.const 2)))
    (local.set $l (i32.const 0))
    (block $z (loop $zl
      (br_if $z (i32.ge_u (local.get $l) (local.get $bytes)))
      (v128.store (i32.add (local.get $out) (local.get $l)) (v128.const i64x2 0 0))
      (local.set $l (i32.add (local.get $l) (i32.const 16)))
      (br $zl)))
    (local.set $src (local.get $table))
    (block $de (loop $le
      (br_if $de (i32.ge_u (local.get $e) (local.get $count)))
      ;; all ones when e = idx, else zero, without a branch on idx
      (local.set $mask (i32x4.splat (i32.sub (i32.const 0) (i32.eq (local.get $e) (local.get $idx)))))
      (local.set $l (i32.const 0))
      (block $dl (loop $ll
        (br_if $dl (i32.ge_u (local.get $l) (local.get $bytes)))
        (v128.store (i32.add (local.get $out) (local.get $l))
          (v128.or (v128.load (i32.add (local.get $out) (local.get $l)))
                   (v128.and (v128.load (i32.add (local.get $src) (local.get $l))) (local.get $mask))))
        (local.set $l (i32.add (local.get $l) (i32.const 16)))
        (br $ll)))
      (local.set $src (i32.add (local.get $src) (local.get $bytes)))
      (local.set $e (i32.add (local.get $e) (i32.const 1)))
      (br $le))))
)
