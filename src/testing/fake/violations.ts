import { Code } from '../../errors/code.js';
import type { PantryError } from '../../errors/pantry-error.js';
import { BadRequest } from '../../generated/google/rpc/error_details.js';
import { detail, fakeStatus } from './status.js';

/**
 * What is wrong with a request, field by field, as the Go server collects it
 * (server/internal/service/violations.go): `INVALID_ARGUMENT` whose message names every field
 * (`food.name: must be 1 to 200 characters; …`), with a `google.rpc.BadRequest` detail.
 *
 * @example
 * const v = new Violations();
 * if (!req.id) v.add('id', 'must not be empty');
 * v.throwIfAny();
 */
export class Violations {
  private readonly list: { field: string; description: string }[] = [];

  /** Records that `field` is invalid. */
  add(field: string, description: string): void {
    this.list.push({ field, description });
  }

  /** The status, or `undefined` when nothing was recorded. */
  status(): PantryError | undefined {
    if (this.list.length === 0) return undefined;
    const message = this.list.map((v) => `${v.field}: ${v.description}`).join('; ');
    return fakeStatus(Code.INVALID_ARGUMENT, message, [detail(BadRequest, { fieldViolations: this.list })]);
  }

  /** Throws the status when something was recorded. */
  throwIfAny(): void {
    const status = this.status();
    if (status) throw status;
  }
}
