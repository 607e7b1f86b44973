/** One input or output as the manifest pins it; `type` is optional so an entry may leave it open. */
export interface TensorContract {
  readonly name: string;
  readonly type?: string;
  readonly shape: readonly number[];
}
