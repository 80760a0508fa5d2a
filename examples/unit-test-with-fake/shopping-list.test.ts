import { Code, createClient, PantryError } from '@pantry/client';
import { createFakePantry } from '@pantry/client/testing';
import { expect, it } from 'vitest';
import { shoppingList } from './shopping-list.js';

it('lists what runs low, across pages', async () => {
  await using fake = await createFakePantry();
  await using client = createClient(fake.address, fake.certDir);
  for (const [name, quantity] of [
    ['保存水 2L', 1],
    ['アルファ米', 5],
    ['缶パン', 0],
  ] as const)
    await client.foodStorage.addFood({ food: { name, quantity } });

  expect(await shoppingList(client, 2)).toEqual(['保存水 2L', '缶パン']);
  expect(fake.calls('listFoods')).toHaveLength(2); // two pages of two
});

it('survives one unavailable page (the client retries it) and reports a lasting failure', async () => {
  await using fake = await createFakePantry();
  await using client = createClient(fake.address, fake.certDir);
  await client.foodStorage.addFood({ food: { name: '乾パン', quantity: 1 } });

  fake.fault('listFoods', { code: Code.UNAVAILABLE, pushbackMs: 10 });
  expect(await shoppingList(client, 2)).toEqual(['乾パン']);

  fake.handle('listFoods', () => {
    throw new PantryError({ code: Code.PERMISSION_DENIED, details: 'this household is not yours' });
  });
  await expect(shoppingList(client, 2)).rejects.toMatchObject({ code: Code.PERMISSION_DENIED });
});
