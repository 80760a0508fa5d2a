import { pantryServerBinary } from '../src/testing/server-binary.js';

/** Builds the Go server once for every test worker (they read PANTRY_SERVER_BIN). */
export default async function setup(): Promise<void> {
  process.env.PANTRY_SERVER_BIN = await pantryServerBinary();
}
