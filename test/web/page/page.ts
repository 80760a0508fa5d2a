// The test page's script: @pantry/client/web as a browser bundle, for the DevTools protocol to drive.
import * as pantry from '../../../src/web.js';

(globalThis as { pantry?: typeof pantry }).pantry = pantry;
document.body.dataset.ready = 'true';
