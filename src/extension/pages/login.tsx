/**
 * The login UI as an extension page at a stable path: `pages/login.html?tab=<tabId>` (issue 4), also the
 * small popup window used when the action popup cannot open (`&close=1`: close after a successful login).
 */
import { render } from 'preact';
import { App } from '../popup/App.tsx';
import { t } from '../shared/i18n.ts';

const params = new URLSearchParams(location.search);
const raw = params.get('tab');
const tabId = raw !== null && /^[0-9]+$/.test(raw) ? Number(raw) : undefined;
document.title = t('loginTitle');
const app = document.getElementById('app');
if (app) render(<App {...(tabId !== undefined ? { tabId } : {})} closeAfterLogin={params.get('close') === '1'} />, app);
