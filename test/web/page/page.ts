// The test page's script: @pantry/client/web as a browser bundle, for the DevTools protocol to drive.
import * as pantry from '../../../src/web.js';

// The project compiles without the DOM library: the page's globals are typed here.
const page = globalThis as unknown as {
  pantry: typeof pantry;
  document: { body: { dataset: Record<string, string> } };
};
page.pantry = pantry;
page.document.body.dataset.ready = 'true';
