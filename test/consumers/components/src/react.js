import './events.js';
import { StrictMode, createElement } from 'react';
import { createRoot } from 'react-dom/client';
import App from './App.jsx';
import Leak from './Leak.jsx';
import Upload from './Upload.jsx';

// ?list=200: the leak test's page (Leak.jsx); ?upload: an upload form (Upload.jsx).
const params = new URLSearchParams(location.search);
const list = Number(params.get('list') ?? 0);
const page = list ? createElement(Leak, { size: list }) : params.has('upload') ? createElement(Upload) : createElement(App);
createRoot(document.getElementById('app')).render(createElement(StrictMode, null, page));
