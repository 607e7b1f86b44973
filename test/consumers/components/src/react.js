import './events.js';
import { StrictMode, createElement } from 'react';
import { createRoot } from 'react-dom/client';
import App from './App.jsx';
import Leak from './Leak.jsx';

// ?list=200: the leak test's page instead (Leak.jsx).
const list = Number(new URLSearchParams(location.search).get('list') ?? 0);
createRoot(document.getElementById('app')).render(createElement(StrictMode, null, list ? createElement(Leak, { size: list }) : createElement(App)));
