// Start page: the map of the lab; the top bar shows the backend and the links keep its choice.
import { NAV, pageHref, run } from '../shell.js';

run('index', (ctx) => {
  // The map's links keep the backend choice, like the top bar's.
  for (const a of document.querySelectorAll<HTMLAnchorElement>('#map a')) {
    const page = NAV.find(([p]) => a.getAttribute('href') === `./${p}.html`)?.[0];
    if (page) a.href = pageHref(page, ctx.choice);
  }
});
