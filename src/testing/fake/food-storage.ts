import type { Category, Food } from '../../generated/pantry/v1/food.js';
import type {
  AddFoodRequest,
  AddFoodResponse,
  ConsumeFoodRequest,
  ConsumeFoodResponse,
  DeleteFoodRequest,
  DeleteFoodResponse,
  GetFoodRequest,
  GetFoodResponse,
  ListFoodsRequest,
  ListFoodsResponse,
  UpdateFoodRequest,
  UpdateFoodResponse,
} from '../../generated/pantry/v1/food_storage_service.js';
import { parseDate } from './calendar.js';
import type { FoodStore } from './food-store.js';
import { goQuote, runeCount } from './go-format.js';
import type { HandlerContext } from './handler-context.js';
import type { Outcome } from './request-ids.js';
import { Violations } from './violations.js';

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;
const MAX_NAME = 200;
const MAX_UNIT = 50;
const MAX_LOCATION = 200;
const MAX_REQUEST_ID = 200;
const KNOWN_CATEGORIES = 7;

/** The update_mask paths and what each copies, in the order of the proto. */
const WRITABLE: Record<string, (dst: Food, src: Food) => void> = {
  name: (d, s) => {
    d.name = s.name;
  },
  category: (d, s) => {
    d.category = s.category;
  },
  quantity: (d, s) => {
    d.quantity = s.quantity;
  },
  unit: (d, s) => {
    d.unit = s.unit;
  },
  best_before: (d, s) => {
    d.bestBefore = s.bestBefore;
  },
  location: (d, s) => {
    d.location = s.location;
  },
};
const WRITABLE_LIST = Object.keys(WRITABLE).join(', ');

type Ctx = Pick<HandlerContext, 'setHeader'>;

/**
 * The unary methods of `pantry.v1.FoodStorageService` over a {@link FoodStore}, validating
 * and answering as server/internal/service does: the same messages, details and headers.
 *
 * @example
 * const service = foodStorageService(new FoodStore(() => new Date()));
 * await service.getFood({ id: '' }, ctx); // throws INVALID_ARGUMENT "id: must not be empty"
 */
export function foodStorageService(store: FoodStore) {
  return {
    async addFood(req: AddFoodRequest, ctx: Ctx): Promise<AddFoodResponse> {
      const v = new Violations();
      if (req.food === undefined) v.add('food', 'required');
      else validateFood(v, 'food', req.food);
      validateRequestId(v, req.requestId);
      v.throwIfAny();
      const { food, outcome } = store.add(req.requestId, writableOf(req.food!));
      setOutcomeHeaders(ctx, outcome);
      return { food };
    },

    async getFood(req: GetFoodRequest): Promise<GetFoodResponse> {
      const v = new Violations();
      validateId(v, 'id', req.id);
      v.throwIfAny();
      return { food: store.get(req.id) };
    },

    async listFoods(req: ListFoodsRequest): Promise<ListFoodsResponse> {
      const v = new Violations();
      let size = req.pageSize;
      if (size < 0) v.add('page_size', 'must not be negative');
      else if (size > MAX_PAGE_SIZE) v.add('page_size', `must be at most ${MAX_PAGE_SIZE}`);
      else if (size === 0) size = DEFAULT_PAGE_SIZE;
      const after = decodePageToken(req.pageToken);
      if (after === undefined) v.add('page_token', 'is not a next_page_token of a previous ListFoods response');
      validateCategory(v, 'category', req.category);
      if (req.expiringBefore !== '') validateDate(v, 'expiring_before', req.expiringBefore);
      v.throwIfAny();
      const { foods, more } = store.list({
        after: after!,
        limit: size,
        category: req.category,
        expiringBefore: req.expiringBefore,
      });
      return { foods, nextPageToken: more ? encodePageToken(foods.at(-1)!.id) : '' };
    },

    async updateFood(req: UpdateFoodRequest): Promise<UpdateFoodResponse> {
      const v = new Violations();
      if (req.food === undefined) v.add('food', 'required');
      else validateId(v, 'food.id', req.food.id);
      let paths = req.updateMask ?? [];
      for (const p of paths)
        if (!(p in WRITABLE)) v.add('update_mask.paths', `${goQuote(p)} is not one of ${WRITABLE_LIST}`);
      if (paths.length === 0) paths = Object.keys(WRITABLE);
      v.throwIfAny();
      const src = writableOf(req.food!);
      const food = store.update(req.food!.id, (f) => {
        for (const p of paths) WRITABLE[p]!(f, src);
        const result = new Violations();
        validateFood(result, 'food', f);
        result.throwIfAny();
      });
      return { food };
    },

    async consumeFood(req: ConsumeFoodRequest, ctx: Ctx): Promise<ConsumeFoodResponse> {
      const v = new Violations();
      validateId(v, 'id', req.id);
      if (req.quantity < 1) v.add('quantity', 'must be at least 1');
      validateRequestId(v, req.requestId);
      v.throwIfAny();
      const { food, outcome, error } = store.consume(req.requestId, req.id, req.quantity);
      setOutcomeHeaders(ctx, outcome);
      if (error) throw error;
      return { food };
    },

    async deleteFood(req: DeleteFoodRequest, ctx: Ctx): Promise<DeleteFoodResponse> {
      const v = new Violations();
      validateId(v, 'id', req.id);
      validateRequestId(v, req.requestId);
      v.throwIfAny();
      const { outcome, error } = store.delete(req.requestId, req.id);
      setOutcomeHeaders(ctx, outcome);
      if (error) throw error;
      return {};
    },
  };
}

/** The client-writable fields of `f` (id and timestamps are the server's). */
function writableOf(f: Food): Food {
  const { name, category, quantity, unit, bestBefore, location } = f;
  return { id: '', name, category, quantity, unit, bestBefore, location, createdAt: undefined, updatedAt: undefined };
}

function validateFood(v: Violations, prefix: string, f: Food): void {
  const name = runeCount(f.name);
  if (name < 1 || name > MAX_NAME) v.add(`${prefix}.name`, `must be 1 to ${MAX_NAME} characters`);
  validateCategory(v, `${prefix}.category`, f.category);
  if (f.quantity < 0) v.add(`${prefix}.quantity`, 'must not be negative');
  if (runeCount(f.unit) > MAX_UNIT) v.add(`${prefix}.unit`, `must be at most ${MAX_UNIT} characters`);
  if (f.bestBefore !== '') validateDate(v, `${prefix}.best_before`, f.bestBefore);
  if (runeCount(f.location) > MAX_LOCATION) v.add(`${prefix}.location`, `must be at most ${MAX_LOCATION} characters`);
}

function validateCategory(v: Violations, field: string, c: Category): void {
  if (!(Number.isInteger(c) && c >= 0 && c <= KNOWN_CATEGORIES)) v.add(field, `${c} is not a known category`);
}

function validateDate(v: Violations, field: string, s: string): void {
  if (parseDate(s) === undefined) v.add(field, `${goQuote(s)} is not a YYYY-MM-DD date`);
}

function validateId(v: Violations, field: string, id: string): void {
  if (id === '') v.add(field, 'must not be empty');
}

function validateRequestId(v: Violations, id: string): void {
  if (runeCount(id) > MAX_REQUEST_ID) v.add('request_id', `must be at most ${MAX_REQUEST_ID} characters`);
}

function setOutcomeHeaders(ctx: Ctx, out: Outcome): void {
  if (out.attempt === 0) return;
  ctx.setHeader('pantry-attempt', String(out.attempt));
  if (out.replayed) ctx.setHeader('pantry-replayed', 'true');
}

/** A page token is the last id of the page in unpadded base64url; clients treat it as opaque. */
function encodePageToken(lastId: string): string {
  return Buffer.from(lastId).toString('base64url');
}

/** The id a token continues after (`''` for none), or `undefined` when it is not a token. */
function decodePageToken(token: string): string | undefined {
  if (token === '') return '';
  if (!/^[A-Za-z0-9_-]*$/.test(token) || token.length % 4 === 1) return undefined;
  const id = Buffer.from(token, 'base64url').toString('latin1');
  return /^food-[0-9]{8,}$/.test(id) ? id : undefined;
}
