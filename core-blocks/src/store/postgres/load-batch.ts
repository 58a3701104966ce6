/**
 * Point loads that wait for a database connection, sent together.
 *
 * Under load every call queues for one of the pool's few connections. Loads asked while a batch
 * waits for its connection join that batch; when the connection is free, the batch's keys go out in
 * one statement, and the next load starts a new batch. A load joins only a batch that has not been
 * sent, so its answer is read after it was asked: it sees every write committed before, exactly
 * as a load of its own would. Loads of the same key in one batch share one row.
 */
export class LoadBatcher<Key, Row> {
  #waiting: Map<string, Waiting<Key, Row>> | undefined;

  constructor(
    private readonly keyOf: (key: Key) => string,
    /**
     * Waits for a connection, then calls `take` once, which closes the batch and returns its
     * keys, and answers the rows found, by `keyOf`. Called once per batch.
     */
    private readonly send: (take: () => Key[]) => Promise<Map<string, Row>>,
  ) {}

  load(key: Key): Promise<Row | undefined> {
    let batch = this.#waiting;
    if (batch === undefined) {
      batch = new Map();
      this.#waiting = batch;
      this.#sendBatch(batch);
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
    const close = () => {
      if (this.#waiting === batch) this.#waiting = undefined;
    };
    const take = () => {
      close();
      return [...batch.values()].map((entry) => entry.key);
    };
    this.send(take).then(
      (rows) => {
        for (const [id, entry] of batch) {
          const row = rows.get(id);
          for (const answer of entry.answers) answer.resolve(row);
        }
      },
      (error: unknown) => {
        close();
        for (const entry of batch.values()) {
          for (const answer of entry.answers) answer.reject(error);
        }
      },
    );
  }
}

interface Waiting<Key, Row> {
  key: Key;
  answers: Array<{ resolve(row: Row | undefined): void; reject(error: unknown): void }>;
}
