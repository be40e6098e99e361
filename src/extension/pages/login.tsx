/**
 * The login UI as an extension page at a stable path: `pages/login.html?tab=<tabId>` (issue 4), also the
 * small popup window used when the action popup cannot open (`&close=1`: close after a successful login).
 */
import { render } from 'preact';
import { App } from '../popup/App.tsx';
import { localizePage } from '../shared/i18n.ts';
import { tabParam } from './page-api.ts';

const tabId = tabParam();
localizePage('loginTitle');
const app = document.getElementById('app');
if (app) render(<App {...(tabId !== undefined ? { tabId } : {})} closeAfterLogin={new URLSearchParams(location.search).get('close') === '1'} />, app);
