;; The passes over a row of logits that nucleus sampling by rejection needs, in WebAssembly SIMD
;; (four float32 lanes at a time). The row is copied to `logits` (offset 64), padded with
;; -Infinity to a multiple of 64 entries; `weights` (float32, one per entry) and `chunkSums`
;; (float64, one per 64 entries) follow it at offsets the caller passes.
;;
;; Plain IEEE-754 arithmetic only (no relaxed SIMD): the same results in every engine.
;; Compiled to nucleus-kernels-wasm.ts by `pnpm --filter @bg-gpt2/sampler build:wasm`.
(module
  (memory (export "memory") 1)

  ;; The largest entry of logits[0, count) (count a multiple of 4); NaN entries are skipped
  ;; (-Infinity when there is nothing else).
  (func (export "maximum") (param $logits i32) (param $count i32) (result f32)
    (local $best v128) (local $end i32) (local $address i32)
    (local.set $best (v128.const f32x4 -inf -inf -inf -inf))
    (local.set $address (local.get $logits))
    (local.set $end (i32.add (local.get $logits) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $address) (local.get $end)))
        ;; pmax(best, x) = best < x ? x : best: a NaN x leaves best as it is
        (local.set $best (f32x4.pmax (local.get $best) (v128.load (local.get $address))))
        (local.set $address (i32.add (local.get $address) (i32.const 16)))
        (br $next)))
    ;; lanes 2, 3 against 0, 1, then lane 1 against lane 0
    (local.set $best
      (f32x4.pmax (local.get $best)
        (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $best) (local.get $best))))
    (local.set $best
      (f32x4.pmax (local.get $best)
        (i8x16.shuffle 4 5 6 7 0 1 2 3 8 9 10 11 12 13 14 15 (local.get $best) (local.get $best))))
    (f32x4.extract_lane 0 (local.get $best)))

  ;; weights[i] = exp(logits[i] - maximum) for i < count (a multiple of 64); chunkSums[k] = the
  ;; sum of weights [64k, 64k + 64) (float32 lanes, then float64); returns the sum of all chunks.
  ;;
  ;; exp(x) for x = logit - maximum <= 0: n = round(x / ln 2) by the 1.5 * 2^23 trick (whose low
  ;; bits then hold n + 127, shifted into place for 2^n), r = x - n ln 2 in two parts
  ;; (Cody-Waite), e^r by its Taylor polynomial of degree 6 (|r| <= ln 2 / 2: relative error
  ;; 3e-7); 0 below -87 (2e-38 of the largest weight), for -Infinity and for NaN.
  (func (export "exponentials")
    (param $logits i32) (param $count i32) (param $maximum f32) (param $weights i32)
    (param $chunkSums i32) (result f64)
    (local $top v128) (local $offset i32) (local $end i32) (local $chunkEnd i32)
    (local $x v128) (local $t v128) (local $r v128) (local $p v128) (local $w v128)
    (local $lanes v128) (local $pairs v128) (local $chunk f64) (local $total f64)
    (local.set $top (f32x4.splat (local.get $maximum)))
    (local.set $end (i32.shl (local.get $count) (i32.const 2)))
    (block $done
      (loop $nextChunk
        (br_if $done (i32.ge_u (local.get $offset) (local.get $end)))
        (local.set $lanes (v128.const f32x4 0 0 0 0))
        (local.set $chunkEnd (i32.add (local.get $offset) (i32.const 256)))
        (loop $nextVector
          (local.set $x
            (f32x4.sub (v128.load (i32.add (local.get $logits) (local.get $offset)))
              (local.get $top)))
          (local.set $t
            (f32x4.add
              (f32x4.mul (f32x4.pmax (local.get $x) (v128.const f32x4 -87 -87 -87 -87))
                (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))
              (v128.const f32x4 12583039 12583039 12583039 12583039)))
          ;; n = t - (1.5 * 2^23 + 127), exact
          (local.set $p
            (f32x4.sub (local.get $t) (v128.const f32x4 12583039 12583039 12583039 12583039)))
          (local.set $r
            (f32x4.sub
              (f32x4.sub (f32x4.pmax (local.get $x) (v128.const f32x4 -87 -87 -87 -87))
                (f32x4.mul (local.get $p)
                  (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
              (f32x4.mul (local.get $p)
                (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
          (local.set $p
            (f32x4.add
              (f32x4.mul (local.get $r)
                (v128.const f32x4 1.38888889e-3 1.38888889e-3 1.38888889e-3 1.38888889e-3))
              (v128.const f32x4 8.33333333e-3 8.33333333e-3 8.33333333e-3 8.33333333e-3)))
          (local.set $p
            (f32x4.add (f32x4.mul (local.get $p) (local.get $r))
              (v128.const f32x4 4.16666667e-2 4.16666667e-2 4.16666667e-2 4.16666667e-2)))
          (local.set $p
            (f32x4.add (f32x4.mul (local.get $p) (local.get $r))
              (v128.const f32x4 0.166666667 0.166666667 0.166666667 0.166666667)))
          (local.set $p
            (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
          (local.set $p
            (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1 1 1 1)))
          (local.set $p
            (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1 1 1 1)))
          (local.set $w
            (v128.and (f32x4.ge (local.get $x) (v128.const f32x4 -87 -87 -87 -87))
              (f32x4.mul (local.get $p) (i32x4.shl (local.get $t) (i32.const 23)))))
          (v128.store (i32.add (local.get $weights) (local.get $offset)) (local.get $w))
          (local.set $lanes (f32x4.add (local.get $lanes) (local.get $w)))
          (local.set $offset (i32.add (local.get $offset) (i32.const 16)))
          (br_if $nextVector (i32.lt_u (local.get $offset) (local.get $chunkEnd))))
        (local.set $pairs
          (f64x2.add (f64x2.promote_low_f32x4 (local.get $lanes))
            (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $lanes) (local.get $lanes)))))
        (local.set $chunk
          (f64.add (f64x2.extract_lane 0 (local.get $pairs)) (f64x2.extract_lane 1 (local.get $pairs))))
        (f64.store (local.get $chunkSums) (local.get $chunk))
        (local.set $chunkSums (i32.add (local.get $chunkSums) (i32.const 8)))
        (local.set $total (f64.add (local.get $total) (local.get $chunk)))
        (br $nextChunk)))
    (local.get $total))

  ;; The weight of the entries ranked above entry `id` (a larger logit, or the same logit and a
  ;; lower id), summed as `exponentials` sums: float32 lanes over 64 entries, then float64.
  (func (export "massAbove")
    (param $logits i32) (param $count i32) (param $weights i32) (param $id i32) (result f64)
    (local $value v128) (local $ids v128) (local $limit v128) (local $x v128) (local $offset i32)
    (local $end i32) (local $chunkEnd i32) (local $lanes v128) (local $pairs v128) (local $mass f64)
    (local.set $value
      (f32x4.splat (f32.load (i32.add (local.get $logits) (i32.shl (local.get $id) (i32.const 2))))))
    (local.set $ids (v128.const i32x4 0 1 2 3))
    (local.set $limit (i32x4.splat (local.get $id)))
    (local.set $end (i32.shl (local.get $count) (i32.const 2)))
    (block $done
      (loop $nextChunk
        (br_if $done (i32.ge_u (local.get $offset) (local.get $end)))
        (local.set $lanes (v128.const f32x4 0 0 0 0))
        (local.set $chunkEnd (i32.add (local.get $offset) (i32.const 256)))
        (loop $nextVector
          (local.set $x (v128.load (i32.add (local.get $logits) (local.get $offset))))
          (local.set $lanes
            (f32x4.add (local.get $lanes)
              (v128.and (v128.load (i32.add (local.get $weights) (local.get $offset)))
                (v128.or (f32x4.gt (local.get $x) (local.get $value))
                  (v128.and (f32x4.eq (local.get $x) (local.get $value))
                    (i32x4.lt_s (local.get $ids) (local.get $limit)))))))
          (local.set $ids (i32x4.add (local.get $ids) (v128.const i32x4 4 4 4 4)))
          (local.set $offset (i32.add (local.get $offset) (i32.const 16)))
          (br_if $nextVector (i32.lt_u (local.get $offset) (local.get $chunkEnd))))
        (local.set $pairs
          (f64x2.add (f64x2.promote_low_f32x4 (local.get $lanes))
            (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $lanes) (local.get $lanes)))))
        (local.set $mass
          (f64.add (local.get $mass)
            (f64.add (f64x2.extract_lane 0 (local.get $pairs)) (f64x2.extract_lane 1 (local.get $pairs)))))
        (br $nextChunk)))
    (local.get $mass))
)
