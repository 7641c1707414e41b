;; E-step kernel in WebAssembly SIMD (two f64 lanes): the same sums as estep.ts's eStepRange, in
;; log space, on tables laid out with a stride of nq2 node pairs per item; added in another order
;; (a learner's right answers, then the wrong ones; complete learners by one side, see "Answers
;; by list"), so the two agree to rounding, not bit for bit.
;; Padding nodes carry log w = -inf and get a posterior of 0.
;; Per user it stores the maximum log joint (outMax) and the sum of exp(l - max) (outSum),
;; so the caller adds logLik = sum(max + log(sum)) without a log in WebAssembly.
;; exp is computed here: x = k ln2 + r, |r| <= ln2/2, Taylor to r^13 (error < 1e-17), times 2^k.
(module
  (import "env" "memory" (memory 1 65536 shared))
  ;; Math.log and Math.exp of the host, for the sum-score pass's Chernoff bounds (the same values
  ;; as the JavaScript pass's).
  (import "env" "log" (func $mathLog (param f64) (result f64)))
  (import "env" "exp" (func $mathExp (param f64) (result f64)))

  ;; e = exp(l - mx) for every node of the row at $work (in place), returning the sum of e. The
  ;; polynomial's coefficients are held in locals across the row (a constant written in the
  ;; loop is built anew each time: three instructions a splat).
  (func $expRow (param $work i32) (param $stride i32) (param $mx f64) (result f64)
    (local $i i32) (local $m v128) (local $s v128) (local $x v128) (local $k v128) (local $r v128)
    (local $r2 v128) (local $r4 v128) (local $e v128)
    (local $lo v128) (local $log2e v128) (local $ln2hi v128) (local $ln2lo v128) (local $one v128) (local $bias v128)
    (local $c2 v128) (local $c3 v128) (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128)
    (local $c8 v128) (local $c9 v128) (local $c10 v128) (local $c11 v128) (local $c12 v128) (local $c13 v128)
    (local.set $m (f64x2.splat (local.get $mx)))
    (local.set $lo (f64x2.splat (f64.const -708)))
    (local.set $log2e (f64x2.splat (f64.const 1.4426950408889634)))
    (local.set $ln2hi (f64x2.splat (f64.const 0.6931471803691238)))
    (local.set $ln2lo (f64x2.splat (f64.const 1.9082149292705877e-10)))
    (local.set $one (f64x2.splat (f64.const 1)))
    ;; k + 1023 + 2^52 as a double holds k + 1023 in its low bits (k an integer in [-1022, 1023])
    (local.set $bias (f64x2.splat (f64.const 4503599627371519)))
    (local.set $c2 (f64x2.splat (f64.const 0.5)))
    (local.set $c3 (f64x2.splat (f64.const 0.16666666666666666)))
    (local.set $c4 (f64x2.splat (f64.const 4.1666666666666664e-2)))
    (local.set $c5 (f64x2.splat (f64.const 8.333333333333333e-3)))
    (local.set $c6 (f64x2.splat (f64.const 1.388888888888889e-3)))
    (local.set $c7 (f64x2.splat (f64.const 1.984126984126984e-4)))
    (local.set $c8 (f64x2.splat (f64.const 2.48015873015873e-5)))
    (local.set $c9 (f64x2.splat (f64.const 2.7557319223985893e-6)))
    (local.set $c10 (f64x2.splat (f64.const 2.755731922398589e-7)))
    (local.set $c11 (f64x2.splat (f64.const 2.505210838544172e-8)))
    (local.set $c12 (f64x2.splat (f64.const 2.08767569878681e-9)))
    (local.set $c13 (f64x2.splat (f64.const 1.6059043836821613e-10)))
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $i) (local.get $stride)))
      ;; clamp: exp(-708) ~ 3e-308 stands for 0 (padding nodes, hopeless nodes)
      (local.set $x (f64x2.pmax (f64x2.sub (v128.load (i32.add (local.get $work) (local.get $i))) (local.get $m)) (local.get $lo)))
      (local.set $k (f64x2.nearest (f64x2.mul (local.get $x) (local.get $log2e))))
      (local.set $r (f64x2.sub (f64x2.sub (local.get $x) (f64x2.mul (local.get $k) (local.get $ln2hi)))
        (f64x2.mul (local.get $k) (local.get $ln2lo))))
      (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
      (local.set $r4 (f64x2.mul (local.get $r2) (local.get $r2)))
      ;; The Taylor polynomial by Estrin's scheme: pairs (c_2m + c_2m+1 r) joined by r^2, r^4,
      ;; r^8, a chain of 4 multiply-adds instead of Horner's 13.
      (local.set $e
        (f64x2.mul
          (f64x2.add
            (f64x2.add
              (f64x2.add (f64x2.add (local.get $one) (local.get $r))
                (f64x2.mul (local.get $r2) (f64x2.add (local.get $c2) (f64x2.mul (local.get $r) (local.get $c3)))))
              (f64x2.mul (local.get $r4)
                (f64x2.add
                  (f64x2.add (local.get $c4) (f64x2.mul (local.get $r) (local.get $c5)))
                  (f64x2.mul (local.get $r2) (f64x2.add (local.get $c6) (f64x2.mul (local.get $r) (local.get $c7)))))))
            (f64x2.mul (f64x2.mul (local.get $r4) (local.get $r4))
              (f64x2.add
                (f64x2.add
                  (f64x2.add (local.get $c8) (f64x2.mul (local.get $r) (local.get $c9)))
                  (f64x2.mul (local.get $r2) (f64x2.add (local.get $c10) (f64x2.mul (local.get $r) (local.get $c11)))))
                (f64x2.mul (local.get $r4) (f64x2.add (local.get $c12) (f64x2.mul (local.get $r) (local.get $c13)))))))
          ;; times 2^k: k's bits shifted into the exponent field
          (i64x2.shl (f64x2.add (local.get $k) (local.get $bias)) (i32.const 52))))
      (v128.store (i32.add (local.get $work) (local.get $i)) (local.get $e))
      (local.set $s (f64x2.add (local.get $s) (local.get $e)))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $each)))
    (f64.add (f64x2.extract_lane 0 (local.get $s)) (f64x2.extract_lane 1 (local.get $s))))

  ;; work = base + the table rows at the n offsets of $list (tab + offset: a row of the table),
  ;; node by node. Node pairs are taken 8, then 4, then 1 at a time, held in registers while the
  ;; rows are added, so each listed answer costs one load per pair. $base may be $work itself.
  (func $jointList
    (param $list i32) (param $n i32) (param $stride i32) (param $tab i32) (param $base i32) (param $work i32)
    (local $i i32) (local $k i32) (local $t i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (block $p8_done (loop $p8
      (br_if $p8_done (i32.gt_u (i32.add (local.get $i) (i32.const 128)) (local.get $stride)))
      (local.set $a0 (v128.load offset=0 (i32.add (local.get $base) (local.get $i))))
      (local.set $a1 (v128.load offset=16 (i32.add (local.get $base) (local.get $i))))
      (local.set $a2 (v128.load offset=32 (i32.add (local.get $base) (local.get $i))))
      (local.set $a3 (v128.load offset=48 (i32.add (local.get $base) (local.get $i))))
      (local.set $a4 (v128.load offset=64 (i32.add (local.get $base) (local.get $i))))
      (local.set $a5 (v128.load offset=80 (i32.add (local.get $base) (local.get $i))))
      (local.set $a6 (v128.load offset=96 (i32.add (local.get $base) (local.get $i))))
      (local.set $a7 (v128.load offset=112 (i32.add (local.get $base) (local.get $i))))
      (local.set $k (i32.const 0))
      (block $p8_k_done (loop $p8_k
        (br_if $p8_k_done (i32.ge_u (local.get $k) (local.get $n)))
        (local.set $t (i32.add (local.get $i) (i32.add (local.get $tab) (i32.load (i32.add (local.get $list) (i32.shl (local.get $k) (i32.const 2)))))))
        (local.set $a0 (f64x2.add (local.get $a0) (v128.load offset=0 (local.get $t))))
        (local.set $a1 (f64x2.add (local.get $a1) (v128.load offset=16 (local.get $t))))
        (local.set $a2 (f64x2.add (local.get $a2) (v128.load offset=32 (local.get $t))))
        (local.set $a3 (f64x2.add (local.get $a3) (v128.load offset=48 (local.get $t))))
        (local.set $a4 (f64x2.add (local.get $a4) (v128.load offset=64 (local.get $t))))
        (local.set $a5 (f64x2.add (local.get $a5) (v128.load offset=80 (local.get $t))))
        (local.set $a6 (f64x2.add (local.get $a6) (v128.load offset=96 (local.get $t))))
        (local.set $a7 (f64x2.add (local.get $a7) (v128.load offset=112 (local.get $t))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $p8_k)))
      (v128.store offset=0 (i32.add (local.get $work) (local.get $i)) (local.get $a0))
      (v128.store offset=16 (i32.add (local.get $work) (local.get $i)) (local.get $a1))
      (v128.store offset=32 (i32.add (local.get $work) (local.get $i)) (local.get $a2))
      (v128.store offset=48 (i32.add (local.get $work) (local.get $i)) (local.get $a3))
      (v128.store offset=64 (i32.add (local.get $work) (local.get $i)) (local.get $a4))
      (v128.store offset=80 (i32.add (local.get $work) (local.get $i)) (local.get $a5))
      (v128.store offset=96 (i32.add (local.get $work) (local.get $i)) (local.get $a6))
      (v128.store offset=112 (i32.add (local.get $work) (local.get $i)) (local.get $a7))
      (local.set $i (i32.add (local.get $i) (i32.const 128)))
      (br $p8)))
    (block $p4_done (loop $p4
      (br_if $p4_done (i32.gt_u (i32.add (local.get $i) (i32.const 64)) (local.get $stride)))
      (local.set $a0 (v128.load offset=0 (i32.add (local.get $base) (local.get $i))))
      (local.set $a1 (v128.load offset=16 (i32.add (local.get $base) (local.get $i))))
      (local.set $a2 (v128.load offset=32 (i32.add (local.get $base) (local.get $i))))
      (local.set $a3 (v128.load offset=48 (i32.add (local.get $base) (local.get $i))))
      (local.set $k (i32.const 0))
      (block $p4_k_done (loop $p4_k
        (br_if $p4_k_done (i32.ge_u (local.get $k) (local.get $n)))
        (local.set $t (i32.add (local.get $i) (i32.add (local.get $tab) (i32.load (i32.add (local.get $list) (i32.shl (local.get $k) (i32.const 2)))))))
        (local.set $a0 (f64x2.add (local.get $a0) (v128.load offset=0 (local.get $t))))
        (local.set $a1 (f64x2.add (local.get $a1) (v128.load offset=16 (local.get $t))))
        (local.set $a2 (f64x2.add (local.get $a2) (v128.load offset=32 (local.get $t))))
        (local.set $a3 (f64x2.add (local.get $a3) (v128.load offset=48 (local.get $t))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $p4_k)))
      (v128.store offset=0 (i32.add (local.get $work) (local.get $i)) (local.get $a0))
      (v128.store offset=16 (i32.add (local.get $work) (local.get $i)) (local.get $a1))
      (v128.store offset=32 (i32.add (local.get $work) (local.get $i)) (local.get $a2))
      (v128.store offset=48 (i32.add (local.get $work) (local.get $i)) (local.get $a3))
      (local.set $i (i32.add (local.get $i) (i32.const 64)))
      (br $p4)))
    (block $p1_done (loop $p1
      (br_if $p1_done (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $stride)))
      (local.set $a0 (v128.load offset=0 (i32.add (local.get $base) (local.get $i))))
      (local.set $k (i32.const 0))
      (block $p1_k_done (loop $p1_k
        (br_if $p1_k_done (i32.ge_u (local.get $k) (local.get $n)))
        (local.set $t (i32.add (local.get $i) (i32.add (local.get $tab) (i32.load (i32.add (local.get $list) (i32.shl (local.get $k) (i32.const 2)))))))
        (local.set $a0 (f64x2.add (local.get $a0) (v128.load offset=0 (local.get $t))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $p1_k)))
      (v128.store offset=0 (i32.add (local.get $work) (local.get $i)) (local.get $a0))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $p1))))

  ;; The table rows at the n offsets of $list each get the posterior $work added, its node pairs
  ;; held in registers 8, then 4, then 1 at a time.
  (func $scatterList
    (param $list i32) (param $n i32) (param $stride i32) (param $tab i32) (param $work i32)
    (local $i i32) (local $k i32) (local $t i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (block $s8_done (loop $s8
      (br_if $s8_done (i32.gt_u (i32.add (local.get $i) (i32.const 128)) (local.get $stride)))
      (local.set $a0 (v128.load offset=0 (i32.add (local.get $work) (local.get $i))))
      (local.set $a1 (v128.load offset=16 (i32.add (local.get $work) (local.get $i))))
      (local.set $a2 (v128.load offset=32 (i32.add (local.get $work) (local.get $i))))
      (local.set $a3 (v128.load offset=48 (i32.add (local.get $work) (local.get $i))))
      (local.set $a4 (v128.load offset=64 (i32.add (local.get $work) (local.get $i))))
      (local.set $a5 (v128.load offset=80 (i32.add (local.get $work) (local.get $i))))
      (local.set $a6 (v128.load offset=96 (i32.add (local.get $work) (local.get $i))))
      (local.set $a7 (v128.load offset=112 (i32.add (local.get $work) (local.get $i))))
      (local.set $k (i32.const 0))
      (block $s8_k_done (loop $s8_k
        (br_if $s8_k_done (i32.ge_u (local.get $k) (local.get $n)))
        (local.set $t (i32.add (local.get $i) (i32.add (local.get $tab) (i32.load (i32.add (local.get $list) (i32.shl (local.get $k) (i32.const 2)))))))
        (v128.store offset=0 (local.get $t) (f64x2.add (v128.load offset=0 (local.get $t)) (local.get $a0)))
        (v128.store offset=16 (local.get $t) (f64x2.add (v128.load offset=16 (local.get $t)) (local.get $a1)))
        (v128.store offset=32 (local.get $t) (f64x2.add (v128.load offset=32 (local.get $t)) (local.get $a2)))
        (v128.store offset=48 (local.get $t) (f64x2.add (v128.load offset=48 (local.get $t)) (local.get $a3)))
        (v128.store offset=64 (local.get $t) (f64x2.add (v128.load offset=64 (local.get $t)) (local.get $a4)))
        (v128.store offset=80 (local.get $t) (f64x2.add (v128.load offset=80 (local.get $t)) (local.get $a5)))
        (v128.store offset=96 (local.get $t) (f64x2.add (v128.load offset=96 (local.get $t)) (local.get $a6)))
        (v128.store offset=112 (local.get $t) (f64x2.add (v128.load offset=112 (local.get $t)) (local.get $a7)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $s8_k)))
      (local.set $i (i32.add (local.get $i) (i32.const 128)))
      (br $s8)))
    (block $s4_done (loop $s4
      (br_if $s4_done (i32.gt_u (i32.add (local.get $i) (i32.const 64)) (local.get $stride)))
      (local.set $a0 (v128.load offset=0 (i32.add (local.get $work) (local.get $i))))
      (local.set $a1 (v128.load offset=16 (i32.add (local.get $work) (local.get $i))))
      (local.set $a2 (v128.load offset=32 (i32.add (local.get $work) (local.get $i))))
      (local.set $a3 (v128.load offset=48 (i32.add (local.get $work) (local.get $i))))
      (local.set $k (i32.const 0))
      (block $s4_k_done (loop $s4_k
        (br_if $s4_k_done (i32.ge_u (local.get $k) (local.get $n)))
        (local.set $t (i32.add (local.get $i) (i32.add (local.get $tab) (i32.load (i32.add (local.get $list) (i32.shl (local.get $k) (i32.const 2)))))))
        (v128.store offset=0 (local.get $t) (f64x2.add (v128.load offset=0 (local.get $t)) (local.get $a0)))
        (v128.store offset=16 (local.get $t) (f64x2.add (v128.load offset=16 (local.get $t)) (local.get $a1)))
        (v128.store offset=32 (local.get $t) (f64x2.add (v128.load offset=32 (local.get $t)) (local.get $a2)))
        (v128.store offset=48 (local.get $t) (f64x2.add (v128.load offset=48 (local.get $t)) (local.get $a3)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $s4_k)))
      (local.set $i (i32.add (local.get $i) (i32.const 64)))
      (br $s4)))
    (block $s1_done (loop $s1
      (br_if $s1_done (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $stride)))
      (local.set $a0 (v128.load offset=0 (i32.add (local.get $work) (local.get $i))))
      (local.set $k (i32.const 0))
      (block $s1_k_done (loop $s1_k
        (br_if $s1_k_done (i32.ge_u (local.get $k) (local.get $n)))
        (local.set $t (i32.add (local.get $i) (i32.add (local.get $tab) (i32.load (i32.add (local.get $list) (i32.shl (local.get $k) (i32.const 2)))))))
        (v128.store offset=0 (local.get $t) (f64x2.add (v128.load offset=0 (local.get $t)) (local.get $a0)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $s1_k)))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $s1))))

  ;; Answers by list. A learner's answers are first listed as table offsets (item x stride): the
  ;; right ones from the front of the thread's $list, the wrong ones from its back ($L slots, at
  ;; least the most answers of any learner), every answer written to both ends (the slot that
  ;; stays is the one its side's count keeps: no branch per answer); $n1 and $n0 count them. The
  ;; log joint is then log w + the right answers' log P + the wrong ones' log Q, a pass over each
  ;; side's offsets, and the E-step's counts go the same way (r1 at the right answers, r0 at the
  ;; wrong ones): no choice of table and no item lookup per answer and node group.
  ;;
  ;; Complete learners (every one of the J items answered; a dense test). With D = log P - log Q
  ;; and C0 = log w + sum_j log Q_j, C1 = log w + sum_j log P_j, the log joint is C0 plus D of the
  ;; right answers, or C1 minus D of the wrong ones: the kernel takes the side with fewer answers
  ;; (on average well under half of them). Their expected counts go the same way: the posterior is
  ;; added to A (right side) or B (wrong side) for those answers only, and its sum over the side's
  ;; learners to PcR or PcW; then r1 = A + PcW - B and r0 = B + PcR - A for those learners
  ;; (the export foldComplete). Laid out at the current stride (sb = bytes per
  ;; item): $dn (shared): D [J x sb], -D [J x sb], C0 [sb], C1 [sb]; $dc (per thread): A [J x sb],
  ;; B [J x sb], PcR [sb], PcW [sb]. $dn = 0: no complete learner.

  (global $n1 (mut i32) (i32.const 0))
  (global $n0 (mut i32) (i32.const 0))

  ;; The learner's answers [k0, k1) listed at $list (see above), counted in $n1 and $n0.
  (func $listAnswers
    (param $k0 i32) (param $k1 i32) (param $stride i32) (param $item i32) (param $resp i32)
    (param $L i32) (param $list i32)
    (local $k i32) (local $n1 i32) (local $n0 i32) (local $off i32) (local $x i32) (local $back i32)
    ;; the back end's slot for the next wrong answer: $list + 4 (L - 1 - n0)
    (local.set $back (i32.add (local.get $list) (i32.shl (i32.sub (local.get $L) (i32.const 1)) (i32.const 2))))
    (local.set $k (local.get $k0))
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $k) (local.get $k1)))
      (local.set $off (i32.mul (i32.load (i32.add (local.get $item) (i32.shl (local.get $k) (i32.const 2)))) (local.get $stride)))
      (local.set $x (i32.load8_u (i32.add (local.get $resp) (local.get $k))))
      (i32.store (i32.add (local.get $list) (i32.shl (local.get $n1) (i32.const 2))) (local.get $off))
      (i32.store (i32.sub (local.get $back) (i32.shl (local.get $n0) (i32.const 2))) (local.get $off))
      (local.set $n1 (i32.add (local.get $n1) (local.get $x)))
      (local.set $n0 (i32.add (local.get $n0) (i32.sub (i32.const 1) (local.get $x))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $each)))
    (global.set $n1 (local.get $n1))
    (global.set $n0 (local.get $n0)))

  ;; The learner's log joint into $work. Returns 0 (both sides listed), 1 (a complete learner, by
  ;; the right side) or -1 (a complete learner, by the wrong side).
  (func $joint
    (param $k0 i32) (param $k1 i32) (param $stride i32) (param $item i32) (param $resp i32)
    (param $logP i32) (param $logQ i32) (param $logW i32) (param $work i32)
    (param $J i32) (param $L i32) (param $list i32) (param $dn i32) (result i32)
    (local $sb i32) (local $wrong i32)
    (call $listAnswers (local.get $k0) (local.get $k1) (local.get $stride) (local.get $item) (local.get $resp)
      (local.get $L) (local.get $list))
    (local.set $wrong (i32.add (local.get $list) (i32.shl (i32.sub (local.get $L) (global.get $n0)) (i32.const 2))))
    (if (i32.and (i32.ne (local.get $dn) (i32.const 0)) (i32.eq (i32.sub (local.get $k1) (local.get $k0)) (local.get $J)))
      (then
        (local.set $sb (i32.mul (local.get $J) (local.get $stride)))
        (if (i32.le_u (global.get $n1) (global.get $n0))
          (then
            ;; C0 + the right answers' D
            (call $jointList (local.get $list) (global.get $n1) (local.get $stride) (local.get $dn)
              (i32.add (local.get $dn) (i32.shl (local.get $sb) (i32.const 1))) (local.get $work))
            (return (i32.const 1))))
        ;; C1 + the wrong answers' -D
        (call $jointList (local.get $wrong) (global.get $n0) (local.get $stride) (i32.add (local.get $dn) (local.get $sb))
          (i32.add (i32.add (local.get $dn) (i32.shl (local.get $sb) (i32.const 1))) (local.get $stride)) (local.get $work))
        (return (i32.const -1))))
    (call $jointList (local.get $list) (global.get $n1) (local.get $stride) (local.get $logP) (local.get $logW) (local.get $work))
    (call $jointList (local.get $wrong) (global.get $n0) (local.get $stride) (local.get $logQ) (local.get $work) (local.get $work))
    (i32.const 0))

  ;; The E-step's counts of the learner whose posterior is $work, $c what $joint returned: r1 and
  ;; r0 at the listed answers, or a complete learner's side (A or B, and PcR or PcW).
  (func $scatterAll
    (param $c i32) (param $stride i32) (param $J i32) (param $L i32) (param $list i32)
    (param $r0 i32) (param $r1 i32) (param $dc i32) (param $work i32)
    (local $sb i32) (local $wrong i32) (local $pc i32) (local $i i32)
    (local.set $wrong (i32.add (local.get $list) (i32.shl (i32.sub (local.get $L) (global.get $n0)) (i32.const 2))))
    (if (i32.eqz (local.get $c))
      (then
        (call $scatterList (local.get $list) (global.get $n1) (local.get $stride) (local.get $r1) (local.get $work))
        (call $scatterList (local.get $wrong) (global.get $n0) (local.get $stride) (local.get $r0) (local.get $work))
        (return)))
    (local.set $sb (i32.mul (local.get $J) (local.get $stride)))
    (if (i32.gt_s (local.get $c) (i32.const 0))
      (then
        (call $scatterList (local.get $list) (global.get $n1) (local.get $stride) (local.get $dc) (local.get $work))
        (local.set $pc (i32.add (local.get $dc) (i32.shl (local.get $sb) (i32.const 1)))))
      (else
        (call $scatterList (local.get $wrong) (global.get $n0) (local.get $stride) (i32.add (local.get $dc) (local.get $sb)) (local.get $work))
        (local.set $pc (i32.add (i32.add (local.get $dc) (i32.shl (local.get $sb) (i32.const 1))) (local.get $stride)))))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $i) (local.get $stride)))
      (v128.store (i32.add (local.get $pc) (local.get $i))
        (f64x2.add (v128.load (i32.add (local.get $pc) (local.get $i))) (v128.load (i32.add (local.get $work) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l))))

;; The complete learners' tables at $dn from the log tables (J items, nq2 node pairs): D and -D
  ;; per item, and C0 = log w + sum_j log Q_j, C1 = log w + sum_j log P_j, each sum over the
  ;; items in order and then log w (estep-complete.ts lays them out).
  (func (export "completeTables")
    (param $logP i32) (param $logQ i32) (param $logW i32) (param $dn i32) (param $J i32) (param $nq2 i32)
    (local $stride i32) (local $sb i32) (local $j i32) (local $i i32) (local $o i32)
    (local $c0 i32) (local $c1 i32) (local $p v128) (local $q v128)
    (local.set $stride (i32.shl (local.get $nq2) (i32.const 4)))
    (local.set $sb (i32.mul (local.get $J) (local.get $stride)))
    (local.set $c0 (i32.add (local.get $dn) (i32.shl (local.get $sb) (i32.const 1))))
    (local.set $c1 (i32.add (local.get $c0) (local.get $stride)))
    (local.set $i (i32.const 0))
    (block $z (loop $zl
      (br_if $z (i32.ge_u (local.get $i) (local.get $stride)))
      (v128.store (i32.add (local.get $c0) (local.get $i)) (v128.const i64x2 0 0))
      (v128.store (i32.add (local.get $c1) (local.get $i)) (v128.const i64x2 0 0))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $zl)))
    (block $jd (loop $jl
      (br_if $jd (i32.ge_u (local.get $j) (local.get $J)))
      (local.set $i (i32.const 0))
      (block $id (loop $il
        (br_if $id (i32.ge_u (local.get $i) (local.get $stride)))
        (local.set $o (i32.add (i32.mul (local.get $j) (local.get $stride)) (local.get $i)))
        (local.set $p (v128.load (i32.add (local.get $logP) (local.get $o))))
        (local.set $q (v128.load (i32.add (local.get $logQ) (local.get $o))))
        (v128.store (i32.add (local.get $dn) (local.get $o)) (f64x2.sub (local.get $p) (local.get $q)))
        (v128.store (i32.add (i32.add (local.get $dn) (local.get $sb)) (local.get $o)) (f64x2.neg (f64x2.sub (local.get $p) (local.get $q))))
        (v128.store (i32.add (local.get $c0) (local.get $i)) (f64x2.add (v128.load (i32.add (local.get $c0) (local.get $i))) (local.get $q)))
        (v128.store (i32.add (local.get $c1) (local.get $i)) (f64x2.add (v128.load (i32.add (local.get $c1) (local.get $i))) (local.get $p)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $il)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $jl)))
    (local.set $i (i32.const 0))
    (block $wd (loop $wl
      (br_if $wd (i32.ge_u (local.get $i) (local.get $stride)))
      (local.set $p (v128.load (i32.add (local.get $logW) (local.get $i))))
      (v128.store (i32.add (local.get $c0) (local.get $i)) (f64x2.add (v128.load (i32.add (local.get $c0) (local.get $i))) (local.get $p)))
      (v128.store (i32.add (local.get $c1) (local.get $i)) (f64x2.add (v128.load (i32.add (local.get $c1) (local.get $i))) (local.get $p)))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $wl))))

  ;; A thread's complete learners' counts added into its r1 and r0 (J items, nq2 node pairs):
  ;; r1 += A + (PcW - B), r0 += B + (PcR - A), each a difference of sums over nested sets of
  ;; learners, so >= 0 up to rounding; a rounding below 0 (a count 0 in exact arithmetic) is 0.
  (func (export "foldComplete")
    (param $r0 i32) (param $r1 i32) (param $dc i32) (param $J i32) (param $nq2 i32)
    (local $stride i32) (local $sb i32) (local $j i32) (local $i i32) (local $o i32)
    (local $pcR i32) (local $pcW i32) (local $a v128) (local $b v128) (local $zero v128)
    (local.set $stride (i32.shl (local.get $nq2) (i32.const 4)))
    (local.set $sb (i32.mul (local.get $J) (local.get $stride)))
    (local.set $pcR (i32.add (local.get $dc) (i32.shl (local.get $sb) (i32.const 1))))
    (local.set $pcW (i32.add (local.get $pcR) (local.get $stride)))
    (block $jd (loop $jl
      (br_if $jd (i32.ge_u (local.get $j) (local.get $J)))
      (local.set $i (i32.const 0))
      (block $id (loop $il
        (br_if $id (i32.ge_u (local.get $i) (local.get $stride)))
        (local.set $o (i32.add (i32.mul (local.get $j) (local.get $stride)) (local.get $i)))
        (local.set $a (v128.load (i32.add (local.get $dc) (local.get $o))))
        (local.set $b (v128.load (i32.add (i32.add (local.get $dc) (local.get $sb)) (local.get $o))))
        (v128.store (i32.add (local.get $r1) (local.get $o))
          (f64x2.add (v128.load (i32.add (local.get $r1) (local.get $o)))
            (f64x2.pmax (f64x2.add (local.get $a) (f64x2.sub (v128.load (i32.add (local.get $pcW) (local.get $i))) (local.get $b))) (local.get $zero))))
        (v128.store (i32.add (local.get $r0) (local.get $o))
          (f64x2.add (v128.load (i32.add (local.get $r0) (local.get $o)))
            (f64x2.pmax (f64x2.add (local.get $b) (f64x2.sub (v128.load (i32.add (local.get $pcR) (local.get $i))) (local.get $a))) (local.get $zero))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $il)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $jl))))

  (func (export "estep")
    (param $u0 i32) (param $u1 i32) (param $nq2 i32)
    (param $ptr i32) (param $item i32) (param $resp i32)
    (param $logP i32) (param $logQ i32) (param $logW i32)
    (param $r0 i32) (param $r1 i32) (param $nodeN i32) (param $work i32)
    (param $outMax i32) (param $outSum i32)
    (param $J i32) (param $L i32) (param $list i32) (param $dn i32) (param $dc i32)
    (local $u i32) (local $k0 i32) (local $k1 i32) (local $i i32) (local $c i32)
    (local $stride i32) (local $end i32)
    (local $m v128) (local $e v128) (local $inv v128)
    (local $mx f64) (local $sum f64)
    (local.set $stride (i32.shl (local.get $nq2) (i32.const 4)))
    (local.set $end (i32.add (local.get $work) (local.get $stride)))
    (local.set $u (local.get $u0))
    (block $users_done
      (loop $users
        (br_if $users_done (i32.ge_u (local.get $u) (local.get $u1)))
        (local.set $k0 (i32.load (i32.add (local.get $ptr) (i32.shl (local.get $u) (i32.const 2)))))
        (local.set $k1 (i32.load offset=4 (i32.add (local.get $ptr) (i32.shl (local.get $u) (i32.const 2)))))
        (local.set $c (call $joint (local.get $k0) (local.get $k1) (local.get $stride) (local.get $item) (local.get $resp)
          (local.get $logP) (local.get $logQ) (local.get $logW) (local.get $work)
          (local.get $J) (local.get $L) (local.get $list) (local.get $dn)))
        ;; max
        (local.set $m (f64x2.splat (f64.const -inf)))
        (local.set $i (i32.const 0))
        (block $d3 (loop $l3
          (br_if $d3 (i32.ge_u (local.get $i) (local.get $stride)))
          (local.set $m (f64x2.max (local.get $m) (v128.load (i32.add (local.get $work) (local.get $i)))))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br $l3)))
        (local.set $mx (f64.max (f64x2.extract_lane 0 (local.get $m)) (f64x2.extract_lane 1 (local.get $m))))
        ;; e = exp(l - max) and their sum
        (local.set $sum (call $expRow (local.get $work) (local.get $stride) (local.get $mx)))
        (f64.store (i32.add (local.get $outMax) (i32.shl (i32.sub (local.get $u) (local.get $u0)) (i32.const 3))) (local.get $mx))
        (f64.store (i32.add (local.get $outSum) (i32.shl (i32.sub (local.get $u) (local.get $u0)) (i32.const 3))) (local.get $sum))
        ;; posterior and node counts
        (local.set $inv (f64x2.splat (f64.div (f64.const 1) (local.get $sum))))
        (local.set $i (i32.const 0))
        (block $d5 (loop $l5
          (br_if $d5 (i32.ge_u (local.get $i) (local.get $stride)))
          (local.set $e (f64x2.mul (v128.load (i32.add (local.get $work) (local.get $i))) (local.get $inv)))
          (v128.store (i32.add (local.get $work) (local.get $i)) (local.get $e))
          (v128.store (i32.add (local.get $nodeN) (local.get $i))
            (f64x2.add (v128.load (i32.add (local.get $nodeN) (local.get $i))) (local.get $e)))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br $l5)))
        (call $scatterAll (local.get $c) (local.get $stride) (local.get $J) (local.get $L) (local.get $list)
          (local.get $r0) (local.get $r1) (local.get $dc) (local.get $work))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $users)))
    (drop (local.get $end)))

  ;; Louis' missing-information term per item: for every answer, m = E_posterior[s(theta)] with
  ;; s the complete-data score of the answer (tables s1/s0: item-major, p planes of stride
  ;; nodes each), then info[j] += m m' (p x p, p <= 3, 9 slots per item).
  (func (export "louis")
      (param $u0 i32) (param $u1 i32) (param $nq2 i32)
      (param $ptr i32) (param $item i32) (param $resp i32)
      (param $logP i32) (param $logQ i32) (param $logW i32)
      (param $s1 i32) (param $s0 i32) (param $p i32) (param $info i32) (param $work i32)
      (param $J i32) (param $L i32) (param $list i32) (param $dn i32)
      (local $u i32) (local $k i32) (local $k0 i32) (local $k1 i32) (local $i i32)
      (local $stride i32) (local $b i32) (local $o i32) (local $j i32)
      (local $m v128) (local $e v128) (local $v0 v128) (local $v1 v128) (local $v2 v128)
      (local $mx f64) (local $inv f64) (local $m0 f64) (local $m1 f64) (local $m2 f64)
      (local.set $stride (i32.shl (local.get $nq2) (i32.const 4)))
      (local.set $u (local.get $u0))
      (block $users_done
        (loop $users
          (br_if $users_done (i32.ge_u (local.get $u) (local.get $u1)))
          (local.set $k0 (i32.load (i32.add (local.get $ptr) (i32.shl (local.get $u) (i32.const 2)))))
          (local.set $k1 (i32.load offset=4 (i32.add (local.get $ptr) (i32.shl (local.get $u) (i32.const 2)))))
          (drop (call $joint (local.get $k0) (local.get $k1) (local.get $stride) (local.get $item) (local.get $resp)
            (local.get $logP) (local.get $logQ) (local.get $logW) (local.get $work)
          (local.get $J) (local.get $L) (local.get $list) (local.get $dn)))
          (local.set $m (f64x2.splat (f64.const -inf)))
          (local.set $i (i32.const 0))
          (block $d3 (loop $l3
            (br_if $d3 (i32.ge_u (local.get $i) (local.get $stride)))
            (local.set $m (f64x2.max (local.get $m) (v128.load (i32.add (local.get $work) (local.get $i)))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $l3)))
          (local.set $mx (f64.max (f64x2.extract_lane 0 (local.get $m)) (f64x2.extract_lane 1 (local.get $m))))
          (local.set $inv (f64.div (f64.const 1) (call $expRow (local.get $work) (local.get $stride) (local.get $mx))))
          ;; per answer: m_k = inv * sum_q e_q S_k[q]
          (local.set $k (local.get $k0))
          (block $d6 (loop $l6
            (br_if $d6 (i32.ge_u (local.get $k) (local.get $k1)))
            (local.set $j (i32.load (i32.add (local.get $item) (i32.shl (local.get $k) (i32.const 2)))))
            (local.set $b
              (i32.add
                (select (local.get $s1) (local.get $s0) (i32.load8_u (i32.add (local.get $resp) (local.get $k))))
                (i32.mul (i32.mul (local.get $j) (local.get $p)) (local.get $stride))))
            (local.set $v0 (f64x2.splat (f64.const 0)))
            (local.set $v1 (f64x2.splat (f64.const 0)))
            (local.set $v2 (f64x2.splat (f64.const 0)))
            (local.set $i (i32.const 0))
            (block $d7 (loop $l7
              (br_if $d7 (i32.ge_u (local.get $i) (local.get $stride)))
              (local.set $e (v128.load (i32.add (local.get $work) (local.get $i))))
              (local.set $o (i32.add (local.get $b) (local.get $i)))
              (local.set $v0 (f64x2.add (local.get $v0) (f64x2.mul (local.get $e) (v128.load (local.get $o)))))
              (local.set $o (i32.add (local.get $o) (local.get $stride)))
              (local.set $v1 (f64x2.add (local.get $v1) (f64x2.mul (local.get $e) (v128.load (local.get $o)))))
              (if (i32.eq (local.get $p) (i32.const 3))
                (then
                  (local.set $o (i32.add (local.get $o) (local.get $stride)))
                  (local.set $v2 (f64x2.add (local.get $v2) (f64x2.mul (local.get $e) (v128.load (local.get $o)))))))
              (local.set $i (i32.add (local.get $i) (i32.const 16)))
              (br $l7)))
            (local.set $m0 (f64.mul (local.get $inv) (f64.add (f64x2.extract_lane 0 (local.get $v0)) (f64x2.extract_lane 1 (local.get $v0)))))
            (local.set $m1 (f64.mul (local.get $inv) (f64.add (f64x2.extract_lane 0 (local.get $v1)) (f64x2.extract_lane 1 (local.get $v1)))))
            (local.set $m2 (f64.mul (local.get $inv) (f64.add (f64x2.extract_lane 0 (local.get $v2)) (f64x2.extract_lane 1 (local.get $v2)))))
            ;; info[j] (9 slots, row-major 3x3) += m m'
            (local.set $o (i32.add (local.get $info) (i32.mul (local.get $j) (i32.const 72))))
            (f64.store offset=0 (local.get $o) (f64.add (f64.load offset=0 (local.get $o)) (f64.mul (local.get $m0) (local.get $m0))))
            (f64.store offset=8 (local.get $o) (f64.add (f64.load offset=8 (local.get $o)) (f64.mul (local.get $m0) (local.get $m1))))
            (f64.store offset=16 (local.get $o) (f64.add (f64.load offset=16 (local.get $o)) (f64.mul (local.get $m0) (local.get $m2))))
            (f64.store offset=32 (local.get $o) (f64.add (f64.load offset=32 (local.get $o)) (f64.mul (local.get $m1) (local.get $m1))))
            (f64.store offset=40 (local.get $o) (f64.add (f64.load offset=40 (local.get $o)) (f64.mul (local.get $m1) (local.get $m2))))
            (f64.store offset=64 (local.get $o) (f64.add (f64.load offset=64 (local.get $o)) (f64.mul (local.get $m2) (local.get $m2))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $l6)))
          (local.set $u (i32.add (local.get $u) (i32.const 1)))
          (br $users))))
  ;; EAP moments per user: posterior mean and SD on the nodes (array at $nodes, stride nq2 pairs),
  ;; with the same log-space posterior as the E-step. Written to outMean/outSd indexed u - u0.
  (func (export "eap")
      (param $u0 i32) (param $u1 i32) (param $nq2 i32)
      (param $ptr i32) (param $item i32) (param $resp i32)
      (param $logP i32) (param $logQ i32) (param $logW i32)
      (param $nodes i32) (param $work i32) (param $outMean i32) (param $outSd i32)
      (param $J i32) (param $L i32) (param $list i32) (param $dn i32)
      (local $u i32) (local $k0 i32) (local $k1 i32) (local $i i32)
      (local $stride i32)
      (local $m v128) (local $s1 v128) (local $x v128)
      (local $mx f64) (local $sum f64) (local $mean f64) (local $o i32)
      (local.set $stride (i32.shl (local.get $nq2) (i32.const 4)))
      (local.set $u (local.get $u0))
      (block $users_done
        (loop $users
          (br_if $users_done (i32.ge_u (local.get $u) (local.get $u1)))
          (local.set $k0 (i32.load (i32.add (local.get $ptr) (i32.shl (local.get $u) (i32.const 2)))))
          (local.set $k1 (i32.load offset=4 (i32.add (local.get $ptr) (i32.shl (local.get $u) (i32.const 2)))))
          (drop (call $joint (local.get $k0) (local.get $k1) (local.get $stride) (local.get $item) (local.get $resp)
            (local.get $logP) (local.get $logQ) (local.get $logW) (local.get $work)
          (local.get $J) (local.get $L) (local.get $list) (local.get $dn)))
          (local.set $m (f64x2.splat (f64.const -inf)))
          (local.set $i (i32.const 0))
          (block $d3 (loop $l3
            (br_if $d3 (i32.ge_u (local.get $i) (local.get $stride)))
            (local.set $m (f64x2.max (local.get $m) (v128.load (i32.add (local.get $work) (local.get $i)))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $l3)))
          (local.set $mx (f64.max (f64x2.extract_lane 0 (local.get $m)) (f64x2.extract_lane 1 (local.get $m))))
          ;; e = exp(l - max) and their sum, then the sum of e x
          (local.set $s1 (f64x2.splat (f64.const 0)))
          (local.set $sum (call $expRow (local.get $work) (local.get $stride) (local.get $mx)))
          (local.set $i (i32.const 0))
          (block $d4 (loop $l4
            (br_if $d4 (i32.ge_u (local.get $i) (local.get $stride)))
            (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (v128.load (i32.add (local.get $work) (local.get $i))) (v128.load (i32.add (local.get $nodes) (local.get $i))))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $l4)))
          (local.set $mean (f64.div (f64.add (f64x2.extract_lane 0 (local.get $s1)) (f64x2.extract_lane 1 (local.get $s1))) (local.get $sum)))
          ;; second pass: sum of e (x - mean)^2
          (local.set $s1 (f64x2.splat (f64.const 0)))
          (local.set $m (f64x2.splat (local.get $mean)))
          (local.set $i (i32.const 0))
          (block $d5 (loop $l5
            (br_if $d5 (i32.ge_u (local.get $i) (local.get $stride)))
            (local.set $x (f64x2.sub (v128.load (i32.add (local.get $nodes) (local.get $i))) (local.get $m)))
            (local.set $s1 (f64x2.add (local.get $s1)
              (f64x2.mul (v128.load (i32.add (local.get $work) (local.get $i))) (f64x2.mul (local.get $x) (local.get $x)))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $l5)))
          (local.set $o (i32.shl (i32.sub (local.get $u) (local.get $u0)) (i32.const 3)))
          (f64.store (i32.add (local.get $outMean) (local.get $o)) (local.get $mean))
          (f64.store (i32.add (local.get $outSd) (local.get $o))
            (f64.sqrt (f64.div (f64.add (f64x2.extract_lane 0 (local.get $s1)) (f64x2.extract_lane 1 (local.get $s1))) (local.get $sum))))
          (local.set $u (i32.add (local.get $u) (i32.const 1)))
          (br $users))))
  ;; Item fit's mean squares (itemfit-meansquares.ts): per user the posterior e = exp(l - max) as
  ;; in the E-step, then per answer its leave-one-out predictive probability
  ;; p* = sum e F / sum e G with (F, G) = (1, 1/P) for a right answer, (P/Q, 1/Q) for a wrong
  ;; one (tables invP, PoverQ, invQ: item-major, stride as the log tables, padding 0), and the
  ;; item's six sums (48 bytes per item at $sums): answers, (x-p)^2/W, (x-p)^2, W, C/W^2, C-W^2
  ;; with p clamped into [1e-10, 1 - 1e-10], W = p(1-p), C = W((1-p)^3 + p^3).
  (func (export "squares")
      (param $u0 i32) (param $u1 i32) (param $nq2 i32)
      (param $ptr i32) (param $item i32) (param $resp i32)
      (param $logP i32) (param $logQ i32) (param $logW i32)
      (param $invP i32) (param $PoverQ i32) (param $invQ i32) (param $sums i32) (param $work i32)
      (param $J i32) (param $L i32) (param $list i32) (param $dn i32)
      (local $u i32) (local $k i32) (local $k0 i32) (local $k1 i32) (local $i i32)
      (local $stride i32) (local $t i32) (local $f i32) (local $g i32) (local $o i32) (local $x i32)
      (local $m v128) (local $e v128) (local $vf v128) (local $vg v128)
      (local $mx f64) (local $sumE f64) (local $num f64) (local $den f64)
      (local $p f64) (local $q f64) (local $w f64) (local $c f64) (local $r f64)
      (local.set $stride (i32.shl (local.get $nq2) (i32.const 4)))
      (local.set $u (local.get $u0))
      (block $users_done
        (loop $users
          (br_if $users_done (i32.ge_u (local.get $u) (local.get $u1)))
          (local.set $k0 (i32.load (i32.add (local.get $ptr) (i32.shl (local.get $u) (i32.const 2)))))
          (local.set $k1 (i32.load offset=4 (i32.add (local.get $ptr) (i32.shl (local.get $u) (i32.const 2)))))
          (drop (call $joint (local.get $k0) (local.get $k1) (local.get $stride) (local.get $item) (local.get $resp)
            (local.get $logP) (local.get $logQ) (local.get $logW) (local.get $work)
            (local.get $J) (local.get $L) (local.get $list) (local.get $dn)))
          (local.set $m (f64x2.splat (f64.const -inf)))
          (local.set $i (i32.const 0))
          (block $d3 (loop $l3
            (br_if $d3 (i32.ge_u (local.get $i) (local.get $stride)))
            (local.set $m (f64x2.max (local.get $m) (v128.load (i32.add (local.get $work) (local.get $i)))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $l3)))
          (local.set $mx (f64.max (f64x2.extract_lane 0 (local.get $m)) (f64x2.extract_lane 1 (local.get $m))))
          (local.set $sumE (call $expRow (local.get $work) (local.get $stride) (local.get $mx)))
          ;; per answer: p*, then the item's sums
          (local.set $k (local.get $k0))
          (block $d6 (loop $l6
            (br_if $d6 (i32.ge_u (local.get $k) (local.get $k1)))
            (local.set $x (i32.load8_u (i32.add (local.get $resp) (local.get $k))))
            (local.set $t (i32.load (i32.add (local.get $item) (i32.shl (local.get $k) (i32.const 2)))))
            (local.set $o (i32.mul (local.get $t) (local.get $stride)))
            (local.set $f (i32.add (local.get $PoverQ) (local.get $o)))
            (local.set $g (i32.add (select (local.get $invP) (local.get $invQ) (local.get $x)) (local.get $o)))
            (local.set $vf (f64x2.splat (f64.const 0)))
            (local.set $vg (f64x2.splat (f64.const 0)))
            (local.set $i (i32.const 0))
            (if (local.get $x)
              (then
                (block $d7 (loop $l7
                  (br_if $d7 (i32.ge_u (local.get $i) (local.get $stride)))
                  (local.set $vg (f64x2.add (local.get $vg)
                    (f64x2.mul (v128.load (i32.add (local.get $work) (local.get $i))) (v128.load (i32.add (local.get $g) (local.get $i))))))
                  (local.set $i (i32.add (local.get $i) (i32.const 16)))
                  (br $l7)))
                (local.set $num (local.get $sumE)))
              (else
                (block $d8 (loop $l8
                  (br_if $d8 (i32.ge_u (local.get $i) (local.get $stride)))
                  (local.set $e (v128.load (i32.add (local.get $work) (local.get $i))))
                  (local.set $vf (f64x2.add (local.get $vf) (f64x2.mul (local.get $e) (v128.load (i32.add (local.get $f) (local.get $i))))))
                  (local.set $vg (f64x2.add (local.get $vg) (f64x2.mul (local.get $e) (v128.load (i32.add (local.get $g) (local.get $i))))))
                  (local.set $i (i32.add (local.get $i) (i32.const 16)))
                  (br $l8)))
                (local.set $num (f64.add (f64x2.extract_lane 0 (local.get $vf)) (f64x2.extract_lane 1 (local.get $vf))))))
            (local.set $den (f64.add (f64x2.extract_lane 0 (local.get $vg)) (f64x2.extract_lane 1 (local.get $vg))))
            (local.set $p (f64.min (f64.const 0.9999999999) (f64.max (f64.const 1e-10) (f64.div (local.get $num) (local.get $den)))))
            (local.set $q (f64.sub (f64.const 1) (local.get $p)))
            (local.set $w (f64.mul (local.get $p) (local.get $q)))
            (local.set $c (f64.mul (local.get $w)
              (f64.add (f64.mul (f64.mul (local.get $q) (local.get $q)) (local.get $q))
                       (f64.mul (f64.mul (local.get $p) (local.get $p)) (local.get $p)))))
            (local.set $r (f64.sub (f64.convert_i32_u (local.get $x)) (local.get $p)))
            (local.set $r (f64.mul (local.get $r) (local.get $r)))
            (local.set $o (i32.add (local.get $sums) (i32.mul (local.get $t) (i32.const 48))))
            (f64.store offset=0 (local.get $o) (f64.add (f64.load offset=0 (local.get $o)) (f64.const 1)))
            (f64.store offset=8 (local.get $o) (f64.add (f64.load offset=8 (local.get $o)) (f64.div (local.get $r) (local.get $w))))
            (f64.store offset=16 (local.get $o) (f64.add (f64.load offset=16 (local.get $o)) (local.get $r)))
            (f64.store offset=24 (local.get $o) (f64.add (f64.load offset=24 (local.get $o)) (local.get $w)))
            (f64.store offset=32 (local.get $o) (f64.add (f64.load offset=32 (local.get $o))
              (f64.div (local.get $c) (f64.mul (local.get $w) (local.get $w)))))
            (f64.store offset=40 (local.get $o) (f64.add (f64.load offset=40 (local.get $o))
              (f64.sub (local.get $c) (f64.mul (local.get $w) (local.get $w)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $l6)))
          (local.set $u (i32.add (local.get $u) (i32.const 1)))
          (br $users))))
  ;; Chernoff's bound on P(S = s) for S a sum of K Bernoullis with mean rate pbar
  ;; (itemfit-sumscore.ts's chernoffBound, 0 < s < K).
  (func $chernoff (param $s f64) (param $K f64) (param $pbar f64) (result f64)
    (local $x f64) (local $kl f64)
    (local.set $x (f64.div (local.get $s) (local.get $K)))
    (if (f64.eq (local.get $x) (local.get $pbar)) (then (return (f64.const 1))))
    (local.set $kl
      (f64.add
        (select
          (f64.mul (local.get $x) (call $mathLog (f64.div (local.get $x) (local.get $pbar))))
          (f64.const 0)
          (f64.gt (local.get $x) (f64.const 0)))
        (select
          (f64.mul (f64.sub (f64.const 1) (local.get $x))
            (call $mathLog (f64.div (f64.sub (f64.const 1) (local.get $x)) (f64.sub (f64.const 1) (local.get $pbar)))))
          (f64.const 0)
          (f64.lt (local.get $x) (f64.const 1)))))
    (call $mathExp (f64.mul (f64.neg (local.get $K)) (local.get $kl))))

  ;; Item fit's sum-score pass (itemfit-sumscore.ts's sumScoreExpectations, the same operations in
  ;; the same order) for the learners sel[i], i in [i0, i1): expectations into eSum at selPtr[i],
  ;; the summed-score EAP into theta[i] (NaN: all right or all wrong). Tables P, Q, 1/P, 1/Q
  ;; item-major with $rowBytes per item; nodes and w of $nq nodes; per thread L ($nq rows of
  ;; K + 1) and bound ($nq).
  (func (export "sumscore")
      (param $i0 i32) (param $i1 i32) (param $nq i32) (param $rowBytes i32)
      (param $ptr i32) (param $item i32) (param $resp i32)
      (param $P i32) (param $Q i32) (param $invP i32) (param $invQ i32) (param $nodes i32) (param $w i32)
      (param $sel i32) (param $selPtr i32) (param $eSum i32) (param $theta i32) (param $L i32) (param $bound i32)
      (local $i i32) (local $u i32) (local $k0 i32) (local $k1 i32) (local $K i32) (local $s i32)
      (local $k i32) (local $q i32) (local $best i32) (local $step i32) (local $o i32) (local $m i32)
      (local $r i32) (local $n i32) (local $t i32) (local $e i32) (local $c i32) (local $dir i32)
      (local $mu f64) (local $b f64) (local $den f64) (local $num f64) (local $top f64) (local $v f64)
      (local $p f64) (local $qq f64) (local $hi f64) (local $lo f64) (local $x f64) (local $inv f64) (local $cf f64)
      (local $wq f64) (local $cut f64)
      (local.set $i (local.get $i0))
      (block $learners_done (loop $learners
        (br_if $learners_done (i32.ge_u (local.get $i) (local.get $i1)))
        (local.set $u (i32.load (i32.add (local.get $sel) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $k0 (i32.load (i32.add (local.get $ptr) (i32.shl (local.get $u) (i32.const 2)))))
        (local.set $k1 (i32.load offset=4 (i32.add (local.get $ptr) (i32.shl (local.get $u) (i32.const 2)))))
        (local.set $K (i32.sub (local.get $k1) (local.get $k0)))
        ;; $e: byte address of the learner's first expectation
        (local.set $e (i32.add (local.get $eSum)
          (i32.shl (i32.load (i32.add (local.get $selPtr) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 3))))
        (local.set $s (i32.const 0))
        (local.set $k (local.get $k0))
        (block $d0 (loop $l0
          (br_if $d0 (i32.ge_u (local.get $k) (local.get $k1)))
          (local.set $s (i32.add (local.get $s) (i32.load8_u (i32.add (local.get $resp) (local.get $k)))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $l0)))
        (block $informative
          (br_if $informative (i32.and (i32.ne (local.get $s) (i32.const 0)) (i32.ne (local.get $s) (local.get $K))))
          ;; all right or all wrong: e = x, theta NaN
          (local.set $k (local.get $k0))
          (block $d1 (loop $l1
            (br_if $d1 (i32.ge_u (local.get $k) (local.get $k1)))
            (f64.store (i32.add (local.get $e) (i32.shl (i32.sub (local.get $k) (local.get $k0)) (i32.const 3)))
              (f64.convert_i32_u (i32.load8_u (i32.add (local.get $resp) (local.get $k)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $l1)))
          (f64.store (i32.add (local.get $theta) (i32.shl (local.get $i) (i32.const 3))) (f64.const nan))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $learners))
        ;; Chernoff bounds times w, and the node with the largest
        (local.set $best (i32.const 0))
        (local.set $q (i32.const 0))
        (block $d2 (loop $l2
          (br_if $d2 (i32.ge_u (local.get $q) (local.get $nq)))
          (local.set $mu (f64.const 0))
          (local.set $k (local.get $k0))
          (block $d3 (loop $l3
            (br_if $d3 (i32.ge_u (local.get $k) (local.get $k1)))
            (local.set $mu (f64.add (local.get $mu) (f64.load (i32.add (local.get $P)
              (i32.add (i32.mul (i32.load (i32.add (local.get $item) (i32.shl (local.get $k) (i32.const 2)))) (local.get $rowBytes))
                       (i32.shl (local.get $q) (i32.const 3)))))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $l3)))
          (local.set $b (f64.mul
            (call $chernoff (f64.convert_i32_u (local.get $s)) (f64.convert_i32_u (local.get $K))
              (f64.div (local.get $mu) (f64.convert_i32_u (local.get $K))))
            (f64.load (i32.add (local.get $w) (i32.shl (local.get $q) (i32.const 3))))))
          (f64.store (i32.add (local.get $bound) (i32.shl (local.get $q) (i32.const 3))) (local.get $b))
          (if (f64.gt (local.get $b) (f64.load (i32.add (local.get $bound) (i32.shl (local.get $best) (i32.const 3)))))
            (then (local.set $best (local.get $q))))
          (local.set $q (i32.add (local.get $q) (i32.const 1)))
          (br $l2)))
        ;; Lord-Wingersky node by node, the best node first; L row q at $L + 8 q (K + 1)
        (local.set $den (f64.const 0))
        (local.set $num (f64.const 0))
        (local.set $top (f64.const 0))
        (local.set $step (i32.const 0))
        (block $d4 (loop $l4
          (br_if $d4 (i32.gt_u (local.get $step) (local.get $nq)))
          (block $next
            (local.set $q (select (local.get $best) (i32.sub (local.get $step) (i32.const 1)) (i32.eqz (local.get $step))))
            (br_if $next (i32.and (i32.ne (local.get $step) (i32.const 0)) (i32.eq (local.get $q) (local.get $best))))
            (local.set $o (i32.add (local.get $L) (i32.shl (i32.mul (local.get $q) (i32.add (local.get $K) (i32.const 1))) (i32.const 3))))
            (if (f64.lt (f64.load (i32.add (local.get $bound) (i32.shl (local.get $q) (i32.const 3))))
                        (f64.mul (f64.const 1e-13) (local.get $top)))
              (then
                (f64.store (i32.add (local.get $o) (i32.shl (local.get $s) (i32.const 3))) (f64.const 0))
                (br $next)))
            (f64.store (local.get $o) (f64.const 1))
            (local.set $m (i32.const 0))
            (block $d5 (loop $l5
              (br_if $d5 (i32.ge_u (local.get $m) (local.get $K)))
              (local.set $t (i32.add
                (i32.mul (i32.load (i32.add (local.get $item) (i32.shl (i32.add (local.get $k0) (local.get $m)) (i32.const 2)))) (local.get $rowBytes))
                (i32.shl (local.get $q) (i32.const 3))))
              (local.set $p (f64.load (i32.add (local.get $P) (local.get $t))))
              (local.set $qq (f64.load (i32.add (local.get $Q) (local.get $t))))
              ;; $r: byte address of L_m; L_{m+1} = L_m P, then L_r = L_r Q + L_{r-1} P downwards
              (local.set $r (i32.add (local.get $o) (i32.shl (local.get $m) (i32.const 3))))
              (local.set $hi (f64.load (local.get $r)))
              (f64.store offset=8 (local.get $r) (f64.mul (local.get $hi) (local.get $p)))
              (block $d6 (loop $l6
                (br_if $d6 (i32.le_u (local.get $r) (local.get $o)))
                (local.set $lo (f64.load (i32.sub (local.get $r) (i32.const 8))))
                (f64.store (local.get $r) (f64.add (f64.mul (local.get $hi) (local.get $qq)) (f64.mul (local.get $lo) (local.get $p))))
                (local.set $hi (local.get $lo))
                (local.set $r (i32.sub (local.get $r) (i32.const 8)))
                (br $l6)))
              (f64.store (local.get $o) (f64.mul (local.get $hi) (local.get $qq)))
              (local.set $m (i32.add (local.get $m) (i32.const 1)))
              (br $l5)))
            (local.set $v (f64.mul (f64.load (i32.add (local.get $o) (i32.shl (local.get $s) (i32.const 3))))
                                   (f64.load (i32.add (local.get $w) (i32.shl (local.get $q) (i32.const 3))))))
            (local.set $den (f64.add (local.get $den) (local.get $v)))
            (local.set $num (f64.add (local.get $num)
              (f64.mul (local.get $v) (f64.load (i32.add (local.get $nodes) (i32.shl (local.get $q) (i32.const 3)))))))
            (if (f64.gt (local.get $v) (local.get $top)) (then (local.set $top (local.get $v)))))
          (local.set $step (i32.add (local.get $step) (i32.const 1)))
          (br $l4)))
        ;; expectations: each answer left out of L at every node that counts
        (local.set $k (local.get $k0))
        (block $d7 (loop $l7
          (br_if $d7 (i32.ge_u (local.get $k) (local.get $k1)))
          (f64.store (i32.add (local.get $e) (i32.shl (i32.sub (local.get $k) (local.get $k0)) (i32.const 3))) (f64.const 0))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $l7)))
        (local.set $cut (f64.mul (f64.const 1e-13) (local.get $top)))
        (local.set $q (i32.const 0))
        (block $d8 (loop $l8
          (br_if $d8 (i32.ge_u (local.get $q) (local.get $nq)))
          (block $skip
            (local.set $o (i32.add (local.get $L) (i32.shl (i32.mul (local.get $q) (i32.add (local.get $K) (i32.const 1))) (i32.const 3))))
            (local.set $wq (f64.load (i32.add (local.get $w) (i32.shl (local.get $q) (i32.const 3)))))
            (br_if $skip (f64.lt (f64.mul (f64.load (i32.add (local.get $o) (i32.shl (local.get $s) (i32.const 3)))) (local.get $wq))
                                 (local.get $cut)))
            (local.set $k (local.get $k0))
            (block $d9 (loop $l9
              (br_if $d9 (i32.ge_u (local.get $k) (local.get $k1)))
              (local.set $t (i32.add
                (i32.mul (i32.load (i32.add (local.get $item) (i32.shl (local.get $k) (i32.const 2)))) (local.get $rowBytes))
                (i32.shl (local.get $q) (i32.const 3))))
              (local.set $p (f64.load (i32.add (local.get $P) (local.get $t))))
              (if (f64.le (local.get $p) (f64.const 0.5))
                (then
                  ;; upwards: r = L_0 / Q, r = (L_m - r P) / Q for m = 1..s-1
                  (local.set $cf (local.get $p))
                  (local.set $inv (f64.load (i32.add (local.get $invQ) (local.get $t))))
                  (local.set $r (i32.add (local.get $o) (i32.const 8)))
                  (local.set $x (f64.mul (f64.load (local.get $o)) (local.get $inv)))
                  (local.set $n (i32.sub (local.get $s) (i32.const 1)))
                  (local.set $dir (i32.const 8)))
                (else
                  ;; downwards: r = L_K / P, r = (L_m - r Q) / P for m = K-1..s
                  (local.set $cf (f64.load (i32.add (local.get $Q) (local.get $t))))
                  (local.set $inv (f64.load (i32.add (local.get $invP) (local.get $t))))
                  (local.set $r (i32.add (local.get $o) (i32.shl (i32.sub (local.get $K) (i32.const 1)) (i32.const 3))))
                  (local.set $x (f64.mul (f64.load offset=8 (local.get $r)) (local.get $inv)))
                  (local.set $n (i32.sub (local.get $K) (local.get $s)))
                  (local.set $dir (i32.const -8))))
              (block $d10 (loop $l10
                (br_if $d10 (i32.le_s (local.get $n) (i32.const 0)))
                (local.set $x (f64.mul (f64.sub (f64.load (local.get $r)) (f64.mul (local.get $x) (local.get $cf))) (local.get $inv)))
                (local.set $r (i32.add (local.get $r) (local.get $dir)))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br $l10)))
              (if (f64.gt (local.get $x) (f64.const 0))
                (then
                  (local.set $c (i32.add (local.get $e) (i32.shl (i32.sub (local.get $k) (local.get $k0)) (i32.const 3))))
                  (f64.store (local.get $c)
                    (f64.add (f64.load (local.get $c)) (f64.mul (f64.mul (local.get $x) (local.get $p)) (local.get $wq))))))
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br $l9))))
          (local.set $q (i32.add (local.get $q) (i32.const 1)))
          (br $l8)))
        (local.set $k (local.get $k0))
        (block $d11 (loop $l11
          (br_if $d11 (i32.ge_u (local.get $k) (local.get $k1)))
          (local.set $c (i32.add (local.get $e) (i32.shl (i32.sub (local.get $k) (local.get $k0)) (i32.const 3))))
          (f64.store (local.get $c) (f64.min (f64.const 1) (f64.div (f64.load (local.get $c)) (local.get $den))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $l11)))
        (f64.store (i32.add (local.get $theta) (i32.shl (local.get $i) (i32.const 3))) (f64.div (local.get $num) (local.get $den)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $learners))))
  )
