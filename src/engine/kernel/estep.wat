;; E-step kernel in WebAssembly SIMD (two f64 lanes): the same arithmetic as estep.ts's
;; eStepRange, in log space, on tables laid out with a stride of nq2 node pairs per item.
;; Padding nodes carry log w = -inf and get a posterior of 0.
;; Per user it stores the maximum log joint (outMax) and the sum of exp(l - max) (outSum),
;; so the caller adds logLik = sum(max + log(sum)) without a log in WebAssembly.
;; exp is computed here: x = k ln2 + r, |r| <= ln2/2, Taylor to r^13 (error < 1e-17), times 2^k.
(module
  (import "env" "memory" (memory 1 65536 shared))

  (func $exp (param $x v128) (result v128)
    (local $k v128) (local $r v128) (local $p v128)
    ;; clamp: exp(-708) ~ 3e-308 stands for 0 (padding nodes, hopeless nodes)
    (local.set $x (f64x2.max (local.get $x) (f64x2.splat (f64.const -708))))
    (local.set $k (f64x2.nearest (f64x2.mul (local.get $x) (f64x2.splat (f64.const 1.4426950408889634)))))
    (local.set $r (f64x2.sub (local.get $x) (f64x2.mul (local.get $k) (f64x2.splat (f64.const 0.6931471803691238)))))
    (local.set $r (f64x2.sub (local.get $r) (f64x2.mul (local.get $k) (f64x2.splat (f64.const 1.9082149292705877e-10)))))
    (local.set $p (f64x2.splat (f64.const 1.6059043836821613e-10)))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 2.08767569878681e-9))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 2.505210838544172e-8))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 2.755731922398589e-7))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 2.7557319223985893e-6))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 2.48015873015873e-5))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 1.984126984126984e-4))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 1.388888888888889e-3))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 8.333333333333333e-3))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 4.1666666666666664e-2))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 0.16666666666666666))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 0.5))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 1))))
    (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (f64x2.splat (f64.const 1))))
    ;; 2^k from the exponent bits: ((k + 1023) << 52)
    (f64x2.mul (local.get $p)
      (i64x2.shl
        (i64x2.add (i64x2.extend_low_i32x4_s (i32x4.trunc_sat_f64x2_s_zero (local.get $k))) (i64x2.splat (i64.const 1023)))
        (i32.const 52))))

  (func (export "estep")
    (param $u0 i32) (param $u1 i32) (param $nq2 i32)
    (param $ptr i32) (param $item i32) (param $resp i32)
    (param $logP i32) (param $logQ i32) (param $logW i32)
    (param $r0 i32) (param $r1 i32) (param $nodeN i32) (param $work i32)
    (param $outMax i32) (param $outSum i32)
    (local $u i32) (local $k i32) (local $k0 i32) (local $k1 i32) (local $i i32)
    (local $stride i32) (local $end i32) (local $t i32) (local $a i32)
    (local $m v128) (local $s v128) (local $e v128) (local $inv v128)
    (local $mx f64) (local $sum f64)
    (local.set $stride (i32.shl (local.get $nq2) (i32.const 4)))
    (local.set $end (i32.add (local.get $work) (local.get $stride)))
    (local.set $u (local.get $u0))
    (block $users_done
      (loop $users
        (br_if $users_done (i32.ge_u (local.get $u) (local.get $u1)))
        (local.set $k0 (i32.load (i32.add (local.get $ptr) (i32.shl (local.get $u) (i32.const 2)))))
        (local.set $k1 (i32.load offset=4 (i32.add (local.get $ptr) (i32.shl (local.get $u) (i32.const 2)))))
        ;; l = log w
        (local.set $i (i32.const 0))
        (block $d0 (loop $l0
          (br_if $d0 (i32.ge_u (local.get $i) (local.get $stride)))
          (v128.store (i32.add (local.get $work) (local.get $i)) (v128.load (i32.add (local.get $logW) (local.get $i))))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br $l0)))
        ;; l += log P or log(1 - P) of each answer
        (local.set $k (local.get $k0))
        (block $d1 (loop $l1
          (br_if $d1 (i32.ge_u (local.get $k) (local.get $k1)))
          (local.set $t
            (i32.add
              (select (local.get $logP) (local.get $logQ) (i32.load8_u (i32.add (local.get $resp) (local.get $k))))
              (i32.mul (i32.load (i32.add (local.get $item) (i32.shl (local.get $k) (i32.const 2)))) (local.get $stride))))
          (local.set $i (i32.const 0))
          (block $d2 (loop $l2
            (br_if $d2 (i32.ge_u (local.get $i) (local.get $stride)))
            (v128.store (i32.add (local.get $work) (local.get $i))
              (f64x2.add (v128.load (i32.add (local.get $work) (local.get $i))) (v128.load (i32.add (local.get $t) (local.get $i)))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $l2)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $l1)))
        ;; max
        (local.set $m (f64x2.splat (f64.const -inf)))
        (local.set $i (i32.const 0))
        (block $d3 (loop $l3
          (br_if $d3 (i32.ge_u (local.get $i) (local.get $stride)))
          (local.set $m (f64x2.max (local.get $m) (v128.load (i32.add (local.get $work) (local.get $i)))))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br $l3)))
        (local.set $mx (f64.max (f64x2.extract_lane 0 (local.get $m)) (f64x2.extract_lane 1 (local.get $m))))
        ;; e = exp(l - max), sum
        (local.set $s (f64x2.splat (f64.const 0)))
        (local.set $m (f64x2.splat (local.get $mx)))
        (local.set $i (i32.const 0))
        (block $d4 (loop $l4
          (br_if $d4 (i32.ge_u (local.get $i) (local.get $stride)))
          (local.set $e (call $exp (f64x2.sub (v128.load (i32.add (local.get $work) (local.get $i))) (local.get $m))))
          (v128.store (i32.add (local.get $work) (local.get $i)) (local.get $e))
          (local.set $s (f64x2.add (local.get $s) (local.get $e)))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br $l4)))
        (local.set $sum (f64.add (f64x2.extract_lane 0 (local.get $s)) (f64x2.extract_lane 1 (local.get $s))))
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
        ;; expected counts: r1 or r0 of each answered item += posterior
        (local.set $k (local.get $k0))
        (block $d6 (loop $l6
          (br_if $d6 (i32.ge_u (local.get $k) (local.get $k1)))
          (local.set $a
            (i32.add
              (select (local.get $r1) (local.get $r0) (i32.load8_u (i32.add (local.get $resp) (local.get $k))))
              (i32.mul (i32.load (i32.add (local.get $item) (i32.shl (local.get $k) (i32.const 2)))) (local.get $stride))))
          (local.set $i (i32.const 0))
          (block $d7 (loop $l7
            (br_if $d7 (i32.ge_u (local.get $i) (local.get $stride)))
            (v128.store (i32.add (local.get $a) (local.get $i))
              (f64x2.add (v128.load (i32.add (local.get $a) (local.get $i))) (v128.load (i32.add (local.get $work) (local.get $i)))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $l7)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $l6)))
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
      (local $u i32) (local $k i32) (local $k0 i32) (local $k1 i32) (local $i i32)
      (local $stride i32) (local $t i32) (local $b i32) (local $o i32) (local $j i32)
      (local $m v128) (local $s v128) (local $e v128) (local $v0 v128) (local $v1 v128) (local $v2 v128)
      (local $mx f64) (local $inv f64) (local $m0 f64) (local $m1 f64) (local $m2 f64)
      (local.set $stride (i32.shl (local.get $nq2) (i32.const 4)))
      (local.set $u (local.get $u0))
      (block $users_done
        (loop $users
          (br_if $users_done (i32.ge_u (local.get $u) (local.get $u1)))
          (local.set $k0 (i32.load (i32.add (local.get $ptr) (i32.shl (local.get $u) (i32.const 2)))))
          (local.set $k1 (i32.load offset=4 (i32.add (local.get $ptr) (i32.shl (local.get $u) (i32.const 2)))))
          (local.set $i (i32.const 0))
          (block $d0 (loop $l0
            (br_if $d0 (i32.ge_u (local.get $i) (local.get $stride)))
            (v128.store (i32.add (local.get $work) (local.get $i)) (v128.load (i32.add (local.get $logW) (local.get $i))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $l0)))
          (local.set $k (local.get $k0))
          (block $d1 (loop $l1
            (br_if $d1 (i32.ge_u (local.get $k) (local.get $k1)))
            (local.set $t
              (i32.add
                (select (local.get $logP) (local.get $logQ) (i32.load8_u (i32.add (local.get $resp) (local.get $k))))
                (i32.mul (i32.load (i32.add (local.get $item) (i32.shl (local.get $k) (i32.const 2)))) (local.get $stride))))
            (local.set $i (i32.const 0))
            (block $d2 (loop $l2
              (br_if $d2 (i32.ge_u (local.get $i) (local.get $stride)))
              (v128.store (i32.add (local.get $work) (local.get $i))
                (f64x2.add (v128.load (i32.add (local.get $work) (local.get $i))) (v128.load (i32.add (local.get $t) (local.get $i)))))
              (local.set $i (i32.add (local.get $i) (i32.const 16)))
              (br $l2)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $l1)))
          (local.set $m (f64x2.splat (f64.const -inf)))
          (local.set $i (i32.const 0))
          (block $d3 (loop $l3
            (br_if $d3 (i32.ge_u (local.get $i) (local.get $stride)))
            (local.set $m (f64x2.max (local.get $m) (v128.load (i32.add (local.get $work) (local.get $i)))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $l3)))
          (local.set $mx (f64.max (f64x2.extract_lane 0 (local.get $m)) (f64x2.extract_lane 1 (local.get $m))))
          (local.set $s (f64x2.splat (f64.const 0)))
          (local.set $m (f64x2.splat (local.get $mx)))
          (local.set $i (i32.const 0))
          (block $d4 (loop $l4
            (br_if $d4 (i32.ge_u (local.get $i) (local.get $stride)))
            (local.set $e (call $exp (f64x2.sub (v128.load (i32.add (local.get $work) (local.get $i))) (local.get $m))))
            (v128.store (i32.add (local.get $work) (local.get $i)) (local.get $e))
            (local.set $s (f64x2.add (local.get $s) (local.get $e)))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $l4)))
          (local.set $inv (f64.div (f64.const 1)
            (f64.add (f64x2.extract_lane 0 (local.get $s)) (f64x2.extract_lane 1 (local.get $s)))))
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
  )
