/** Options: the personal phrase shown by the verified indicator and the login window (what a page cannot forge). */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { ask } from '../shared/ask.ts';
import { localizePage, t } from '../shared/i18n.ts';
import { Problem } from './failure.tsx';

function Options(): JSX.Element {
  const [phrase, setPhrase] = useState('');
  const [note, setNote] = useState<{ ok: boolean; text: string; detail?: string } | undefined>();
  useEffect(() => {
    void ask('get-phrase', {}).then((r) => {
      if (r.ok) setPhrase(r.value.phrase);
    });
  }, []);
  const save = async (e: Event) => {
    e.preventDefault();
    if (phrase.trim() === '') {
      setNote({ ok: false, text: t('phraseEmpty') });
      return;
    }
    const r = await ask('set-phrase', { phrase });
    if (r.ok) setPhrase(r.value.phrase);
    setNote(r.ok ? { ok: true, text: t('saved') } : { ok: false, text: t('saveFailed'), detail: r.message });
  };
  return (
    <main class="page">
      <h1>{t('optionsTitle')}</h1>
      <form onSubmit={save}>
        <label>
          {t('phraseLabel')}
          <input name="phrase" value={phrase} maxLength={200} aria-describedby="phrase-help"
            onInput={(e) => setPhrase((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <p id="phrase-help">{t('phraseHelp')}</p>
        <div class="buttons">
          <button type="submit" class="primary">{t('save')}</button>
        </div>
        {note !== undefined && (
          <div role={note.ok ? 'status' : 'alert'} class={note.ok ? 'ok' : 'error'}>
            {note.detail === undefined ? <p>{note.text}</p> : <Problem lead={note.text} message={note.detail} />}
          </div>
        )}
      </form>
      <p><a href="./onboarding.html">{t('howItWorks')}</a></p>
    </main>
  );
}

localizePage('optionsTitle');
const app = document.getElementById('app');
if (app) render(<Options />, app);
