/**
 * A strict, bounded reading of a Yjs v1 update before Yjs itself sees it.
 *
 * Yjs trusts its input: crafted bytes have made `applyUpdate` loop forever or allocate without
 * end (yjs issues 498, 479, 687), which a try/catch cannot stop. So every update from a client
 * is first walked here, in the same format Yjs reads (src/utils/encoding.js readClientsStructRefs,
 * readItemContent, the v1 delete set), with every count checked against the bytes left, every
 * length bounded, nesting bounded, and nothing left over. Only what passes reaches Yjs, inside
 * a try/catch, on a scratch copy first (room.ts).
 *
 * It also refuses content the documents never hold (binary, sub-documents, embeds, legacy JSON,
 * XML hooks, unknown root types), and tells whether an update carries anything at all.
 */

export class UpdateRejected extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export interface ScannedUpdate {
  /** Per client, the clock range its structs cover: [clock, clock + len). */
  structs: { client: number; clock: number; len: number }[];
  /** The delete set's ranges. */
  deletes: { client: number; clock: number; len: number }[];
  /** No struct and no deletion: nothing to apply (a reader's sync reply, an idle editor's). */
  empty: boolean;
}

/** Far above any honest struct (a deleted run of the largest document), far below trouble. */
const MAX_STRUCT_LEN = 10_000_000;
const MAX_CLOCK = 2 ** 52;
const MAX_ANY_DEPTH = 8;
/** Yjs's type refs (src/structs/ContentType.js): Array, Map, Text, XmlElement, XmlFragment, XmlText. XmlHook (5) is refused. */
const TYPE_REFS = new Set([0, 1, 2, 3, 4, 6]);
const XML_ELEMENT_REF = 3;

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  get left(): number {
    return this.buf.length - this.pos;
  }

  u8(): number {
    if (this.pos >= this.buf.length) throw new UpdateRejected('truncated');
    return this.buf[this.pos++]!;
  }

  varUint(): number {
    let num = 0;
    let mult = 1;
    for (let i = 0; i < 8; i++) {
      const r = this.u8();
      num += (r & 0x7f) * mult;
      if (r < 0x80) {
        if (num > Number.MAX_SAFE_INTEGER) throw new UpdateRejected('integer out of range');
        return num;
      }
      mult *= 128;
    }
    throw new UpdateRejected('integer too long');
  }

  /** An ID: client, clock. */
  id(): void {
    this.varUint();
    this.varUint();
  }

  /** lib0's varInt: the sign in the first byte's 0x40 bit. */
  varInt(): void {
    let r = this.u8();
    for (let i = 0; r & 0x80; i++) {
      if (i >= 8) throw new UpdateRejected('integer too long');
      r = this.u8();
    }
  }

  bytes(n: number): Uint8Array {
    if (n > this.left) throw new UpdateRejected('truncated');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string(): string {
    const len = this.varUint();
    const bytes = this.bytes(len);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new UpdateRejected('bad utf-8');
    }
  }

  json(): void {
    try {
      JSON.parse(this.string());
    } catch (err) {
      if (err instanceof UpdateRejected) throw err;
      throw new UpdateRejected('bad json');
    }
  }

  /** lib0's readAny, bounded in depth. */
  any(depth = 0): void {
    if (depth > MAX_ANY_DEPTH) throw new UpdateRejected('nesting too deep');
    const type = 127 - this.u8();
    switch (type) {
      case 0: // undefined
      case 1: // null
      case 6: // false
      case 7: // true
        return;
      case 2: // varInt
        return this.varInt();
      case 3: // float32
        this.bytes(4);
        return;
      case 4: // float64
      case 5: // bigint64
        this.bytes(8);
        return;
      case 8: // string
        this.string();
        return;
      case 9: {
        // object
        const n = this.count(2);
        for (let i = 0; i < n; i++) {
          this.string();
          this.any(depth + 1);
        }
        return;
      }
      case 10: {
        // array
        const n = this.count(1);
        for (let i = 0; i < n; i++) this.any(depth + 1);
        return;
      }
      case 11: // Uint8Array
        throw new UpdateRejected('binary value');
      default:
        throw new UpdateRejected('unknown value type');
    }
  }

  /** A count of things that take at least `min` bytes each: never more than the bytes left allow. */
  count(min: number): number {
    const n = this.varUint();
    if (n * min > this.left) throw new UpdateRejected('count beyond the message');
    return n;
  }
}

const BITS5 = 31;
const BIT6 = 32;
const BIT7 = 64;
const BIT8 = 128;

/**
 * Walks a v1 update. Throws UpdateRejected for anything Yjs could choke on or the documents
 * never hold; `roots` are the names of the document's shared types (e.g. ['items']).
 */
export function scanUpdate(update: Uint8Array, roots: readonly string[]): ScannedUpdate {
  const r = new Reader(update);
  const structs: ScannedUpdate['structs'] = [];
  const clients = r.count(3);
  const seenClients = new Set<number>();
  for (let c = 0; c < clients; c++) {
    const n = r.count(1);
    const client = r.varUint();
    if (seenClients.has(client)) throw new UpdateRejected('client twice');
    seenClients.add(client);
    let clock = r.varUint();
    const start = clock;
    for (let i = 0; i < n; i++) {
      const info = r.u8();
      const ref = info & BITS5;
      let len: number;
      if (ref === 0 || ref === 10) {
        // GC, Skip
        len = r.varUint();
      } else {
        if (info & BIT8) r.id(); // origin
        if (info & BIT7) r.id(); // right origin
        if ((info & (BIT7 | BIT8)) === 0) {
          const isKey = r.varUint() === 1;
          if (isKey) {
            const key = r.string();
            if (!roots.includes(key)) throw new UpdateRejected(`unknown shared type ${JSON.stringify(key.slice(0, 40))}`);
          } else r.id();
          if (info & BIT6) r.string(); // parentSub
        }
        len = content(r, ref);
      }
      if (len < 1 || len > MAX_STRUCT_LEN) throw new UpdateRejected('struct length out of range');
      clock += len;
      if (clock > MAX_CLOCK) throw new UpdateRejected('clock out of range');
    }
    if (clock > start) structs.push({ client, clock: start, len: clock - start });
  }
  const deletes: ScannedUpdate['deletes'] = [];
  const dsClients = r.count(2);
  for (let c = 0; c < dsClients; c++) {
    const client = r.varUint();
    const n = r.count(2);
    for (let i = 0; i < n; i++) {
      const clock = r.varUint();
      const len = r.varUint();
      if (len < 1 || len > MAX_STRUCT_LEN || clock + len > MAX_CLOCK) throw new UpdateRejected('deletion out of range');
      deletes.push({ client, clock, len });
    }
  }
  if (r.left !== 0) throw new UpdateRejected('bytes after the update');
  return { structs, deletes, empty: structs.length === 0 && deletes.length === 0 };
}

/** Reads an item's content (src/structs/Item.js contentRefs); returns its length in clock units. */
function content(r: Reader, ref: number): number {
  switch (ref) {
    case 1: // ContentDeleted
      return r.varUint();
    case 4: {
      // ContentString: its length in UTF-16 code units, as Yjs counts
      return r.string().length;
    }
    case 6: // ContentFormat: key, JSON value
      r.string();
      r.json();
      return 1;
    case 7: {
      // ContentType
      const typeRef = r.varUint();
      if (!TYPE_REFS.has(typeRef)) throw new UpdateRejected('unsupported shared type');
      if (typeRef === XML_ELEMENT_REF) r.string(); // node name
      return 1;
    }
    case 8: {
      // ContentAny
      const n = r.count(1);
      for (let i = 0; i < n; i++) r.any();
      return n;
    }
    case 2: // ContentJSON (legacy)
    case 3: // ContentBinary
    case 5: // ContentEmbed
    case 9: // ContentDoc (sub-documents)
      throw new UpdateRejected('content type not used by these documents');
    default:
      throw new UpdateRejected('unknown content');
  }
}
