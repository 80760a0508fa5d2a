// The quickstart: stock a few emergency foods, see what expires soon, eat one, say hello.
// Reads PANTRY_ADDRESS and PANTRY_CERT_DIR (ca.crt, client.crt, client.key); `npm run demo` sets both.
import { Category, createClient, PantryError } from '@pantry/client';

const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

await using client = createClient();

const { message } = await client.hello.hello({ name: 'pantry' });
console.log(`👋 ${message}  (via ${client.address}, mutual TLS)`);

const stock = [
  {
    name: '保存水 2L',
    category: Category.WATER,
    quantity: 6,
    unit: 'bottle',
    bestBefore: day(400),
    location: '玄関の収納',
  },
  {
    name: 'アルファ米 五目ごはん',
    category: Category.STAPLE,
    quantity: 10,
    unit: 'pack',
    bestBefore: day(20),
    location: 'パントリー',
  },
  {
    name: 'サバ缶',
    category: Category.CANNED,
    quantity: 4,
    unit: 'can',
    bestBefore: day(9),
    location: 'パントリー',
  },
  {
    name: 'レトルトカレー',
    category: Category.RETORT,
    quantity: 5,
    unit: 'pouch',
    bestBefore: day(90),
    location: 'パントリー',
  },
];
console.log('\n📦 Adding stock');
const ids: Record<string, string> = {};
for (const food of stock) {
  const { food: stored } = await client.foodStorage.addFood({ food });
  ids[food.name] = stored!.id;
  console.log(`  + ${stored!.id}  ${food.name} ×${food.quantity} (best before ${food.bestBefore})`);
}

console.log(`\n⏰ Expiring before ${day(30)}`);
const { foods } = await client.foodStorage.listFoods({ expiringBefore: day(30) });
for (const f of foods) console.log(`  - ${f.name} ×${f.quantity}, best before ${f.bestBefore}`);

const { food: eaten } = await client.foodStorage.consumeFood({ id: ids.サバ缶, quantity: 1 });
console.log(`\n🍽  Ate one サバ缶: ${eaten!.quantity} left`);

console.log('\n📡 Watching what expires within 30 days');
for await (const { food, daysLeft } of client.foodStorage.watchExpiringFoods({ withinDays: 30 })) {
  console.log(`  ${String(daysLeft).padStart(3)} days  ${food!.name}`);
}

try {
  await client.foodStorage.getFood({ id: 'food-99999999' });
} catch (err) {
  if (!(err instanceof PantryError)) throw err;
  console.log(`\n❓ A missing item answers ${err.codeName}: ${err.details}`);
}
console.log('\n✅ Quickstart done');
