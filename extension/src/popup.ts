/**
 * The popup: on or off for this site and everywhere, strictness, whole image or
 * parts, and the counts on the page (its top frame). Each change is written to chrome.storage;
 * the page's content script follows it at once (no reload).
 */
import { loadSettings, saveSettings, type PageCounts, type Settings } from './settings.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** The tab whose page the popup speaks of: the active one, or the one named in ?tab= (the tests open the popup as a page). */
async function tabId(): Promise<number | undefined> {
  const named = new URLSearchParams(location.search).get('tab');
  if (named) return Number(named);
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  return tab?.id;
}

async function main(): Promise<void> {
  const tab = await tabId();
  let settings: Settings = await loadSettings();
  let host: string | null = null;

  const site = $<HTMLInputElement>('site');
  const everywhere = $<HTMLInputElement>('everywhere');
  const render = () => {
    everywhere.checked = settings.enabled;
    site.checked = settings.enabled && host !== null && !settings.offSites.includes(host);
    site.disabled = !settings.enabled || host === null;
    for (const input of document.querySelectorAll<HTMLInputElement>('input[type=radio]')) {
      input.checked = settings[input.name as 'policy' | 'cover'] === input.value;
    }
  };

  const refresh = async () => {
    const counts = tab === undefined ? undefined : ((await chrome.tabs.sendMessage(tab, { type: 'counts' }, { frameId: 0 }).catch(() => undefined)) as PageCounts | undefined);
    if (counts) {
      host = counts.host;
      $('host').textContent = host || 'this page';
      for (const dd of document.querySelectorAll<HTMLElement>('[data-count]')) dd.textContent = String(counts[dd.dataset.count as keyof PageCounts]);
    } else $('host').textContent = 'this page (Veil does not run here)';
    render();
  };

  everywhere.addEventListener('change', () => void saveSettings({ enabled: everywhere.checked }));
  site.addEventListener('change', () => {
    if (!host) return;
    const offSites = settings.offSites.filter((h) => h !== host);
    if (!site.checked) offSites.push(host);
    void saveSettings({ offSites });
  });
  for (const input of document.querySelectorAll<HTMLInputElement>('input[type=radio]')) {
    input.addEventListener('change', () => input.checked && void saveSettings({ [input.name]: input.value } as Partial<Settings>));
  }
  chrome.storage.onChanged.addListener(() => void loadSettings().then((s) => ((settings = s), render())));

  await refresh();
  setInterval(() => void refresh(), 1000);
}

void main();
