/**
 * An HTTP/1.1 response as the Engine sends one, decoded incrementally from the bytes of a socket:
 * the status line, the headers, then a chunked, a sized or a read-to-close body. Body bytes are
 * handed on as views of the input, never copied or kept, so whoever feeds it decides what memory a
 * download uses (socketDownload.ts feeds it from one fixed buffer).
 */

/** More than any Engine response head; a peer that sends more is not an Engine. */
const MAX_HEAD_BYTES = 64 * 1024;
/** A chunk-size line (hex digits and extensions) or a trailer line. */
const MAX_LINE_BYTES = 4096;

export class HttpProtocolError extends Error {}

type BodyMode = 'head' | 'sized' | 'chunked' | 'toClose';
type ChunkState = 'size' | 'data' | 'dataEnd' | 'trailer';

export class HttpResponseDecoder {
  statusCode = 0;
  readonly headers = new Map<string, string>();
  /** The whole body has arrived (a sized body's length, a chunked body's last chunk). */
  done = false;
  /** Body bytes handed on so far. */
  bodyBytes = 0;

  private mode: BodyMode = 'head';
  private head = '';
  /** Bytes left of a sized body, or of the current chunk. */
  private remaining = 0;
  private chunk: ChunkState = 'size';
  private line = '';

  /** Feeds the next bytes; `onBody` gets views of `bytes` that are valid only during the call. */
  write(bytes: Buffer, onBody: (data: Buffer) => void): void {
    let at = 0;
    while (at < bytes.length && !this.done) {
      switch (this.mode) {
        case 'head':
          at = this.readHead(bytes, at);
          break;
        case 'sized': {
          const end = Math.min(bytes.length, at + this.remaining);
          this.body(bytes.subarray(at, end), onBody);
          this.remaining -= end - at;
          this.done = this.remaining === 0;
          at = end;
          break;
        }
        case 'toClose':
          this.body(bytes.subarray(at), onBody);
          at = bytes.length;
          break;
        case 'chunked':
          at = this.readChunked(bytes, at, onBody);
      }
    }
  }

  /** The peer closed the connection: a read-to-close body ends here; anything else was cut short. */
  end(): void {
    if (this.mode === 'toClose') {
      this.done = true;
    }
    if (!this.done) {
      throw new HttpProtocolError(
        this.mode === 'head' ? 'the connection closed before a response' : `the connection closed after ${this.bodyBytes} bytes, before the response ended (truncated)`,
      );
    }
  }

  private body(data: Buffer, onBody: (data: Buffer) => void): void {
    if (data.length) {
      this.bodyBytes += data.length;
      onBody(data);
    }
  }

  private readHead(bytes: Buffer, at: number): number {
    const seen = this.head.length;
    this.head += bytes.toString('latin1', at, Math.min(bytes.length, at + MAX_HEAD_BYTES + 1));
    const end = this.head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.head.length > MAX_HEAD_BYTES) {
        throw new HttpProtocolError(`no end of the response headers in ${MAX_HEAD_BYTES} bytes`);
      }
      return bytes.length;
    }
    this.parseHead(this.head.slice(0, end));
    const consumed = end + 4 - seen;
    this.head = '';
    return at + consumed;
  }

  private parseHead(text: string): void {
    const [statusLine, ...fields] = text.split('\r\n');
    const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine);
    if (!status) {
      throw new HttpProtocolError(`not an HTTP response: ${JSON.stringify(statusLine.slice(0, 40))}`);
    }
    this.statusCode = Number(status[1]);
    for (const field of fields) {
      const colon = field.indexOf(':');
      if (colon > 0) {
        this.headers.set(field.slice(0, colon).trim().toLowerCase(), field.slice(colon + 1).trim());
      }
    }
    const length = this.headers.get('content-length');
    if (/\bchunked\b/i.test(this.headers.get('transfer-encoding') ?? '')) {
      this.mode = 'chunked';
    } else if (length !== undefined) {
      if (!/^\d+$/.test(length)) {
        throw new HttpProtocolError(`a bad Content-Length: ${JSON.stringify(length.slice(0, 40))}`);
      }
      this.mode = 'sized';
      this.remaining = Number(length);
      this.done = this.remaining === 0;
    } else {
      this.mode = 'toClose';
    }
  }

  private readChunked(bytes: Buffer, at: number, onBody: (data: Buffer) => void): number {
    if (this.chunk === 'data') {
      const end = Math.min(bytes.length, at + this.remaining);
      this.body(bytes.subarray(at, end), onBody);
      this.remaining -= end - at;
      if (this.remaining === 0) {
        this.chunk = 'dataEnd';
      }
      return end;
    }
    const newline = bytes.indexOf(0x0a, at);
    const stop = newline < 0 ? bytes.length : newline;
    this.line += bytes.toString('latin1', at, Math.min(stop, at + MAX_LINE_BYTES + 1));
    if (this.line.length > MAX_LINE_BYTES) {
      throw new HttpProtocolError('a chunk header line too long');
    }
    if (newline < 0) {
      return bytes.length;
    }
    const line = this.line.replace(/\r$/, '');
    this.line = '';
    switch (this.chunk) {
      case 'size': {
        const size = /^([0-9a-fA-F]{1,12})(?:[ \t]*;.*)?$/.exec(line.trim());
        if (!size) {
          throw new HttpProtocolError(`a bad chunk size: ${JSON.stringify(line.slice(0, 40))}`);
        }
        this.remaining = parseInt(size[1], 16);
        this.chunk = this.remaining === 0 ? 'trailer' : 'data';
        break;
      }
      case 'dataEnd':
        if (line !== '') {
          throw new HttpProtocolError('a chunk longer than its size');
        }
        this.chunk = 'size';
        break;
      case 'trailer':
        this.done = line === '';
    }
    return newline + 1;
  }
}
