/**
 * The action popup: the current tab's trust status, login form and other sessions. `?tab=<id>` reports on that
 * tab instead (the popup opened in a tab, e.g. for screenshots); without it, opened in a tab, it reports on none.
 */
import { render } from 'preact';
import { localizePage } from '../shared/i18n.ts';
import { tabParam } from '../pages/page-api.ts';
import { App } from './App.tsx';

localizePage('extName');
const tabId = tabParam();
const app = document.getElementById('app');
if (app) render(<App {...(tabId !== undefined ? { tabId } : {})} closeAfterLogin={false} />, app);
