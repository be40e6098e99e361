/**
 * The one "Allow on all sites" step (issue 8), shown by the first-run page and the popup only while the host
 * permissions are missing (Firefox MV3 lets the user withhold or revoke them; Chromium grants them at install, so
 * there it never shows). The permission prompt is asked for straight from the click handler
 * (shared/host-permissions.ts: Firefox accepts `permissions.request` only while handling the user's action),
 * and the step disappears by itself when the permissions are granted — here or in about:addons.
 */
import { useEffect, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { hostPermissions, type PermissionsApi } from '../shared/host-permissions.ts';
import { t } from '../shared/i18n.ts';
import { pageApi } from './page-api.ts';

const permissions = hostPermissions(() => pageApi().permissions as unknown as PermissionsApi);

/** `compact`: the popup's narrower card. */
export function HostPermissionStep(props: { compact?: boolean }): JSX.Element | null {
  const [missing, setMissing] = useState(false);
  const [denied, setDenied] = useState(false);
  useEffect(() => {
    const check = () => void permissions.missing().then((m) => setMissing(m.length > 0));
    check();
    return permissions.onChange(check);
  }, []);
  if (!missing) return null;
  const grant = () => {
    // Called synchronously in the click handler: nothing awaited before the request (see the module comment).
    void permissions.request().then((ok) => {
      setDenied(!ok);
      if (ok) setMissing(false);
    });
  };
  return (
    <section class={props.compact ? 'card attention compact' : 'card attention'} aria-labelledby="perm-title" data-testid="host-permission">
      <h2 id="perm-title">{t('permissionTitle')}</h2>
      <p>{t('permissionWhy')}</p>
      <div class="buttons">
        <button type="button" class="primary" onClick={grant}>{t('permissionGrant')}</button>
      </div>
      {denied && <p role="alert" class="error">{t('permissionDenied')}</p>}
    </section>
  );
}
