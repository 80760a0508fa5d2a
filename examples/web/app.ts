// The browser example: the pantry's foods that are about to expire, updated live as foods are
// added or updated, over gRPC-Web through Envoy. `npm run example:web` serves it against a local stack.
// Query parameters: api (Envoy's URL), token (a JWT for the JWT listener; none for mutual TLS), days.
import { createWebClient, type Food, PantryError } from '@pantry/client/web';

const params = new URLSearchParams(location.search);
const api = params.get('api') ?? 'https://localhost:8444';
const token = params.get('token') ?? undefined;
const days = Number(params.get('days') ?? 7);

const client = createWebClient(api, token ? { token } : {});
const list = document.querySelector('#foods') as HTMLUListElement;
const status = document.querySelector('#status') as HTMLParagraphElement;
const shown = new Map<string, { food: Food; daysLeft: number; live: boolean }>();

function when(daysLeft: number): string {
  if (daysLeft === 0) return 'today';
  if (daysLeft < 0) return `${-daysLeft} day${daysLeft === -1 ? '' : 's'} ago`;
  return `in ${daysLeft} day${daysLeft === 1 ? '' : 's'}`;
}

function render(): void {
  list.replaceChildren(
    ...[...shown.values()]
      .sort((a, b) => a.daysLeft - b.daysLeft || a.food.name.localeCompare(b.food.name))
      .map(({ food, daysLeft, live }) => {
        const li = document.createElement('li');
        li.dataset.id = food.id;
        li.className = [daysLeft < 0 ? 'past' : daysLeft <= 3 ? 'soon' : '', live ? 'new' : ''].join(' ').trim();
        const name = document.createElement('span');
        name.textContent = `${food.name} × ${food.quantity}${food.unit ? ` ${food.unit}` : ''}`;
        const due = document.createElement('span');
        due.className = 'when';
        due.textContent = when(daysLeft);
        li.append(name, due);
        return li;
      }),
  );
}

// Watch for ever: the snapshot first, then every food added or updated into the window. After a
// failure (the proxy restarted, a token expired) say why, then watch again.
for (let snapshotDone = false; ; ) {
  try {
    const watch = client.foodStorage.watchExpiringFoods({ withinDays: days, follow: true });
    status.textContent = `live: foods expiring within ${days} days, via ${api}`;
    setTimeout(() => (snapshotDone = true), 1_000);
    for await (const { food, daysLeft } of watch) {
      if (!food) continue;
      shown.set(food.id, { food, daysLeft, live: snapshotDone });
      render();
    }
  } catch (err) {
    status.textContent = `${err instanceof PantryError ? `${err.codeName}: ${err.hint ?? err.details}` : String(err)} (watching again in 2 s)`;
    await new Promise((r) => setTimeout(r, 2_000));
  }
}
