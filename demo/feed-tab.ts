/**
 * The feed tab: 60 generated photos under blurOnRender. Each is blurred before
 * it is first drawn, checked as it scrolls near, and unblurred when it passes.
 */
import { blurOnRender, type BlurController, type ModerationResult } from 'veil-nsfw';
import type { Engine } from './engine.js';
import { feedKind, makeSample } from './samples.js';

export const FEED_SIZE = 60;
const PEOPLE = ['Ana', 'Ben', 'Chiara', 'Dev', 'Emeka', 'Fatima', 'Gus', 'Hana', 'Ivo', 'Jun', 'Kemal', 'Lea'];

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export class FeedTab {
  readonly #engine: Engine;
  readonly #feed = $<HTMLOListElement>('feed');
  #blur: BlurController | null = null;
  #built: Promise<void> | null = null;
  #counts = { done: 0, pass: 0, review: 0, block: 0 };

  constructor(engine: Engine) {
    this.#engine = engine;
    this.#feed.addEventListener('veil:result', (event) => {
      const { result } = (event as CustomEvent<{ result: ModerationResult }>).detail;
      this.#count(result.decision);
    });
    this.#feed.addEventListener('veil:error', () => this.#count(null));
    $<HTMLInputElement>('feed-regions').addEventListener('change', () => this.restart());
    $('feed-rescan').addEventListener('click', () => this.restart());
  }

  #count(decision: 'pass' | 'review' | 'block' | null): void {
    this.#counts.done++;
    if (decision) this.#counts[decision]++;
    for (const [key, value] of Object.entries(this.#counts)) $(`count-${key}`).textContent = String(value);
  }

  /** Builds the feed the first time the tab is shown; blurOnRender is attached before any image is added. */
  show(): Promise<void> {
    this.#built ??= (async () => {
      this.#start();
      for (let i = 0; i < FEED_SIZE; i++) {
        const sample = await makeSample(i, feedKind(i));
        const li = document.createElement('li');
        li.className = 'post';
        const who = PEOPLE[i % PEOPLE.length]!;
        li.innerHTML = `
          <header class="post-head"><span class="avatar" aria-hidden="true">${who[0]}</span><span><strong>${who}</strong><span class="muted"> · ${sample.title}</span></span><span class="post-state" aria-hidden="true"></span></header>
          <img src="${URL.createObjectURL(sample.blob)}" width="${sample.width}" height="${sample.height}" alt="${sample.title}, shared by ${who}" decoding="async" />
          <p class="post-caption">Photo ${i + 1} of ${FEED_SIZE}</p>`;
        this.#feed.append(li);
      }
    })();
    return this.#built;
  }

  #start(): void {
    this.#counts = { done: 0, pass: 0, review: 0, block: 0 };
    for (const key of Object.keys(this.#counts)) $(`count-${key}`).textContent = '0';
    this.#blur = blurOnRender(this.#feed, {
      detector: this.#engine.shared,
      regions: $<HTMLInputElement>('feed-regions').checked,
    });
  }

  /** Checks every photo again, for new settings or the regions switch. */
  restart(): void {
    if (!this.#blur) return;
    this.#blur.dispose();
    this.#start();
  }
}
