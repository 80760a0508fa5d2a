import type { PantryClient } from '@pantry/client';

/**
 * App code under test: the names of the foods with fewer than `minimum` units in stock, read
 * page by page through the whole pantry.
 *
 * @example
 * await shoppingList(client, 2) // ['保存水 2L']
 */
export async function shoppingList(client: PantryClient, minimum: number): Promise<string[]> {
  const names: string[] = [];
  let pageToken = '';
  do {
    const page = await client.foodStorage.listFoods({ pageSize: 2, pageToken });
    for (const food of page.foods) if (food.quantity < minimum) names.push(food.name);
    pageToken = page.nextPageToken;
  } while (pageToken !== '');
  return names;
}
