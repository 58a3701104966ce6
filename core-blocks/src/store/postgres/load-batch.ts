/**
 * Point loads that wait for a database connection, sent together.
 *
 * At most `maxInFlight` batches are sent at once. Loads asked while the batches in flight are
 * answered join the one waiting batch; when a batch in flight is answered (and a connection is
 * free), the waiting batch's keys go out in one statement, and the next load starts a new batch.
 * Under many concurrent loads this turns many round trips into few, leaving the pool's other
 * connections to writes. A load joins only a batch that has not been sent, so its answer is read
 * after it was asked: it sees every write committed before, exactly as a load of its own would.
 * Loads of the same key in one batch share one row.
 */
export class LoadBatcher<Key, Row> {
  #waiting: Map<string, Waiting<Key, Row>> | undefined;
  /** Batches sent and not yet answered. */
  #inFlight = 0;
  /** Whether the waiting batch has been handed to `send` (it may still wait for a connection). */
  #waitingSent = false;

  constructor(
    private readonly keyOf: (key: Key) => string,
    /**
     * Waits for a connection, then calls `take` once, which closes the batch and returns its
     * keys, and answers the rows found, by `keyOf`. Called once per batch.
     */
    private readonly send: (take: () => Key[]) => Promise<Map<string, Row>>,
    private readonly maxInFlight = 2,
  ) {}

  load(key: Key): Promise<Row | undefined> {
    let batch = this.#waiting;
    if (batch === undefined) {
      batch = new Map();
      this.#waiting = batch;
      this.#waitingSent = false;
      if (this.#inFlight < this.maxInFlight) this.#sendBatch(batch);
    }
    const id = this.keyOf(key);
    let entry = batch.get(id);
    if (entry === undefined) {
      entry = { key, answers: [] };
      batch.set(id, entry);
    }
    const answers = entry.answers;
    return new Promise((resolve, reject) => answers.push({ resolve, reject }));
  }

  #sendBatch(batch: Map<string, Waiting<Key, Row>>): void {
    this.#inFlight++;
    this.#waitingSent = true;
    const close = () => {
      if (this.#waiting === batch) this.#waiting = undefined;
    };
    const take = () => {
      close();
      return [...batch.values()].map((entry) => entry.key);
    };
    const settle = (answer: (entry: Waiting<Key, Row>, id: string) => void) => {
      this.#inFlight--;
      close();
      for (const [id, entry] of batch) answer(entry, id);
      // A batch that waited for a free slot goes now.
      const waiting = this.#waiting;
      if (waiting !== undefined && !this.#waitingSent) this.#sendBatch(waiting);
    };
    this.send(take).then(
      (rows) =>
        settle((entry, id) => {
          const row = rows.get(id);
          for (const answer of entry.answers) answer.resolve(row);
        }),
      (error: unknown) =>
        settle((entry) => {
          for (const answer of entry.answers) answer.reject(error);
        }),
    );
  }
}

interface Waiting<Key, Row> {
  key: Key;
  answers: Array<{ resolve(row: Row | undefined): void; reject(error: unknown): void }>;
}
