/**
 * The demo page: one image, a feed under blurOnRender, a form under
 * screenUploads, a clip under detectVideo and a camera under watchVideo, and
 * the settings that drive the detector they share.
 */
import { Engine, installedModels, type Setup } from './engine.js';
import { MODELS, type ModelId } from './models.js';
import { FeedTab } from './feed-tab.js';
import { formTab } from './form-tab.js';
import { imageTab } from './image-tab.js';
import { modelStatus } from './model-status.js';
import { SettingsForm, load, type Settings } from './settings.js';
import { videoTab } from './video-tab.js';

const TABS = ['image', 'feed', 'form', 'video', 'settings'] as const;
type Tab = (typeof TABS)[number];

const engine = new Engine();
const status = modelStatus();
engine.on((event) => status.update(event));

let installed: Record<ModelId, boolean> = { '320n': false, '640m': false, classifier: false, test: true };

/**
 * A model named in the page address (`?model=test`) wins over the settings until
 * the model is changed there: the tests open the page on the test model this
 * way, so that its verdicts on colour patches stay the same whatever is installed.
 */
let fromAddress = ((id) => (id && Object.hasOwn(MODELS, id) ? (id as ModelId) : null))(new URLSearchParams(location.search).get('model'));

/** The best installed: NudeNet 320n with the classifier beside it, else the classifier alone, else the test model. */
function best(): Setup {
  if (installed['320n']) return { model: '320n', withClassifier: installed.classifier };
  return { model: installed.classifier ? 'classifier' : 'test', withClassifier: false };
}

/** What to load: the model asked for (address, then settings) when installed, with the classifier beside NudeNet; else the best installed. */
function pickSetup(settings: Settings): Setup {
  const wanted = fromAddress ?? settings.model;
  status.missing(null);
  status.chosen(wanted === 'auto' ? null : fromAddress ? 'address' : 'settings');
  if (wanted === 'auto') return best();
  if (installed[wanted]) return { model: wanted, withClassifier: MODELS[wanted].kind === 'nudenet' && installed.classifier };
  const instead = best();
  status.missing(wanted, instead);
  status.chosen(null);
  return instead;
}

let lastModel = load().model;
const form = new SettingsForm(document.getElementById('settings') as HTMLFormElement, load(), (settings, change) => {
  if (change === 'policy') engine.setPolicy(settings.policy);
  if (change !== 'engine') return;
  // Choosing a model in the settings ends the address's choice, and the address says so.
  if (settings.model !== lastModel && fromAddress) {
    fromAddress = null;
    history.replaceState(null, '', location.pathname + location.hash);
  }
  lastModel = settings.model;
  void engine.start(settings, pickSetup(settings)).catch(() => undefined);
});

// Tabs: the WAI-ARIA pattern (arrow keys, Home and End), with the tab in the URL's hash.
let current: Tab = 'image';
const feed = new FeedTab(engine);
imageTab(engine, () => current === 'image');
formTab(engine);
const video = videoTab(engine, () => current === 'video');
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
  if (tab !== 'video') video.hidden();
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
  await engine.start(form.settings, pickSetup(form.settings)).catch(() => undefined);
})();
