/**
 * The fake pantry of `@pantry/client/testing`: `createFakePantry()`, its handlers, scripted
 * faults and statuses.
 *
 * @example
 * import { createFakePantry, fakeStatus, detail } from '@pantry/client/testing';
 */
export { createFakePantry, type FakePantry } from './fake-pantry.js';
export type { FakePantryOptions } from './fake-options.js';
export type {
  FakeCall,
  FakeHandler,
  FakeHandlers,
  FakeMethod,
  FakeRequest,
  FakeResponse,
  FakeResponseInput,
} from './fake-handlers.js';
export type { FaultScript } from './faults.js';
export type { HandlerContext } from './handler-context.js';
export { detail, fakeStatus } from './status.js';
