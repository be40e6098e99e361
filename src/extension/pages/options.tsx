/** Options: the personal phrase the in-page indicator shows (what a page cannot forge). */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { ask } from '../shared/ask.ts';
import { t } from '../shared/i18n.ts';

function Options(): JSX.Element {
  const [phrase, setPhrase] = useState('');
  const [note, setNote] = useState<string | undefined>();
  useEffect(() => {
    void ask('get-phrase', {}).then((r) => {
      if (r.ok) setPhrase(r.value.phrase);
    });
  }, []);
  const save = async (e: Event) => {
    e.preventDefault();
    const r = await ask('set-phrase', { phrase });
    setNote(r.ok ? t('saved') : r.message);
  };
  return (
    <main>
      <h1>{t('optionsTitle')}</h1>
      <form onSubmit={save}>
        <label>
          {t('phraseLabel')}
          <input name="phrase" value={phrase} maxLength={200} onInput={(e) => setPhrase((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <p>{t('phraseHelp')}</p>
        <button type="submit">{t('save')}</button>
        {note !== undefined && <p role="status">{note}</p>}
      </form>
    </main>
  );
}

document.title = t('optionsTitle');
const app = document.getElementById('app');
if (app) render(<Options />, app);
