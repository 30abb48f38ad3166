// The input checks stay linear (issue: a 64 KB e-mail of dots held the server 12 s; an 80 KB DID
// took 9 s to decode): each input is timed at size N and 2N, and the ratio printed should be about
// 2 (linear) or 1 (refused by length at once), never about 4 (quadratic).
import { isPlausibleEmail } from "../src/sdk/arguments.ts";
import { isDidKey } from "../src/sdk/did.ts";

function time(fn: () => unknown, rounds = 50): number {
  fn();
  const started = performance.now();
  for (let i = 0; i < rounds; i++) fn();
  return (performance.now() - started) / rounds;
}

const inputs: [string, (n: number) => string, (s: string) => unknown][] = [
  ["e-mail of dots", (n) => `a@${".".repeat(n)}`, isPlausibleEmail],
  ["e-mail a.a.a...@b", (n) => `${"a.".repeat(n / 2)}@b`, isPlausibleEmail],
  ["did:key of base58", (n) => `did:key:z${"6".repeat(n)}`, isDidKey],
];
console.log("| input | 32 KB | 64 KB | ratio |");
console.log("|---|---|---|---|");
for (const [name, make, check] of inputs) {
  const small = make(32_768);
  const large = make(65_536);
  const a = time(() => check(small));
  const b = time(() => check(large));
  console.log(
    `| ${name} | ${(a * 1000).toFixed(1)} µs | ${(b * 1000).toFixed(1)} µs | ${
      (b / a).toFixed(2)
    } |`,
  );
}
