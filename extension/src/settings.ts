/**
 * The extension's settings, kept in chrome.storage.local. Every part of the
 * extension reads them from there and follows chrome.storage.onChanged, so a
 * change made in the popup takes effect on open pages without a reload.
 */
import type { PolicyPreset } from '../../src/index.js';

export type CoverMode = 'whole' | 'parts';
/** Which model screens images: the packaged classifier, NudeNet once installed, or both. */
export type ModelChoice = 'classifier' | 'nudenet' | 'both';

export interface Settings {
  /** Everywhere. */
  enabled: boolean;
  /** Hostnames where the user turned Veil off. */
  offSites: string[];
  policy: PolicyPreset;
  cover: CoverMode;
  models: ModelChoice;
  /** How long the detector's offscreen document may sit idle before it is closed, in ms. */
  idleCloseMs: number;
}

export const DEFAULTS: Settings = {
  enabled: true,
  offSites: [],
  policy: 'balanced',
  cover: 'whole',
  models: 'both',
  idleCloseMs: 20_000,
};

export async function loadSettings(): Promise<Settings> {
  const stored = await chrome.storage.local.get(Object.keys(DEFAULTS));
  return { ...DEFAULTS, ...(stored as Partial<Settings>) };
}

export const saveSettings = (patch: Partial<Settings>): Promise<void> => chrome.storage.local.set(patch);

export const onSite = (settings: Settings, host: string): boolean => settings.enabled && !settings.offSites.includes(host);

/** The counts of one page's images by state, as the popup shows them. */
export interface PageCounts {
  host: string;
  on: boolean;
  pass: number;
  review: number;
  block: number;
  error: number;
  waiting: number;
}

/** Messages between the extension's parts. */
export type Message =
  | { type: 'check'; id: number; url: string; data?: string }
  | { type: 'cancel'; id: number }
  | { type: 'counts' }
  | { type: 'status' };

/** What the offscreen document answers a check with: the result, or a Veil error's code and sentence. */
export type CheckAnswer = { result: import('../../src/index.js').ModerationResult } | { error: { code: string; message: string } };
