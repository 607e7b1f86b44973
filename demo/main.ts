/**
 * The demo page: one image, a feed under blurOnRender, a form under
 * screenUploads, and the settings that drive the detector they share.
 */
import { Engine, installedModels, type ModelId } from './engine.js';
import { FeedTab } from './feed-tab.js';
import { formTab } from './form-tab.js';
import { imageTab } from './image-tab.js';
import { modelStatus } from './model-status.js';
import { SettingsForm, load, type Settings } from './settings.js';

const TABS = ['image', 'feed', 'form', 'settings'] as const;
type Tab = (typeof TABS)[number];

const engine = new Engine();
const status = modelStatus();
engine.on((event) => status.update(event));

let installed: Record<ModelId, boolean> = { '320n': false, '640m': false, test: true };

/** The model to load: the chosen one when installed, else NudeNet 320n when installed, else the test model. */
function pickModel(settings: Settings): ModelId {
  status.missing(null);
  if (settings.model === 'auto') return installed['320n'] ? '320n' : 'test';
  if (installed[settings.model]) return settings.model;
  status.missing(settings.model);
  return 'test';
}

const form = new SettingsForm(document.getElementById('settings') as HTMLFormElement, load(), (settings, change) => {
  if (change === 'policy') engine.setPolicy(settings.policy);
  else if (change === 'engine') void engine.start(settings, pickModel(settings)).catch(() => undefined);
});

// Tabs: the WAI-ARIA pattern (arrow keys, Home and End), with the tab in the URL's hash.
let current: Tab = 'image';
const feed = new FeedTab(engine);
imageTab(engine, () => current === 'image');
formTab(engine);
const tabButton = (tab: Tab) => document.getElementById(`tab-${tab}`) as HTMLButtonElement;

function select(tab: Tab, focus = false): void {
  current = tab;
  for (const t of TABS) {
    const on = t === tab;
    tabButton(t).setAttribute('aria-selected', String(on));
    tabButton(t).tabIndex = on ? 0 : -1;
    document.getElementById(`panel-${t}`)!.hidden = !on;
  }
  if (focus) tabButton(tab).focus();
  if (location.hash !== `#${tab}`) history.replaceState(null, '', `#${tab}`);
  if (tab === 'feed') void feed.show();
}

for (const tab of TABS) {
  const button = tabButton(tab);
  button.addEventListener('click', () => select(tab));
  button.addEventListener('keydown', (event) => {
    const i = TABS.indexOf(tab);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: TABS.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    select(TABS[(next + TABS.length) % TABS.length]!, true);
  });
}
window.addEventListener('hashchange', () => {
  const tab = location.hash.slice(1) as Tab;
  if (TABS.includes(tab)) select(tab);
});
select(TABS.includes(location.hash.slice(1) as Tab) ? (location.hash.slice(1) as Tab) : 'image');

void (async () => {
  installed = await installedModels();
  form.setModels(installed);
  await engine.start(form.settings, pickModel(form.settings)).catch(() => undefined);
})();
