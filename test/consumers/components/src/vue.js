import './events.js';
import { createApp } from 'vue';
import { defineVeilImage } from 'veil-nsfw/element';
import App from './App.vue';

defineVeilImage({ detector: { model: '/models/320n.onnx' } });
createApp(App).mount('#app');
