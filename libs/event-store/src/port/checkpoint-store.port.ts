export const CHECKPOINT_STORE = Symbol('CHECKPOINT_STORE');

/**
 * Where subscribers (the event relay, projections shared by several processes) remember how far they got.
 * Adapters: SQLite (embedded) and a NATS JetStream KV bucket (distributed).
 */
export interface CheckpointStore {
  /** The stored position, or null if none yet. */
  load(name: string): Promise<bigint | null>;
  /**
   * Store `position` only if it is greater than the stored one (checkpoints never go backwards, even when several
   * copies of a subscriber race). Returns the checkpoint in force afterwards.
   */
  advance(name: string, position: bigint): Promise<bigint>;
  close(): Promise<void>;
}
