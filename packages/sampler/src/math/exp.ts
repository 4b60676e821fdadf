/**
 * `exp(x)` for `x ≤ 0` — the softmax weights `exp(logit − max)` — in plain IEEE-754 double
 * arithmetic: `2^(j/256)` and `2^−n` from one table, and a degree-3 polynomial (relative error
 * below 2e-13, far below the float32 rounding of the logits themselves). Faster than `Math.exp`
 * in V8, and — unlike `Math.exp`, whose last bits the ECMAScript standard leaves to each
 * engine — the same result in every JavaScript engine, so seeded sampling picks the same tokens
 * everywhere.
 *
 * Hot loops call {@link exponentialWith} with the table held in a local: bundlers turn
 * module-level `const` into `var`, which the optimizer would otherwise re-check at every use.
 */

/**
 * `[0, 256)`: 2^(j/256), each summed as a Taylor series (within an ulp or two);
 * `[256, 1357)`: 2^−n for n = 0 … 1100 (exact, by halving; 0 past the subnormals).
 */
export const exponentialTable: Float64Array = new Float64Array(256 + 1101);
for (let step = 0; step < 256; step++) {
  const argument = (step / 256) * Math.LN2;
  let term = 1;
  let sum = 1;
  for (let order = 1; order < 24; order++) {
    term = (term * argument) / order;
    sum += term;
  }
  exponentialTable[step] = sum;
}
exponentialTable[256] = 1;
for (let power = 1; power <= 1100; power++) {
  exponentialTable[256 + power] = exponentialTable[256 + power - 1] / 2;
}

/**
 * `exp(x)` for `x ≤ 0` (`-Infinity` and `NaN` → 0; positive `x` is outside the domain), given
 * {@link exponentialTable}.
 */
export function exponentialWith(x: number, table: Float64Array): number {
  if (!(x >= -745)) return 0;
  // steps = round(x · 256 / ln 2), by adding and subtracting 1.5 · 2^52.
  const steps = x * 369.3299304675746 + 6755399441055744 - 6755399441055744;
  // x − steps · ln 2 / 256 in two parts (fdlibm's ln2_hi, whose low 20 bits are zero, and ln2_lo).
  const remainder = x - steps * 0.00270760617331689 - steps * 7.453964567463233e-13;
  const whole = steps | 0;
  return (
    table[256 - (whole >> 8)] *
    table[whole & 255] *
    (1 + remainder * (1 + remainder * (0.5 + remainder * 0.16666666666666666)))
  );
}

/** `exp(x)` for `x ≤ 0` (`-Infinity` and `NaN` → 0). */
export function exponential(x: number): number {
  return exponentialWith(x, exponentialTable);
}
