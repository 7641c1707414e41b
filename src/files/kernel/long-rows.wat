;; The common row of the long layout read in one pass (csv-long-rows.ts): fields scanned by
;; their role, ids scanned 16 bytes at a time (v128), hashed 8 bytes at a time ($hash) and
;; interned in open-addressing tables held in this memory, the answer a 0/1 byte, the ISO-8601
;; stamp read exactly as iso-time.ts's isoEnd reads it (its two common forms 16 bytes at once). A row is taken only when it is read exactly as the general path would read
;; it; anything else stops the pass before that row, which the JavaScript lexer then reads.
;;
;; Memory is laid out by the JavaScript side (long-rows-memory.ts). The control block at 0 (i32):
;;   id table k (users k = 0 at 0, items k = 1 at 32), at 32k:
;;     +0 slots (u32: index + 1, 0 empty)  +4 mask  +8 keys (12 bytes each: arena offset, length,
;;     hash; length -1: an id numbered without bytes)  +12 key capacity  +16 ids
;;     +20 arena  +24 arena capacity  +28 arena bytes used
;;   64 end of the last row read   68 why the pass stopped (0: a row it does not take, or the
;;   end of the bytes; 1: the outputs are full; 2: a table needs room)   72 bytes of the id that
;;   needs arena room   76 rows read with a time stamp
;;   80 out users (i32)  84 out items (i32)  88 out answers (u8)  92 out times (f64)  96 rows
;;   of room in the outputs   100 user field  104 item field  108 answer field  112 time field
;;   (-1: none)  116 last field of a row
;; At 128, 16 bytes of 0xff then 16 zeros (the module's data): the 16 bytes at 144 - k keep the
;; first k lanes of a vector they are and'ed with.
(module
  (memory (export "memory") 1)
  (data (i32.const 128) "\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff")
  ;; The stamp read by $iso, in epoch milliseconds.
  (global $ms (mut i64) (i64.const 0))
  ;; The date of the previous stamp (y * 10000 + m * 100 + d) and its day number: a file's
  ;; stamps mostly share their day with the one before.
  (global $lastKey (mut i32) (i32.const -1))
  (global $lastDays (mut i32) (i32.const 0))
  ;; The ten bytes of the last date read, when one was (as an i64 and the last two bytes).
  (global $haveDate (mut i32) (i32.const 0))
  (global $dateHead (mut i64) (i64.const 0))
  (global $dateTail (mut i32) (i32.const 0))

  ;; Two digits at i as a number, -1 if either is not a digit.
  (func $two (param $i i32) (result i32)
    (local $h i32) (local $l i32)
    (local.set $h (i32.sub (i32.load8_u (local.get $i)) (i32.const 48)))
    (local.set $l (i32.sub (i32.load8_u offset=1 (local.get $i)) (i32.const 48)))
    ;; As unsigned, a byte below '0' is above 9 as well.
    (if (result i32)
      (i32.or (i32.gt_u (local.get $h) (i32.const 9)) (i32.gt_u (local.get $l) (i32.const 9)))
      (then (i32.const -1))
      (else (i32.add (i32.mul (local.get $h) (i32.const 10)) (local.get $l)))))

  (func $isDigit (param $c i32) (result i32)
    (i32.le_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 9)))

  ;; Days since 1970-01-01 of the date YYYY-MM-DD at s, or -1e9 when it is not a date (proleptic
  ;; Gregorian; days_from_civil of Howard Hinnant, floor division written out for yy = -1).
  (func $days (param $s i32) (result i32)
    (local $c i32) (local $yr i32) (local $mo i32) (local $d i32) (local $y i32) (local $key i32)
    (local $yy i32) (local $era i32) (local $yoe i32) (local $doy i32) (local $days i32)
    (if (i32.or (i32.ne (i32.load8_u offset=4 (local.get $s)) (i32.const 45))
                (i32.ne (i32.load8_u offset=7 (local.get $s)) (i32.const 45)))
      (then (return (i32.const -1000000000))))
    (local.set $c (call $two (local.get $s)))
    (local.set $yr (call $two (i32.add (local.get $s) (i32.const 2))))
    (local.set $mo (call $two (i32.add (local.get $s) (i32.const 5))))
    (local.set $d (call $two (i32.add (local.get $s) (i32.const 8))))
    (if (i32.lt_s (i32.or (i32.or (local.get $c) (local.get $yr)) (i32.or (local.get $mo) (local.get $d)))
                  (i32.const 0))
      (then (return (i32.const -1000000000))))
    (local.set $y (i32.add (i32.mul (local.get $c) (i32.const 100)) (local.get $yr)))
    (local.set $key (i32.add (i32.mul (local.get $y) (i32.const 10000))
                             (i32.add (i32.mul (local.get $mo) (i32.const 100)) (local.get $d))))
    (if (i32.eq (local.get $key) (global.get $lastKey)) (then (return (global.get $lastDays))))
    (if (i32.or (i32.or (i32.lt_s (local.get $mo) (i32.const 1)) (i32.gt_s (local.get $mo) (i32.const 12)))
                (i32.lt_s (local.get $d) (i32.const 1)))
      (then (return (i32.const -1000000000))))
    ;; Days in month m: 29 for February (leap years checked below), else 30 + ((m + m / 8) & 1).
    (if (i32.gt_s (local.get $d)
          (if (result i32) (i32.eq (local.get $mo) (i32.const 2))
            (then (i32.const 29))
            (else (i32.add (i32.const 30)
                    (i32.and (i32.add (local.get $mo) (i32.shr_u (local.get $mo) (i32.const 3))) (i32.const 1))))))
      (then (return (i32.const -1000000000))))
    (if (i32.and (i32.and (i32.eq (local.get $mo) (i32.const 2)) (i32.eq (local.get $d) (i32.const 29)))
          (i32.or (i32.ne (i32.rem_u (local.get $y) (i32.const 4)) (i32.const 0))
                  (i32.and (i32.eqz (i32.rem_u (local.get $y) (i32.const 100)))
                           (i32.ne (i32.rem_u (local.get $y) (i32.const 400)) (i32.const 0)))))
      (then (return (i32.const -1000000000))))
    (local.set $yy (i32.sub (local.get $y) (i32.le_u (local.get $mo) (i32.const 2))))
    (local.set $era (i32.div_s
      (select (local.get $yy) (i32.sub (local.get $yy) (i32.const 399)) (i32.ge_s (local.get $yy) (i32.const 0)))
      (i32.const 400)))
    (local.set $yoe (i32.sub (local.get $yy) (i32.mul (local.get $era) (i32.const 400))))
    (local.set $doy (i32.add
      (i32.div_u (i32.add (i32.mul (i32.const 153)
                                   (i32.add (local.get $mo)
                                            (select (i32.const -3) (i32.const 9) (i32.gt_u (local.get $mo) (i32.const 2)))))
                          (i32.const 2))
                 (i32.const 5))
      (i32.sub (local.get $d) (i32.const 1))))
    (local.set $days (i32.sub
      (i32.add (i32.mul (local.get $era) (i32.const 146097))
               (i32.add (i32.sub (i32.add (i32.mul (local.get $yoe) (i32.const 365))
                                          (i32.div_u (local.get $yoe) (i32.const 4)))
                                 (i32.div_u (local.get $yoe) (i32.const 100)))
                        (local.get $doy)))
      (i32.const 719468)))
    (global.set $lastKey (local.get $key))
    (global.set $lastDays (local.get $days))
    (local.get $days))

  ;; isoEnd of iso-time.ts: the end of the longest accepted stamp starting at s and ending by e
  ;; (its time in $ms), or -1. Every read is below e, as there. e is the end of the bytes, not
  ;; of the field: the caller checks that the field ends where the stamp does. No byte of a
  ;; stamp ends a field (a line end, `;` or a tab) but the decimal comma, so a comma is not read
  ;; as one when it is the delimiter d: the field, and so the stamp, ends there.
  (func $iso (param $s i32) (param $e i32) (param $d i32) (result i32)
    (local $days i32) (local $ms i64) (local $i i32) (local $c i32) (local $hh i32) (local $mm i32)
    (local $ss i32) (local $lo i32) (local $j i32) (local $oh i32) (local $om i32) (local $colon i32) (local $z i64)
    (if (i32.lt_s (i32.sub (local.get $e) (local.get $s)) (i32.const 10)) (then (return (i32.const -1))))
    ;; The same ten bytes as the last date read (which was valid): the same day.
    (if (i32.and (global.get $haveDate)
          (i32.and (i64.eq (i64.load (local.get $s)) (global.get $dateHead))
                   (i32.eq (i32.load16_u offset=8 (local.get $s)) (global.get $dateTail))))
      (then (local.set $days (global.get $lastDays)))
      (else
        (local.set $days (call $days (local.get $s)))
        (if (i32.ne (local.get $days) (i32.const -1000000000))
          (then
            (global.set $haveDate (i32.const 1))
            (global.set $dateHead (i64.load (local.get $s)))
            (global.set $dateTail (i32.load16_u offset=8 (local.get $s)))))))
    (if (i32.eq (local.get $days) (i32.const -1000000000)) (then (return (i32.const -1))))
    (local.set $ms (i64.mul (i64.extend_i32_s (local.get $days)) (i64.const 86400000)))
    (local.set $i (i32.add (local.get $s) (i32.const 10)))
    (if (i32.lt_s (local.get $i) (local.get $e))
      (then
        (local.set $c (i32.load8_u (local.get $i)))
        ;; T, t or space, then HH:MM[:SS[.fraction]] and a zone
        (if (i32.or (i32.or (i32.eq (local.get $c) (i32.const 84)) (i32.eq (local.get $c) (i32.const 116)))
                    (i32.eq (local.get $c) (i32.const 32)))
          (then
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (if (i32.lt_s (i32.sub (local.get $e) (local.get $i)) (i32.const 5)) (then (return (i32.const -1))))
            ;; $two written out for the hours, minutes and seconds of every stamp
            (if (i32.ne (i32.load8_u offset=2 (local.get $i)) (i32.const 58)) (then (return (i32.const -1))))
            (local.set $hh (i32.sub (i32.load8_u (local.get $i)) (i32.const 48)))
            (local.set $lo (i32.sub (i32.load8_u offset=1 (local.get $i)) (i32.const 48)))
            (local.set $hh (select (i32.const -1) (i32.add (i32.mul (local.get $hh) (i32.const 10)) (local.get $lo))
              (i32.or (i32.gt_u (local.get $hh) (i32.const 9)) (i32.gt_u (local.get $lo) (i32.const 9)))))
            (local.set $mm (i32.sub (i32.load8_u offset=3 (local.get $i)) (i32.const 48)))
            (local.set $lo (i32.sub (i32.load8_u offset=4 (local.get $i)) (i32.const 48)))
            (local.set $mm (select (i32.const -1) (i32.add (i32.mul (local.get $mm) (i32.const 10)) (local.get $lo))
              (i32.or (i32.gt_u (local.get $mm) (i32.const 9)) (i32.gt_u (local.get $lo) (i32.const 9)))))
            (if (i32.or (i32.gt_u (local.get $hh) (i32.const 24)) (i32.gt_u (local.get $mm) (i32.const 59)))
              (then (return (i32.const -1))))
            (local.set $ms (i64.add (local.get $ms)
              (i64.extend_i32_s (i32.add (i32.mul (local.get $hh) (i32.const 3600000))
                                         (i32.mul (local.get $mm) (i32.const 60000))))))
            (local.set $i (i32.add (local.get $i) (i32.const 5)))
            (if (i32.and (i32.lt_s (local.get $i) (local.get $e))
                         (i32.eq (i32.load8_u (local.get $i)) (i32.const 58)))
              (then
                (if (i32.lt_s (i32.sub (local.get $e) (local.get $i)) (i32.const 3)) (then (return (i32.const -1))))
                (local.set $ss (i32.sub (i32.load8_u offset=1 (local.get $i)) (i32.const 48)))
                (local.set $lo (i32.sub (i32.load8_u offset=2 (local.get $i)) (i32.const 48)))
                (local.set $ss (select (i32.const -1) (i32.add (i32.mul (local.get $ss) (i32.const 10)) (local.get $lo))
                  (i32.or (i32.gt_u (local.get $ss) (i32.const 9)) (i32.gt_u (local.get $lo) (i32.const 9)))))
                (if (i32.gt_u (local.get $ss) (i32.const 60)) (then (return (i32.const -1))))
                (local.set $ms (i64.add (local.get $ms) (i64.extend_i32_s (i32.mul (local.get $ss) (i32.const 1000)))))
                (local.set $i (i32.add (local.get $i) (i32.const 3)))
                (if (i32.lt_s (local.get $i) (local.get $e))
                  (then
                    (local.set $c (i32.load8_u (local.get $i)))
                    (if (i32.or (i32.eq (local.get $c) (i32.const 46))
                                (i32.and (i32.eq (local.get $c) (i32.const 44)) (i32.ne (local.get $d) (i32.const 44))))
                      (then
                        ;; Fraction of a second: milliseconds kept, further digits dropped.
                        (local.set $i (i32.add (local.get $i) (i32.const 1)))
                        (local.set $j (i32.const 0))
                        (block $frac
                          (loop $digit
                            (br_if $frac (i32.ge_s (local.get $i) (local.get $e)))
                            (local.set $c (i32.sub (i32.load8_u (local.get $i)) (i32.const 48)))
                            (br_if $frac (i32.gt_u (local.get $c) (i32.const 9)))
                            (if (i32.lt_u (local.get $j) (i32.const 3))
                              (then
                                (local.set $ms (i64.add (local.get $ms) (i64.extend_i32_s
                                  (i32.mul (local.get $c)
                                    (select (i32.const 100)
                                      (select (i32.const 10) (i32.const 1) (i32.eq (local.get $j) (i32.const 1)))
                                      (i32.eqz (local.get $j)))))))))
                            (local.set $j (i32.add (local.get $j) (i32.const 1)))
                            (local.set $i (i32.add (local.get $i) (i32.const 1)))
                            (br $digit)))
                        (if (i32.eqz (local.get $j)) (then (return (i32.const -1))))))))))
            ;; The zone: nothing, Z, or an offset ±HH, ±HHMM, ±HH:MM.
            (if (i32.lt_s (local.get $i) (local.get $e))
              (then
                (local.set $c (i32.load8_u (local.get $i)))
                (if (i32.or (i32.eq (local.get $c) (i32.const 90)) (i32.eq (local.get $c) (i32.const 122)))
                  (then (local.set $i (i32.add (local.get $i) (i32.const 1))))
                  (else
                    (if (i32.or (i32.eq (local.get $c) (i32.const 43)) (i32.eq (local.get $c) (i32.const 45)))
                      (then
                        (if (i32.lt_s (i32.sub (local.get $e) (local.get $i)) (i32.const 3)) (then (return (i32.const -1))))
                        (local.set $oh (call $two (i32.add (local.get $i) (i32.const 1))))
                        (if (i32.gt_u (local.get $oh) (i32.const 18)) (then (return (i32.const -1))))
                        (local.set $i (i32.add (local.get $i) (i32.const 3)))
                        (local.set $om (i32.const 0))
                        (local.set $colon (i32.and (i32.lt_s (local.get $i) (local.get $e))
                                                   (i32.eq (i32.load8_u (local.get $i)) (i32.const 58))))
                        (if (i32.and
                              (i32.ge_s (i32.sub (local.get $e) (local.get $i)) (i32.add (i32.const 2) (local.get $colon)))
                              (i32.and (call $isDigit (i32.load8_u (i32.add (local.get $i) (local.get $colon))))
                                       (call $isDigit (i32.load8_u offset=1 (i32.add (local.get $i) (local.get $colon))))))
                          (then
                            (local.set $om (call $two (i32.add (local.get $i) (local.get $colon))))
                            (if (i32.gt_s (local.get $om) (i32.const 59)) (then (return (i32.const -1))))
                            (local.set $i (i32.add (local.get $i) (i32.add (i32.const 2) (local.get $colon)))))
                          (else (if (local.get $colon) (then (return (i32.const -1))))))
                        (local.set $z (i64.extend_i32_s (i32.add (i32.mul (local.get $oh) (i32.const 3600000))
                                                                 (i32.mul (local.get $om) (i32.const 60000)))))
                        ;; East of UTC (+) is earlier in UTC.
                        (local.set $ms (select (i64.sub (local.get $ms) (local.get $z))
                                               (i64.add (local.get $ms) (local.get $z))
                                               (i32.eq (local.get $c) (i32.const 43))))))))))))))
    (global.set $ms (local.get $ms))
    (local.get $i))

  ;; The hash of an id (kept in the tables, bucketed by its low bits): its 8-byte words, the
  ;; last one's bytes past the id zeroed, each xor'ed in and multiplied by 2^64 / phi, then
  ;; murmur3's 64-bit finaliser (a product's low bits see only the low bits of its factors).
  ;; Ids that differ only by trailing zero bytes share a hash; their lengths tell them apart.
  (func $mix (param $h i64) (result i32)
    (local.set $h (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 33))))
    (local.set $h (i64.mul (local.get $h) (i64.const 0xff51afd7ed558ccd)))
    (i32.wrap_i64 (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 33)))))

  ;; The hash of the n bytes at s, as the reader hashes an id (for ids numbered in JavaScript).
  (func (export "hash") (param $s i32) (param $n i32) (result i32)
    (local $hw i64)
    (block $tail
      (loop $word
        (br_if $tail (i32.lt_u (local.get $n) (i32.const 8)))
        (local.set $hw (i64.mul (i64.xor (local.get $hw) (i64.load (local.get $s))) (i64.const 0x9e3779b97f4a7c15)))
        (local.set $s (i32.add (local.get $s) (i32.const 8)))
        (local.set $n (i32.sub (local.get $n) (i32.const 8)))
        (br $word)))
    (if (local.get $n)
      (then
        (local.set $hw (i64.mul
          (i64.xor (local.get $hw)
                   (i64.and (i64.load (local.get $s))
                            (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (i32.shl (local.get $n) (i32.const 3))))
                                     (i64.const 1))))
          (i64.const 0x9e3779b97f4a7c15)))))
    (call $mix (local.get $hw)))

  ;; n bytes at a equal n bytes at b (16 at a time, then 8, then one at a time).
  (func $same (param $a i32) (param $b i32) (param $n i32) (result i32)
    ;; Up to 16 bytes (most ids): the 16 bytes at each compared (i8x16.eq), the low n bits of
    ;; the mask of equal bytes all set (16 bytes past an id are always in memory: the input and
    ;; the arenas are allocated with a margin).
    (if (i32.le_u (local.get $n) (i32.const 16))
      (then
        (return (i32.eqz (i32.and
          (i32.xor (i8x16.bitmask (i8x16.eq (v128.load (local.get $a)) (v128.load (local.get $b)))) (i32.const 0xffff))
          (i32.sub (i32.shl (i32.const 1) (local.get $n)) (i32.const 1)))))))
    (block $words
      (loop $lanes
        (br_if $words (i32.lt_u (local.get $n) (i32.const 16)))
        (if (i32.ne (i8x16.bitmask (i8x16.eq (v128.load (local.get $a)) (v128.load (local.get $b)))) (i32.const 0xffff))
          (then (return (i32.const 0))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (local.set $n (i32.sub (local.get $n) (i32.const 16)))
        (br $lanes)))
    (block $bytes
      (loop $words
        (br_if $bytes (i32.lt_u (local.get $n) (i32.const 8)))
        (if (i64.ne (i64.load (local.get $a)) (i64.load (local.get $b))) (then (return (i32.const 0))))
        (local.set $a (i32.add (local.get $a) (i32.const 8)))
        (local.set $b (i32.add (local.get $b) (i32.const 8)))
        (local.set $n (i32.sub (local.get $n) (i32.const 8)))
        (br $words)))
    (block $done
      (loop $byte
        (br_if $done (i32.eqz (local.get $n)))
        (if (i32.ne (i32.load8_u (local.get $a)) (i32.load8_u (local.get $b))) (then (return (i32.const 0))))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $byte)))
    (i32.const 1))

  ;; The index of the id of n bytes at s with hash h in table cb, or -1 - the empty slot where
  ;; it would go.
  (func $find (param $cb i32) (param $s i32) (param $n i32) (param $h i32) (result i32)
    (local $slots i32) (local $mask i32) (local $keys i32) (local $arena i32) (local $slot i32)
    (local $v i32) (local $k i32)
    (local.set $slots (i32.load (local.get $cb)))
    (local.set $mask (i32.load offset=4 (local.get $cb)))
    (local.set $keys (i32.load offset=8 (local.get $cb)))
    (local.set $arena (i32.load offset=20 (local.get $cb)))
    (local.set $slot (i32.and (local.get $h) (local.get $mask)))
    (loop $probe
      (local.set $v (i32.load (i32.add (local.get $slots) (i32.shl (local.get $slot) (i32.const 2)))))
      (if (i32.eqz (local.get $v)) (then (return (i32.sub (i32.const -1) (local.get $slot)))))
      (local.set $k (i32.add (local.get $keys) (i32.mul (i32.sub (local.get $v) (i32.const 1)) (i32.const 12))))
      (if (i32.and (i32.eq (i32.load offset=8 (local.get $k)) (local.get $h))
                   (i32.eq (i32.load offset=4 (local.get $k)) (local.get $n)))
        (then
          (if (if (result i32) (i32.le_u (local.get $n) (i32.const 16))
                ;; as $same, written out for the common short id (a call per row saved)
                (then (i32.eqz (i32.and
                  (i32.xor (i8x16.bitmask (i8x16.eq (v128.load (i32.add (local.get $arena) (i32.load (local.get $k))))
                                                    (v128.load (local.get $s))))
                           (i32.const 0xffff))
                  (i32.sub (i32.shl (i32.const 1) (local.get $n)) (i32.const 1)))))
                (else (call $same (i32.add (local.get $arena) (i32.load (local.get $k))) (local.get $s) (local.get $n))))
            (then (return (i32.sub (local.get $v) (i32.const 1)))))))
      (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (local.get $mask)))
      (br $probe))
    (unreachable))

  ;; A table of `mask` + 1 slots is too full for n ids: past half full, or past an eighth while
  ;; it has under 65,536 slots (the item table, looked up on every row: at half full a third of
  ;; the look-ups take a second probe, a branch mispredicted; a small table's room costs little).
  ;; long-rows-memory.ts grows a table by this same rule (exported as `full`).
  (func $full (export "full") (param $n i32) (param $mask i32) (result i32)
    (i32.gt_u (i32.shl (local.get $n) (select (i32.const 3) (i32.const 1) (i32.lt_u (local.get $mask) (i32.const 65535))))
              (local.get $mask)))

  ;; Puts every id of table cb with bytes in its (new, zeroed) slots, in index order.
  (func (export "slots") (param $cb i32)
    (local $slots i32) (local $mask i32) (local $key i32) (local $i i32) (local $ids i32) (local $slot i32)
    (local.set $slots (i32.load (local.get $cb)))
    (local.set $mask (i32.load offset=4 (local.get $cb)))
    (local.set $key (i32.load offset=8 (local.get $cb)))
    (local.set $ids (i32.load offset=16 (local.get $cb)))
    (block $done
      (loop $ids
        (br_if $done (i32.ge_u (local.get $i) (local.get $ids)))
        (if (i32.ge_s (i32.load offset=4 (local.get $key)) (i32.const 0))
          (then
            (local.set $slot (i32.and (i32.load offset=8 (local.get $key)) (local.get $mask)))
            (block $empty
              (loop $probe
                (br_if $empty (i32.eqz (i32.load (i32.add (local.get $slots) (i32.shl (local.get $slot) (i32.const 2))))))
                (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (local.get $mask)))
                (br $probe)))
            (i32.store (i32.add (local.get $slots) (i32.shl (local.get $slot) (i32.const 2)))
                       (i32.add (local.get $i) (i32.const 1)))))
        (local.set $key (i32.add (local.get $key) (i32.const 12)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $ids))))

  ;; Adds the id of n bytes at s (hash h) to table cb at the empty slot `slot`: its index, or -1
  ;; when the table, its keys or its arena need room first (the bytes needed at 72).
  (func $add (param $cb i32) (param $s i32) (param $n i32) (param $h i32) (param $slot i32) (result i32)
    (local $ids i32) (local $used i32) (local $k i32) (local $to i32)
    (local.set $ids (i32.load offset=16 (local.get $cb)))
    (local.set $used (i32.load offset=28 (local.get $cb)))
    (if (i32.or (i32.or (i32.ge_u (local.get $ids) (i32.load offset=12 (local.get $cb)))
                        (call $full (i32.add (local.get $ids) (i32.const 1)) (i32.load offset=4 (local.get $cb))))
                (i32.gt_u (i32.add (local.get $used) (local.get $n)) (i32.load offset=24 (local.get $cb))))
      (then
        (i32.store (i32.const 72) (local.get $n))
        (return (i32.const -1))))
    ;; The bytes to the arena, 8 at a time (memory.copy is a call out of the module; the arena
    ;; has a margin past its room for the last word's spare bytes).
    (local.set $to (i32.add (i32.load offset=20 (local.get $cb)) (local.get $used)))
    (local.set $k (i32.const 0))
    (block $copied
      (loop $word
        (br_if $copied (i32.ge_u (local.get $k) (local.get $n)))
        (i64.store (i32.add (local.get $to) (local.get $k)) (i64.load (i32.add (local.get $s) (local.get $k))))
        (local.set $k (i32.add (local.get $k) (i32.const 8)))
        (br $word)))
    (local.set $k (i32.add (i32.load offset=8 (local.get $cb)) (i32.mul (local.get $ids) (i32.const 12))))
    (i32.store (local.get $k) (local.get $used))
    (i32.store offset=4 (local.get $k) (local.get $n))
    (i32.store offset=8 (local.get $k) (local.get $h))
    (i32.store (i32.add (i32.load (local.get $cb)) (i32.shl (local.get $slot) (i32.const 2)))
               (i32.add (local.get $ids) (i32.const 1)))
    (i32.store offset=28 (local.get $cb) (i32.add (local.get $used) (local.get $n)))
    (i32.store offset=16 (local.get $cb) (i32.add (local.get $ids) (i32.const 1)))
    (local.get $ids))

  ;; The index of an id in table cb, added when new; -1: stop before the row (an id new to the
  ;; table with a byte above 127 (high = 1), whose string the JavaScript interner decides, see
  ;; byte-interner.ts; or no room, status 2).
  (func $intern (param $cb i32) (param $s i32) (param $n i32) (param $h i32) (param $high i32) (result i32)
    (local $i i32)
    (local.set $i (call $find (local.get $cb) (local.get $s) (local.get $n) (local.get $h)))
    (if (i32.ge_s (local.get $i) (i32.const 0)) (then (return (local.get $i))))
    (if (local.get $high) (then (return (i32.const -1))))
    (local.set $i (call $add (local.get $cb) (local.get $s) (local.get $n) (local.get $h)
                             (i32.sub (i32.const -1) (local.get $i))))
    (if (i32.lt_s (local.get $i) (i32.const 0)) (then (i32.store (i32.const 68) (i32.const 2))))
    (local.get $i))

  ;; Reads rows from p to end with delimiter d, each only when whole before end; writes each
  ;; row's user, item, answer and time to the outputs. Returns the rows read; where they end,
  ;; and why the pass stopped, are at 64 and 68. The ids of a row are interned only once every
  ;; field has been read, so a row that stops the pass numbers nothing.
  (func (export "read") (param $p i32) (param $end i32) (param $d i32) (result i32)
    (local $count i32) (local $cap i32) (local $done i32) (local $timed i32)
    (local $outUser i32) (local $outItem i32) (local $outResp i32) (local $outTime i32)
    (local $ucol i32) (local $icol i32) (local $ccol i32) (local $tcol i32) (local $last i32)
    (local $f i32) (local $s i32) (local $c i32) (local $k i32) (local $h i32) (local $high i32)
    (local $w i64) (local $hw i64) (local $v v128) (local $vd v128) (local $r i32)
    (local $dg v128) (local $hms v128) (local $eq i32) (local $bad i32)
    (local $same i32) (local $us i32) (local $ue i32) (local $uh i32) (local $uhigh i32)
    (local $is i32) (local $ie i32) (local $ih i32) (local $ihigh i32)
    (local $x i32) (local $t f64) (local $item i32) (local $n i32) (local $slot i32) (local $key i32)
    (local $prevUser i32) (local $prevStart i32) (local $prevLen i32)
    (local.set $cap (i32.load (i32.const 96)))
    (local.set $outUser (i32.load (i32.const 80)))
    (local.set $outItem (i32.load (i32.const 84)))
    (local.set $outResp (i32.load (i32.const 88)))
    (local.set $outTime (i32.load (i32.const 92)))
    (local.set $ucol (i32.load (i32.const 100)))
    (local.set $icol (i32.load (i32.const 104)))
    (local.set $ccol (i32.load (i32.const 108)))
    (local.set $tcol (i32.load (i32.const 112)))
    (local.set $last (i32.load (i32.const 116)))
    (local.set $prevUser (i32.const -1))
    (local.set $vd (i8x16.splat (local.get $d)))
    (local.set $done (local.get $p))
    (i32.store (i32.const 68) (i32.const 0))
    (block $stop
      (loop $rows
        (if (i32.ge_u (local.get $count) (local.get $cap))
          (then (i32.store (i32.const 68) (i32.const 1)) (br $stop)))
        (br_if $stop (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $same (i32.const 0))
        (local.set $t (f64.const nan))
        (local.set $f (i32.const 0))
        (loop $fields
          ;; s: the field's first byte; c: the byte at p, then the one after the field.
          (local.set $s (local.get $p))
          (br_if $stop (i32.ge_u (local.get $p) (local.get $end)))
          (local.set $c (i32.load8_u (local.get $p)))
          (br_if $stop (i32.eq (local.get $c) (i32.const 34)))
          (block $field
            (if (i32.eq (local.get $f) (local.get $ucol))
              (then
                ;; The previous row's user again (rows come grouped by user): its bytes in place
                ;; followed by the field's end, nothing hashed or looked up.
                (if (i32.and (i32.ge_s (local.get $prevUser) (i32.const 0))
                             (i32.lt_u (i32.add (local.get $p) (local.get $prevLen)) (local.get $end)))
                  (then
                    (if (if (result i32) (i32.le_u (local.get $prevLen) (i32.const 16))
                          ;; as $same, written out for an id of up to 16 bytes
                          (then (i32.eqz (i32.and
                            (i32.xor (i8x16.bitmask (i8x16.eq (v128.load (local.get $p)) (v128.load (local.get $prevStart))))
                                     (i32.const 0xffff))
                            (i32.sub (i32.shl (i32.const 1) (local.get $prevLen)) (i32.const 1)))))
                          (else (call $same (local.get $p) (local.get $prevStart) (local.get $prevLen))))
                      (then
                        (local.set $k (i32.load8_u (i32.add (local.get $p) (local.get $prevLen))))
                        (if (i32.or (i32.eq (local.get $k) (local.get $d))
                                    (i32.or (i32.eq (local.get $k) (i32.const 10)) (i32.eq (local.get $k) (i32.const 13))))
                          (then
                            (local.set $same (i32.const 1))
                            (local.set $us (local.get $s))
                            (local.set $p (i32.add (local.get $p) (local.get $prevLen)))
                            (local.set $c (local.get $k))
                            (br $field)))))))))
            (if (i32.or (i32.eq (local.get $f) (local.get $ucol)) (i32.eq (local.get $f) (local.get $icol)))
              (then
                ;; An id, 16 bytes at a time: the bytes equal to d, LF or CR (i8x16.eq, or'ed), as the
                ;; bits of a mask (i8x16.bitmask), whose lowest set bit is the field's end; the 8-byte
                ;; words before it, then the bytes of the last word before it, are hashed (one multiply
                ;; per 8 bytes, as $hash does); the top bits of the id's bytes (bitmask of the bytes
                ;; themselves) tell a byte above 127. 16 bytes may reach past the end: what lies there
                ;; is not read as part of the id (p >= end stops).
                (local.set $hw (i64.const 0))
                (local.set $high (i32.const 0))
                (block $idEnd
                  (loop $idLanes
                    (local.set $v (v128.load (local.get $p)))
                    (local.set $k (i8x16.bitmask (v128.or (v128.or
                      (i8x16.eq (local.get $v) (local.get $vd))
                      (i8x16.eq (local.get $v) (v128.const i8x16 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10)))
                      (i8x16.eq (local.get $v) (v128.const i8x16 13 13 13 13 13 13 13 13 13 13 13 13 13 13 13 13)))))
                    (br_if $idEnd (local.get $k))
                    (local.set $high (i32.or (local.get $high) (i8x16.bitmask (local.get $v))))
                    (local.set $hw (i64.mul (i64.xor (local.get $hw) (i64x2.extract_lane 0 (local.get $v))) (i64.const 0x9e3779b97f4a7c15)))
                    (local.set $hw (i64.mul (i64.xor (local.get $hw) (i64x2.extract_lane 1 (local.get $v))) (i64.const 0x9e3779b97f4a7c15)))
                    (local.set $p (i32.add (local.get $p) (i32.const 16)))
                    (br_if $stop (i32.ge_u (local.get $p) (local.get $end)))
                    (br $idLanes)))
                ;; k: the id's bytes in the last 16
                (local.set $k (i32.ctz (local.get $k)))
                (local.set $high (i32.or (local.get $high)
                  (i32.and (i8x16.bitmask (local.get $v)) (i32.sub (i32.shl (i32.const 1) (local.get $k)) (i32.const 1)))))
                (local.set $w (i64x2.extract_lane 0 (local.get $v)))
                (if (i32.ge_u (local.get $k) (i32.const 8))
                  (then
                    (local.set $hw (i64.mul (i64.xor (local.get $hw) (local.get $w)) (i64.const 0x9e3779b97f4a7c15)))
                    (local.set $w (i64x2.extract_lane 1 (local.get $v)))))
                (if (local.tee $r (i32.and (local.get $k) (i32.const 7)))
                  (then
                    (local.set $hw (i64.mul
                      (i64.xor (local.get $hw)
                               (i64.and (local.get $w)
                                        (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (i32.shl (local.get $r) (i32.const 3))))
                                                 (i64.const 1))))
                      (i64.const 0x9e3779b97f4a7c15)))))
                (local.set $p (i32.add (local.get $p) (local.get $k)))
                (br_if $stop (i32.ge_u (local.get $p) (local.get $end)))
                (local.set $c (i32.load8_u (local.get $p)))
                ;; $mix written out
                (local.set $hw (i64.mul (i64.xor (local.get $hw) (i64.shr_u (local.get $hw) (i64.const 33)))
                                        (i64.const 0xff51afd7ed558ccd)))
                (local.set $h (i32.wrap_i64 (i64.xor (local.get $hw) (i64.shr_u (local.get $hw) (i64.const 33)))))
                (local.set $high (i32.ne (local.get $high) (i32.const 0)))
                ;; Empty, or starting or ending with a space or tab (the general path trims it).
                (br_if $stop (i32.eq (local.get $p) (local.get $s)))
                (local.set $k (i32.load8_u (local.get $s)))
                (br_if $stop (i32.or (i32.eq (local.get $k) (i32.const 32)) (i32.eq (local.get $k) (i32.const 9))))
                (local.set $k (i32.load8_u (i32.sub (local.get $p) (i32.const 1))))
                (br_if $stop (i32.or (i32.eq (local.get $k) (i32.const 32)) (i32.eq (local.get $k) (i32.const 9))))
                (if (i32.eq (local.get $f) (local.get $ucol))
                  (then
                    (local.set $us (local.get $s))
                    (local.set $ue (local.get $p))
                    (local.set $uh (local.get $h))
                    (local.set $uhigh (local.get $high)))
                  (else
                    (local.set $is (local.get $s))
                    (local.set $ie (local.get $p))
                    (local.set $ih (local.get $h))
                    (local.set $ihigh (local.get $high))))
                (br $field)))
            (if (i32.eq (local.get $f) (local.get $ccol))
              (then
                (br_if $stop (i32.gt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 1)))
                (local.set $x (i32.sub (local.get $c) (i32.const 48)))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br_if $stop (i32.ge_u (local.get $p) (local.get $end)))
                (local.set $c (i32.load8_u (local.get $p)))
                (br $field)))
            (if (i32.eq (local.get $f) (local.get $tcol))
              (then
                (if (i32.eqz (i32.or (i32.eq (local.get $c) (local.get $d))
                                     (i32.or (i32.eq (local.get $c) (i32.const 10)) (i32.eq (local.get $c) (i32.const 13)))))
                  (then
                    (local.set $p (i32.const -1))
                    ;; The date of the last stamp read (its ten bytes again) and one of the two
                    ;; common time forms, THH:MM:SS.sssZ and THH:MM:SSZ, read here from the 16 bytes
                    ;; at s + 8 at once: lanes equal to the form's punctuation (i8x16.eq, bitmask),
                    ;; lanes that are not digits (byte - '0' above 9 as unsigned), and the digits
                    ;; gathered in pairs (i8x16.shuffle) and weighted by 10 and 1 (i32x4.dot_i16x8_s)
                    ;; into hours, minutes, seconds and the first two digits of the milliseconds.
                    ;; Anything else, a value out of range too, is read by $iso, which gives the same
                    ;; end and time for these two forms.
                    (if (i32.and (i32.and (global.get $haveDate)
                                          (i32.ge_s (i32.sub (local.get $end) (local.get $s)) (i32.const 20)))
                                 (i32.and (i64.eq (i64.load (local.get $s)) (global.get $dateHead))
                                          (i32.eq (i32.load16_u offset=8 (local.get $s)) (global.get $dateTail))))
                      (then
                        (local.set $v (v128.load offset=8 (local.get $s)))
                        (local.set $dg (i8x16.sub (local.get $v) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48)))
                        ;; lanes 2 T, 5 :, 8 :, 11 ., 15 Z
                        (local.set $eq (i8x16.bitmask (i8x16.eq (local.get $v)
                          (v128.const i8x16 0 0 84 0 0 58 0 0 58 0 0 46 0 0 0 90))))
                        (local.set $bad (i8x16.bitmask (i8x16.gt_u (local.get $dg)
                          (v128.const i8x16 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9))))
                        ;; hours, minutes, seconds (lanes 3-4, 6-7, 9-10), the milliseconds' first two digits
                        (local.set $hms (i32x4.dot_i16x8_s
                          (i16x8.extend_low_i8x16_u
                            (i8x16.shuffle 3 4 6 7 9 10 12 13 16 16 16 16 16 16 16 16 (local.get $dg) (v128.const i64x2 0 0)))
                          (v128.const i16x8 10 1 10 1 10 1 100 10)))
                        (if (i32.and
                              (i32.and (i32.eq (i32.and (local.get $eq) (i32.const 0x124)) (i32.const 0x124))
                                       (i32.eqz (i32.and (local.get $bad) (i32.const 0x6d8))))
                              (i32.eqz (v128.any_true (i32x4.gt_u (local.get $hms) (v128.const i32x4 24 59 60 -1)))))
                          (then
                            (local.set $hms (i32x4.mul (local.get $hms) (v128.const i32x4 3600000 60000 1000 1)))
                            (local.set $k (i32.add (i32.add (i32x4.extract_lane 0 (local.get $hms)) (i32x4.extract_lane 1 (local.get $hms)))
                                                   (i32x4.extract_lane 2 (local.get $hms))))
                            (if (i32.eq (i32.load8_u offset=19 (local.get $s)) (i32.const 90))
                              ;; THH:MM:SSZ
                              (then (local.set $p (i32.add (local.get $s) (i32.const 20))))
                              (else
                                ;; THH:MM:SS.sssZ
                                (if (i32.and (i32.ge_s (i32.sub (local.get $end) (local.get $s)) (i32.const 24))
                                      (i32.and (i32.eq (i32.and (local.get $eq) (i32.const 0x8800)) (i32.const 0x8800))
                                               (i32.eqz (i32.and (local.get $bad) (i32.const 0x7000)))))
                                  (then
                                    (local.set $k (i32.add (i32.add (local.get $k) (i32x4.extract_lane 3 (local.get $hms)))
                                                           (i8x16.extract_lane_u 14 (local.get $dg))))
                                    (local.set $p (i32.add (local.get $s) (i32.const 24)))))))
                            (local.set $t (f64.convert_i64_s (i64.add
                              (i64.mul (i64.extend_i32_s (global.get $lastDays)) (i64.const 86400000))
                              (i64.extend_i32_u (local.get $k)))))))))
                    (if (i32.lt_s (local.get $p) (i32.const 0))
                      (then
                        (local.set $p (call $iso (local.get $s) (local.get $end) (local.get $d)))
                        (local.set $t (f64.convert_i64_s (global.get $ms)))))
                    ;; -1 (no stamp) is above end as unsigned
                    (br_if $stop (i32.ge_u (local.get $p) (local.get $end)))
                    (local.set $c (i32.load8_u (local.get $p)))
                    (br $field)))))
            ;; A field the reader does not use, or an empty time.
            (block $skipped
              (loop $skip
                (br_if $skipped (i32.or (i32.eq (local.get $c) (local.get $d))
                                        (i32.or (i32.eq (local.get $c) (i32.const 10)) (i32.eq (local.get $c) (i32.const 13)))))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br_if $stop (i32.ge_u (local.get $p) (local.get $end)))
                (local.set $c (i32.load8_u (local.get $p)))
                (br $skip))))
          (if (i32.lt_u (local.get $f) (local.get $last))
            (then
              (br_if $stop (i32.ne (local.get $c) (local.get $d)))
              (local.set $p (i32.add (local.get $p) (i32.const 1))))
            (else
              (br_if $stop (i32.and (i32.ne (local.get $c) (i32.const 10)) (i32.ne (local.get $c) (i32.const 13))))
              (if (i32.eq (local.get $c) (i32.const 13))
                (then
                  ;; CRLF or CR alone: which one is known only from the next byte.
                  (br_if $stop (i32.ge_u (i32.add (local.get $p) (i32.const 1)) (local.get $end)))
                  (if (i32.eq (i32.load8_u offset=1 (local.get $p)) (i32.const 10))
                    (then (local.set $p (i32.add (local.get $p) (i32.const 1)))))))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))))
          (local.set $f (i32.add (local.get $f) (i32.const 1)))
          (br_if $fields (i32.le_u (local.get $f) (local.get $last))))
        (if (i32.eqz (local.get $same))
          (then
            (local.set $k (call $intern (i32.const 0) (local.get $us) (i32.sub (local.get $ue) (local.get $us))
                                        (local.get $uh) (local.get $uhigh)))
            (br_if $stop (i32.lt_s (local.get $k) (i32.const 0)))
            (local.set $prevUser (local.get $k))
            (local.set $prevLen (i32.sub (local.get $ue) (local.get $us)))))
        (local.set $prevStart (local.get $us))
        ;; The item looked up here when its id is short (most are): the probe of $find without
        ;; a call on the common row. Anything else (a long id, a new one) goes to $intern.
        (local.set $n (i32.sub (local.get $ie) (local.get $is)))
        (local.set $item (i32.const -1))
        (if (i32.le_u (local.get $n) (i32.const 16))
          (then
            (local.set $slot (i32.and (local.get $ih) (i32.load (i32.const 36))))
            (block $looked
              (loop $probe
                (local.set $k (i32.load (i32.add (i32.load (i32.const 32)) (i32.shl (local.get $slot) (i32.const 2)))))
                (br_if $looked (i32.eqz (local.get $k)))
                (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                (local.set $key (i32.add (i32.load (i32.const 40)) (i32.mul (local.get $k) (i32.const 12))))
                (if (i32.and (i32.and (i32.eq (i32.load offset=8 (local.get $key)) (local.get $ih))
                                      (i32.eq (i32.load offset=4 (local.get $key)) (local.get $n)))
                             (i32.eqz (i32.and
                               (i32.xor (i8x16.bitmask (i8x16.eq (v128.load (i32.add (i32.load (i32.const 52)) (i32.load (local.get $key))))
                                                                 (v128.load (local.get $is))))
                                        (i32.const 0xffff))
                               (i32.sub (i32.shl (i32.const 1) (local.get $n)) (i32.const 1)))))
                  (then
                    (local.set $item (local.get $k))
                    (br $looked)))
                (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (i32.load (i32.const 36))))
                (br $probe)))))
        (if (i32.lt_s (local.get $item) (i32.const 0))
          (then
            (local.set $item (call $intern (i32.const 32) (local.get $is) (local.get $n) (local.get $ih) (local.get $ihigh)))))
        (br_if $stop (i32.lt_s (local.get $item) (i32.const 0)))
        (i32.store (i32.add (local.get $outUser) (i32.shl (local.get $count) (i32.const 2))) (local.get $prevUser))
        (i32.store (i32.add (local.get $outItem) (i32.shl (local.get $count) (i32.const 2))) (local.get $item))
        (i32.store8 (i32.add (local.get $outResp) (local.get $count)) (local.get $x))
        (f64.store (i32.add (local.get $outTime) (i32.shl (local.get $count) (i32.const 3))) (local.get $t))
        (local.set $timed (i32.add (local.get $timed) (f64.eq (local.get $t) (local.get $t))))
        (local.set $count (i32.add (local.get $count) (i32.const 1)))
        (local.set $done (local.get $p))
        (br $rows)))
    (i32.store (i32.const 64) (local.get $done))
    (i32.store (i32.const 76) (local.get $timed))
    (local.get $count))

  ;; `read` for the common layout: user, item, answer and, when `stamped`, the time, in this
  ;; order and no other field (long-rows-memory.ts calls it for such files). The same rows are
  ;; taken and read the same way, but each row is one straight pass over its fields, not a loop
  ;; over them dispatched by role: fewer values live across the row loop (no columns, no field
  ;; number), so fewer of them held on the stack, and the vector constants set once before it.
  (func (export "readCommon") (param $p i32) (param $end i32) (param $d i32) (param $stamped i32) (result i32)
    (local $count i32) (local $cap i32) (local $done i32) (local $timed i32)
    (local $s i32) (local $c i32) (local $k i32) (local $m i32) (local $high i32)
    (local $hw i64) (local $v v128)
    (local $vd v128) (local $vlf v128) (local $vcr v128)
    (local $v48 v128) (local $v9 v128) (local $vform v128) (local $vpair v128) (local $vmax v128) (local $vunit v128) (local $vgather v128)
    (local $dg v128) (local $hms v128) (local $eq i32) (local $good i32)
    (local $same i32) (local $us i32) (local $ue i32) (local $uh i32) (local $uhigh i32)
    (local $is i32) (local $ih i32) (local $ihigh i32)
    (local $x i32) (local $t f64) (local $item i32) (local $n i32) (local $slot i32) (local $key i32)
    (local $prevUser i32) (local $prevStart i32) (local $prevLen i32) (local $prevMask i32)
    (local.set $cap (i32.load (i32.const 96)))
    (local.set $prevUser (i32.const -1))
    (local.set $vd (i8x16.splat (local.get $d)))
    (local.set $vlf (v128.const i8x16 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10))
    (local.set $vcr (v128.const i8x16 13 13 13 13 13 13 13 13 13 13 13 13 13 13 13 13))
    (local.set $v48 (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))
    (local.set $v9 (v128.const i8x16 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9))
    ;; lanes 2 T, 5 :, 8 :, 11 ., 15 Z
    (local.set $vform (v128.const i8x16 0 0 84 0 0 58 0 0 58 0 0 46 0 0 0 90))
    ;; lanes 3-4, 6-7, 9-10 (hours, minutes, seconds), 12-13 (the milliseconds' first two
    ;; digits); an index past 15 gives 0
    (local.set $vgather (v128.const i8x16 3 4 6 7 9 10 12 13 128 128 128 128 128 128 128 128))
    (local.set $vpair (v128.const i16x8 10 1 10 1 10 1 100 10))
    ;; The ranges of hours, minutes, seconds (the milliseconds' lane any): the lanes are at most
    ;; 100 * 255 + 10 * 255, so a signed compare is the unsigned one of `read`.
    (local.set $vmax (v128.const i32x4 24 59 60 0x7fffffff))
    (local.set $vunit (v128.const i32x4 3600000 60000 1000 1))
    (local.set $done (local.get $p))
    (i32.store (i32.const 68) (i32.const 0))
    (block $stop
      (loop $rows
        (if (i32.ge_u (local.get $count) (local.get $cap))
          (then (i32.store (i32.const 68) (i32.const 1)) (br $stop)))
        (br_if $stop (i32.ge_u (local.get $p) (local.get $end)))
        ;; The user: the previous row's again (its bytes in place and the delimiter after them),
        ;; or scanned.
        (local.set $us (local.get $p))
        (br_if $stop (i32.eq (i32.load8_u (local.get $p)) (i32.const 34)))
        (local.set $same (i32.const 0))
        ;; (Conditions are nested ifs and separate br_ifs, not i32.and and i32.or: TurboFan
        ;; materialises each comparison of those as a 0/1 value, several instructions apiece.)
        (if (i32.ge_s (local.get $prevUser) (i32.const 0))
          (then (if (i32.lt_u (i32.add (local.get $p) (local.get $prevLen)) (local.get $end))
          (then
            ;; Its bytes and the delimiter after them (a row is taken only with it there),
            ;; 16 bytes at a time (no call in the row loop: a call costs the loop's vector
            ;; constants their registers), the last 16 masked to those bytes.
            (local.set $k (i32.const 0))
            (block $differ
              (loop $compare
                (local.set $m (i32.xor (i8x16.bitmask (i8x16.eq
                  (v128.load (i32.add (local.get $p) (local.get $k))) (v128.load (i32.add (local.get $prevStart) (local.get $k)))))
                  (i32.const 0xffff)))
                (if (i32.le_u (i32.add (local.get $k) (i32.const 16)) (local.get $prevLen))
                  (then
                    (br_if $differ (local.get $m))
                    (local.set $k (i32.add (local.get $k) (i32.const 16)))
                    (br $compare))))
              (br_if $differ (i32.and (local.get $m) (local.get $prevMask)))
              (local.set $same (i32.const 1))
              (local.set $p (i32.add (local.get $p) (local.get $prevLen))))))))
        (if (i32.eqz (local.get $same))
          (then
            ;; The id at p, 16 bytes at a time, as `read` scans it.
            (local.set $hw (i64.const 0))
            (local.set $high (i32.const 0))
            (block $idEnd
              (loop $idLanes
                (local.set $v (v128.load (local.get $p)))
                (local.set $k (i8x16.bitmask (v128.or (v128.or
                  (i8x16.eq (local.get $v) (local.get $vd))
                  (i8x16.eq (local.get $v) (local.get $vlf)))
                  (i8x16.eq (local.get $v) (local.get $vcr)))))
                (br_if $idEnd (local.get $k))
                (local.set $high (i32.or (local.get $high) (i8x16.bitmask (local.get $v))))
                (local.set $hw (i64.mul (i64.xor (local.get $hw) (i64x2.extract_lane 0 (local.get $v))) (i64.const 0x9e3779b97f4a7c15)))
                (local.set $hw (i64.mul (i64.xor (local.get $hw) (i64x2.extract_lane 1 (local.get $v))) (i64.const 0x9e3779b97f4a7c15)))
                (local.set $p (i32.add (local.get $p) (i32.const 16)))
                (br_if $stop (i32.ge_u (local.get $p) (local.get $end)))
                (br $idLanes)))
            ;; m: the lanes that end the field, as bits; the id's bytes in the last 16 are the k lanes
            ;; below its lowest set bit, kept (v and'ed with the 16 bytes at 144 - k: k of 0xff, then
            ;; zeros) and hashed as `read` hashes them: the first word when k > 0, the second when k > 8.
            (local.set $m (local.get $k))
            (local.set $k (i32.ctz (local.get $m)))
            (local.set $v (v128.and (local.get $v) (v128.load (i32.sub (i32.const 144) (local.get $k)))))
            (local.set $high (i32.or (local.get $high) (i8x16.bitmask (local.get $v))))
            (if (local.get $k)
              (then
                (local.set $hw (i64.mul (i64.xor (local.get $hw) (i64x2.extract_lane 0 (local.get $v))) (i64.const 0x9e3779b97f4a7c15)))
                (if (i32.gt_u (local.get $k) (i32.const 8))
                  (then
                    (local.set $hw (i64.mul (i64.xor (local.get $hw) (i64x2.extract_lane 1 (local.get $v))) (i64.const 0x9e3779b97f4a7c15)))))))
            (local.set $p (i32.add (local.get $p) (local.get $k)))
            (br_if $stop (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $hw (i64.mul (i64.xor (local.get $hw) (i64.shr_u (local.get $hw) (i64.const 33)))
                                    (i64.const 0xff51afd7ed558ccd)))
            (local.set $uh (i32.wrap_i64 (i64.xor (local.get $hw) (i64.shr_u (local.get $hw) (i64.const 33)))))
            (local.set $uhigh (i32.ne (local.get $high) (i32.const 0)))
            ;; Empty, or starting or ending with a space or tab (the general path trims it).
            (br_if $stop (i32.eq (local.get $p) (local.get $us)))
            (local.set $k (i32.load8_u (local.get $us)))
            (br_if $stop (i32.eq (local.get $k) (i32.const 32)))
            (br_if $stop (i32.eq (local.get $k) (i32.const 9)))
            (local.set $k (i32.load8_u (i32.sub (local.get $p) (i32.const 1))))
            (br_if $stop (i32.eq (local.get $k) (i32.const 32)))
            (br_if $stop (i32.eq (local.get $k) (i32.const 9)))
            (local.set $ue (local.get $p))))
        (br_if $stop (i32.ne (i32.load8_u (local.get $p)) (local.get $d)))
        ;; The item.
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br_if $stop (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $is (local.get $p))
        (br_if $stop (i32.eq (i32.load8_u (local.get $p)) (i32.const 34)))
        ;; The id at p, 16 bytes at a time, as `read` scans it.
        (local.set $hw (i64.const 0))
        (local.set $high (i32.const 0))
        (block $idEnd
          (loop $idLanes
            (local.set $v (v128.load (local.get $p)))
            (local.set $k (i8x16.bitmask (v128.or (v128.or
              (i8x16.eq (local.get $v) (local.get $vd))
              (i8x16.eq (local.get $v) (local.get $vlf)))
              (i8x16.eq (local.get $v) (local.get $vcr)))))
            (br_if $idEnd (local.get $k))
            (local.set $high (i32.or (local.get $high) (i8x16.bitmask (local.get $v))))
            (local.set $hw (i64.mul (i64.xor (local.get $hw) (i64x2.extract_lane 0 (local.get $v))) (i64.const 0x9e3779b97f4a7c15)))
            (local.set $hw (i64.mul (i64.xor (local.get $hw) (i64x2.extract_lane 1 (local.get $v))) (i64.const 0x9e3779b97f4a7c15)))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br_if $stop (i32.ge_u (local.get $p) (local.get $end)))
            (br $idLanes)))
        ;; m: the lanes that end the field, as bits; the id's bytes in the last 16 are the k lanes
        ;; below its lowest set bit, kept (v and'ed with the 16 bytes at 144 - k: k of 0xff, then
        ;; zeros) and hashed as `read` hashes them: the first word when k > 0, the second when k > 8.
        (local.set $m (local.get $k))
        (local.set $k (i32.ctz (local.get $m)))
        (local.set $v (v128.and (local.get $v) (v128.load (i32.sub (i32.const 144) (local.get $k)))))
        (local.set $high (i32.or (local.get $high) (i8x16.bitmask (local.get $v))))
        (if (local.get $k)
          (then
            (local.set $hw (i64.mul (i64.xor (local.get $hw) (i64x2.extract_lane 0 (local.get $v))) (i64.const 0x9e3779b97f4a7c15)))
            (if (i32.gt_u (local.get $k) (i32.const 8))
              (then
                (local.set $hw (i64.mul (i64.xor (local.get $hw) (i64x2.extract_lane 1 (local.get $v))) (i64.const 0x9e3779b97f4a7c15)))))))
        (local.set $p (i32.add (local.get $p) (local.get $k)))
        (br_if $stop (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $hw (i64.mul (i64.xor (local.get $hw) (i64.shr_u (local.get $hw) (i64.const 33)))
                                (i64.const 0xff51afd7ed558ccd)))
        (local.set $ih (i32.wrap_i64 (i64.xor (local.get $hw) (i64.shr_u (local.get $hw) (i64.const 33)))))
        (local.set $ihigh (i32.ne (local.get $high) (i32.const 0)))
        ;; Empty, or starting or ending with a space or tab (the general path trims it).
        (br_if $stop (i32.eq (local.get $p) (local.get $is)))
        (local.set $k (i32.load8_u (local.get $is)))
        (br_if $stop (i32.eq (local.get $k) (i32.const 32)))
        (br_if $stop (i32.eq (local.get $k) (i32.const 9)))
        (local.set $k (i32.load8_u (i32.sub (local.get $p) (i32.const 1))))
        (br_if $stop (i32.eq (local.get $k) (i32.const 32)))
        (br_if $stop (i32.eq (local.get $k) (i32.const 9)))
        (local.set $n (i32.sub (local.get $p) (local.get $is)))
        (br_if $stop (i32.ne (i32.load8_u (local.get $p)) (local.get $d)))
        ;; The answer, then the byte after it.
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br_if $stop (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $x (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)))
        (br_if $stop (i32.gt_u (local.get $x) (i32.const 1)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br_if $stop (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $c (i32.load8_u (local.get $p)))
        (local.set $t (f64.const nan))
        (if (local.get $stamped)
          (then
            ;; The time: empty (the line's end at once), or a stamp, read as `read` reads it.
            (br_if $stop (i32.ne (local.get $c) (local.get $d)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br_if $stop (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $s (local.get $p))
            (local.set $c (i32.load8_u (local.get $p)))
            (br_if $stop (i32.eq (local.get $c) (i32.const 34)))
            (br_if $stop (i32.eq (local.get $c) (local.get $d)))
            (if (i32.gt_u (local.get $c) (i32.const 13))
              (then
                (local.set $p (i32.const -1))
                (block $form
                  (br_if $form (i32.eqz (global.get $haveDate)))
                  ;; (24 bytes before the end for either form; nearer the end $iso reads it.)
                  (br_if $form (i32.lt_s (i32.sub (local.get $end) (local.get $s)) (i32.const 24)))
                  (br_if $form (i64.ne (i64.load (local.get $s)) (global.get $dateHead)))
                  (br_if $form (i32.ne (i32.load16_u offset=8 (local.get $s)) (global.get $dateTail)))
                    (local.set $v (v128.load offset=8 (local.get $s)))
                    (local.set $dg (i8x16.sub (local.get $v) (local.get $v48)))
                    (local.set $eq (i8x16.bitmask (i8x16.eq (local.get $v) (local.get $vform))))
                    ;; lanes that are digits: byte - '0' at most 9 as unsigned
                    (local.set $good (i8x16.bitmask (i8x16.eq (i8x16.min_u (local.get $dg) (local.get $v9)) (local.get $dg))))
                    (local.set $hms (i32x4.dot_i16x8_s
                      (i16x8.extend_low_i8x16_u
                        (i8x16.swizzle (local.get $dg) (local.get $vgather)))
                      (local.get $vpair)))
                    (br_if $form (i32.ne (i32.or (i32.and (local.get $eq) (i32.const 0x124)) (i32.and (local.get $good) (i32.const 0x6d8)))
                                         (i32.const 0x7fc)))
                    (br_if $form (i32x4.bitmask (i32x4.gt_s (local.get $hms) (local.get $vmax))))
                        (local.set $hms (i32x4.mul (local.get $hms) (local.get $vunit)))
                        (local.set $k (i32.add (i32.add (i32x4.extract_lane 0 (local.get $hms)) (i32x4.extract_lane 1 (local.get $hms)))
                                               (i32x4.extract_lane 2 (local.get $hms))))
                        (if (i32.eq (i32.load8_u offset=19 (local.get $s)) (i32.const 90))
                          ;; THH:MM:SSZ
                          (then (local.set $p (i32.add (local.get $s) (i32.const 20))))
                          (else
                            ;; THH:MM:SS.sssZ
                            (if (i32.eq (i32.or (i32.and (local.get $eq) (i32.const 0x8800)) (i32.and (local.get $good) (i32.const 0x7000)))
                                        (i32.const 0xf800))
                              (then
                                (local.set $k (i32.add (i32.add (local.get $k) (i32x4.extract_lane 3 (local.get $hms)))
                                                       (i8x16.extract_lane_u 14 (local.get $dg))))
                                (local.set $p (i32.add (local.get $s) (i32.const 24)))))))
                        (local.set $t (f64.convert_i64_s (i64.add
                          (i64.mul (i64.extend_i32_s (global.get $lastDays)) (i64.const 86400000))
                          (i64.extend_i32_u (local.get $k))))))
                (if (i32.lt_s (local.get $p) (i32.const 0))
                  (then
                    (local.set $p (call $iso (local.get $s) (local.get $end) (local.get $d)))
                    (local.set $t (f64.convert_i64_s (global.get $ms)))))
                ;; -1 (no stamp) is above end as unsigned
                (br_if $stop (i32.ge_u (local.get $p) (local.get $end)))
                (local.set $c (i32.load8_u (local.get $p)))))))
        ;; The line's end: LF, CRLF or CR alone (known only from the next byte).
        (if (i32.ne (local.get $c) (i32.const 10))
          (then
            (br_if $stop (i32.ne (local.get $c) (i32.const 13)))
            (br_if $stop (i32.ge_u (i32.add (local.get $p) (i32.const 1)) (local.get $end)))
            (if (i32.eq (i32.load8_u offset=1 (local.get $p)) (i32.const 10))
              (then (local.set $p (i32.add (local.get $p) (i32.const 1)))))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (if (i32.eqz (local.get $same))
          (then
            (local.set $k (call $intern (i32.const 0) (local.get $us) (i32.sub (local.get $ue) (local.get $us))
                                        (local.get $uh) (local.get $uhigh)))
            (br_if $stop (i32.lt_s (local.get $k) (i32.const 0)))
            (local.set $prevUser (local.get $k))
            (local.set $prevLen (i32.sub (local.get $ue) (local.get $us)))
            ;; the bytes of the user and its delimiter in their last 16: (prevLen + 1) % 16 low
            ;; bits, or all 16
            (local.set $prevMask (i32.sub (i32.shl (i32.const 2) (i32.and (local.get $prevLen) (i32.const 15)))
                                          (i32.const 1)))))
        (local.set $prevStart (local.get $us))
        ;; The item's probe, as in `read`.
        (local.set $item (i32.const -1))
        (if (i32.le_u (local.get $n) (i32.const 16))
          (then
            (local.set $slot (i32.and (local.get $ih) (i32.load (i32.const 36))))
            (block $looked
              (loop $probe
                (local.set $k (i32.load (i32.add (i32.load (i32.const 32)) (i32.shl (local.get $slot) (i32.const 2)))))
                (br_if $looked (i32.eqz (local.get $k)))
                (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                (local.set $key (i32.add (i32.load (i32.const 40)) (i32.mul (local.get $k) (i32.const 12))))
                (if (i32.eq (i32.load offset=8 (local.get $key)) (local.get $ih))
                  (then (if (i32.eq (i32.load offset=4 (local.get $key)) (local.get $n))
                  (then (if (i32.eqz (i32.and
                               (i32.xor (i8x16.bitmask (i8x16.eq (v128.load (i32.add (i32.load (i32.const 52)) (i32.load (local.get $key))))
                                                                 (v128.load (local.get $is))))
                                        (i32.const 0xffff))
                               (i32.sub (i32.shl (i32.const 1) (local.get $n)) (i32.const 1))))
                  (then
                    (local.set $item (local.get $k))
                    (br $looked)))))))
                (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (i32.load (i32.const 36))))
                (br $probe)))))
        (if (i32.lt_s (local.get $item) (i32.const 0))
          (then
            (local.set $item (call $intern (i32.const 32) (local.get $is) (local.get $n) (local.get $ih) (local.get $ihigh)))))
        (br_if $stop (i32.lt_s (local.get $item) (i32.const 0)))
        (i32.store (i32.add (i32.load (i32.const 80)) (i32.shl (local.get $count) (i32.const 2))) (local.get $prevUser))
        (i32.store (i32.add (i32.load (i32.const 84)) (i32.shl (local.get $count) (i32.const 2))) (local.get $item))
        (i32.store8 (i32.add (i32.load (i32.const 88)) (local.get $count)) (local.get $x))
        (f64.store (i32.add (i32.load (i32.const 92)) (i32.shl (local.get $count) (i32.const 3))) (local.get $t))
        (local.set $timed (i32.add (local.get $timed) (f64.eq (local.get $t) (local.get $t))))
        (local.set $count (i32.add (local.get $count) (i32.const 1)))
        (local.set $done (local.get $p))
        (br $rows)))
    (i32.store (i32.const 64) (local.get $done))
    (i32.store (i32.const 76) (local.get $timed))
    (local.get $count))
)
