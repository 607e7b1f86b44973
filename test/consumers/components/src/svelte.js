import './events.js';
import { mount } from 'svelte';
import { defineVeilImage } from 'veil-nsfw/element';
import App from './App.svelte';

defineVeilImage({ detector: { model: '/models/320n.onnx' } });
mount(App, { target: document.getElementById('app') });
