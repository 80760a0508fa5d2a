/**
 * The fake pantry of `@pantry/client/testing`: `createFakePantry()`, its handlers, scripted
 * faults and statuses.
 *
 * @example
 * import { createFakePantry, fakeStatus, detail } from '@pantry/client/testing';
 */
export {
  createFakePantry,
  type FakeCall,
  type FakeHandler,
  type FakeHandlers,
  type FakeMethod,
  type FakePantry,
  type FakePantryOptions,
  type FakeRequest,
  type FakeResponse,
  type FakeResponseInput,
} from './fake-pantry.js';
export type { FaultScript } from './faults.js';
export type { HandlerContext } from './handler-context.js';
export { detail, fakeStatus } from './status.js';
