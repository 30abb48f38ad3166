/**
 * The key a per-client limit counts an address under. One host or customer network usually holds
 * a whole IPv6 /64 (2^64 addresses to rotate through), so an IPv6 address counts as its /64; an
 * IPv4-mapped IPv6 address (`::ffff:192.0.2.7`, what a dual-stack socket reports) as the IPv4
 * address it carries. Shared by the proxy's rate limit and the emulator's per-client login limit.
 *
 * @module
 */

/**
 * The limit key of `address`: IPv4 as it is, IPv6 as its /64 (`2001:db8:0:1::/64`), IPv4-mapped
 * IPv6 as IPv4; anything that is not an IP address (a name, `"local"`) as it is.
 */
export function clientKeyOf(address: string): string {
  if (!address.includes(":")) return address; // IPv4, or no address at all: the common case
  const groups = ipv6Groups(address);
  if (!groups) return address;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join(".");
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(":")}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (brackets and a zone allowed), or null. */
function ipv6Groups(text: string): number[] | null {
  let s = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  const tail: number[] = [];
  // A dotted IPv4 tail (::ffff:192.0.2.7) is two groups.
  const dotted = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (dotted) {
    const bytes = dotted.slice(2).map(Number);
    if (bytes.some((b) => b > 255)) return null;
    tail.push((bytes[0] << 8) | bytes[1], (bytes[2] << 8) | bytes[3]);
    s = dotted[1].endsWith("::") ? dotted[1] : dotted[1].slice(0, -1);
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === "" ? [] : part.split(":"));
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  const groups: number[] = [];
  for (const g of [...head, ...rest]) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
    groups.push(parseInt(g, 16));
  }
  const missing = 8 - groups.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const zeros = Array(halves.length === 2 ? missing : 0).fill(0);
  return [...groups.slice(0, head.length), ...zeros, ...groups.slice(head.length), ...tail];
}
