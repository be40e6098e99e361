;; Montgomery multiplication for the MODP exponentiations (src/crypto/montgomery.ts drives it).
;;
;; Numbers are n limbs of k bits (k <= 28), little-endian, one limb per 32-bit word, every limb < 2^k.
;; R = 2^(k·n). The caller picks k and n so that
;;   - 4·p < R: with inputs below 2p the output is below 2p (Walter's bound), so no conditional
;;     subtraction is needed between multiplications and the instruction sequence never depends on the
;;     values (only the final conversion in JS compares with p);
;;   - 2n·(2^k − 1)^2 + 2^(64−k) < 2^64: a column of the product (at most 2n products a_j·b_i−j and
;;     m_j·p_i−j, plus the carry of the previous column) fits in one unsigned i64, so the inner loop is
;;     multiply-and-add without carry handling.
;;
;; Algorithm: "finely integrated product scanning" Montgomery multiplication (Koç, Acar, Kaliski, "Analyzing
;; and comparing Montgomery multiplication algorithms", IEEE Micro 1996, §FIPS): column i of a·b + m·p is
;; summed in one accumulator; for i < n the quotient digit m_i = (acc · pinv) mod 2^k (pinv = −p^−1 mod 2^k)
;; zeroes its low k bits, which are shifted out; columns n .. 2n−2 are the result limbs.
;;
;; Every loop bound depends only on n; memory is addressed only through the caller's offsets plus
;; multiples of 4 below 4n. Constant-time table lookup: `select` reads every entry.
(module
  (memory (export "memory") 2)

  (global $n (mut i32) (i32.const 0))       ;; limbs
  (global $k (mut i64) (i64.const 0))       ;; bits per limb
  (global $mask (mut i64) (i64.const 0))    ;; 2^k − 1
  (global $pinv (mut i64) (i64.const 0))    ;; −p^−1 mod 2^k
  (global $P (mut i32) (i32.const 0))       ;; byte offset of p's limbs
  (global $M (mut i32) (i32.const 0))       ;; byte offset of n words of scratch for the m_i

  (func (export "setup") (param $p i32) (param $m i32) (param $n i32) (param $k i32) (param $pinv i32)
    (global.set $P (local.get $p))
    (global.set $M (local.get $m))
    (global.set $n (local.get $n))
    (global.set $k (i64.extend_i32_u (local.get $k)))
    (global.set $mask (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $k))) (i64.const 1)))
    (global.set $pinv (i64.extend_i32_u (local.get $pinv))))

  ;; out = a·b·R^−1 mod p, as a value below 2p, for a, b below 2p. out may be a or b (a limb of out is
  ;; written only after the last read of the limbs of a and b at and below its index); not M or P.
  (func $mul (export "mul") (param $out i32) (param $a i32) (param $b i32)
    (local $acc i64) (local $mi i64) (local $i i32) (local $n i32) (local $P i32) (local $M i32)
    (local $pa i32) (local $pb i32) (local $pm i32) (local $pp i32) (local $end i32) (local $end2 i32)
    (local.set $n (global.get $n))
    (local.set $P (global.get $P))
    (local.set $M (global.get $M))
    ;; columns 0 .. n−1: sum, then choose m_i so that the column's low k bits vanish
    (block $done1
      (loop $col1
        (br_if $done1 (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $pa (local.get $a))
        (local.set $pm (local.get $M))
        (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $pp (i32.add (local.get $P) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $end (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2))))
        ;; two terms per step while at least two remain
        (local.set $end2 (i32.sub (local.get $end) (i32.const 4)))
        (block $x2
          (loop $l2
            (br_if $x2 (i32.ge_s (local.get $pa) (local.get $end2)))
            (local.set $acc (i64.add (local.get $acc) (i64.add
              (i64.add
                (i64.mul (i64.load32_u (local.get $pa)) (i64.load32_u (local.get $pb)))
                (i64.mul (i64.load32_u (local.get $pm)) (i64.load32_u (local.get $pp))))
              (i64.add
                (i64.mul (i64.load32_u offset=4 (local.get $pa)) (i64.load32_u (i32.sub (local.get $pb) (i32.const 4))))
                (i64.mul (i64.load32_u offset=4 (local.get $pm)) (i64.load32_u (i32.sub (local.get $pp) (i32.const 4))))))))
            (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
            (local.set $pm (i32.add (local.get $pm) (i32.const 8)))
            (local.set $pb (i32.sub (local.get $pb) (i32.const 8)))
            (local.set $pp (i32.sub (local.get $pp) (i32.const 8)))
            (br $l2)))
        (if (i32.lt_u (local.get $pa) (local.get $end))
          (then
            (local.set $acc (i64.add (local.get $acc) (i64.add
              (i64.mul (i64.load32_u (local.get $pa)) (i64.load32_u (local.get $pb)))
              (i64.mul (i64.load32_u (local.get $pm)) (i64.load32_u (local.get $pp))))))
            (local.set $pa (i32.add (local.get $pa) (i32.const 4)))
            (local.set $pb (i32.sub (local.get $pb) (i32.const 4)))))
        ;; now pa = a + 4i, pb = b
        (local.set $acc (i64.add (local.get $acc)
          (i64.mul (i64.load32_u (local.get $pa)) (i64.load32_u (local.get $b)))))
        (local.set $mi (i64.and (i64.mul (i64.and (local.get $acc) (global.get $mask)) (global.get $pinv)) (global.get $mask)))
        (i64.store32 (i32.add (local.get $M) (i32.shl (local.get $i) (i32.const 2))) (local.get $mi))
        (local.set $acc (i64.shr_u
          (i64.add (local.get $acc) (i64.mul (local.get $mi) (i64.load32_u (local.get $P))))
          (global.get $k)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $col1)))
    ;; columns n .. 2n−2: the result limbs 0 .. n−2
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end2 (i32.sub (local.get $end) (i32.const 4)))
    (block $done2
      (loop $col2
        (br_if $done2 (i32.ge_u (local.get $i) (i32.sub (i32.shl (local.get $n) (i32.const 1)) (i32.const 1))))
        ;; j from i − n + 1 to n − 1
        (local.set $pa (i32.add (local.get $a) (i32.shl (i32.sub (local.get $i) (i32.sub (local.get $n) (i32.const 1))) (i32.const 2))))
        (local.set $pm (i32.add (local.get $M) (i32.shl (i32.sub (local.get $i) (i32.sub (local.get $n) (i32.const 1))) (i32.const 2))))
        (local.set $pb (i32.add (local.get $b) (i32.shl (i32.sub (local.get $n) (i32.const 1)) (i32.const 2))))
        (local.set $pp (i32.add (local.get $P) (i32.shl (i32.sub (local.get $n) (i32.const 1)) (i32.const 2))))
        (block $y2
          (loop $m2
            (br_if $y2 (i32.ge_s (local.get $pa) (local.get $end2)))
            (local.set $acc (i64.add (local.get $acc) (i64.add
              (i64.add
                (i64.mul (i64.load32_u (local.get $pa)) (i64.load32_u (local.get $pb)))
                (i64.mul (i64.load32_u (local.get $pm)) (i64.load32_u (local.get $pp))))
              (i64.add
                (i64.mul (i64.load32_u offset=4 (local.get $pa)) (i64.load32_u (i32.sub (local.get $pb) (i32.const 4))))
                (i64.mul (i64.load32_u offset=4 (local.get $pm)) (i64.load32_u (i32.sub (local.get $pp) (i32.const 4))))))))
            (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
            (local.set $pm (i32.add (local.get $pm) (i32.const 8)))
            (local.set $pb (i32.sub (local.get $pb) (i32.const 8)))
            (local.set $pp (i32.sub (local.get $pp) (i32.const 8)))
            (br $m2)))
        (if (i32.lt_u (local.get $pa) (local.get $end))
          (then
            (local.set $acc (i64.add (local.get $acc) (i64.add
              (i64.mul (i64.load32_u (local.get $pa)) (i64.load32_u (local.get $pb)))
              (i64.mul (i64.load32_u (local.get $pm)) (i64.load32_u (local.get $pp))))))))
        (i64.store32
          (i32.add (local.get $out) (i32.shl (i32.sub (local.get $i) (local.get $n)) (i32.const 2)))
          (i64.and (local.get $acc) (global.get $mask)))
        (local.set $acc (i64.shr_u (local.get $acc) (global.get $k)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $col2)))
    (i64.store32
      (i32.add (local.get $out) (i32.shl (i32.sub (local.get $n) (i32.const 1)) (i32.const 2)))
      (local.get $acc)))

  ;; out = a·a·R^−1 mod p, below 2p, for a below 2p: as `mul`, with each column's symmetric products
  ;; a_j·a_c−j (j ≠ c−j) computed once and doubled. out may be a.
  (func $sqr (export "sqr") (param $out i32) (param $a i32)
    (local $acc i64) (local $s i64) (local $mi i64) (local $c i32) (local $n i32) (local $P i32) (local $M i32)
    (local $j0 i32) (local $pa i32) (local $pb i32) (local $pm i32) (local $pp i32) (local $end i32) (local $q i32)
    (local.set $n (global.get $n))
    (local.set $P (global.get $P))
    (local.set $M (global.get $M))
    (block $done
      (loop $col
        (br_if $done (i32.ge_u (local.get $c) (i32.sub (i32.shl (local.get $n) (i32.const 1)) (i32.const 1))))
        ;; j0 = max(0, c − n + 1): first index of the column
        (local.set $j0 (select (i32.const 0) (i32.sub (local.get $c) (i32.sub (local.get $n) (i32.const 1)))
                               (i32.lt_u (local.get $c) (local.get $n))))
        ;; s = sum over j0 <= j < c − j of a_j·a_c−j
        (local.set $s (i64.const 0))
        (local.set $pa (i32.add (local.get $a) (i32.shl (local.get $j0) (i32.const 2))))
        (local.set $pb (i32.add (local.get $a) (i32.shl (i32.sub (local.get $c) (local.get $j0)) (i32.const 2))))
        ;; four terms per step while at least four remain (pa + 24 < pb), then two, then one
        (block $x4
          (loop $l4
            (br_if $x4 (i32.ge_s (i32.add (local.get $pa) (i32.const 24)) (local.get $pb)))
            (local.set $q (i32.sub (local.get $pb) (i32.const 12)))
            (local.set $s (i64.add (local.get $s) (i64.add
              (i64.add
                (i64.mul (i64.load32_u (local.get $pa)) (i64.load32_u offset=12 (local.get $q)))
                (i64.mul (i64.load32_u offset=4 (local.get $pa)) (i64.load32_u offset=8 (local.get $q))))
              (i64.add
                (i64.mul (i64.load32_u offset=8 (local.get $pa)) (i64.load32_u offset=4 (local.get $q)))
                (i64.mul (i64.load32_u offset=12 (local.get $pa)) (i64.load32_u (local.get $q)))))))
            (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
            (local.set $pb (i32.sub (local.get $pb) (i32.const 16)))
            (br $l4)))
        (block $x2
          (loop $l2
            (br_if $x2 (i32.ge_s (i32.add (local.get $pa) (i32.const 8)) (local.get $pb)))
            (local.set $s (i64.add (local.get $s) (i64.add
              (i64.mul (i64.load32_u (local.get $pa)) (i64.load32_u (local.get $pb)))
              (i64.mul (i64.load32_u offset=4 (local.get $pa)) (i64.load32_u (i32.sub (local.get $pb) (i32.const 4)))))))
            (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
            (local.set $pb (i32.sub (local.get $pb) (i32.const 8)))
            (br $l2)))
        (if (i32.lt_s (local.get $pa) (local.get $pb))
          (then
            (local.set $s (i64.add (local.get $s)
              (i64.mul (i64.load32_u (local.get $pa)) (i64.load32_u (local.get $pb)))))
            (local.set $pa (i32.add (local.get $pa) (i32.const 4)))
            (local.set $pb (i32.sub (local.get $pb) (i32.const 4)))))
        (local.set $acc (i64.add (local.get $acc) (i64.shl (local.get $s) (i64.const 1))))
        ;; the square a_c/2^2 when c is even (and c/2 is a limb index: pa = pb)
        (if (i32.eq (local.get $pa) (local.get $pb))
          (then
            (local.set $acc (i64.add (local.get $acc)
              (i64.mul (i64.load32_u (local.get $pa)) (i64.load32_u (local.get $pa)))))))
        ;; + sum over j0 <= j < min(c, n) of m_j·p_c−j
        (local.set $pm (i32.add (local.get $M) (i32.shl (local.get $j0) (i32.const 2))))
        (local.set $pp (i32.add (local.get $P) (i32.shl (i32.sub (local.get $c) (local.get $j0)) (i32.const 2))))
        (local.set $end (i32.add (local.get $M) (i32.shl
          (select (local.get $c) (local.get $n) (i32.lt_u (local.get $c) (local.get $n))) (i32.const 2))))
        ;; four terms per step while at least four remain, then two, then one
        (block $y4
          (loop $m4
            (br_if $y4 (i32.ge_s (i32.add (local.get $pm) (i32.const 12)) (local.get $end)))
            (local.set $q (i32.sub (local.get $pp) (i32.const 12)))
            (local.set $acc (i64.add (local.get $acc) (i64.add
              (i64.add
                (i64.mul (i64.load32_u (local.get $pm)) (i64.load32_u offset=12 (local.get $q)))
                (i64.mul (i64.load32_u offset=4 (local.get $pm)) (i64.load32_u offset=8 (local.get $q))))
              (i64.add
                (i64.mul (i64.load32_u offset=8 (local.get $pm)) (i64.load32_u offset=4 (local.get $q)))
                (i64.mul (i64.load32_u offset=12 (local.get $pm)) (i64.load32_u (local.get $q)))))))
            (local.set $pm (i32.add (local.get $pm) (i32.const 16)))
            (local.set $pp (i32.sub (local.get $pp) (i32.const 16)))
            (br $m4)))
        (block $y2
          (loop $m2
            (br_if $y2 (i32.ge_s (i32.add (local.get $pm) (i32.const 4)) (local.get $end)))
            (local.set $acc (i64.add (local.get $acc) (i64.add
              (i64.mul (i64.load32_u (local.get $pm)) (i64.load32_u (local.get $pp)))
              (i64.mul (i64.load32_u offset=4 (local.get $pm)) (i64.load32_u (i32.sub (local.get $pp) (i32.const 4)))))))
            (local.set $pm (i32.add (local.get $pm) (i32.const 8)))
            (local.set $pp (i32.sub (local.get $pp) (i32.const 8)))
            (br $m2)))
        (if (i32.lt_s (local.get $pm) (local.get $end))
          (then
            (local.set $acc (i64.add (local.get $acc)
              (i64.mul (i64.load32_u (local.get $pm)) (i64.load32_u (local.get $pp)))))))
        (if (i32.lt_u (local.get $c) (local.get $n))
          (then
            ;; m_c zeroes the column's low k bits
            (local.set $mi (i64.and (i64.mul (i64.and (local.get $acc) (global.get $mask)) (global.get $pinv)) (global.get $mask)))
            (i64.store32 (i32.add (local.get $M) (i32.shl (local.get $c) (i32.const 2))) (local.get $mi))
            (local.set $acc (i64.add (local.get $acc) (i64.mul (local.get $mi) (i64.load32_u (local.get $P))))))
          (else
            (i64.store32
              (i32.add (local.get $out) (i32.shl (i32.sub (local.get $c) (local.get $n)) (i32.const 2)))
              (i64.and (local.get $acc) (global.get $mask)))))
        (local.set $acc (i64.shr_u (local.get $acc) (global.get $k)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $col)))
    (i64.store32
      (i32.add (local.get $out) (i32.shl (i32.sub (local.get $n) (i32.const 1)) (i32.const 2)))
      (local.get $acc)))

  ;; out = table[idx] (entries of n words, count of them), reading every entry whatever idx is.
  (func (export "select") (param $out i32) (param $table i32) (param $count i32) (param $idx i32)
    (local $e i32) (local $l i32) (local $mask i32) (local $src i32) (local $bytes i32)
    (local.set $bytes (i32.shl (global.get $n) (i32.const 2)))
    (local.set $l (i32.const 0))
    (block $z (loop $zl
      (br_if $z (i32.ge_u (local.get $l) (local.get $bytes)))
      (i32.store (i32.add (local.get $out) (local.get $l)) (i32.const 0))
      (local.set $l (i32.add (local.get $l) (i32.const 4)))
      (br $zl)))
    (local.set $src (local.get $table))
    (block $de (loop $le
      (br_if $de (i32.ge_u (local.get $e) (local.get $count)))
      ;; all ones when e = idx, else zero, without a branch on idx
      (local.set $mask (i32.sub (i32.const 0) (i32.eq (local.get $e) (local.get $idx))))
      (local.set $l (i32.const 0))
      (block $dl (loop $ll
        (br_if $dl (i32.ge_u (local.get $l) (local.get $bytes)))
        (i32.store (i32.add (local.get $out) (local.get $l))
          (i32.or (i32.load (i32.add (local.get $out) (local.get $l)))
                  (i32.and (i32.load (i32.add (local.get $src) (local.get $l))) (local.get $mask))))
        (local.set $l (i32.add (local.get $l) (i32.const 4)))
        (br $ll)))
      (local.set $src (i32.add (local.get $src) (local.get $bytes)))
      (local.set $e (i32.add (local.get $e) (i32.const 1)))
      (br $le))))
)
