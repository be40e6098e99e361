/** The action popup: the current tab's login form / trust status, and the sessions list. */
import { render } from 'preact';
import { App } from './App.tsx';

const app = document.getElementById('app');
if (app) render(<App closeAfterLogin={false} />, app);
