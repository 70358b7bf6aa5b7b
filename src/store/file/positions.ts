// Where each event's line sits in audit.jsonl, so an audit page is read with one read call and
// validated, and nothing else keeps audit events in memory.

/** Bytes of an event's line in audit.jsonl, without its "\n". */
export interface EventLocation {
  readonly offset: number;
  readonly length: number;
}

export class LogPositions {
  private readonly offsets: number[] = [];
  private readonly lengths: number[] = [];
  /** Bytes of audit.jsonl folded so far: the offset just past the last line. */
  bytes = 0;

  /** Records the line of the next event. */
  add(location: EventLocation): void {
    this.offsets.push(location.offset);
    this.lengths.push(location.length);
    this.bytes = location.offset + location.length + 1;
  }

  location(seq: number): EventLocation | undefined {
    const offset = this.offsets[seq];
    const length = this.lengths[seq];
    return offset === undefined || length === undefined ? undefined : { offset, length };
  }

  /** Every line's length, by seq (what a snapshot records). */
  lineLengths(): readonly number[] {
    return this.lengths;
  }

  /** The positions of lines of these lengths from the start of the log, which must end at `bytes`. */
  static fromLengths(lengths: readonly number[], bytes: number): LogPositions {
    const positions = new LogPositions();
    let offset = 0;
    for (const length of lengths) {
      positions.add({ offset, length });
      offset += length + 1;
    }
    if (positions.bytes !== bytes)
      throw new Error(`its event lengths add up to ${positions.bytes} bytes, not ${bytes}`);
    return positions;
  }
}
