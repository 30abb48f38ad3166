/**
 * Where HTTP/1.1 requests begin and end in a connection's byte stream (RFC 9112 framing), as a
 * push parser that never buffers more than one header line: the request head up to its empty
 * line, then a body of `Content-Length` bytes or `chunked`, then the next request. It decides
 * nothing about a request but its extent; {@linkcode serveWithDeadlines} uses it to bound how
 * long a client may take over each part.
 *
 * Refused, as request smugglers use them: `Content-Length` with `Transfer-Encoding`, differing
 * or malformed lengths, a coding other than a final `chunked`, a malformed chunk, a head over
 * `maxHeadBytes`, and HTTP/2's preface (only HTTP/1 is framed here).
 *
 * @module
 */
import { CirtusAIError } from "../sdk/errors.ts";

/** Where the stream is: between requests, in a head, or in a body. */
export type FramingPhase = "idle" | "head" | "body";

const CR = 13;
const LF = 10;
const MAX_LINE = 8 * 1024; // a chunk-size line, or one header line we look into
// Chunked body sub-states.
const SIZE = 0, DATA = 1, DATA_END = 2, TRAILERS = 3;

/** Thrown by {@linkcode Http1Framing.push} for a stream that is not well-framed HTTP/1.1. */
export class FramingError extends CirtusAIError {
  /** 400, or 431 for a head that is too large. */
  readonly status: 400 | 431;
  constructor(message: string, status: 400 | 431 = 400) {
    super(message);
    this.status = status;
  }
}

/** The framing of one connection's requests. */
export class Http1Framing {
  /** Where the stream is after the bytes pushed so far. */
  phase: FramingPhase = "idle";
  /** Requests begun (their first byte read). */
  starts = 0;
  /** Requests whose head was read whole. */
  heads = 0;
  readonly #maxHeadBytes: number;
  #headBytes = 0;
  #line: number[] = [];
  #lineLong = false; // the current line is longer than we keep (its bytes are not kept)
  #lines = 0; // lines of this head so far
  #length: number | null = null; // Content-Length of this head
  #chunked = false;
  #remaining = 0; // body bytes (or chunk bytes) still to come
  #chunkState = SIZE;

  /** `maxHeadBytes`: the longest request head (request line and headers); default 64 KiB. */
  constructor(options: { maxHeadBytes?: number } = {}) {
    this.#maxHeadBytes = options.maxHeadBytes ?? 64 * 1024;
  }

  /** Reads `bytes`, the stream's next part; throws a {@linkcode FramingError} when malformed. */
  push(bytes: Uint8Array): void {
    let i = 0;
    while (i < bytes.length) {
      if (this.phase === "body") {
        if (!this.#chunked || this.#chunkState === DATA) {
          const take = Math.min(this.#remaining, bytes.length - i);
          this.#remaining -= take;
          i += take;
          if (this.#remaining === 0) {
            if (this.#chunked) this.#chunkState = DATA_END;
            else this.phase = "idle";
          }
          continue;
        }
        this.#chunkByte(bytes[i++]);
        continue;
      }
      this.#headByte(bytes[i++]);
    }
  }

  #headByte(byte: number): void {
    if (this.phase === "idle") {
      // Empty lines before a request line are allowed (RFC 9112 §2.2) and belong to no request.
      if (byte === CR || byte === LF) return;
      this.phase = "head";
      this.starts++;
      this.#headBytes = 0;
      this.#lines = 0;
      this.#length = null;
      this.#chunked = false;
    }
    if (++this.#headBytes > this.#maxHeadBytes) {
      throw new FramingError("Request head too large", 431);
    }
    if (byte !== LF) {
      if (this.#line.length < MAX_LINE) this.#line.push(byte);
      else this.#lineLong = true;
      return;
    }
    let end = this.#line.length;
    if (end > 0 && this.#line[end - 1] === CR) end--;
    if (end === 0 && !this.#lineLong) {
      this.#line.length = 0;
      this.#endHead();
      return;
    }
    if (this.#lines++ === 0) this.#requestLine(end);
    else this.#headerLine(end);
    this.#line.length = 0;
    this.#lineLong = false;
  }

  #requestLine(end: number): void {
    if (this.#lineLong) throw new FramingError("Request line too long", 431);
    const line = String.fromCharCode(...this.#line.slice(0, end));
    if (line.startsWith("PRI * HTTP/2")) throw new FramingError("Only HTTP/1 is served here");
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+ \S+ HTTP\/1\.[01]$/.test(line)) {
      throw new FramingError("Malformed request line");
    }
  }

  #headerLine(end: number): void {
    // Only Content-Length and Transfer-Encoding frame a request: other lines (a long Cookie, say)
    // are not decoded. A line is looked into when it starts "con" or "tra", in any case.
    const bytes = this.#line;
    const lower = (i: number) => bytes[i] | 0x20;
    const con = lower(0) === 0x63 && lower(1) === 0x6f && lower(2) === 0x6e;
    const tra = lower(0) === 0x74 && lower(1) === 0x72 && lower(2) === 0x61;
    if (!con && !tra) return;
    const line = String.fromCharCode(...this.#line.slice(0, end));
    const colon = line.indexOf(":");
    if (colon < 0) return;
    const name = line.slice(0, colon).toLowerCase();
    if (this.#lineLong && (name === "content-length" || name === "transfer-encoding")) {
      throw new FramingError(`${name} too long`, 431); // its whole value was not kept
    }
    const value = line.slice(colon + 1).trim();
    if (name === "content-length") {
      // A list of equal values is one length (RFC 9110 §8.6); anything else is refused.
      for (const part of value.split(",")) {
        const text = part.trim();
        if (!/^[0-9]{1,15}$/.test(text)) throw new FramingError("Malformed Content-Length");
        const length = Number(text);
        if (this.#length !== null && this.#length !== length) {
          throw new FramingError("Conflicting Content-Length");
        }
        this.#length = length;
      }
    } else if (name === "transfer-encoding") {
      const codings = value.toLowerCase().split(",").map((s) => s.trim()).filter(Boolean);
      if (this.#chunked || codings.length === 0 || codings.at(-1) !== "chunked") {
        throw new FramingError("Unsupported Transfer-Encoding");
      }
      if (codings.indexOf("chunked") !== codings.length - 1) {
        throw new FramingError("Unsupported Transfer-Encoding");
      }
      this.#chunked = true;
    }
  }

  #endHead(): void {
    if (this.#lines === 0) throw new FramingError("Malformed request line");
    if (this.#chunked && this.#length !== null) {
      throw new FramingError("Both Content-Length and Transfer-Encoding");
    }
    this.heads++;
    if (this.#chunked) {
      this.phase = "body";
      this.#chunkState = SIZE;
    } else if (this.#length) {
      this.phase = "body";
      this.#remaining = this.#length;
    } else {
      this.phase = "idle";
    }
  }

  #chunkByte(byte: number): void {
    if (this.#chunkState === DATA_END) {
      // The CRLF after a chunk's data (a bare LF is tolerated, as for lines).
      if (byte === CR && this.#line.length === 0) {
        this.#line.push(CR);
        return;
      }
      if (byte !== LF) throw new FramingError("Malformed chunk");
      this.#line.length = 0;
      this.#chunkState = SIZE;
      return;
    }
    if (byte !== LF) {
      if (this.#line.length >= MAX_LINE) throw new FramingError("Chunk line too long");
      this.#line.push(byte);
      return;
    }
    let end = this.#line.length;
    if (end > 0 && this.#line[end - 1] === CR) end--;
    const line = String.fromCharCode(...this.#line.slice(0, end));
    this.#line.length = 0;
    if (this.#chunkState === TRAILERS) {
      if (line === "") this.phase = "idle";
      return;
    }
    const size = /^([0-9A-Fa-f]{1,12})[ \t]*(;.*)?$/.exec(line);
    if (!size) throw new FramingError("Malformed chunk size");
    this.#remaining = parseInt(size[1], 16);
    this.#chunkState = this.#remaining === 0 ? TRAILERS : DATA;
  }
}
